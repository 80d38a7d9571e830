// Runners inside Alibaba Cloud sign in without stored keys: ACK's RRSA (the pod's token file), the
// ECS instance's RAM role, and role chaining (role-to-assume without oidc-provider-arn) onto keys or
// either of them. The bundle runs as the runner runs it against the emulator (STS checks the RPC
// signature of AssumeRole, SAE the V3 one) and, for the instance role, the fake metadata service on
// loopback, which the harness's test-only seam puts where 100.100.100.200 would be (the real address:
// test/peers/own-network.test.ts).
import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeMetadata } from '../../devkit/emulator/fake-metadata.mjs'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { emulator, KEY, stepInputs, type Emulator } from './fixtures.js'

const RRSA = {
  roleArn: 'acs:ram::1234567890123456:role/ack-arc-runner',
  oidcProviderArn: 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-c0ffee0123456789'
}
const DEPLOYER = 'acs:ram::6543210987654321:role/sae-deployer'

let sae: Emulator
let metadata: Awaited<ReturnType<typeof startFakeMetadata>> | undefined
const dirs: string[] = []
afterEach(async () => {
  await Promise.all([sae.stop(), metadata?.stop()])
  metadata = undefined
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** The step without key inputs; the emulator is SAE and STS. */
function keyless(extra: Record<string, string> = {}): Record<string, string> {
  const {
    'access-key-id': _id,
    'access-key-secret': _secret,
    ...inputs
  } = stepInputs(sae, {
    'sts-endpoint': sae.origin,
    ...extra
  })
  void _id
  void _secret
  return inputs
}

/** The pod's token file, as ACK's webhook mounts it: the token and a line break. */
function tokenFile(token: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rrsa-'))
  dirs.push(dir)
  const path = join(dir, 'token')
  writeFileSync(path, `${token}\n`)
  return path
}

const rrsaEnv = (file: string) => ({
  ALIBABA_CLOUD_ROLE_ARN: RRSA.roleArn,
  ALIBABA_CLOUD_OIDC_PROVIDER_ARN: RRSA.oidcProviderArn,
  ALIBABA_CLOUD_OIDC_TOKEN_FILE: file
})

/** Every temporary key STS issued in the run, for the masks it owes. */
const issued = () =>
  Object.fromEntries(
    sae.issuedKeys.flatMap((key, index) => [
      [`STS secret ${index + 1}`, key.accessKeySecret],
      [`STS token ${index + 1}`, key.securityToken]
    ])
  )

/** Who signed each call: the V3 Credential, or the RPC AccessKeyId. */
const signers = () =>
  sae
    .calls()
    .map(
      (call) =>
        `${call.action} ${/Credential=([^,]+)/.exec(call.headers.authorization ?? '')?.[1] ?? call.query.AccessKeyId ?? 'unsigned'}`
    )

describe('RRSA: the pod’s token file, exchanged with AssumeRoleWithOIDC', () => {
  test('the token, read and masked, goes to STS as GitHub’s ID token would; SAE is signed with the role’s key', async () => {
    sae = await emulator({ rrsa: RRSA })
    const token = sae.serviceAccountToken()
    const run = await runAction({
      inputs: keyless(),
      env: rrsaEnv(tokenFile(token)),
      expectMasked: () => ({ 'RRSA token': token, ...issued() })
    })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    const [exchange] = sae.calls()
    expect(exchange.headers.authorization).toBeUndefined()
    // As read, without the file's line break.
    expect(exchange.query).toMatchObject({
      Action: 'AssumeRoleWithOIDC',
      RoleArn: RRSA.roleArn,
      OIDCProviderArn: RRSA.oidcProviderArn,
      OIDCToken: token,
      RoleSessionName: 'github-actions-4242',
      DurationSeconds: '900'
    })
    expect(run.stdout).toContain(`\nSigned in as the RRSA role ${RRSA.roleArn} (ALIBABA_CLOUD_OIDC_TOKEN_FILE)\n`)
    expect(signers()).toEqual([
      'AssumeRoleWithOIDC unsigned',
      `ListSecrets ${sae.issuedKeys[0].accessKeyId}`,
      `CreateSecret ${sae.issuedKeys[0].accessKeyId}`
    ])
  })

  test('refused: the role, the provider, the token’s claims and the service-account trust policy; never the token', async () => {
    sae = await emulator({ rrsa: { ...RRSA, trustedSubject: 'system:serviceaccount:other:runner' } })
    const token = sae.serviceAccountToken()
    const run = await runAction({
      inputs: keyless(),
      env: rrsaEnv(tokenFile(token)),
      expectMasked: { 'RRSA token': token }
    })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^::error::STS refused role ${RRSA.roleArn} \\(RRSA, ALIBABA_CLOUD_ROLE_ARN\\) for OIDC provider ${RRSA.oidcProviderArn}: ` +
          'AssumeRoleWithOIDC failed: AuthenticationFail\\.NoPermission \\(HTTP 403, RequestId [0-9A-F-]{36}\\)'
      )
    )
    expect(run.errors[0]).toContain(
      'carried sub="system:serviceaccount:arc-runners:arc-runner", aud="sts.aliyuncs.com"'
    )
    expect(run.errors[0]).toContain('oidc:sub = system:serviceaccount:<namespace>:<service account>')
    expect(sae.calls().map((call) => call.action)).toEqual(['AssumeRoleWithOIDC'])
  })

  test('STS that cannot be reached (its name does not resolve) is said so, with no word of a trust policy', async () => {
    sae = await emulator({ rrsa: RRSA })
    const token = sae.serviceAccountToken()
    const run = await runAction({
      inputs: keyless({ 'sts-endpoint': '' }),
      env: rrsaEnv(tokenFile(token)),
      expectMasked: { 'RRSA token': token }
    })
    expect(run.errors).toEqual([
      `::error::STS could not be reached at sts.aliyuncs.com to assume role ${RRSA.roleArn} with RRSA: AssumeRoleWithOIDC failed: NetworkError (no HTTP response): ` +
        'could not reach sts.aliyuncs.com: ENOTFOUND (the host name does not resolve); check sts-endpoint and the runner network. ' +
        'On a runner inside a VPC (no public DNS or egress), set network: vpc (STS at sts-vpc.<region>.aliyuncs.com) or sts-endpoint'
    ])
  })

  test('a missing token file names the file, before any call', async () => {
    sae = await emulator({ rrsa: RRSA })
    const run = await runAction({ inputs: keyless(), env: rrsaEnv('/nonexistent/rrsa/token') })
    expect(run.errors).toEqual([
      "::error::Could not read the RRSA token file /nonexistent/rrsa/token (ALIBABA_CLOUD_OIDC_TOKEN_FILE): it does not exist; check the pod's RRSA configuration (the volume that holds the token)"
    ])
    expect(sae.calls()).toEqual([])
  })
})

describe('the ECS instance role (the fake metadata service, through the test-only seam)', () => {
  test('the role’s key from the metadata service signs SAE; the key and the session token are masked as they arrive', async () => {
    metadata = await startFakeMetadata()
    sae = await emulator({ keys: [metadata.key] })
    const service = metadata
    const run = await runAction({
      inputs: keyless(),
      env: { SAE_DEVKIT_METADATA_ADDRESS: service.address },
      expectMasked: {
        'metadata session token': service.sessionToken,
        'instance role secret': service.key.accessKeySecret,
        'instance role token': service.key.securityToken
      }
    })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(service.requests.map((request) => `${request.method} ${request.path} token:${request.token}`)).toEqual([
      'PUT /latest/api/token token:none',
      'GET /latest/meta-data/ram/security-credentials/ token:valid',
      'GET /latest/meta-data/ram/security-credentials/ci-runner token:valid'
    ])
    expect(signers()).toEqual([`ListSecrets ${service.key.accessKeyId}`, `CreateSecret ${service.key.accessKeyId}`])
    expect(run.stdout).toContain("\nSigned in as the ECS instance role 'ci-runner' (metadata service)\n")
  })

  test('ALIBABA_CLOUD_ECS_METADATA_DISABLED=true: the service is never asked, and the error says it was skipped', async () => {
    metadata = await startFakeMetadata()
    sae = await emulator()
    const run = await runAction({
      inputs: keyless(),
      env: { SAE_DEVKIT_METADATA_ADDRESS: metadata.address, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' }
    })
    expect(run.errors[0]).toMatch(
      /^::error::No Alibaba Cloud credentials were found\..*metadata service at http:\/\/100\.100\.100\.200\): skipped, ALIBABA_CLOUD_ECS_METADATA_DISABLED is true\./
    )
    expect(metadata.requests).toEqual([])
  })

  test('an instance without a RAM role is one of the sources that found nothing', async () => {
    metadata = await startFakeMetadata({ roleName: '' })
    sae = await emulator()
    const run = await runAction({ inputs: keyless(), env: { SAE_DEVKIT_METADATA_ADDRESS: metadata.address } })
    expect(run.errors[0]).toContain(
      "the ECS instance's RAM role (metadata service at http://100.100.100.200): the metadata service answers, but this instance has no RAM role attached."
    )
  })

  test('a service that answers wrongly is named, with the role, and what it said is not printed', async () => {
    metadata = await startFakeMetadata({ mode: 'server-error' })
    sae = await emulator()
    const run = await runAction({ inputs: keyless(), env: { SAE_DEVKIT_METADATA_ADDRESS: metadata.address } })
    expect(run.errors).toEqual(["::error::The ECS instance role 'ci-runner': the metadata service answered HTTP 500"])
  })
})

describe('role chaining: role-to-assume without oidc-provider-arn', () => {
  test('from key inputs: AssumeRole signed with them (RPC signature checked by STS), SAE signed with the role’s key', async () => {
    sae = await emulator({ roles: [{ roleArn: DEPLOYER, trusts: [KEY.accessKeyId] }] })
    const run = await runAction({
      inputs: stepInputs(sae, { 'sts-endpoint': sae.origin, 'role-to-assume': DEPLOYER }),
      expectMasked: issued
    })
    expect(run.errors).toEqual([])
    const chained = sae.issuedKeys[0]
    expect(chained.roleArn).toBe(DEPLOYER)
    expect(run.stdout).toContain(
      `\nSigned in as role ${DEPLOYER} (STS AssumeRole, signed with the AccessKey ${KEY.accessKeyId} (access-key-id))\n`
    )
    expect(signers()).toEqual([
      `AssumeRole ${KEY.accessKeyId}`,
      `ListSecrets ${chained.accessKeyId}`,
      `CreateSecret ${chained.accessKeyId}`
    ])
    expect(sae.calls()[0].query).toMatchObject({
      RoleArn: DEPLOYER,
      RoleSessionName: 'github-actions-4242',
      DurationSeconds: '900',
      SignatureMethod: 'HMAC-SHA1'
    })
  })

  test('from the instance role: its temporary key signs AssumeRole with its SecurityToken', async () => {
    metadata = await startFakeMetadata()
    const service = metadata
    sae = await emulator({ keys: [service.key], roles: [{ roleArn: DEPLOYER, trusts: [service.key.accessKeyId] }] })
    const run = await runAction({
      inputs: keyless({ 'role-to-assume': DEPLOYER, 'role-session-name': 'deploy-prod' }),
      env: { SAE_DEVKIT_METADATA_ADDRESS: service.address },
      expectMasked: () => ({
        'instance role secret': service.key.accessKeySecret,
        'instance role token': service.key.securityToken,
        ...issued()
      })
    })
    expect(run.errors).toEqual([])
    const [assume] = sae.calls()
    expect(assume.query).toMatchObject({
      Action: 'AssumeRole',
      AccessKeyId: service.key.accessKeyId,
      SecurityToken: service.key.securityToken,
      RoleSessionName: 'deploy-prod'
    })
    expect(signers().slice(1)).toEqual([
      `ListSecrets ${sae.issuedKeys[0].accessKeyId}`,
      `CreateSecret ${sae.issuedKeys[0].accessKeyId}`
    ])
  })

  test('refused by the role’s trust policy: who asked, STS’s own words and the two usual causes', async () => {
    sae = await emulator({ roles: [{ roleArn: DEPLOYER, trusts: ['LTAI5tSomeoneElse'] }] })
    const run = await runAction({ inputs: stepInputs(sae, { 'sts-endpoint': sae.origin, 'role-to-assume': DEPLOYER }) })
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^::error::STS refused role ${DEPLOYER} \\(role-to-assume\\) to the AccessKey ${KEY.accessKeyId} \\(access-key-id\\): ` +
          'AssumeRole failed: NoPermission \\(HTTP 403, RequestId [0-9A-F-]{36}\\): No permission perform sts:AssumeRole on this Role\\. '
      )
    )
    expect(run.errors[0]).toContain("the role's trust policy does not trust that identity")
    expect(run.errors[0]).not.toContain('sae:ListSecrets')
    expect(sae.calls().map((call) => call.action)).toEqual(['AssumeRole'])
  })

  test('with nothing to sign AssumeRole: the "no credentials" error says it is role chaining, and what GitHub OIDC needs', async () => {
    sae = await emulator({ roles: [{ roleArn: DEPLOYER }] })
    const run = await runAction({ inputs: keyless({ 'role-to-assume': DEPLOYER }) })
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      /^::error::role-to-assume is given without oidc-provider-arn, so acs:ram::6543210987654321:role\/sae-deployer is assumed with STS AssumeRole \(role chaining\), signed with other Alibaba Cloud credentials, and none were found; for GitHub OIDC, give oidc-provider-arn too\. Tried, in order: /
    )
    expect(sae.calls()).toEqual([])
  })
})

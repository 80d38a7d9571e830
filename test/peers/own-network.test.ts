// The ECS metadata service at its real address, 100.100.100.200, which only a network namespace of
// the test's own may hold (devkit/harness/netns.mjs: `unshare -n`, as root or with sudo; a test that
// cannot make one fails with the reason). Each run is alone in its namespace with its loopback: the
// fake metadata service on that address, or nothing there, and the SAE emulator; the bundle runs as
// the runner runs it (devkit/harness/own-network-run.mjs). Nothing here can reach another machine.
import { describe, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { ROOT } from '../../devkit/harness/action-runner.mjs'
import { inOwnNetwork } from '../../devkit/harness/netns.mjs'

const RUN = join(ROOT, 'devkit', 'harness', 'own-network-run.mjs')
const DEPLOYER = 'acs:ram::6543210987654321:role/sae-deployer'
const NO_CREDENTIALS =
  "::error::No Alibaba Cloud credentials were found. Tried, in order: access-key-id and access-key-secret (from repository secrets): not given; role-to-assume and oidc-provider-arn (GitHub OIDC, no stored keys): not given; ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (run aliyun/configure-aliyun-credentials-action before this step to export them): not set; RRSA, an ACK pod's identity (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE): not set; the ECS instance's RAM role (metadata service at http://100.100.100.200): "
const GIVE = '. Give one of them (docs/self-hosted-runners.md shows RRSA and the instance role)'

interface OwnNetworkRun {
  run: { code: number; errors: string[]; visible: string; outputs: Record<string, string>; elapsedMs: number }
  metadataRequests: Array<{ method: string; path: string; ttl: boolean; token: string; status: number }>
  calls: Array<{ action: string; status: number; signer?: string }>
  instanceKeyId?: string
}

/** The step without keys: the emulator in the namespace is SAE and STS. */
const STEP = {
  'verify-login': 'false',
  'namespace-id': 'cn-hangzhou:prod',
  'secret-name': 'registry-auth',
  username: 'deploy@octo',
  password: 'pa55-w0rd-for-the-registry',
  endpoint: '$SAE',
  'sts-endpoint': '$SAE'
}

function scenario(config: object): Promise<OwnNetworkRun> {
  return inOwnNetwork(RUN, { namespaces: ['cn-hangzhou:prod'], inputs: STEP, ...config }) as Promise<OwnNetworkRun>
}

describe('an ECS instance with a RAM role', () => {
  test('the instance role signs SAE: session token, role name, key, as the metadata service was asked', async () => {
    const { run, metadataRequests, calls, instanceKeyId } = await scenario({ metadata: 'address', service: {} })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(run.visible.split('\n')).toContain("Signed in as the ECS instance role 'ci-runner' (metadata service)")
    expect(metadataRequests).toEqual([
      { method: 'PUT', path: '/latest/api/token', ttl: true, token: 'none', status: 200 },
      { method: 'GET', path: '/latest/meta-data/ram/security-credentials/', ttl: false, token: 'valid', status: 200 },
      {
        method: 'GET',
        path: '/latest/meta-data/ram/security-credentials/ci-runner',
        ttl: false,
        token: 'valid',
        status: 200
      }
    ])
    expect(
      calls.map((call) => `${call.action} ${call.signer === instanceKeyId ? 'instance key' : call.signer}`)
    ).toEqual(['ListSecrets instance key', 'CreateSecret instance key'])
  })

  test('role chaining from the instance role: AssumeRole signed with it, SAE with the role’s key', async () => {
    const { run, calls, instanceKeyId } = await scenario({
      metadata: 'address',
      service: {},
      roles: [{ roleArn: DEPLOYER, trusts: 'metadata' }],
      inputs: { ...STEP, 'role-to-assume': DEPLOYER }
    })
    expect(run.errors).toEqual([])
    expect(calls[0]).toMatchObject({ action: 'AssumeRole', status: 200, signer: instanceKeyId })
    expect(
      calls.slice(1).map((call) => [call.action, call.signer?.startsWith('STS.') && call.signer !== instanceKeyId])
    ).toEqual([
      ['ListSecrets', true],
      ['CreateSecret', true]
    ])
  })

  test('a service that accepts and never answers: bounded by timeout-seconds, and the error names it', async () => {
    const { run, metadataRequests, calls } = await scenario({
      metadata: 'address',
      service: { mode: 'hang' },
      inputs: { ...STEP, 'timeout-seconds': '2' },
      expect: 'failure'
    })
    expect(run.errors).toEqual([
      '::error::The ECS metadata service (http://100.100.100.200) accepted the connection but did not answer PUT /latest/api/token within timeout-seconds; ' +
        'check the instance (or set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true and give credentials another way)'
    ])
    expect(metadataRequests).toHaveLength(1)
    expect(calls).toEqual([])
  })
})

describe('no metadata service: the "no credentials" error, naming every source tried', () => {
  test('no route to the address (a machine outside Alibaba Cloud)', async () => {
    const { run, calls } = await scenario({ metadata: 'absent', expect: 'failure' })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([`${NO_CREDENTIALS}connecting failed: ENETUNREACH (the network is unreachable)${GIVE}`])
    expect(calls).toEqual([])
  })

  test('nothing listens at the address', async () => {
    const { run } = await scenario({ metadata: 'address', expect: 'failure' })
    expect(run.errors).toEqual([`${NO_CREDENTIALS}connecting failed: ECONNREFUSED (nothing listens there)${GIVE}`])
  })

  test('no answer to connecting (dropped): the connect bound, then the same error', async () => {
    const { run } = await scenario({ metadata: 'blackhole', expect: 'failure' })
    expect(run.errors).toEqual([`${NO_CREDENTIALS}nothing answered within 1 s${GIVE}`])
  })

  test('with role-to-assume alone it says so, and names oidc-provider-arn', async () => {
    const { run } = await scenario({
      metadata: 'absent',
      inputs: { ...STEP, 'role-to-assume': DEPLOYER },
      expect: 'failure'
    })
    expect(run.errors).toEqual([
      `::error::role-to-assume is given without oidc-provider-arn, so ${DEPLOYER} is assumed with STS AssumeRole (role chaining), ` +
        'signed with other Alibaba Cloud credentials, and none were found; for GitHub OIDC, give oidc-provider-arn too. Tried, in order: ' +
        'access-key-id and access-key-secret (from repository secrets): not given; ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET ' +
        "(run aliyun/configure-aliyun-credentials-action before this step to export them): not set; RRSA, an ACK pod's identity " +
        '(ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE): not set; ' +
        `the ECS instance's RAM role (metadata service at http://100.100.100.200): connecting failed: ENETUNREACH (the network is unreachable)${GIVE}`
    ])
  })
})

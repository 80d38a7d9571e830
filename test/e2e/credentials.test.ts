// Every way a workflow holds Alibaba Cloud credentials, through the bundle and the emulator
// (which checks the signature, and the security token of STS keys, on every call).
import { afterEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { emulator, KEY, stepInputs, type Emulator } from './fixtures.js'

const ROLE = 'acs:ram::1234567890123456:role/github-deploy'
const PROVIDER = 'acs:ram::1234567890123456:oidc-provider/github'
const STS_KEY = { accessKeyId: 'STS.NUgYrLnoC4', accessKeySecret: 'sts-s3cret', securityToken: 'CAIS+sts/token==' }

let sae: Emulator
afterEach(async () => sae.stop())

function withoutKeys(inputs: Record<string, string>): Record<string, string> {
  const { 'access-key-id': _id, 'access-key-secret': _secret, ...rest } = inputs
  void _id
  void _secret
  return rest
}

describe('static keys', () => {
  test('from the environment, as configure-aliyun-credentials-action exports them', async () => {
    sae = await emulator()
    const run = await runAction({
      inputs: withoutKeys(stepInputs(sae)),
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret }
    })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(sae.calls()[0].headers.authorization).toContain(`Credential=${KEY.accessKeyId},`)
  })

  test('STS keys from the environment sign with their token', async () => {
    sae = await emulator({ keys: [STS_KEY] })
    const run = await runAction({
      inputs: withoutKeys(stepInputs(sae)),
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: STS_KEY.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: STS_KEY.accessKeySecret,
        ALIBABA_CLOUD_SECURITY_TOKEN: STS_KEY.securityToken
      }
    })
    expect(run.errors).toEqual([])
    expect(sae.calls().every((call) => call.headers['x-acs-security-token'] === STS_KEY.securityToken)).toBe(true)
  })

  test('STS keys as inputs, ahead of other keys in the environment', async () => {
    sae = await emulator({ keys: [STS_KEY] })
    const run = await runAction({
      inputs: stepInputs(sae, {
        'access-key-id': STS_KEY.accessKeyId,
        'access-key-secret': STS_KEY.accessKeySecret,
        'security-token': STS_KEY.securityToken
      }),
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIother', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'other' }
    })
    expect(run.errors).toEqual([])
    expect(sae.calls()[0].headers.authorization).toContain(`Credential=${STS_KEY.accessKeyId},`)
  })

  test('an STS key without its token is refused by SAE and explained', async () => {
    sae = await emulator({ keys: [STS_KEY] })
    const run = await runAction({
      inputs: stepInputs(sae, { 'access-key-id': STS_KEY.accessKeyId, 'access-key-secret': STS_KEY.accessKeySecret })
    })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toMatch(
      /^::error::ListSecrets failed: InvalidSecurityToken\.Malformed \(HTTP 400, RequestId [0-9A-F-]{36}\): /
    )
  })

  test('a wrong secret fails once with SignatureDoesNotMatch and advice, not retried', async () => {
    sae = await emulator()
    const run = await runAction({ inputs: stepInputs(sae, { 'access-key-secret': 'not-the-secret' }) })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      /^::error::ListSecrets failed: SignatureDoesNotMatch \(HTTP 400, RequestId [0-9A-F-]{36}\): the request signature was refused; check that access-key-secret belongs to access-key-id/
    )
    expect(sae.calls()).toHaveLength(1)
  })

  test('no credentials at all: every source, before any call (nothing at the metadata address, as on a GitHub-hosted runner)', async () => {
    sae = await emulator()
    // The harness refuses the metadata address at once here; test/peers/own-network.test.ts has the real address.
    const run = await runAction({ inputs: withoutKeys(stepInputs(sae)) })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain('No Alibaba Cloud credentials were found')
    expect(run.errors[0]).toContain('access-key-id and access-key-secret')
    expect(run.errors[0]).toContain('role-to-assume and oidc-provider-arn')
    expect(run.errors[0]).toContain('aliyun/configure-aliyun-credentials-action')
    expect(run.errors[0]).toContain('ALIBABA_CLOUD_OIDC_TOKEN_FILE')
    expect(run.errors[0]).toContain(
      "the ECS instance's RAM role (metadata service at http://100.100.100.200): connecting failed: ECONNREFUSED (nothing listens there)"
    )
    expect(sae.calls()).toEqual([])
  })
})

describe('GitHub OIDC', () => {
  const oidcInputs = (extra: Record<string, string> = {}) => ({
    ...withoutKeys(stepInputs(sae)),
    'role-to-assume': ROLE,
    'oidc-provider-arn': PROVIDER,
    'sts-endpoint': sae.origin,
    ...extra
  })
  const runnerEnv = () => ({
    ACTIONS_ID_TOKEN_REQUEST_URL: sae.idTokenRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: sae.idTokenRequestToken ?? ''
  })

  test('ID token -> AssumeRoleWithOIDC (unsigned) -> SAE calls signed with the temporary key and token', async () => {
    sae = await emulator({ oidc: { roleArn: ROLE, oidcProviderArn: PROVIDER } })
    // The ID token and the temporary key are masked the moment they arrive, before any use.
    const issued = () => ({
      'GitHub ID token': sae.issuedIdTokens[0],
      'STS AccessKey secret': sae.issuedKeys[0].accessKeySecret,
      'STS security token': sae.issuedKeys[0].securityToken
    })
    const run = await runAction({ inputs: oidcInputs(), env: runnerEnv(), expectMasked: issued })
    expect([sae.issuedIdTokens.length, sae.issuedKeys.length]).toEqual([1, 1])
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    const [assume, ...saeCalls] = sae.calls()
    expect(assume.action).toBe('AssumeRoleWithOIDC')
    expect(assume.headers.authorization).toBeUndefined()
    expect(assume.query).toMatchObject({
      RoleArn: ROLE,
      OIDCProviderArn: PROVIDER,
      OIDCToken: sae.issuedIdTokens[0],
      RoleSessionName: 'github-actions-4242',
      DurationSeconds: '900'
    })
    expect(saeCalls.map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
    for (const call of saeCalls) {
      expect(call.headers.authorization).toMatch(/Credential=STS\./)
      expect(call.headers['x-acs-security-token']).toBe(sae.issuedKeys[0].securityToken)
    }
  })

  test('a custom audience, session name and duration reach the token and STS', async () => {
    sae = await emulator({ oidc: { roleArn: ROLE, oidcProviderArn: PROVIDER, audience: 'custom-aud' } })
    const run = await runAction({
      inputs: oidcInputs({
        audience: 'custom-aud',
        'role-session-name': 'deploy-prod',
        'role-duration-seconds': '3600'
      }),
      env: runnerEnv()
    })
    expect(run.errors).toEqual([])
    expect(sae.calls('AssumeRoleWithOIDC')[0].query).toMatchObject({
      RoleSessionName: 'deploy-prod',
      DurationSeconds: '3600'
    })
  })

  test('no ID-token environment: says to add permissions id-token: write', async () => {
    sae = await emulator({ oidc: { roleArn: ROLE, oidcProviderArn: PROVIDER } })
    const run = await runAction({ inputs: oidcInputs() })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      '::error::role-to-assume needs a GitHub ID token, but the runner offers none: add `permissions: id-token: write` to the job (or workflow); pull requests from forks never get one'
    ])
    expect(sae.calls()).toEqual([])
  })

  test('STS refusing the role names the role, the provider and the trust-policy cause', async () => {
    sae = await emulator({
      oidc: { roleArn: ROLE, oidcProviderArn: PROVIDER, trustedSubject: 'repo:someone-else/repo:ref:refs/heads/main' }
    })
    const run = await runAction({ inputs: oidcInputs(), env: runnerEnv() })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(`STS refused role ${ROLE} for OIDC provider ${PROVIDER}`)
    expect(run.errors[0]).toMatch(
      /AssumeRoleWithOIDC failed: AuthenticationFail\.NoPermission \(HTTP 403, RequestId [0-9A-F-]{36}\)/
    )
    expect(run.errors[0]).toContain("The usual cause is the role's trust policy")
    // The claims a trust policy tests, so the policy can be fixed from the log; never the token itself.
    expect(run.errors[0]).toContain(
      'The ID token carried sub="repo:octo-org/octo-repo:ref:refs/heads/main", aud="sts.aliyuncs.com", iss="https://token.actions.githubusercontent.com"'
    )
    expect(run.visible).not.toContain(sae.issuedIdTokens[0])
    expect(sae.calls().map((call) => call.action)).toEqual(['AssumeRoleWithOIDC'])
  })

  test('keys and OIDC inputs together are an input error, before any call', async () => {
    sae = await emulator({ oidc: { roleArn: ROLE, oidcProviderArn: PROVIDER } })
    const run = await runAction({
      inputs: { ...stepInputs(sae), 'role-to-assume': ROLE, 'oidc-provider-arn': PROVIDER },
      env: runnerEnv()
    })
    expect(run.errors).toEqual([
      "::error::Input 'access-key-id' cannot be combined with role-to-assume and oidc-provider-arn; use access keys or GitHub OIDC, not both " +
        '(role-to-assume without oidc-provider-arn assumes the role with the access keys)'
    ])
    expect(sae.calls()).toEqual([])
  })
})

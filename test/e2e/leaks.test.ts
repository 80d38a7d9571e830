// Runs every kind of scenario with RUNNER_DEBUG=1 and scans all a user or another step could read
// (the visible log, stderr, GITHUB_OUTPUT, the job summary) for every secret in every encoding,
// derived and temporary ones included. (The harness also scans every other end-to-end run for
// the secrets it was given.)
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { findLeaks, runAction } from '../../devkit/harness/action-runner.mjs'
import { authOf, emulator, KEY, PASSWORD, stepInputs, stored, USERNAME, type Emulator } from './fixtures.js'

const ROLE = 'acs:ram::1234567890123456:role/github-deploy'
const PROVIDER = 'acs:ram::1234567890123456:oidc-provider/github'
const STS_KEY = {
  accessKeyId: 'STS.LeakScan',
  accessKeySecret: 'sts-leak-s3cret+/',
  securityToken: 'CAIS+leak/token=='
}

type Run = Awaited<ReturnType<typeof runAction>>

function dockerConfigBase64(region: string): string {
  const entry = { username: USERNAME, password: PASSWORD, auth: authOf(USERNAME, PASSWORD) }
  return Buffer.from(
    JSON.stringify({
      auths: { [`registry-vpc.${region}.aliyuncs.com`]: entry, [`registry.${region}.aliyuncs.com`]: entry }
    })
  ).toString('base64')
}

let sae: Emulator
const runs: Array<{ scenario: string; run: Run }> = []

async function scenario(
  name: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  prepare: () => void = () => {}
) {
  prepare()
  const run = await runAction({ inputs, env: { RUNNER_DEBUG: '1', ...env } })
  runs.push({ scenario: name, run })
  return run
}

beforeAll(async () => {
  sae = await emulator({ keys: [KEY, STS_KEY], oidc: { roleArn: ROLE, oidcProviderArn: PROVIDER } })
  const runnerEnv = {
    ACTIONS_ID_TOKEN_REQUEST_URL: sae.idTokenRequestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: sae.idTokenRequestToken ?? ''
  }
  const base = stepInputs(sae)
  await scenario('create', base)
  await scenario('skip', base)
  await scenario(
    'update, changed',
    stepInputs(sae, { 'if-exists': 'update', 'namespace-id': 'cn-hangzhou:dev' }),
    {},
    () => sae.seedSecret('cn-hangzhou:dev', { name: 'registry-auth', data: stored({ auths: {} }) })
  )
  await scenario('update, unchanged', stepInputs(sae, { 'if-exists': 'update' }))
  await scenario('fail, existing', stepInputs(sae, { 'if-exists': 'fail' }))
  await scenario(
    'fan-out with a missing namespace',
    stepInputs(sae, { 'namespace-id': 'cn-beijing:prod,cn-hangzhou:nope,cn-hangzhou:staging' })
  )
  await scenario('dry run', stepInputs(sae, { 'dry-run': 'true' }))
  await scenario(
    'API error echoing the raw request',
    stepInputs(sae, { 'namespace-id': 'cn-hangzhou', 'if-exists': 'fail' }),
    {},
    () => sae.inject({ action: 'CreateSecret', kind: 'error', code: 'InvalidParameter.WithMessage', echoQuery: true })
  )
  await scenario(
    'unknown error code echoing the request',
    stepInputs(sae, { 'namespace-id': 'cn-hangzhou', 'if-exists': 'fail', 'secret-name': 'echo2' }),
    {},
    () => sae.inject({ action: 'CreateSecret', kind: 'error', status: 400, code: 'Some.NewCode', echoQuery: true })
  )
  await scenario(
    'throttled, HTML 502, then lost answer',
    stepInputs(sae, { 'secret-name': 'faults', 'if-exists': 'fail' }),
    {},
    () => {
      sae.inject({ action: 'CreateSecret', kind: 'throttle' })
      sae.inject({ action: 'CreateSecret', kind: 'html-502' })
      sae.inject({ action: 'CreateSecret', kind: 'reset-after' })
    }
  )
  await scenario('retries exhausted', stepInputs(sae, { 'secret-name': 'exhausted', 'max-attempts': '2' }), {}, () =>
    sae.inject({ action: 'ListSecrets', kind: 'rpc-error', times: 2 })
  )
  await scenario('wrong secret', stepInputs(sae, { 'access-key-secret': `${KEY.accessKeySecret}x` }))
  await scenario(
    'STS keys as inputs',
    stepInputs(sae, {
      'access-key-id': STS_KEY.accessKeyId,
      'access-key-secret': STS_KEY.accessKeySecret,
      'security-token': STS_KEY.securityToken,
      'secret-name': 'sts'
    })
  )
  await scenario(
    'STS keys from the environment',
    { ...stepInputs(sae, { 'secret-name': 'stsenv' }), 'access-key-id': '', 'access-key-secret': '' },
    {
      ALIBABA_CLOUD_ACCESS_KEY_ID: STS_KEY.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: STS_KEY.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: STS_KEY.securityToken
    }
  )
  const oidc = {
    ...stepInputs(sae, { 'secret-name': 'oidc' }),
    'access-key-id': '',
    'access-key-secret': '',
    'role-to-assume': ROLE,
    'oidc-provider-arn': PROVIDER,
    'sts-endpoint': sae.origin
  }
  await scenario('GitHub OIDC', oidc, runnerEnv)
  await scenario('GitHub OIDC, SAE refuses', { ...oidc, 'namespace-id': 'cn-hangzhou:nope' }, runnerEnv)
  await scenario('input error', stepInputs(sae, { 'if-exists': 'maybe' }))
  await scenario(
    'DEBUG=* set for the step',
    stepInputs(sae, {
      'secret-name': 'debugvar',
      'access-key-id': STS_KEY.accessKeyId,
      'access-key-secret': STS_KEY.accessKeySecret,
      'security-token': STS_KEY.securityToken
    }),
    { DEBUG: '*' }
  )
}, 120_000)

afterAll(async () => sae.stop())

describe('no secret reaches a log, an output or the summary', () => {
  test('the scenarios ran and did what they should', () => {
    const codes = Object.fromEntries(runs.map(({ scenario, run }) => [scenario, run.code]))
    expect(codes).toEqual({
      create: 0,
      skip: 0,
      'update, changed': 0,
      'update, unchanged': 0,
      'fail, existing': 1,
      'fan-out with a missing namespace': 1,
      'dry run': 0,
      'API error echoing the raw request': 1,
      'unknown error code echoing the request': 1,
      'throttled, HTML 502, then lost answer': 0,
      'retries exhausted': 1,
      'wrong secret': 1,
      'STS keys as inputs': 0,
      'STS keys from the environment': 0,
      'GitHub OIDC': 0,
      'GitHub OIDC, SAE refuses': 1,
      'input error': 1,
      'DEBUG=* set for the step': 0
    })
    // Debug lines were on, so the scan covers them.
    expect(runs[0].run.stdout).toContain('::debug::')
  })

  test('every secret, in every encoding, is absent from every stream', () => {
    const secrets: Record<string, string> = {
      password: PASSWORD,
      'auth (user:pass)': `${USERNAME}:${PASSWORD}`,
      'auth string': authOf(USERNAME, PASSWORD),
      'docker config (cn-hangzhou)': dockerConfigBase64('cn-hangzhou'),
      'docker config (cn-beijing)': dockerConfigBase64('cn-beijing'),
      'access key secret': KEY.accessKeySecret,
      'STS key secret': STS_KEY.accessKeySecret,
      'STS token': STS_KEY.securityToken,
      ...Object.fromEntries(
        sae.issuedKeys.flatMap((key: { accessKeySecret: string; securityToken: string }, i: number) => [
          [`OIDC key secret ${i}`, key.accessKeySecret],
          [`OIDC STS token ${i}`, key.securityToken]
        ])
      ),
      ...Object.fromEntries(sae.issuedIdTokens.map((token: string, i: number) => [`GitHub ID token ${i}`, token]))
    }
    expect(sae.issuedIdTokens.length).toBe(2)
    const leaks: string[] = []
    let scans = 0
    for (const { scenario, run } of runs) {
      const found = findLeaks(Object.entries(secrets), run)
      leaks.push(...found.leaks.map((leak) => `${scenario}: ${leak}`))
      scans += found.checks
    }
    expect(leaks).toEqual([])
    expect(scans).toBeGreaterThan(3000)
  })

  test('the echoed request was redacted, not dropped: the error still says what failed', () => {
    const echoed = runs.find((r) => r.scenario === 'API error echoing the raw request')!.run
    expect(echoed.errors).toHaveLength(1)
    expect(echoed.errors[0]).toMatch(
      /CreateSecret failed: InvalidParameter\.WithMessage \(HTTP 400, RequestId [0-9A-F-]{36}\): a parameter is invalid: Bad SecretData: .*(\*\*\*|\[redacted\])/
    )
  })
})

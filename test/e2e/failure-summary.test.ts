// Every failure writes a job summary that says what failed and what to do, and sets no secret-id
// or result: an input error, an STS refusal, a failed namespace. Never a secret in it.
import { afterEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { emulator, stepInputs, type Emulator } from './fixtures.js'

let sae: Emulator
const ROLE = 'acs:ram::1234567890123456:role/github-deploy'
const PROVIDER = 'acs:ram::1234567890123456:oidc-provider/github'
afterEach(async () => sae.stop())

describe('the summary of a failed step', () => {
  test('an input error: the error and that nothing was changed; results is {}, no secret-id or result', async () => {
    sae = await emulator()
    const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': 'updte' }) })
    expect(run.code).toBe(1)
    expect(run.summary).toBe(
      '## SAE image-pull Secret: failed\n\nInput \'if-exists\' must be skip, update or fail; got "updte"\n\nNo Secret was created, changed or deleted.\n\n' +
        'Provisioned by [deploy](https://github.com/octo-org/octo-repo/actions/runs/4242) in octo-org/octo-repo.\n'
    )
    expect(run.outputs).toEqual({ results: '{}' })
  })

  test('an STS refusal: the refusal and the trust-policy hint; never the ID token', async () => {
    sae = await emulator({
      oidc: { roleArn: ROLE, oidcProviderArn: PROVIDER, trustedSubject: 'repo:someone-else/repo:ref:refs/heads/main' }
    })
    const {
      'access-key-id': _id,
      'access-key-secret': _secret,
      ...inputs
    } = stepInputs(sae, { 'role-to-assume': ROLE, 'oidc-provider-arn': PROVIDER, 'sts-endpoint': sae.origin })
    void _id
    void _secret
    const run = await runAction({
      inputs,
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: sae.idTokenRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: sae.idTokenRequestToken ?? ''
      }
    })
    expect(run.code).toBe(1)
    expect(run.summary).toMatch(
      /^## SAE image-pull Secret: failed\n\nSTS refused role acs:ram::\d+:role\/\S+ for OIDC provider /
    )
    expect(run.summary).toContain('sub="repo:octo-org/octo-repo:ref:refs/heads/main"')
    expect(run.summary).toContain('No Secret was created, changed or deleted.')
    expect(run.summary).not.toContain(sae.issuedIdTokens[0])
    expect(run.outputs).toEqual({ results: '{}' })
  })

  test('a namespace that failed: its row says so, and neither secret-id nor result is set', async () => {
    sae = await emulator()
    const run = await runAction({ inputs: stepInputs(sae, { 'namespace-id': 'cn-hangzhou:missing' }) })
    expect(run.code).toBe(1)
    expect(run.outputs).toEqual({ results: '{}' })
    expect(run.summary).toContain(
      '| cn-hangzhou:missing | registry-auth | – | failed: InvalidNamespaceId.NotFound | – |'
    )
  })
})

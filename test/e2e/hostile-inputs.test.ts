// Malformed and awkward inputs through the bundle: each ends in one clear error naming the input
// (before any API call), or in a correct result; never a stack trace or a crash.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { authOf, emulator, stepInputs, type Emulator } from './fixtures.js'

let sae: Emulator
beforeAll(async () => {
  sae = await emulator()
})
afterAll(async () => sae.stop())

/** [what, inputs to override, the input the error must name] */
const REFUSED: Array<[string, Record<string, string>, string]> = [
  ['an over-long namespace-id', { 'namespace-id': `cn-hangzhou:${'a'.repeat(5000)}` }, 'namespace-id'],
  ['a unicode namespace name', { 'namespace-id': 'cn-hangzhou:prödüction' }, 'namespace-id'],
  ['a stray line in namespace-id', { 'namespace-id': 'cn-hangzhou:dev\nnot a namespace' }, 'namespace-id'],
  ['separators only in namespace-id', { 'namespace-id': ' , ,\n, ' }, 'namespace-id'],
  ['a control character in namespace-id', { 'namespace-id': 'cn-hangzhou:de\u0007v' }, 'namespace-id'],
  ['a repeated namespace', { 'namespace-id': 'cn-hangzhou:dev,cn-hangzhou:dev' }, 'namespace-id'],
  ['a newline in secret-name', { 'secret-name': 'registry\nauth' }, 'secret-name'],
  ['a unicode secret-name', { 'secret-name': 'régistry' }, 'secret-name'],
  ['an over-long secret-name', { 'secret-name': `r${'x'.repeat(300)}` }, 'secret-name'],
  ['a path as secret-name', { 'secret-name': '../../etc/passwd' }, 'secret-name'],
  ['an escape character in username', { username: 'deploy\u001b[31mer' }, 'username'],
  ['a colon in username', { username: 'deploy:er' }, 'username'],
  ['a blank password', { password: '   ' }, 'password'],
  ['a tab inside the password', { password: 'pass\tword' }, 'password'],
  ['a multi-line password', { password: 'line one\nline two' }, 'password'],
  ['an over-long password', { password: 'p'.repeat(4097) }, 'password'],
  ['a scheme in registry-domains', { 'registry-domains': 'https://registry.example.com' }, 'registry-domains'],
  ['a path in registry-domains', { 'registry-domains': 'registry.example.com/team/app' }, 'registry-domains'],
  ['a space in a registry domain', { 'registry-domains': 'registry example.com' }, 'registry-domains'],
  ['a unicode registry domain', { 'registry-domains': 'bücher.example' }, 'registry-domains'],
  ['port 0 in a registry domain', { 'registry-domains': 'registry.example.com:0' }, 'registry-domains'],
  ['an upper-case ACR instance', { 'acr-instance-name': 'ACME' }, 'acr-instance-name'],
  ['an upper-case region', { 'registry-region': 'CN-HANGZHOU' }, 'registry-region'],
  ['another secret type', { 'secret-type': 'Opaque' }, 'secret-type'],
  ['if-exists in capitals', { 'if-exists': 'Skip' }, 'if-exists'],
  ['dry-run yes', { 'dry-run': 'yes' }, 'dry-run'],
  ['negative max-attempts', { 'max-attempts': '-1' }, 'max-attempts'],
  ['exponent max-attempts', { 'max-attempts': '1e3' }, 'max-attempts'],
  ['zero timeout-seconds', { 'timeout-seconds': '0' }, 'timeout-seconds'],
  ['plain http to a metadata address', { endpoint: 'http://100.100.100.200' }, 'endpoint'],
  ['credentials in an endpoint URL', { endpoint: 'https://user:pass@sae.cn-hangzhou.aliyuncs.com' }, 'endpoint'],
  ['a javascript: endpoint', { endpoint: 'javascript:alert(1)' }, 'endpoint'],
  ['a look-alike loopback sts-endpoint', { 'sts-endpoint': 'http://localhost.evil.example' }, 'sts-endpoint'],
  ['a space in access-key-id', { 'access-key-id': 'LTAI 5t' }, 'access-key-id'],
  ['a newline in access-key-secret', { 'access-key-secret': 'abc\ndef' }, 'access-key-secret'],
  [
    'STS token without keys',
    { 'access-key-id': '', 'access-key-secret': '', 'security-token': 'CAIS' },
    'access-key-id'
  ],
  [
    'role-duration over the limit',
    {
      'access-key-id': '',
      'access-key-secret': '',
      'role-to-assume': 'acs:ram::1:role/r',
      'oidc-provider-arn': 'acs:ram::1:oidc-provider/p',
      'role-duration-seconds': '99999'
    },
    'role-duration-seconds'
  ],
  [
    'a newline in role-to-assume',
    {
      'access-key-id': '',
      'access-key-secret': '',
      'role-to-assume': 'acs:ram::1:role/r\nx',
      'oidc-provider-arn': 'acs:ram::1:oidc-provider/p'
    },
    'role-to-assume'
  ]
]

describe('refused with one error naming the input, before any API call', () => {
  test.each(REFUSED)('%s', async (_what, overrides, input) => {
    const before = sae.calls().length
    const run = await runAction({ inputs: stepInputs(sae, overrides) })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(new RegExp(`^::error::Input '${input}' `))
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)|Unexpected error/)
    expect(sae.calls().length).toBe(before)
  })
})

/** Awkward but valid: must succeed and store exactly what was given. */
const ACCEPTED: Array<[string, Record<string, string>]> = [
  ['a password of quotes, backslashes, colons and non-ASCII', { password: `"'\\:;{}[]<>&%$#@!ü€😀` }],
  ['a password that looks URL- and command-encoded', { password: '%0A%25%3A::add-mask::' }],
  ['a unicode username', { username: 'dëploy-ユーザー' }],
  ['a punycode registry domain with a port', { 'registry-domains': 'xn--bcher-kva.example:5000' }],
  ['spaces around a value (trimmed as the runner does)', { 'secret-type': '  kubernetes.io/dockerconfigjson  ' }],
  ['an empty optional input', { 'registry-region': '' }]
]

describe('awkward but valid inputs give a correct result', () => {
  test.each(ACCEPTED)('%s', async (what, overrides) => {
    const name = `ok${ACCEPTED.findIndex(([w]) => w === what)}`
    const inputs = stepInputs(sae, { 'secret-name': name, ...overrides })
    const run = await runAction({ inputs })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    const config = sae.dockerConfig('cn-hangzhou:prod', name)
    for (const entry of Object.values(config.auths) as Array<{ username: string; password: string; auth: string }>) {
      expect(entry).toEqual({
        username: inputs.username,
        password: inputs.password,
        auth: authOf(inputs.username, inputs.password)
      })
    }
  })
})

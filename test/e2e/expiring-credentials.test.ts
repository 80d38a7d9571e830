// Registry credentials that stop working by themselves, refused or warned about before any call,
// from the bundle as the runner runs it. The token itself is never printed.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { emulator, stepInputs, type Emulator } from './fixtures.js'

let sae: Emulator
beforeEach(async () => {
  sae = await emulator()
})
afterEach(async () => sae.stop())

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (exp: number) =>
  `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ exp, sub: 'robot$ci' })}.${Buffer.from('signature-bytes-of-the-token').toString('base64url')}`
const warnings = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('::warning::'))

describe('ACR’s temporary login', () => {
  test('cr_temp_user is an input error before any call, saying what to use instead', async () => {
    const run = await runAction({ inputs: stepInputs(sae, { username: 'cr_temp_user' }) })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      "::error::Input 'username' is cr_temp_user, ACR's temporary login: its password is a token that expires in about an hour, and SAE pulls again at every instance start, " +
        "so the Secret would stop working at the next scale-out. Use the registry's fixed password (ACR console, Instance, Access Credentials: Set Fixed Password) or a RAM user's credentials"
    ])
    expect(sae.calls()).toEqual([])
  })

  test('in extra-registries too, naming the item', async () => {
    const run = await runAction({
      inputs: stepInputs(sae, {
        'extra-registries':
          '- registry: acme-registry.cn-shanghai.cr.aliyuncs.com\n  username: cr_temp_user\n  password: "a-token"'
      })
    })
    expect(run.errors[0]).toMatch(
      /^::error::Input 'extra-registries' item 1: username is cr_temp_user, ACR's temporary login/
    )
    expect(sae.calls()).toEqual([])
  })
})

describe('a password that is a token with an expiry', () => {
  test('warns with the expiry in UTC, writes the Secret, and never prints the token', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3 * 3600
    const token = jwt(exp)
    const run = await runAction({ inputs: stepInputs(sae, { password: token }) })
    expect(run.code).toBe(0)
    const when = new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    expect(warnings(run.stdout)).toEqual([
      `::warning::The password from the username and password inputs (for registry-vpc.cn-hangzhou.aliyuncs.com, registry.cn-hangzhou.aliyuncs.com) is a token that expires at ${when}: ` +
        'SAE pulls again at every instance start, so the Secret stops working then. Use a credential that does not expire, or run this step again before that time'
    ])
    for (const piece of token.split('.')) expect(run.visible).not.toContain(piece)
    expect(run.outputs.result).toBe('created')
  })

  test('an expired one is an input error before any call', async () => {
    const run = await runAction({ inputs: stepInputs(sae, { password: jwt(Math.floor(Date.now() / 1000) - 120) }) })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toMatch(
      /^::error::Input 'password' is a token that expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(for registry-vpc\.cn-hangzhou\.aliyuncs\.com, registry\.cn-hangzhou\.aliyuncs\.com\); a Secret holding it could not pull/
    )
    expect(sae.calls()).toEqual([])
  })
})

describe('more credentials that stop working by themselves (Release 4)', () => {
  test('temp_user_cr, ACR Enterprise Edition’s temporary login: an input error before any call', async () => {
    const run = await runAction({ inputs: stepInputs(sae, { username: 'temp_user_cr' }) })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toMatch(
      /^::error::Input 'username' is temp_user_cr, ACR Enterprise Edition's temporary login: /
    )
    expect(sae.calls()).toEqual([])
  })

  test('a ghs_ token as a password of extra-registries: an input error naming the item, before any call', async () => {
    const run = await runAction({
      inputs: stepInputs(sae, {
        'extra-registries':
          '- registry: ghcr.io\n  username: octo-bot\n  password: ghs_16C7e42F292c6912E7710c838347Ae178B4a'
      })
    })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toMatch(
      /^::error::Input 'extra-registries' item 1: password is a GitHub Actions or GitHub App installation token \(ghs_…\), which stops working when the job ends or within an hour/
    )
    expect(sae.calls()).toEqual([])
  })

  test('an ECR-style token warns with its expiry in UTC', async () => {
    const expiration = Math.floor(Date.now() / 1000) + 12 * 3600
    const token = Buffer.from(JSON.stringify({ payload: 'p', datakey: 'd', version: '2', expiration })).toString(
      'base64'
    )
    const run = await runAction({ inputs: stepInputs(sae, { password: token }) })
    expect(run.code).toBe(0)
    const when = new Date(expiration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    expect(warnings(run.stdout)).toEqual([
      `::warning::The password from the username and password inputs (for registry-vpc.cn-hangzhou.aliyuncs.com, registry.cn-hangzhou.aliyuncs.com) is a token that expires at ${when}: ` +
        'SAE pulls again at every instance start, so the Secret stops working then. Use a credential that does not expire, or run this step again before that time'
    ])
  })

  test('a JWT whose exp no date can hold (1e300) has no expiry: no warning, no crash', async () => {
    const run = await runAction({ inputs: stepInputs(sae, { password: jwt(1e300) }) })
    expect([run.code, run.errors, warnings(run.stdout)]).toEqual([0, [], []])
    expect(run.outputs.result).toBe('created')
  })
})

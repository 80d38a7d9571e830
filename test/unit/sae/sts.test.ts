import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { ApiError } from '../../../src/sae/sdk/api-errors.js'
import { ROLE } from '../../fixtures/oidc-role.js'
import { OpenApiConnection } from '../../../src/sae/sdk/openapi.js'
import { assumeRoleWithOidc } from '../../../src/sae/sts.js'
import { startEmulator } from '../../../devkit/emulator/sae-emulator.mjs'

type Emulator = Awaited<ReturnType<typeof startEmulator>>

let sts: Emulator
beforeEach(async () => {
  sts = await startEmulator({ oidc: { roleArn: ROLE.roleArn, oidcProviderArn: ROLE.oidcProviderArn } })
})
afterEach(async () => sts.stop())

async function idToken(): Promise<string> {
  const response = await fetch(`${sts.idTokenRequestUrl}&audience=sts.aliyuncs.com`, {
    headers: { authorization: `Bearer ${sts.idTokenRequestToken}` }
  })
  return ((await response.json()) as { value: string }).value
}

const retry = {
  policy: { maxAttempts: 2, deadline: Date.now() + 30_000 },
  clock: { now: () => Date.now(), sleep: async () => {}, random: () => 0 }
}
const connection = () =>
  new OpenApiConnection({
    endpoint: { protocol: 'http', host: new URL(sts.origin).host, input: 'sts-endpoint' },
    userAgent: 'test',
    redact: (text: string) => text
  })

describe('assumeRoleWithOidc', () => {
  test('sends an unsigned RPC AssumeRoleWithOIDC and returns the temporary key', async () => {
    const token = await idToken()
    const key = await assumeRoleWithOidc(connection(), ROLE, token, retry)
    const [call] = sts.calls('AssumeRoleWithOIDC')
    expect(call.method).toBe('POST')
    expect(call.path).toBe('/')
    expect(call.headers['x-acs-version']).toBe('2015-04-01')
    expect(call.headers.authorization).toBeUndefined()
    // The RPC form, as the official STS client sends it (test/unit/sae/sdk/wire-parity.test.ts compares the two).
    expect(call.query).toEqual({
      Action: 'AssumeRoleWithOIDC',
      Format: 'json',
      Version: '2015-04-01',
      Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      SignatureNonce: expect.stringMatching(/^[0-9a-f]{32}$/),
      RoleArn: ROLE.roleArn,
      OIDCProviderArn: ROLE.oidcProviderArn,
      OIDCToken: token,
      RoleSessionName: 'github-actions-7',
      DurationSeconds: '900'
    })
    expect(key).toEqual({
      accessKeyId: sts.issuedKeys[0].accessKeyId,
      accessKeySecret: sts.issuedKeys[0].accessKeySecret,
      securityToken: sts.issuedKeys[0].securityToken
    })
  })

  test("a forged token is refused with STS's code", async () => {
    const failure = assumeRoleWithOidc(connection(), ROLE, 'a.b.c', retry)
    await expect(failure).rejects.toBeInstanceOf(ApiError)
    await expect(failure).rejects.toThrow(
      /AssumeRoleWithOIDC failed: AuthenticationFail\.OIDCToken\.Invalid \(HTTP 400/
    )
  })
})

describe('answers that are not STS', () => {
  const failure = async () =>
    (await assumeRoleWithOidc(connection(), ROLE, await idToken(), retry).catch((error: unknown) => error)) as ApiError

  test('an endless answer is read up to 1 MiB through the same seam: AnswerTooLarge naming the host', async () => {
    sts.inject({ action: 'AssumeRoleWithOIDC', kind: 'endless' })
    const error = await failure()
    expect([error.code, error.retryable]).toEqual(['AnswerTooLarge', false])
    expect(error.message).toContain(`the answer from ${new URL(sts.origin).host} was larger than 1 MiB`)
  })

  test('a 302: UnexpectedAnswer with the status and the RequestId it carried', async () => {
    sts.inject({ action: 'AssumeRoleWithOIDC', kind: 'answer', status: 302, body: { RequestId: 'STS-302' } })
    const error = await failure()
    expect([error.code, error.status, error.requestId]).toEqual(['UnexpectedAnswer', 302, 'STS-302'])
  })
})

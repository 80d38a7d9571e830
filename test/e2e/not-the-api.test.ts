// Answers that are not the API are errors, not facts; nothing outside keeps the step waiting or
// fills its memory. Each run here would have gone green (absent, created, a SecretId NaN or 0), read
// gigabytes, or hung past timeout-seconds before Release 4.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:net'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { absentInputs, emulator, stepInputs, type Emulator } from './fixtures.js'

let sae: Emulator
beforeEach(async () => {
  sae = await emulator()
})
afterEach(async () => sae.stop())

describe('never a green result on an answer that is not the API', () => {
  test('state: absent, ListSecrets answered 302 {}: an error naming the status, not "absent"', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'answer', status: 302, body: {}, times: 4 })
    const run = await runAction({ inputs: absentInputs(sae) })
    expect(run.code).toBe(1)
    expect(run.outputs.result).toBeUndefined()
    expect(run.errors).toEqual([
      `::error::ListSecrets failed: UnexpectedAnswer (HTTP 302, no RequestId): the endpoint answered with a status the API never sends (a redirect is never followed: a proxy or a login page in the way?); check endpoint and the runner network (HTTP 302 from ${new URL(sae.origin).host})`
    ])
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets'])
  })

  test('a 200 without Data to ListSecrets under skip: an error with its RequestId, nothing created', async () => {
    sae.inject({
      action: 'ListSecrets',
      kind: 'answer',
      status: 200,
      body: { RequestId: 'RID-NO-DATA', Success: true }
    })
    const run = await runAction({ inputs: stepInputs(sae) })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toContain('MalformedResponse (HTTP 200, RequestId RID-NO-DATA)')
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets'])
  })

  test('a listed SecretId that is not a number: an error, never a DescribeSecret with SecretId=NaN', async () => {
    sae.inject({
      action: 'ListSecrets',
      kind: 'answer',
      status: 200,
      body: { RequestId: 'RID-NAN', Data: { Secrets: [{ SecretId: 'abc', SecretName: 'registry-auth' }] } }
    })
    const run = await runAction({ inputs: stepInputs(sae) })
    expect(run.code).toBe(1)
    expect(run.outputs['secret-id']).toBeUndefined()
    expect(run.errors[0]).toContain('(SecretId "abc" is not a positive integer)')
    expect(sae.calls('DescribeSecret')).toEqual([])
  })

  test('CreateSecret answered SecretId 0: looked up as a lost answer, then the Secret SAE really holds', async () => {
    sae.inject({
      action: 'CreateSecret',
      kind: 'answer',
      status: 200,
      body: { RequestId: 'RID-0', Data: { SecretId: 0 } },
      apply: true
    })
    const run = await runAction({ inputs: stepInputs(sae) })
    expect(run.code).toBe(0)
    const [secret] = sae.secrets('cn-hangzhou:prod')
    expect(secret.SecretId).toBeGreaterThan(0)
    expect(run.outputs).toMatchObject({ result: 'created', 'secret-id': String(secret.SecretId) })
    expect(run.stdout).toContain(
      'cn-hangzhou:prod: CreateSecret: MalformedResponse (HTTP 200, RequestId RID-0) may have hidden an applied write; looked: it was applied'
    )
  })
})

describe('bounded', () => {
  test('an endless SAE answer: one error naming the host, after 1 MiB', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'endless' })
    const run = await runAction({ inputs: stepInputs(sae) })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toContain(
      `ListSecrets failed: AnswerTooLarge (HTTP 200, no RequestId): the answer from ${new URL(sae.origin).host} was larger than 1 MiB`
    )
  })

  describe('the GitHub ID-token request', () => {
    let hung: Server
    afterEach(async () => {
      await new Promise((resolve) => hung.close(resolve))
    })

    test('a token service that accepts and never answers ends the step at timeout-seconds, naming it', async () => {
      const sockets: Array<import('node:net').Socket> = []
      hung = createServer((socket) => void sockets.push(socket.on('data', () => {})))
      hung.on('close', () => sockets.forEach((socket) => socket.destroy()))
      await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
      const host = `127.0.0.1:${(hung.address() as { port: number }).port}`
      const { 'access-key-id': _id, 'access-key-secret': _secret, ...inputs } = stepInputs(sae)
      void [_id, _secret]
      const run = await runAction({
        inputs: {
          ...inputs,
          'role-to-assume': 'acs:ram::1:role/deploy',
          'oidc-provider-arn': 'acs:ram::1:oidc-provider/github',
          'sts-endpoint': sae.origin,
          'timeout-seconds': '1'
        },
        env: {
          ACTIONS_ID_TOKEN_REQUEST_URL: `http://${host}/_github/idtoken?api-version=2.0`,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token'
        }
      })
      for (const socket of sockets) socket.destroy()
      expect(run.code).toBe(1)
      expect(run.errors).toEqual([
        `::error::Could not get a GitHub ID token for audience sts.aliyuncs.com: the runner's ID token service ${host} did not answer within timeout-seconds`
      ])
      expect(sae.calls()).toEqual([])
    })
  })
})

// openapi.ts: one call with retries on an injected clock (a write that may have been applied is
// never sent again; a retryable fault is; no attempt starts at or past the deadline), and one call
// through the real SDK to the emulator, which checks its signature: a 200 that says Success: false
// is a failure.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import { ApiError } from '../../../../src/sae/sdk/api-errors.js'
import {
  callWithRetries,
  OpenApiConnection,
  type ApiResponse,
  type Operation
} from '../../../../src/sae/sdk/openapi.js'
import type { RetryClock, RetrySettings } from '../../../../src/sae/sdk/retry.js'
import { startEmulator } from '../../../../devkit/emulator/sae-emulator.mjs'

const KEY = { accessKeyId: 'LTAI5tOpenApiTest', accessKeySecret: 'openapi-test-secret+/=' }
const NS = 'cn-hangzhou:prod'
const SECRET_PATH = '/pop/v1/sam/secret/secret'
const CREATE: Operation = {
  action: 'CreateSecret',
  version: '2019-05-06',
  style: 'ROA',
  method: 'POST',
  pathname: SECRET_PATH,
  writes: true
}
const LIST: Operation = {
  action: 'ListSecrets',
  version: '2019-05-06',
  style: 'ROA',
  method: 'GET',
  pathname: '/pop/v1/sam/secret/secrets'
}
const OK: ApiResponse = { statusCode: 200, body: { Success: true, Data: { SecretId: 16 } } }

/** A connection that answers from a script, in order (an Error is thrown), and records each attempt's timeout. */
function scripted(answers: (ApiResponse | Error)[]) {
  const attempts: { action: string; timeoutMs: number }[] = []
  const connection = {
    async call(operation: Operation, _query: Record<string, string>, timeoutMs: number) {
      attempts.push({ action: operation.action, timeoutMs })
      const next = answers.shift()
      if (next instanceof Error) throw next
      return next
    }
  } as unknown as OpenApiConnection
  return { connection, attempts }
}

/** A clock that starts at `start`; a sleep moves it on by what was asked, plus `overrun` (a runner that stalled). */
function clock(start: number, overrun = 0): RetryClock & { slept: number[] } {
  let now = start
  const slept: number[] = []
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms)
      now += ms + overrun
    },
    random: () => 0.5
  }
}

function retry(at: RetryClock, deadline: number, maxAttempts = 4) {
  const heard: [unknown, number, number][] = []
  const settings: RetrySettings = {
    policy: { maxAttempts, deadline },
    clock: at,
    onRetry: (error, attempt, delayMs) => heard.push([error, attempt, delayMs])
  }
  return { settings, heard }
}

describe('callWithRetries', () => {
  test('a write whose attempt may have been applied is not sent again, though its fault is retryable', async () => {
    const lost = new ApiError(
      { action: 'CreateSecret', code: 'NonJsonResponse', status: 504 },
      { mayHaveBeenApplied: true }
    )
    expect(lost.retryable).toBe(true)
    const { connection, attempts } = scripted([lost, OK])
    const at = clock(0)
    const { settings, heard } = retry(at, 60_000)
    await expect(callWithRetries(connection, CREATE, {}, settings)).rejects.toBe(lost)
    expect(attempts).toHaveLength(1)
    expect(at.slept).toEqual([])
    expect(heard).toEqual([])
  })

  test('a write refused before it was applied (throttled) is sent again after the backoff, and onRetry hears of it', async () => {
    const throttled = new ApiError({ action: 'CreateSecret', code: 'Throttling.User', status: 400, requestId: 'R1' })
    const { connection, attempts } = scripted([throttled, OK])
    const at = clock(0)
    const { settings, heard } = retry(at, 60_000)
    expect(await callWithRetries(connection, CREATE, {}, settings)).toBe(OK)
    expect(attempts.map((attempt) => attempt.action)).toEqual(['CreateSecret', 'CreateSecret'])
    // The first backoff step is 400 ms: half fixed, half by chance (0.5 here).
    expect(at.slept).toEqual([300])
    expect(heard).toEqual([[throttled, 1, 300]])
  })

  test('a read that hit a fault of the moment is retried until it succeeds', async () => {
    const unavailable = () => new ApiError({ action: 'ListSecrets', code: 'ServiceUnavailable', status: 503 })
    const { connection, attempts } = scripted([unavailable(), unavailable(), OK])
    const at = clock(0)
    expect(await callWithRetries(connection, LIST, {}, retry(at, 60_000).settings)).toBe(OK)
    expect(attempts).toHaveLength(3)
    expect(at.slept).toEqual([300, 600])
  })

  test('no attempt starts at the deadline: a Timeout, and nothing is sent', async () => {
    const { connection, attempts } = scripted([OK])
    const failure = await callWithRetries(connection, LIST, {}, retry(clock(60_000), 60_000).settings).catch(
      (error: unknown) => error
    )
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure).toMatchObject({ action: 'ListSecrets', code: 'Timeout', status: undefined })
    expect(attempts).toEqual([])
  })

  test('an attempt due past the deadline (the backoff overran it) is not started', async () => {
    const unavailable = new ApiError({ action: 'ListSecrets', code: 'ServiceUnavailable', status: 503 })
    const { connection, attempts } = scripted([unavailable, OK])
    // The backoff asks for 300 ms; the sleep takes 60 s.
    const at = clock(0, 59_700)
    const failure = await callWithRetries(connection, LIST, {}, retry(at, 30_000).settings).catch(
      (error: unknown) => error
    )
    expect(failure).toMatchObject({ action: 'ListSecrets', code: 'Timeout' })
    expect(attempts).toHaveLength(1)
  })

  test('each attempt waits for its answer at most the time left before the deadline, and never more than 20 s', async () => {
    const unavailable = new ApiError({ action: 'ListSecrets', code: 'ServiceUnavailable', status: 503 })
    const { connection, attempts } = scripted([unavailable, OK])
    // 60 s left for the first attempt; the second starts at 45.3 s (a 300 ms backoff that took 45 s more).
    await callWithRetries(connection, LIST, {}, retry(clock(0, 45_000), 60_000).settings)
    expect(attempts.map((attempt) => attempt.timeoutMs)).toEqual([20_000, 14_700])
  })
})

/** An agent that keeps every byte its sockets receive: what the emulator really answered. */
class RecordingAgent extends http.Agent {
  received = ''
  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void
  ): Duplex | null | undefined {
    const socket = super.createConnection(options, callback)
    socket?.on('data', (chunk: Buffer) => (this.received += chunk.toString('utf8')))
    return socket
  }
}

describe('OpenApiConnection.call against the emulator', () => {
  let sae: Awaited<ReturnType<typeof startEmulator>>
  let agent: RecordingAgent
  beforeEach(async () => {
    sae = await startEmulator({ keys: [KEY], namespaces: [NS] })
    agent = new RecordingAgent()
  })
  afterEach(async () => {
    agent.destroy()
    await sae.stop()
  })

  const connection = () =>
    new OpenApiConnection({
      endpoint: { protocol: 'http', host: new URL(sae.origin).host, input: 'endpoint' },
      userAgent: 'sae-image-pull-secret/test',
      key: KEY,
      redact: (text) => text,
      agents: { http: agent, https: new https.Agent() }
    })

  test('a 200 that says Success: true is the answer', async () => {
    const answer = await connection().call(LIST, { NamespaceId: NS }, 10_000)
    expect(answer).toMatchObject({ statusCode: 200, body: { Code: '200', Success: true, Data: { Secrets: [] } } })
    expect(sae.calls('ListSecrets').map((call) => call.status)).toEqual([200])
  })

  test("a 200 that says Success: false is an ApiError with the body's Code and RequestId; the write was not applied", async () => {
    sae.inject({ action: 'CreateSecret', kind: 'success-false', code: 'OperationFailed.RPCError' })
    const query = { NamespaceId: NS, SecretName: 'registry-auth', SecretType: 'kubernetes.io/dockerconfigjson' }
    const failure = await connection()
      .call(CREATE, { ...query, SecretData: '{"SecretData":"{}"}' }, 10_000)
      .catch((error: unknown) => error)
    // The emulator checked the signature before it answered.
    expect(sae.calls('CreateSecret').map((call) => call.status)).toEqual([200])
    const requestId = /"RequestId":"([^"]+)"/.exec(agent.received)?.[1]
    expect(requestId).toMatch(/^[0-9A-F-]{36}$/)
    expect(agent.received).toContain('"Success":false')
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure).toMatchObject({
      action: 'CreateSecret',
      code: 'OperationFailed.RPCError',
      status: 200,
      requestId,
      mayHaveBeenApplied: false
    })
    expect(sae.secrets(NS)).toEqual([])
  })
})

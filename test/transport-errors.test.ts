// transport-errors.ts on what the SDK really throws (test/fixtures/sdk-errors.json, recorded from
// @alicloud/openapi-client by scripts/record-sdk-errors.mjs): each shape becomes one error that
// says what happened, whether to retry, and whether a write may have been applied.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Endpoint } from '../src/model.js'
import { decodeSdkFailure, decodeUnsuccessful, throttleWaitMs, type Answer, type CallContext } from '../src/transport-errors.js'
import { ROOT } from './harness/action-runner.mjs'

type Recorded = { class: string; name?: string; message: string; [field: string]: unknown }
const { cases } = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'sdk-errors.json'), 'utf8')) as { cases: Record<string, Recorded> }

/** The recorded object rebuilt as the SDK threw it: its class, its fields. */
function thrown(name: string): unknown {
  const { class: kind, message, ...fields } = cases[name]
  if (!kind) throw new Error(`no recorded case ${name}`)
  const error = kind === 'SyntaxError' ? new SyntaxError(message) : new Error(message)
  return Object.assign(error, Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)))
}

const SAE: Endpoint = { protocol: 'https', host: 'sae.cn-hangzhou.aliyuncs.com', input: 'namespace-id', region: 'cn-hangzhou' }

function context(overrides: Partial<CallContext> = {}): CallContext {
  return { action: 'CreateSecret', writes: true, endpoint: SAE, urlBytes: 900, redact: (text) => text.replace('s3cret', '***'), ...overrides }
}

const page = (statusCode: number): Answer => ({ statusCode, headers: { 'content-type': 'text/html' } })

/** What a user and the retry loop see of an error. */
const seen = (error: ReturnType<typeof decodeSdkFailure>) => ({
  message: error.message,
  retryable: error.retryable,
  mayHaveBeenApplied: error.mayHaveBeenApplied,
  retryAfterMs: error.retryAfterMs
})

describe('answers of the API (JSON error bodies)', () => {
  test('a 400 is the API refusing the request: not retried, nothing applied, its own words shown for WithMessage', () => {
    expect(seen(decodeSdkFailure(thrown('JSON 400 (an API refusal)'), context()))).toEqual({
      message: 'CreateSecret failed: InvalidParameter.WithMessage (HTTP 400, RequestId 2F467C4E-7F84-4295-89FE-9A43B1B213C4): a parameter is invalid: SecretName is too long',
      retryable: false,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })

  test('a 404 namespace: not retried, with what to check', () => {
    const error = decodeSdkFailure(thrown('JSON 404'), context())
    expect([error.code, error.status, error.retryable]).toEqual(['InvalidNamespaceId.NotFound', 404, false])
    expect(error.message).toContain('check namespace-id (<region>:<name>)')
  })

  test('a 500 from SAE to a write is retried, and may have been applied', () => {
    expect(seen(decodeSdkFailure(thrown('JSON 500 (SAE fault)'), context()))).toMatchObject({ retryable: true, mayHaveBeenApplied: true })
  })

  test('the same 500 to a read applied nothing', () => {
    expect(decodeSdkFailure(thrown('JSON 500 (SAE fault)'), context({ action: 'ListSecrets', writes: false })).mayHaveBeenApplied).toBe(false)
  })

  test('a throttled write was refused before it was handled: retried, never "may have been applied"', () => {
    expect(seen(decodeSdkFailure(thrown('JSON 503 throttled'), context()))).toMatchObject({ retryable: true, mayHaveBeenApplied: false, retryAfterMs: undefined })
  })

  test('a throttled answer that says when the limit resets: that is the wait', () => {
    const answer: Answer = { statusCode: 503, headers: { 'x-ratelimit-user-api': 'Limit:20,Remain:0,TimeLeft:1500' } }
    expect(decodeSdkFailure(thrown('JSON 503 throttled'), context({ answer })).retryAfterMs).toBe(1500)
  })

  test('the API’s message goes through redaction, and long opaque runs are cut out', () => {
    const error = thrown('JSON 400 (an API refusal)') as { data: Record<string, unknown> }
    error.data.Message = `Bad SecretData s3cret ${'eyJhdXRocyI6'.repeat(5)}`
    expect(decodeSdkFailure(error, context()).message).toMatch(/: a parameter is invalid: Bad SecretData \*\*\* \[redacted\]$/)
  })
})

describe('pages that are not the API (the SDK throws a SyntaxError and drops the status)', () => {
  test('a gateway’s 414 was refused before SAE: final, nothing applied, the status and the URL size named', () => {
    expect(seen(decodeSdkFailure(thrown('HTML 414 from a gateway'), context({ answer: page(414), urlBytes: 16_179 })))).toEqual({
      message:
        "CreateSecret failed: NonJsonResponse (HTTP 414, an answer that is not the API, no RequestId): the request's URL was 15.8 KiB (SAE takes SecretData in the query string) " +
        'and the answer was a page, not the API; it was refused before it reached SAE, so nothing was applied: gateways refuse URLs that long, ' +
        'and a long registry password (a JSON key, a token) is the likely cause; use a shorter credential for the registry',
      retryable: false,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })

  test.each([400, 413, 431])('a gateway’s %i page is final too', (status) => {
    expect(seen(decodeSdkFailure(thrown('HTML 414 from a gateway'), context({ answer: page(status) })))).toMatchObject({ retryable: false, mayHaveBeenApplied: false })
  })

  test('a 502 page to a write may hide an applied write: retried only after a look', () => {
    const error = decodeSdkFailure(thrown('HTML 502 from a gateway'), context({ answer: page(502) }))
    expect([error.status, error.retryable, error.mayHaveBeenApplied]).toEqual([502, true, true])
    expect(error.message).toBe(
      'CreateSecret failed: NonJsonResponse (HTTP 502, an answer that is not the API, no RequestId): the endpoint answered with something that is not the API (a proxy or gateway page?); check endpoint and the runner network'
    )
  })

  test('an empty 502 is the same', () => {
    expect(seen(decodeSdkFailure(thrown('empty 502'), context({ answer: page(502) })))).toMatchObject({ retryable: true, mayHaveBeenApplied: true })
  })

  test('a page whose status nobody saw may have been applied', () => {
    const error = decodeSdkFailure(thrown('HTML 502 from a gateway'), context())
    expect([error.status, error.retryable, error.mayHaveBeenApplied]).toEqual([undefined, true, true])
    expect(error.message).toContain('(an answer that is not the API, no RequestId)')
  })

  test('with a proxy set, the page may be the proxy’s own', () => {
    expect(decodeSdkFailure(thrown('HTML 502 from a gateway'), context({ answer: page(502), proxy: 'proxy.corp:3128' })).message).toContain(
      '(a proxy is set, proxy.corp:3128: the page may be its own)'
    )
  })
})

describe('no answer at all', () => {
  test('ECONNREFUSED: nothing was sent, so nothing applied; retried; the address and the input named', () => {
    expect(seen(decodeSdkFailure(thrown('ECONNREFUSED'), context({ endpoint: { protocol: 'http', host: '127.0.0.1:46877', input: 'endpoint' } })))).toEqual({
      message: 'CreateSecret failed: NetworkError (no HTTP response): could not reach 127.0.0.1:46877: ECONNREFUSED (nothing listens there); check endpoint and the runner network',
      retryable: true,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })

  test('ENOTFOUND is final: the name does not exist; a region SAE does not serve gets the nearest one', () => {
    const endpoint: Endpoint = { protocol: 'https', host: 'sae.cn-hangzou.aliyuncs.com', input: 'namespace-id', region: 'cn-hangzou' }
    expect(seen(decodeSdkFailure(thrown('ENOTFOUND'), context({ endpoint })))).toEqual({
      message:
        'CreateSecret failed: NetworkError (no HTTP response): could not reach sae.cn-hangzou.invalid: ENOTFOUND (the host name does not resolve); ' +
        "the host was derived from namespace-id's region 'cn-hangzou', which SAE does not serve: check namespace-id (did you mean 'cn-hangzhou'?)",
      retryable: false,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })

  test('an untrusted certificate is never retried and never worked around', () => {
    expect(seen(decodeSdkFailure(thrown('untrusted certificate'), context()))).toMatchObject({
      message: expect.stringMatching(/^CreateSecret failed: TlsCertificateError \(no HTTP response\): DEPTH_ZERO_SELF_SIGNED_CERT from sae\.cn-hangzhou\.aliyuncs\.com: /),
      retryable: false
    })
  })

  test('a read timeout to a write: retried, and it may have been applied', () => {
    expect(seen(decodeSdkFailure(thrown('read timeout'), context()))).toEqual({
      message: 'CreateSecret failed: Timeout (no HTTP response): the API did not answer within timeout-seconds (sae.cn-hangzhou.aliyuncs.com)',
      retryable: true,
      mayHaveBeenApplied: true,
      retryAfterMs: undefined
    })
  })
})

describe('a proxy in the way', () => {
  test('407 to the CONNECT: ProxyRefused naming the proxy, final', () => {
    expect(seen(decodeSdkFailure(thrown('proxy answers 407 to CONNECT'), context({ proxy: '127.0.0.1:3128' })))).toEqual({
      message:
        'CreateSecret failed: ProxyRefused (the proxy answered, the API was not reached): the proxy 127.0.0.1:3128 answered HTTP 407 to CONNECT sae.cn-hangzhou.aliyuncs.com: ' +
        "it refused this runner's credentials (none, or those in the proxy URL); put valid ones in the proxy URL (http://user:password@host:port), or add the host to NO_PROXY if it is reachable directly",
      retryable: false,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })

  test('403 to the CONNECT: the proxy does not allow the host', () => {
    expect(decodeSdkFailure(thrown('proxy answers 403 to CONNECT'), context({ proxy: '127.0.0.1:3128' })).message).toContain(
      'answered HTTP 403 to CONNECT sae.cn-hangzhou.aliyuncs.com: it does not allow this host; ask for it to be allowed'
    )
  })

  test('502 to the CONNECT: the proxy could not reach the endpoint; nothing was sent, retried', () => {
    expect(seen(decodeSdkFailure(thrown('proxy answers 502 to CONNECT'), context({ proxy: '127.0.0.1:3128' })))).toEqual({
      message:
        'CreateSecret failed: NetworkError (no HTTP response): could not reach sae.cn-hangzhou.aliyuncs.com through the proxy 127.0.0.1:3128: it answered HTTP 502 to CONNECT; ' +
        "the host was derived from namespace-id's region 'cn-hangzhou'; check namespace-id and the runner network",
      retryable: true,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })
})

describe('a 200 that says Success: false', () => {
  test('is a failure with its code and RequestId; nothing applied; a throttle’s TimeLeft is kept', () => {
    const error = decodeUnsuccessful(
      { RequestId: 'R-7', Code: 'Throttling.Api', Message: 'flow control', Success: false },
      { statusCode: 200, headers: { 'x-ratelimit-user': 'Limit:100,Remain:0,TimeLeft:800' } },
      context()
    )
    expect(seen(error)).toEqual({
      message: 'CreateSecret failed: Throttling.Api (HTTP 200, RequestId R-7): the API throttled this operation; it was retried; run the job again later or raise max-attempts',
      retryable: true,
      mayHaveBeenApplied: false,
      retryAfterMs: 800
    })
  })
})

describe('throttleWaitMs', () => {
  test.each([
    [{ 'x-ratelimit-user-api': 'Limit:20,Remain:0,TimeLeft:1500' }, 1500],
    [{ 'x-ratelimit-user': 'Limit:100,Remain:0,TimeLeft:42' }, 42],
    [{ 'x-ratelimit-user-api': 'Limit:20,Remain:0,TimeLeft:1500', 'x-ratelimit-user': 'Limit:100,Remain:5,TimeLeft:9' }, 1500],
    [{ 'x-ratelimit-user-api': 'Limit:20,Remain:3,TimeLeft:200', 'x-ratelimit-user': 'Limit:100,Remain:0,TimeLeft:2500' }, 2500],
    [{ 'x-ratelimit-user-api': 'Limit:20,Remain:3' }, undefined],
    [{}, undefined]
  ])('%j → %s', (headers, expected) => {
    expect(throttleWaitMs(headers)).toBe(expected)
  })
})

// transport-errors.ts on what the SDK really throws (test/fixtures/sdk-errors.json, recorded from
// @alicloud/openapi-client by scripts/record-sdk-errors.mjs): each shape becomes one error that
// says what happened, whether to retry, and whether a write may have been applied.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Endpoint } from '../../../../src/domain/model.js'
import {
  decodeSdkFailure,
  decodeUnsuccessful,
  throttleWaitMs,
  type Answer,
  type CallContext
} from '../../../../src/sae/sdk/transport-errors.js'
import { ROOT } from '../../../../devkit/harness/action-runner.mjs'

type Recorded = { class: string; name?: string; message: string; [field: string]: unknown }
const { cases } = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'sdk-errors.json'), 'utf8')) as {
  cases: Record<string, Recorded>
}

/** The recorded object rebuilt as the SDK threw it: its class, its fields (a copy: a test may change them). */
function thrown(name: string): unknown {
  const { class: kind, message, ...fields } = structuredClone(cases[name])
  if (!kind) throw new Error(`no recorded case ${name}`)
  const error = kind === 'SyntaxError' ? new SyntaxError(message) : new Error(message)
  return Object.assign(error, Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)))
}

const SAE: Endpoint = {
  protocol: 'https',
  host: 'sae.cn-hangzhou.aliyuncs.com',
  input: 'namespace-id',
  region: 'cn-hangzhou'
}

function context(overrides: Partial<CallContext> = {}): CallContext {
  return {
    action: 'CreateSecret',
    writes: true,
    endpoint: SAE,
    urlBytes: 900,
    redact: (text) => text.replace('s3cret', '***'),
    ...overrides
  }
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
      message:
        'CreateSecret failed: InvalidParameter.WithMessage (HTTP 400, RequestId 2F467C4E-7F84-4295-89FE-9A43B1B213C4): a parameter is invalid: SecretName is too long',
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
    expect(seen(decodeSdkFailure(thrown('JSON 500 (SAE fault)'), context()))).toMatchObject({
      retryable: true,
      mayHaveBeenApplied: true
    })
  })

  test('the same 500 to a read applied nothing', () => {
    expect(
      decodeSdkFailure(thrown('JSON 500 (SAE fault)'), context({ action: 'ListSecrets', writes: false }))
        .mayHaveBeenApplied
    ).toBe(false)
  })

  test('a throttled write was refused before it was handled: retried, never "may have been applied"', () => {
    expect(seen(decodeSdkFailure(thrown('JSON 503 throttled'), context()))).toMatchObject({
      retryable: true,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })

  test('a throttled answer that says when the limit resets: that is the wait', () => {
    const answer: Answer = { statusCode: 503, headers: { 'x-ratelimit-user-api': 'Limit:20,Remain:0,TimeLeft:1500' } }
    expect(decodeSdkFailure(thrown('JSON 503 throttled'), context({ answer })).retryAfterMs).toBe(1500)
  })

  test('the API’s message goes through redaction, and long opaque runs are cut out', () => {
    const error = thrown('JSON 400 (an API refusal)') as { data: Record<string, unknown> }
    error.data.Message = `Bad SecretData s3cret ${'eyJhdXRocyI6'.repeat(5)}`
    expect(decodeSdkFailure(error, context()).message).toMatch(
      /: a parameter is invalid: Bad SecretData \*\*\* \[redacted\]$/
    )
  })
})

describe('pages that are not the API (the SDK throws a SyntaxError and drops the status)', () => {
  test('a gateway’s 414 was refused before SAE: final, nothing applied, the status and the URL size named', () => {
    expect(
      seen(decodeSdkFailure(thrown('HTML 414 from a gateway'), context({ answer: page(414), urlBytes: 16_179 })))
    ).toEqual({
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
    expect(seen(decodeSdkFailure(thrown('HTML 414 from a gateway'), context({ answer: page(status) })))).toMatchObject({
      retryable: false,
      mayHaveBeenApplied: false
    })
  })

  test('a 502 page to a write may hide an applied write: retried only after a look', () => {
    const error = decodeSdkFailure(thrown('HTML 502 from a gateway'), context({ answer: page(502) }))
    expect([error.status, error.retryable, error.mayHaveBeenApplied]).toEqual([502, true, true])
    expect(error.message).toBe(
      'CreateSecret failed: NonJsonResponse (HTTP 502, an answer that is not the API, no RequestId): the endpoint answered with something that is not the API (a proxy or gateway page?); check endpoint and the runner network'
    )
  })

  test('an empty 502 is the same', () => {
    expect(seen(decodeSdkFailure(thrown('empty 502'), context({ answer: page(502) })))).toMatchObject({
      retryable: true,
      mayHaveBeenApplied: true
    })
  })

  test('a page whose status nobody saw may have been applied', () => {
    const error = decodeSdkFailure(thrown('HTML 502 from a gateway'), context())
    expect([error.status, error.retryable, error.mayHaveBeenApplied]).toEqual([undefined, true, true])
    expect(error.message).toContain('(an answer that is not the API, no RequestId)')
  })

  test.each([301, 302, 307])(
    'a %i page is no answer of the API: never followed, not sent again, and a write may have landed',
    (status) => {
      const error = decodeSdkFailure(thrown('HTML 502 from a gateway'), context({ answer: page(status) }))
      expect([error.code, error.status, error.retryable, error.mayHaveBeenApplied]).toEqual([
        'UnexpectedAnswer',
        status,
        false,
        true
      ])
      expect(error.message).toMatch(
        new RegExp(
          `^CreateSecret failed: UnexpectedAnswer \\(HTTP ${status}, no RequestId\\): .*\\(HTTP ${status} from sae\\.cn-hangzhou\\.aliyuncs\\.com\\)$`
        )
      )
    }
  )

  test('a 2xx whose JSON is not the envelope (the SDK reads an array as no object) is not the API, not a lost connection', () => {
    const error = decodeSdkFailure(new Error('The value is not a object'), context({ answer: page(200) }))
    expect([error.code, error.status, error.retryable, error.mayHaveBeenApplied]).toEqual([
      'MalformedResponse',
      200,
      false,
      true
    ])
    expect(error.message).toContain("(HTTP 200 from sae.cn-hangzhou.aliyuncs.com whose body is not the API's envelope)")
  })

  test('with a proxy set, the page may be the proxy’s own', () => {
    expect(
      decodeSdkFailure(thrown('HTML 502 from a gateway'), context({ answer: page(502), proxy: 'proxy.corp:3128' }))
        .message
    ).toContain('(a proxy is set, proxy.corp:3128: the page may be its own)')
  })
})

describe('no answer at all', () => {
  test('ECONNREFUSED: nothing was sent, so nothing applied; retried; the address and the input named', () => {
    expect(
      seen(
        decodeSdkFailure(
          thrown('ECONNREFUSED'),
          context({ endpoint: { protocol: 'http', host: '127.0.0.1:46877', input: 'endpoint' } })
        )
      )
    ).toEqual({
      message:
        'CreateSecret failed: NetworkError (no HTTP response): could not reach 127.0.0.1:46877: ECONNREFUSED (nothing listens there); check endpoint and the runner network',
      retryable: true,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })

  test('ENOTFOUND is final: the name does not exist; a region SAE does not serve gets the nearest one', () => {
    const endpoint: Endpoint = {
      protocol: 'https',
      host: 'sae.cn-hangzou.aliyuncs.com',
      input: 'namespace-id',
      region: 'cn-hangzou'
    }
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
      message: expect.stringMatching(
        /^CreateSecret failed: TlsCertificateError \(no HTTP response\): DEPTH_ZERO_SELF_SIGNED_CERT from sae\.cn-hangzhou\.aliyuncs\.com: /
      ),
      retryable: false
    })
  })

  test('a read timeout to a write: retried, and it may have been applied', () => {
    expect(seen(decodeSdkFailure(thrown('read timeout'), context()))).toEqual({
      message:
        'CreateSecret failed: Timeout (no HTTP response): the API did not answer within timeout-seconds (sae.cn-hangzhou.aliyuncs.com)',
      retryable: true,
      mayHaveBeenApplied: true,
      retryAfterMs: undefined
    })
  })
})

describe('a proxy in the way', () => {
  test('407 to the CONNECT: ProxyRefused naming the proxy, final', () => {
    expect(
      seen(decodeSdkFailure(thrown('proxy answers 407 to CONNECT'), context({ proxy: '127.0.0.1:3128' })))
    ).toEqual({
      message:
        'CreateSecret failed: ProxyRefused (the proxy answered, the API was not reached): the proxy 127.0.0.1:3128 answered HTTP 407 to CONNECT sae.cn-hangzhou.aliyuncs.com: ' +
        "it refused this runner's credentials (none, or those in the proxy URL); put valid ones in the proxy URL (http://user:password@host:port), or add the host to NO_PROXY if it is reachable directly",
      retryable: false,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })

  test('403 to the CONNECT: the proxy does not allow the host', () => {
    expect(
      decodeSdkFailure(thrown('proxy answers 403 to CONNECT'), context({ proxy: '127.0.0.1:3128' })).message
    ).toContain(
      'answered HTTP 403 to CONNECT sae.cn-hangzhou.aliyuncs.com: it does not allow this host; ask for it to be allowed'
    )
  })

  test('502 to the CONNECT: the proxy could not reach the endpoint; nothing was sent, retried', () => {
    expect(
      seen(decodeSdkFailure(thrown('proxy answers 502 to CONNECT'), context({ proxy: '127.0.0.1:3128' })))
    ).toEqual({
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
      message:
        'CreateSecret failed: Throttling.Api (HTTP 200, RequestId R-7): the API throttled this operation; it was retried; run the job again later or raise max-attempts',
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
    [
      {
        'x-ratelimit-user-api': 'Limit:20,Remain:0,TimeLeft:1500',
        'x-ratelimit-user': 'Limit:100,Remain:5,TimeLeft:9'
      },
      1500
    ],
    [
      {
        'x-ratelimit-user-api': 'Limit:20,Remain:3,TimeLeft:200',
        'x-ratelimit-user': 'Limit:100,Remain:0,TimeLeft:2500'
      },
      2500
    ],
    [{ 'x-ratelimit-user-api': 'Limit:20,Remain:3' }, undefined],
    [{}, undefined]
  ])('%j → %s', (headers, expected) => {
    expect(throttleWaitMs(headers)).toBe(expected)
  })
})

/** `target` with some fields changed in place; undefined removes one. */
function changed(target: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) delete target[field]
    else target[field] = value
  }
  return target
}

/** A recorded case with some fields changed (undefined removes one), as another error of the same shape. */
function varied(name: string, fields: Record<string, unknown>): unknown {
  return changed(thrown(name) as Record<string, unknown>, fields)
}

/** The recorded 400 with its body's fields changed (undefined removes one). */
function refusal(code: unknown, data: Record<string, unknown>): unknown {
  const body = changed(structuredClone(cases['JSON 400 (an API refusal)'].data) as Record<string, unknown>, data)
  return varied('JSON 400 (an API refusal)', { code, data: body })
}

const REQUEST_ID = '2F467C4E-7F84-4295-89FE-9A43B1B213C4'

describe('what a lost connection says of a write', () => {
  test.each(['EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])(
    '%s happens before the request is written: a write was not applied, and it is retried',
    (code) => {
      expect(seen(decodeSdkFailure(varied('ECONNREFUSED', { code }), context()))).toMatchObject({
        retryable: true,
        mayHaveBeenApplied: false
      })
    }
  )

  test('ECONNRESET may come after the request was written: a write may have been applied', () => {
    expect(seen(decodeSdkFailure(varied('ECONNREFUSED', { code: 'ECONNRESET' }), context()))).toMatchObject({
      retryable: true,
      mayHaveBeenApplied: true
    })
  })

  test('an error whose data is text, not a parsed body, is a lost connection, not an answer of the API', () => {
    expect(
      seen(decodeSdkFailure(varied('ECONNREFUSED', { code: 'ECONNRESET', data: 'socket hang up' }), context()))
    ).toMatchObject({ retryable: true, mayHaveBeenApplied: true })
  })

  test('ETIMEDOUT is a timeout: retried, and a write may have been applied', () => {
    expect(
      seen(
        decodeSdkFailure(varied('ECONNREFUSED', { code: 'ETIMEDOUT', address: undefined, port: undefined }), context())
      )
    ).toEqual({
      message:
        'CreateSecret failed: Timeout (no HTTP response): the API did not answer within timeout-seconds (sae.cn-hangzhou.aliyuncs.com)',
      retryable: true,
      mayHaveBeenApplied: true,
      retryAfterMs: undefined
    })
  })

  test('a 403 on an error that is not a refused tunnel is no ProxyRefused: it is a network error, retried', () => {
    const error = decodeSdkFailure(
      varied('proxy answers 403 to CONNECT', { code: 'ECONNRESET' }),
      context({ proxy: '127.0.0.1:3128' })
    )
    expect([error.code, error.retryable]).toEqual(['NetworkError', true])
  })
})

describe('the code, status and RequestId of an API answer', () => {
  test.each(['undefined', ''])('a code the SDK spelled %j is UnknownError, with the API’s own message', (code) => {
    expect(seen(decodeSdkFailure(refusal(code, {}), context()))).toEqual({
      message: `CreateSecret failed: UnknownError (HTTP 400, RequestId ${REQUEST_ID}): SecretName is too long`,
      retryable: false,
      mayHaveBeenApplied: false,
      retryAfterMs: undefined
    })
  })

  test('a body that spells requestId and message in lower case is read too', () => {
    const error = decodeSdkFailure(
      refusal('InvalidParameter.WithMessage', {
        RequestId: undefined,
        Message: undefined,
        requestId: 'r-1',
        message: 'lower case'
      }),
      context()
    )
    expect([error.requestId, error.message]).toEqual([
      'r-1',
      'CreateSecret failed: InvalidParameter.WithMessage (HTTP 400, RequestId r-1): a parameter is invalid: lower case'
    ])
  })

  test('a RequestId that came as a number is shown as its digits', () => {
    expect(decodeSdkFailure(refusal('InvalidParameter.WithMessage', { RequestId: 12345 }), context()).requestId).toBe(
      '12345'
    )
  })

  test('a body without a RequestId says so', () => {
    const error = decodeSdkFailure(refusal('InvalidParameter.WithMessage', { RequestId: undefined }), context())
    expect([error.requestId, error.message]).toEqual([
      undefined,
      'CreateSecret failed: InvalidParameter.WithMessage (HTTP 400, no RequestId): a parameter is invalid: SecretName is too long'
    ])
  })
})

describe('how long a throttled caller waits', () => {
  const answer: Answer = { statusCode: 429, headers: { 'x-ratelimit-user-api': 'Limit:20,Remain:0,TimeLeft:700' } }

  test('an HTTP 429 is a throttle whatever its code: TimeLeft is the wait', () => {
    expect(decodeSdkFailure(refusal('TooManyRequests', { statusCode: 429 }), context({ answer })).retryAfterMs).toBe(
      700
    )
  })

  test('an answer that is no throttle waits by the retry loop’s own rule, whatever headers it carries', () => {
    expect(
      decodeSdkFailure(thrown('JSON 500 (SAE fault)'), context({ answer: { ...answer, statusCode: 500 } })).retryAfterMs
    ).toBeUndefined()
  })
})

describe('which pages were refused before SAE', () => {
  test.each([
    [429, 'a gateway’s throttle page was not handled either, but asking later can help'],
    [500, 'a 5xx page']
  ])('a %i page is retried, and a write may hide behind it: %s', (status) => {
    const error = decodeSdkFailure(thrown('HTML 502 from a gateway'), context({ answer: page(status) }))
    expect([error.status, error.retryable, error.mayHaveBeenApplied]).toEqual([status, true, true])
    expect(error.message).not.toContain('nothing was applied')
  })
})

describe('a 200 that says Success: false, spelled otherwise', () => {
  test('ErrorCode for Code, the RequestId from the x-acs-request-id header, and the API’s own message', () => {
    const error = decodeUnsuccessful(
      { ErrorCode: 'SomeFault', Message: 'the fault', Success: false },
      { statusCode: 200, headers: { 'x-acs-request-id': 'H-1' } },
      context()
    )
    expect([error.code, error.requestId, error.message, error.retryable]).toEqual([
      'SomeFault',
      'H-1',
      'CreateSecret failed: SomeFault (HTTP 200, RequestId H-1): the fault',
      false
    ])
  })

  test('a body with no code at all is UnsuccessfulResponse', () => {
    expect(decodeUnsuccessful({ Success: false }, { statusCode: 200, headers: {} }, context()).message).toBe(
      'CreateSecret failed: UnsuccessfulResponse (HTTP 200, no RequestId): the API gave no message'
    )
  })
})

describe('what the error line names', () => {
  test('a URL of exactly 8 KiB is not blamed: only a longer one is', () => {
    expect(
      decodeSdkFailure(thrown('HTML 414 from a gateway'), context({ answer: page(414), urlBytes: 8192 })).message
    ).toBe(
      'CreateSecret failed: NonJsonResponse (HTTP 414, an answer that is not the API, no RequestId): the endpoint answered with something that is not the API ' +
        '(a proxy or gateway page?); check endpoint and the runner network; it was refused before it reached SAE, so nothing was applied'
    )
  })

  test('an untrusted certificate names the code, the host, and NODE_EXTRA_CA_CERTS', () => {
    expect(decodeSdkFailure(thrown('untrusted certificate'), context()).message).toBe(
      'CreateSecret failed: TlsCertificateError (no HTTP response): DEPTH_ZERO_SELF_SIGNED_CERT from sae.cn-hangzhou.aliyuncs.com: ' +
        "the endpoint's TLS certificate is not trusted (verification is never disabled); check endpoint, or NODE_EXTRA_CA_CERTS for a corporate CA"
    )
  })

  test('an address without a port is named as it is', () => {
    const endpoint: Endpoint = { protocol: 'http', host: '127.0.0.1:46877', input: 'endpoint' }
    expect(decodeSdkFailure(varied('ECONNREFUSED', { port: undefined }), context({ endpoint })).message).toBe(
      'CreateSecret failed: NetworkError (no HTTP response): could not reach 127.0.0.1: ECONNREFUSED (nothing listens there); check endpoint and the runner network'
    )
  })

  test('an error with no system code (httpx’s HttpXError) reads as "the connection failed", retried, and a write may have been applied', () => {
    const error = Object.assign(new Error('Stream occor error. socket hang up'), { name: 'HttpXError' })
    expect(seen(decodeSdkFailure(error, context()))).toEqual({
      message:
        "CreateSecret failed: NetworkError (no HTTP response): could not reach sae.cn-hangzhou.aliyuncs.com: the connection failed; the host was derived from namespace-id's region 'cn-hangzhou'; check namespace-id and the runner network",
      retryable: true,
      mayHaveBeenApplied: true,
      retryAfterMs: undefined
    })
  })

  test.each([
    ['https', 'HTTPS_PROXY'],
    ['http', 'HTTP_PROXY']
  ] as const)(
    'the proxy itself unreachable (%s): the proxy is named, and the variable it came from, not the region',
    (protocol, variable) => {
      const error = decodeSdkFailure(
        thrown('ECONNREFUSED'),
        context({ endpoint: { ...SAE, protocol }, proxy: '127.0.0.1:46877' })
      )
      expect(seen(error)).toEqual({
        message: `CreateSecret failed: NetworkError (no HTTP response): could not reach 127.0.0.1:46877 (the proxy for sae.cn-hangzhou.aliyuncs.com): ECONNREFUSED (nothing listens there); check the proxy URL in ${variable} and that the proxy runs`,
        retryable: true,
        mayHaveBeenApplied: false,
        retryAfterMs: undefined
      })
    }
  )

  test('a tunnel that failed with no status and no proxy known: the variable stands for the proxy, "(none)" for the status', () => {
    expect(decodeSdkFailure(varied('proxy answers 502 to CONNECT', { statusCode: undefined }), context()).message).toBe(
      'CreateSecret failed: NetworkError (no HTTP response): could not reach sae.cn-hangzhou.aliyuncs.com through the proxy (from HTTPS_PROXY): it answered HTTP (none) to CONNECT; ' +
        "the host was derived from namespace-id's region 'cn-hangzhou'; check namespace-id and the runner network"
    )
  })

  test('the API’s message is shown on one line, runs of white space made one space', () => {
    expect(
      decodeSdkFailure(refusal('InvalidParameter.WithMessage', { Message: 'SecretName  is\n\ttoo long' }), context())
        .message
    ).toBe(
      `CreateSecret failed: InvalidParameter.WithMessage (HTTP 400, RequestId ${REQUEST_ID}): a parameter is invalid: SecretName is too long`
    )
  })

  test('the API’s message is cut at 300 characters', () => {
    expect(
      decodeSdkFailure(refusal('InvalidParameter.WithMessage', { Message: 'abc '.repeat(100) }), context()).message
    ).toBe(
      `CreateSecret failed: InvalidParameter.WithMessage (HTTP 400, RequestId ${REQUEST_ID}): a parameter is invalid: ${'abc '.repeat(75)}`
    )
  })
})

describe('throttleWaitMs, as the headers may be spelled', () => {
  test.each([
    ['TimeLeft first', { 'x-ratelimit-user-api': 'TimeLeft:700,Limit:20,Remain:0' }, 700],
    ['a space before TimeLeft', { 'x-ratelimit-user-api': 'Limit:20, TimeLeft:300' }, 300],
    [
      'a name that only ends in TimeLeft is another field',
      { 'x-ratelimit-user-api': 'Limit:20,MaxTimeLeft:300' },
      undefined
    ],
    [
      'the header repeated: its lines are read as one list',
      { 'x-ratelimit-user-api': ['Limit:20,Remain:0', 'TimeLeft:1500'] },
      1500
    ]
  ])('%s', (_, headers, expected) => {
    expect(throttleWaitMs(headers)).toBe(expected)
  })
})

describe('an error without a code', () => {
  test('is known by its name less "Error" (httpx names its errors so): a certificate one is still a TlsCertificateError, named by that code', () => {
    const error = Object.assign(new Error('certificate has expired'), { name: 'CERT_HAS_EXPIREDError' })
    expect(decodeSdkFailure(error, context()).message).toMatch(
      /^CreateSecret failed: TlsCertificateError \(no HTTP response\): CERT_HAS_EXPIRED from sae\.cn-hangzhou\.aliyuncs\.com: /
    )
  })
})

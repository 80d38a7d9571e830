// What a failed call means, from what the Alibaba SDK threw and what the transport saw of the
// answer: one ApiError that holds no secret, says whether retrying can help, whether a write may
// have been applied, and how long a throttled caller should wait. Pure: recorded objects in,
// errors out (test/unit/sae/sdk/transport-errors.test.ts feeds it every shape the SDK throws).
import { describeSystemError, isCertificateError } from '../../network/system-errors.js'
import { explainApiCode, isThrottling, ApiError, type ApiFault } from './api-errors.js'
import type { Endpoint } from '../../domain/model.js'
import { isSaeRegion, nearestSaeRegion } from '../../domain/regions.js'

/** The HTTP answer the transport saw for a call, when one came. */
export interface Answer {
  statusCode: number
  headers: Record<string, string | string[] | undefined>
}

/** What is known of the call that failed. */
export interface CallContext {
  action: string
  /** Changes state (CreateSecret, UpdateSecret, DeleteSecret): a lost answer may hide an applied write. */
  writes: boolean
  endpoint: Endpoint
  /** The proxy set for this endpoint's protocol (host:port), for messages; NO_PROXY may still bypass it. */
  proxy?: string
  /** Bytes of the request's path and query (SAE takes SecretData in the query). */
  urlBytes: number
  /** The last HTTP answer of the call, as the transport handed it to the SDK. */
  answer?: Answer
  /** Removes every registered secret from a text the API wrote. */
  redact(text: string): string
}

/** Connection errors that happen before a request is written: the call surely did not apply. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_PROXY_TUNNEL'])
/** The host name does not exist: asking again cannot make it exist. */
const FINAL_SYSTEM_ERRORS = new Set(['ENOTFOUND'])
/** Gateways refuse URLs beyond about 8 KiB, and SAE takes SecretData in the query. */
const LARGE_URL_BYTES = 8 * 1024
/** Where SAE says when a throttled caller may ask again: `Limit:…,Remain:…,TimeLeft:<ms>`. */
const RATE_LIMIT_HEADERS = ['x-ratelimit-user-api', 'x-ratelimit-user']

/**
 * The most an Alibaba Cloud answer may hold (SAE's, STS's, the ECS metadata service's): theirs are a few
 * KiB; more is not read (seam.ts stops it for SAE and STS, credentials/instance-role.ts for the metadata service).
 */
export const MAX_ANSWER_BYTES = 1024 * 1024

/** An answer that went past MAX_ANSWER_BYTES: the seam stopped reading it and closed the connection. */
export class AnswerTooLarge extends Error {
  constructor(readonly host: string) {
    super(`the answer from ${host} was larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`)
    this.name = 'AnswerTooLarge'
  }
}

/** The shape of what the SDK throws: its ResponseError (code, data), a SyntaxError, or a Node network error. */
interface SdkFailure {
  name?: string
  code?: unknown
  statusCode?: number
  data?: Record<string, unknown>
  hostname?: string
  address?: string
  port?: number
}

/** An error the SDK threw for a call, as the user should read it. */
export function decodeSdkFailure(error: unknown, context: CallContext): ApiError {
  const { action } = context
  const e = (error ?? {}) as SdkFailure
  if (error instanceof SyntaxError) return pageAnswer(context)
  if (error instanceof AnswerTooLarge) {
    // Not read to its end, so not known to be the API's: a write it answered may have landed.
    return new ApiError(
      {
        action,
        code: 'AnswerTooLarge',
        status: context.answer?.statusCode,
        advice: `${error.message}, more than any answer of the API: ${explain('AnswerTooLarge')}`
      },
      { mayHaveBeenApplied: context.writes, retryable: false }
    )
  }
  if (e.data && typeof e.data === 'object' && typeof e.code === 'string') {
    const status = typeof e.data.statusCode === 'number' ? e.data.statusCode : e.statusCode
    const code = e.code === 'undefined' || e.code === '' ? 'UnknownError' : e.code
    return apiAnswer(
      {
        action,
        code,
        status,
        requestId: stringField(e.data, 'RequestId') ?? stringField(e.data, 'requestId'),
        detail: apiDetail(stringField(e.data, 'Message') ?? stringField(e.data, 'message'), context.redact)
      },
      context
    )
  }
  const answered = context.answer?.statusCode
  if (
    answered !== undefined &&
    answered >= 200 &&
    answered < 300 &&
    typeof e.code !== 'string' &&
    !/timeout/i.test(e.name ?? '')
  ) {
    // A 2xx whose JSON the SDK refused to read as the envelope (an array, a string): not the API.
    const answer = { statusCode: answered, body: {}, headers: context.answer?.headers }
    const detail = `HTTP ${answered} from ${context.endpoint.host} whose body is not the API's envelope`
    return decodeNotTheApi({ code: 'MalformedResponse', detail }, answer, context)
  }
  const networkCode = typeof e.code === 'string' ? e.code : e.name?.replace(/Error$/, '')
  if (isCertificateError(String(networkCode))) {
    // Certificate verification is never turned off; retrying cannot make a certificate trusted.
    return new ApiError({
      action,
      code: 'TlsCertificateError',
      advice: `${networkCode} from ${context.endpoint.host}: ${explain('TlsCertificateError')}`
    })
  }
  if (networkCode === 'ERR_PROXY_TUNNEL' && (e.statusCode === 407 || e.statusCode === 403))
    return proxyRefusal(e.statusCode, context)
  const isTimeout = /timeout/i.test(e.name ?? '') || networkCode === 'ETIMEDOUT'
  const code = isTimeout ? 'Timeout' : 'NetworkError'
  const systemError = String(networkCode ?? '')
  return new ApiError(
    { action, code, advice: networkAdvice(code, systemError, e, context) },
    {
      mayHaveBeenApplied: context.writes && !NOT_SENT.has(systemError),
      ...(FINAL_SYSTEM_ERRORS.has(systemError) ? { retryable: false } : {})
    }
  )
}

/** A `200` whose body says `"Success": false`: a failure, and nothing was applied. */
export function decodeUnsuccessful(body: Record<string, unknown>, answer: Answer, context: CallContext): ApiError {
  return new ApiError(
    {
      action: context.action,
      code: stringField(body, 'Code') ?? stringField(body, 'ErrorCode') ?? 'UnsuccessfulResponse',
      status: answer.statusCode,
      requestId: stringField(body, 'RequestId') ?? headerValue(answer.headers, 'x-acs-request-id'),
      detail: apiDetail(stringField(body, 'Message'), context.redact)
    },
    { retryAfterMs: throttleWaitMs(answer.headers) }
  )
}

/**
 * An answer that came but is not what the API documents: a status it never sends (a 3xx, which is
 * never followed), an envelope without the `Data` the call returns, a SecretId that is not a positive
 * integer. An error, never a fact to act on; a write answered so may have been applied (the caller
 * looks before deciding). It keeps the answer's status as it was and its RequestId when it has one.
 */
export function decodeNotTheApi(
  what: { code: 'UnexpectedAnswer' | 'MalformedResponse'; detail: string },
  answer: { statusCode: number; body: Record<string, unknown>; headers?: Answer['headers'] },
  context: Pick<CallContext, 'action' | 'writes'>
): ApiError {
  return new ApiError(
    {
      action: context.action,
      code: what.code,
      status: answer.statusCode,
      requestId: stringField(answer.body, 'RequestId') ?? headerValue(answer.headers, 'x-acs-request-id'),
      advice: `${explain(what.code)} (${what.detail})`
    },
    { mayHaveBeenApplied: context.writes, retryable: false }
  )
}

/** An answer of the API (a JSON error body). A 4xx is the API refusing the request; a 5xx may come after a write was done. */
function apiAnswer(fault: ApiFault, context: CallContext): ApiError {
  const afterWrite = fault.status !== undefined && fault.status >= 500
  return new ApiError(fault, {
    mayHaveBeenApplied: context.writes && afterWrite && !isThrottling(fault.code),
    retryAfterMs: isThrottling(fault.code) || fault.status === 429 ? throttleWaitMs(context.answer?.headers) : undefined
  })
}

/**
 * The SDK parses every error body as JSON; a proxy's or gateway's page ends here as a SyntaxError.
 * Its status, as the transport saw it, tells the two cases apart: a 4xx page (400, 413, 414, 431)
 * was refused before it reached SAE, so nothing was applied and sending it again cannot help; a
 * 5xx page, or one whose status is unknown, may hide an applied write.
 */
function pageAnswer(context: CallContext): ApiError {
  const status = context.answer?.statusCode
  // A redirect (or a 1xx) is no answer of the API, whatever its body: never followed, never sent again.
  if (status !== undefined && (status < 200 || (status >= 300 && status < 400))) {
    const answer = { statusCode: status, body: {}, headers: context.answer?.headers }
    return decodeNotTheApi(
      { code: 'UnexpectedAnswer', detail: `HTTP ${status} from ${context.endpoint.host}` },
      answer,
      context
    )
  }
  const refusedBefore = status !== undefined && status >= 400 && status < 500 && status !== 429
  const fault: ApiFault = {
    action: context.action,
    code: 'NonJsonResponse',
    status,
    advice: pageAdvice(context, refusedBefore)
  }
  if (refusedBefore) return new ApiError(fault, { retryable: false })
  return new ApiError(fault, { mayHaveBeenApplied: context.writes })
}

/** A write whose URL is large draws the gateway's refusal; say so rather than blame a proxy. */
function pageAdvice(context: CallContext, refusedBefore: boolean): string {
  // NO_PROXY may send this host direct (Node decides), so the proxy is named as a possibility only.
  const via = context.proxy ? ` (a proxy is set, ${context.proxy}: the page may be its own)` : ''
  const nothingApplied = refusedBefore ? '; it was refused before it reached SAE, so nothing was applied' : ''
  if (context.writes && context.urlBytes > LARGE_URL_BYTES) {
    return (
      `the request's URL was ${(context.urlBytes / 1024).toFixed(1)} KiB (SAE takes SecretData in the query string) and the answer was a page, not the API${via}${nothingApplied}: ` +
      'gateways refuse URLs that long, and a long registry password (a JSON key, a token) is the likely cause; use a shorter credential for the registry'
    )
  }
  return `${explain('NonJsonResponse')}${via}${nothingApplied}`
}

function proxyRefusal(status: 407 | 403, context: CallContext): ApiError {
  const why =
    status === 407
      ? "it refused this runner's credentials (none, or those in the proxy URL); put valid ones in the proxy URL (http://user:password@host:port)"
      : 'it does not allow this host; ask for it to be allowed'
  return new ApiError({
    action: context.action,
    code: 'ProxyRefused',
    advice: `the proxy ${proxyName(context)} answered HTTP ${status} to CONNECT ${context.endpoint.host}: ${why}, or add the host to NO_PROXY if it is reachable directly`
  })
}

/** Names the host that could not be reached, the system error, and the input that produced the host. */
function networkAdvice(code: string, systemError: string, e: SdkFailure, context: CallContext): string {
  const { host, input, region } = context.endpoint
  if (code === 'Timeout') return `${explain('Timeout')} (${host})`
  const target = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : (e.hostname ?? host)
  const what = /^[A-Z0-9_]+$/.test(systemError) ? describeSystemError(systemError) : 'the connection failed'
  // The proxy itself could not be reached: the endpoint and its region are not the question.
  if (context.proxy !== undefined && context.proxy === target) {
    return `could not reach ${target} (the proxy for ${host}): ${what}; check the proxy URL in ${proxyVariable(context)} and that the proxy runs`
  }
  const check =
    region !== undefined
      ? `the host was derived from namespace-id's region '${region}'` +
        (isSaeRegion(region)
          ? '; check namespace-id and the runner network'
          : `, which SAE does not serve: check namespace-id (did you mean '${nearestSaeRegion(region)}'?)`)
      : `check ${input} and the runner network`
  if (systemError === 'ERR_PROXY_TUNNEL') {
    // The proxy answered the CONNECT with another status (502, 504...): the proxy could not reach the host.
    return `could not reach ${host} through the proxy ${proxyName(context)}: it answered HTTP ${e.statusCode ?? '(none)'} to CONNECT; ${check}`
  }
  return `could not reach ${target}: ${what}; ${check}`
}

/** The variable this endpoint's proxy comes from (the lower-case form is read too). */
function proxyVariable(context: CallContext): string {
  return context.endpoint.protocol === 'https' ? 'HTTPS_PROXY' : 'HTTP_PROXY'
}

function proxyName(context: CallContext): string {
  return context.proxy ?? `(from ${proxyVariable(context)})`
}

/**
 * How long a throttled caller should wait, from SAE's rate-limit headers
 * (`x-ratelimit-user-api: Limit:20,Remain:0,TimeLeft:1500`): the longer of the two limits' waits,
 * as Alibaba's own clients take it; undefined when none says.
 */
export function throttleWaitMs(headers: Answer['headers'] | undefined): number | undefined {
  const waits = RATE_LIMIT_HEADERS.flatMap((name) => {
    const match = /(?:^|[,;\s])TimeLeft\s*[:=]\s*(\d+)/i.exec(headerValue(headers, name) ?? '')
    return match ? [Number(match[1])] : []
  })
  return waits.length > 0 ? Math.max(...waits) : undefined
}

function headerValue(headers: Answer['headers'] | undefined, name: string): string | undefined {
  const value = headers?.[name]
  return Array.isArray(value) ? value.join(',') : value
}

function explain(code: string): string {
  return explainApiCode(code) ?? code
}

/**
 * The API's own message, for the error line. A server may echo parameters, in full or cut short
 * where exact-match redaction cannot see them, so long opaque runs (base64, percent-encoded data)
 * go too: no API message needs one to be understood.
 */
function apiDetail(message: string | undefined, redact: (text: string) => string): string | undefined {
  if (message === undefined) return undefined
  return redact(message)
    .replace(/[A-Za-z0-9+/=%_-]{40,}/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .slice(0, 300)
}

/** A field of an API answer as text (RequestId may come as a number). */
export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

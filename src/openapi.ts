import * as OpenApiModule from '@alicloud/openapi-client'
import { ApiError } from './errors.js'
import type { Endpoint } from './inputs.js'
import type { Redactor } from './redaction.js'
import { withRetry, type RetryClock, type RetryPolicy } from './retry.js'

export interface AccessKey {
  accessKeyId: string
  accessKeySecret: string
  securityToken?: string
}

/** One API operation as the official SDKs describe it to `callApi`. */
export interface Operation {
  action: string
  version: string
  style: 'ROA' | 'RPC'
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  pathname: string
  /** STS AssumeRoleWithOIDC is called unsigned. */
  anonymous?: boolean
}

export interface ApiResponse {
  statusCode: number
  body: Record<string, unknown>
}

export interface ConnectionSettings {
  endpoint: Endpoint
  userAgent: string
  key?: AccessKey
  redactor: Redactor
  /** Debug log (RUNNER_DEBUG): names and statuses only, never parameter values. */
  debug?: (line: string) => void
}

type ClientClass = new (config: OpenApiModule.Config) => {
  callApi(params: OpenApiModule.Params, request: OpenApiModule.OpenApiRequest, runtime: object): Promise<unknown>
}

// The package is CommonJS with an ES-style default export; Node and the bundler disagree on
// which object `default` is, so accept both.
const moduleDefault = (OpenApiModule as unknown as { default: ClientClass | { default: ClientClass } }).default
const Client: ClientClass = typeof moduleDefault === 'function' ? moduleDefault : moduleDefault.default

/** Connection errors that happen before a request is written: the call surely did not apply. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

/**
 * The one place that builds signed requests (through the official `@alicloud/openapi-client`,
 * ACS3-HMAC-SHA256) and turns every way a call can fail into an `ApiError` that holds no secret.
 */
export class OpenApiConnection {
  private readonly client: InstanceType<ClientClass>

  constructor(private readonly settings: ConnectionSettings) {
    const key = settings.key
    this.client = new Client(
      new OpenApiModule.Config({
        endpoint: settings.endpoint.host,
        protocol: settings.endpoint.protocol,
        userAgent: settings.userAgent,
        ...(key
          ? { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, securityToken: key.securityToken }
          : {})
      })
    )
  }

  async call(operation: Operation, query: Record<string, string>, timeoutMs: number): Promise<ApiResponse> {
    const params = new OpenApiModule.Params({
      action: operation.action,
      version: operation.version,
      protocol: this.settings.endpoint.protocol.toUpperCase(),
      pathname: operation.pathname,
      method: operation.method,
      authType: operation.anonymous ? 'Anonymous' : 'AK',
      style: operation.style,
      reqBodyType: operation.style === 'RPC' ? 'formData' : 'json',
      bodyType: 'json'
    })
    const request = new OpenApiModule.OpenApiRequest({ query })
    // The SDK's own retry only covers network errors; ours (retry.ts) covers those and the API's faults.
    const runtime = { autoretry: false, readTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 10_000) }
    const target = `${operation.method} ${this.settings.endpoint.protocol}://${this.settings.endpoint.host}${operation.pathname}`
    this.settings.debug?.(`${operation.action}: ${target} with ${Object.keys(query).sort().join(', ')}`)
    let response: { statusCode?: number; body?: unknown; headers?: Record<string, string> }
    try {
      response = (await this.client.callApi(params, request, runtime)) as typeof response
    } catch (error) {
      const failure = this.translate(operation.action, error)
      this.settings.debug?.(`${operation.action}: ${failure.message}`)
      throw failure
    }
    const body = (response.body ?? {}) as Record<string, unknown>
    const statusCode = response.statusCode ?? 200
    this.settings.debug?.(`${operation.action}: HTTP ${statusCode}, RequestId ${stringField(body, 'RequestId') ?? 'none'}`)
    // SAE can answer 200 with Success: false; that is a failure, not a result.
    if (body.Success === false) {
      throw new ApiError({
        action: operation.action,
        code: stringField(body, 'Code') ?? stringField(body, 'ErrorCode') ?? 'UnsuccessfulResponse',
        status: statusCode,
        requestId: stringField(body, 'RequestId') ?? response.headers?.['x-acs-request-id'],
        detail: this.detail(stringField(body, 'Message'))
      })
    }
    return { statusCode, body }
  }

  /** The SDK's errors carry the request URL (with SecretData) and the whole response: keep only what is safe. */
  private translate(action: string, error: unknown): ApiError {
    const e = error as {
      name?: string
      code?: unknown
      statusCode?: number
      data?: Record<string, unknown>
      message?: string
    }
    if (error instanceof SyntaxError) {
      // The SDK parses every error body as JSON; a proxy's HTML page ends here with no status.
      return new ApiError({ action, code: 'NonJsonResponse' })
    }
    if (e?.data && typeof e.data === 'object' && typeof e.code === 'string') {
      const status = typeof e.data.statusCode === 'number' ? e.data.statusCode : e.statusCode
      return new ApiError({
        action,
        code: e.code === 'undefined' || e.code === '' ? 'UnknownError' : e.code,
        status,
        requestId: stringField(e.data, 'RequestId') ?? stringField(e.data, 'requestId'),
        detail: this.detail(stringField(e.data, 'Message') ?? stringField(e.data, 'message'))
      })
    }
    const networkCode = typeof e?.code === 'string' ? e.code : e?.name?.replace(/Error$/, '')
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(String(networkCode))) {
      // Certificate verification is never turned off; retrying cannot make a certificate trusted.
      return new ApiError({ action, code: 'TlsCertificateError', detail: networkCode })
    }
    const isTimeout = /timeout/i.test(e?.name ?? '') || networkCode === 'ETIMEDOUT'
    return new ApiError(
      { action, code: isTimeout ? 'Timeout' : 'NetworkError', detail: networkCode && /^[\w.]+$/.test(networkCode) ? networkCode : undefined },
      { maybeApplied: !NOT_SENT.has(String(networkCode)) }
    )
  }

  /**
   * The API's own message, for the error line. A server may echo parameters, in full or cut
   * short where exact-match redaction cannot see them, so long opaque runs (base64,
   * percent-encoded data) go too: no API message needs one to be understood.
   */
  private detail(message: string | undefined): string | undefined {
    if (message === undefined) return undefined
    return this.settings.redactor
      .redact(message)
      .replace(/[A-Za-z0-9+/=%_-]{40,}/g, '[redacted]')
      .replace(/\s+/g, ' ')
      .slice(0, 300)
  }
}

export function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

export interface RetrySettings {
  policy: RetryPolicy
  clock: RetryClock
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
}

/** Longest a single attempt may wait for an answer, so a hung connection leaves time to retry. */
const ATTEMPT_TIMEOUT_MS = 20_000

/**
 * One API call with retries. Marks the final error when any attempt may have been applied without
 * its answer arriving, so a later AlreadyExist can be recognised as our own write.
 */
export async function callWithRetries(
  connection: OpenApiConnection,
  operation: Operation,
  query: Record<string, string>,
  { policy, clock, onRetry }: RetrySettings
): Promise<ApiResponse> {
  let uncertain = false
  try {
    return await withRetry(
      async () => {
        const remaining = policy.deadline - clock.now()
        if (remaining <= 0) throw new ApiError({ action: operation.action, code: 'Timeout' })
        try {
          return await connection.call(operation, query, Math.min(remaining, ATTEMPT_TIMEOUT_MS))
        } catch (error) {
          if (error instanceof ApiError && error.maybeApplied) uncertain = true
          throw error
        }
      },
      policy,
      clock,
      onRetry
    )
  } catch (error) {
    if (error instanceof ApiError) error.priorAttemptMaybeApplied = uncertain
    throw error
  }
}

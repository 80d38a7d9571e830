// The one module that loads the Alibaba SDK (`@alicloud/openapi-client`): it builds and signs each
// request, sends it, and turns every way a call can fail into an ApiError that holds no secret and
// says whether a write may have been applied.
import * as OpenApiModule from '@alicloud/openapi-client'
import { describeSystemError, explainApiCode, isCertificateError, isThrottling } from './api-codes.js'
import { ApiError, type ApiFault } from './errors.js'
import type { AccessKey, Endpoint } from './model.js'
import type { Redactor } from './redaction.js'
import { nearestSaeRegion, isSaeRegion } from './regions.js'
import { withRetry, type RetrySettings } from './retry.js'

/** One API operation as the official SDKs describe it. */
export interface Operation {
  action: string
  version: string
  /** ROA (SAE): signed V3 through `callApi`. RPC (STS): `doRPCRequest`, as the official STS client sends it. */
  style: 'ROA' | 'RPC'
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  pathname: string
  /** STS AssumeRoleWithOIDC is called unsigned. */
  anonymous?: boolean
  /** Changes state (CreateSecret, UpdateSecret, DeleteSecret): a lost answer may hide an applied write. */
  writes?: boolean
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
  /** The proxy set for this endpoint's protocol (host:port), for messages; NO_PROXY may still bypass it. */
  proxy?: string
  /** Debug log (RUNNER_DEBUG): names and statuses only, never parameter values. */
  debug?: (line: string) => void
}

type SdkResponse = { statusCode?: number; body?: unknown; headers?: Record<string, string> }
type ClientClass = new (config: OpenApiModule.Config) => {
  callApi(params: OpenApiModule.Params, request: OpenApiModule.OpenApiRequest, runtime: object): Promise<unknown>
  doRPCRequest(
    action: string,
    version: string,
    protocol: string,
    method: string,
    authType: string,
    bodyType: string,
    request: OpenApiModule.OpenApiRequest,
    runtime: object
  ): Promise<unknown>
}

// The package is CommonJS with an ES-style default export; Node and the bundler disagree on
// which object `default` is, so accept both.
const moduleDefault = (OpenApiModule as unknown as { default: ClientClass | { default: ClientClass } }).default
const Client: ClientClass = typeof moduleDefault === 'function' ? moduleDefault : moduleDefault.default

/** Connection errors that happen before a request is written: the call surely did not apply. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_PROXY_TUNNEL'])
/** Gateways refuse URLs beyond about 8 KiB, and SAE takes SecretData in the query. */
const LARGE_URL_BYTES = 8 * 1024

/**
 * The one place that builds signed requests (through the official `@alicloud/openapi-client`,
 * ACS3-HMAC-SHA256 for SAE, the RPC form for STS) and turns every way a call can fail into an
 * `ApiError` that holds no secret.
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
        ...(key ? { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, securityToken: key.securityToken } : {})
      })
    )
  }

  async call(operation: Operation, query: Record<string, string>, timeoutMs: number): Promise<ApiResponse> {
    const request = new OpenApiModule.OpenApiRequest({ query })
    // The SDK's own retry only covers network errors; ours (retry.ts) covers those and the API's faults.
    const runtime = { autoretry: false, readTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 10_000) }
    const { protocol, host } = this.settings.endpoint
    this.settings.debug?.(`${operation.action}: ${operation.method} ${protocol}://${host}${operation.pathname} with ${Object.keys(query).sort().join(', ')}`)
    let response: SdkResponse
    try {
      response = (await this.send(operation, request, runtime)) as SdkResponse
    } catch (error) {
      const failure = this.translate(operation, query, error)
      this.settings.debug?.(`${operation.action}: ${failure.message}`)
      throw failure
    }
    const body = (response.body ?? {}) as Record<string, unknown>
    const statusCode = response.statusCode ?? 200
    this.settings.debug?.(`${operation.action}: HTTP ${statusCode}, RequestId ${stringField(body, 'RequestId') ?? '(none)'}`)
    // SAE can answer 200 with Success: false; that is a failure, not a result, and nothing was applied.
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

  private send(operation: Operation, request: OpenApiModule.OpenApiRequest, runtime: object): Promise<unknown> {
    const protocol = this.settings.endpoint.protocol.toUpperCase()
    const authType = operation.anonymous ? 'Anonymous' : 'AK'
    if (operation.style === 'RPC') {
      // Exactly what @alicloud/sts20150401's assumeRoleWithOIDC calls (test/wire-parity.test.ts).
      return this.client.doRPCRequest(operation.action, operation.version, protocol, operation.method, authType, 'json', request, runtime)
    }
    const params = new OpenApiModule.Params({
      action: operation.action,
      version: operation.version,
      protocol,
      pathname: operation.pathname,
      method: operation.method,
      authType,
      style: operation.style,
      reqBodyType: 'json',
      bodyType: 'json'
    })
    return this.client.callApi(params, request, runtime)
  }

  /** The SDK's errors carry the request URL (with SecretData) and the whole response: keep only what is safe. */
  private translate(operation: Operation, query: Record<string, string>, error: unknown): ApiError {
    const action = operation.action
    const e = error as {
      name?: string
      code?: unknown
      statusCode?: number
      data?: Record<string, unknown>
      hostname?: string
      address?: string
      port?: number
    }
    // A write the service may have received and applied, although no definite answer says so.
    const lost = (fault: ApiFault, sent: boolean) =>
      new ApiError(fault, { mayHaveBeenApplied: Boolean(operation.writes) && sent && !isThrottling(fault.code) })

    if (error instanceof SyntaxError) {
      // The SDK parses every error body as JSON; a proxy's or gateway's HTML page ends here, its status unread.
      return lost({ action, code: 'NonJsonResponse', advice: this.nonApiAdvice(operation, query) }, true)
    }
    if (e?.data && typeof e.data === 'object' && typeof e.code === 'string') {
      const status = typeof e.data.statusCode === 'number' ? e.data.statusCode : e.statusCode
      return lost(
        {
          action,
          code: e.code === 'undefined' || e.code === '' ? 'UnknownError' : e.code,
          status,
          requestId: stringField(e.data, 'RequestId') ?? stringField(e.data, 'requestId'),
          detail: this.detail(stringField(e.data, 'Message') ?? stringField(e.data, 'message'))
        },
        // A 4xx is the API refusing the request; a 5xx may come after the write was done.
        status !== undefined && status >= 500
      )
    }
    const networkCode = typeof e?.code === 'string' ? e.code : e?.name?.replace(/Error$/, '')
    if (isCertificateError(String(networkCode))) {
      // Certificate verification is never turned off; retrying cannot make a certificate trusted.
      return new ApiError({ action, code: 'TlsCertificateError', advice: `${networkCode} from ${this.settings.endpoint.host}: ${this.explain('TlsCertificateError')}` })
    }
    if (networkCode === 'ERR_PROXY_TUNNEL' && (e.statusCode === 407 || e.statusCode === 403)) {
      const why =
        e.statusCode === 407
          ? "it refused this runner's credentials (none, or those in the proxy URL); put valid ones in the proxy URL (http://user:password@host:port)"
          : 'it does not allow this host; ask for it to be allowed'
      return new ApiError({
        action,
        code: 'ProxyRefused',
        advice: `the proxy ${this.proxyName()} answered HTTP ${e.statusCode} to CONNECT ${this.settings.endpoint.host}: ${why}, or add the host to NO_PROXY if it is reachable directly`
      })
    }
    const isTimeout = /timeout/i.test(e?.name ?? '') || networkCode === 'ETIMEDOUT'
    const code = isTimeout ? 'Timeout' : 'NetworkError'
    return lost({ action, code, advice: this.networkAdvice(code, String(networkCode ?? ''), e) }, !NOT_SENT.has(String(networkCode)))
  }

  /** Names the host that could not be reached, the system error, and the input that produced the host. */
  private networkAdvice(code: string, systemError: string, e: { hostname?: string; address?: string; port?: number; statusCode?: number }): string {
    const { host, input, region } = this.settings.endpoint
    if (code === 'Timeout') return `${this.explain('Timeout')} (${host})`
    const target = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : (e.hostname ?? host)
    const what = /^[A-Z0-9_]+$/.test(systemError) ? describeSystemError(systemError) : 'the connection failed'
    // The proxy itself could not be reached: the endpoint and its region are not the question.
    if (this.settings.proxy !== undefined && this.settings.proxy === target) {
      return `could not reach ${target} (the proxy for ${host}): ${what}; check the proxy URL in ${this.proxyVariable()} and that the proxy runs`
    }
    const check =
      region !== undefined
        ? `the host was derived from namespace-id's region '${region}'` +
          (isSaeRegion(region) ? '; check namespace-id and the runner network' : `, which SAE does not serve: check namespace-id (did you mean '${nearestSaeRegion(region)}'?)`)
        : `check ${input} and the runner network`
    if (systemError === 'ERR_PROXY_TUNNEL') {
      // The proxy answered the CONNECT with another status (502, 504...): the proxy could not reach the host.
      return `could not reach ${host} through the proxy ${this.proxyName()}: it answered HTTP ${e.statusCode ?? '(none)'} to CONNECT; ${check}`
    }
    return `could not reach ${target}: ${what}; ${check}`
  }

  /** The variable this endpoint's proxy comes from (the lower-case form is read too). */
  private proxyVariable(): string {
    return this.settings.endpoint.protocol === 'https' ? 'HTTPS_PROXY' : 'HTTP_PROXY'
  }

  private proxyName(): string {
    return this.settings.proxy ?? `(from ${this.proxyVariable()})`
  }

  /** A write whose URL is large draws the gateway's refusal; say so rather than blame a proxy. */
  private nonApiAdvice(operation: Operation, query: Record<string, string>): string {
    const urlBytes = Buffer.byteLength(`${operation.pathname}?${new URLSearchParams(query).toString()}`)
    // NO_PROXY may send this host direct (Node decides), so the proxy is named as a possibility only.
    const via = this.settings.proxy ? ` (a proxy is set, ${this.settings.proxy}: the page may be its own)` : ''
    if (operation.writes && urlBytes > LARGE_URL_BYTES) {
      return (
        `the request's URL was ${(urlBytes / 1024).toFixed(1)} KiB (SAE takes SecretData in the query string) and the answer was a page, not the API${via}: ` +
        'gateways refuse URLs that long, and a long registry password (a JSON key, a token) is the likely cause; use a shorter credential for the registry'
      )
    }
    return `${this.explain('NonJsonResponse')}${via}`
  }

  private explain(code: string): string {
    return explainApiCode(code) ?? code
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

/** Longest a single attempt may wait for an answer, so a hung connection leaves time to retry. */
const ATTEMPT_TIMEOUT_MS = 20_000

/**
 * One API call with retries. A write is never sent again blindly once an attempt may have been
 * applied: that failure goes to the caller, who looks before deciding (provision.ts).
 */
export async function callWithRetries(
  connection: OpenApiConnection,
  operation: Operation,
  query: Record<string, string>,
  { policy, clock, onRetry }: RetrySettings
): Promise<ApiResponse> {
  return withRetry(
    async () => {
      const remaining = policy.deadline - clock.now()
      if (remaining <= 0) throw new ApiError({ action: operation.action, code: 'Timeout' })
      return connection.call(operation, query, Math.min(remaining, ATTEMPT_TIMEOUT_MS))
    },
    policy,
    clock,
    onRetry,
    (error) => !(error instanceof ApiError && error.mayHaveBeenApplied)
  )
}

// The one module that loads the Alibaba SDK (`@alicloud/openapi-client`): it builds, signs and
// sends each request, through the run's connections. What a failure means is transport-errors.ts's.
import * as OpenApiModule from '@alicloud/openapi-client'
import { ApiError } from './api-errors.js'
import type { AccessKey, Endpoint } from '../../domain/model.js'
import { withRetry, type RetrySettings } from './retry.js'
import { withExchange, type Exchange } from './seam.js'
import {
  decodeNotTheApi,
  decodeSdkFailure,
  decodeUnsuccessful,
  stringField,
  type CallContext
} from './transport-errors.js'

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
  headers?: Record<string, string>
}

export interface ConnectionSettings {
  endpoint: Endpoint
  userAgent: string
  key?: AccessKey
  /** Removes every registered secret from a text (an API message may echo one). */
  redact(text: string): string
  /** The run's agents (and through them its proxy); absent: httpx's own. */
  agents?: Exchange['agents']
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
        ...(key
          ? { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, securityToken: key.securityToken }
          : {})
      })
    )
  }

  async call(operation: Operation, query: Record<string, string>, timeoutMs: number): Promise<ApiResponse> {
    const request = new OpenApiModule.OpenApiRequest({ query })
    // The SDK's own retry only covers network errors; ours (retry.ts) covers those and the API's faults.
    const runtime = { autoretry: false, readTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 10_000) }
    const { protocol, host } = this.settings.endpoint
    this.settings.debug?.(
      `${operation.action}: ${operation.method} ${protocol}://${host}${operation.pathname} with ${Object.keys(query).sort().join(', ')}`
    )
    const exchange: Exchange = { agents: this.settings.agents }
    let response: SdkResponse
    try {
      response = (await withExchange(exchange, () => this.send(operation, request, runtime))) as SdkResponse
    } catch (error) {
      const failure = decodeSdkFailure(error, this.context(operation, query, exchange))
      this.settings.debug?.(`${operation.action}: ${failure.message}`)
      throw failure
    }
    const body = (response.body ?? {}) as Record<string, unknown>
    const statusCode = response.statusCode ?? 200
    this.settings.debug?.(
      `${operation.action}: HTTP ${statusCode}, RequestId ${stringField(body, 'RequestId') ?? '(none)'}`
    )
    // The SDK throws on a 4xx or 5xx and hands back anything else; an API answer is a 2xx. A 3xx is never followed.
    if (statusCode < 200 || statusCode > 299) {
      throw decodeNotTheApi(
        { code: 'UnexpectedAnswer', detail: `HTTP ${statusCode} from ${this.settings.endpoint.host}` },
        { statusCode, body, headers: response.headers },
        this.context(operation, query, exchange)
      )
    }
    // SAE can answer 200 with Success: false; that is a failure, not a result, and nothing was applied.
    if (body.Success === false) {
      throw decodeUnsuccessful(
        body,
        { statusCode, headers: response.headers ?? {} },
        this.context(operation, query, exchange)
      )
    }
    return { statusCode, body, headers: response.headers }
  }

  private context(operation: Operation, query: Record<string, string>, exchange: Exchange): CallContext {
    return {
      action: operation.action,
      writes: Boolean(operation.writes),
      endpoint: this.settings.endpoint,
      proxy: this.settings.proxy,
      urlBytes: Buffer.byteLength(`${operation.pathname}?${new URLSearchParams(query).toString()}`),
      answer: exchange.answer,
      redact: this.settings.redact
    }
  }

  private send(operation: Operation, request: OpenApiModule.OpenApiRequest, runtime: object): Promise<unknown> {
    const protocol = this.settings.endpoint.protocol.toUpperCase()
    const authType = operation.anonymous ? 'Anonymous' : 'AK'
    if (operation.style === 'RPC') {
      // Exactly what @alicloud/sts20150401's assumeRoleWithOIDC calls (test/unit/sae/sdk/wire-parity.test.ts).
      return this.client.doRPCRequest(
        operation.action,
        operation.version,
        protocol,
        operation.method,
        authType,
        'json',
        request,
        runtime
      )
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
}

/** Longest a single attempt may wait for an answer, so a hung connection leaves time to retry. */
const ATTEMPT_TIMEOUT_MS = 20_000

/**
 * One API call with retries. A write is never sent again blindly once an attempt may have been
 * applied: that failure goes to the caller, who looks before deciding (sae/provision.ts).
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

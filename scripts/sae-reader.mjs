// A small reader of SAE's Secret API (ListSecrets, DescribeSecret), independent of the action's
// code: it shares nothing with src/ and calls the official `@alicloud/openapi-client` directly, with
// the operations as SAE's own SDK declares them. The smoke test reads back what the action wrote
// through it, so a bug in src/ cannot hide itself by agreeing with itself.
import * as OpenApi from '@alicloud/openapi-client'

const VERSION = '2019-05-06'
/** Identifies the reader's calls (the emulator's log and the account's ActionTrail tell them from the action's). */
export const READER_USER_AGENT = 'sae-image-pull-secret-smoke-reader'
const RETRYABLE = /^(Throttling|ServiceUnavailable|OperationFailed\.RPCError|InternalError)/

// CommonJS with an ES-style default export: Node gives `default` as module.exports or the class.
const moduleDefault = OpenApi.default
const Client = typeof moduleDefault === 'function' ? moduleDefault : moduleDefault.default

/** A reader's failure: the API's code, HTTP status and RequestId, or the network error. Holds no parameter values. */
export class ReadError extends Error {}

/**
 * @param {{endpoint: {protocol: 'http' | 'https', host: string}, accessKeyId: string, accessKeySecret: string, securityToken?: string, sleep?: (ms: number) => Promise<void>}} options
 */
export function secretReader({
  endpoint,
  accessKeyId,
  accessKeySecret,
  securityToken,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
}) {
  const client = new Client(
    new OpenApi.Config({
      endpoint: endpoint.host,
      protocol: endpoint.protocol,
      userAgent: READER_USER_AGENT,
      accessKeyId,
      accessKeySecret,
      securityToken
    })
  )

  async function call(action, method, pathname, query) {
    const params = new OpenApi.Params({
      action,
      version: VERSION,
      protocol: endpoint.protocol.toUpperCase(),
      pathname,
      method,
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json'
    })
    const runtime = { autoretry: false, readTimeout: 15_000, connectTimeout: 10_000 }
    for (let attempt = 1; ; attempt++) {
      let failure
      try {
        const response = await client.callApi(params, new OpenApi.OpenApiRequest({ query }), runtime)
        const body = response?.body ?? {}
        if (body.Success === false)
          failure = {
            code: body.Code ?? 'UnsuccessfulResponse',
            status: response.statusCode,
            requestId: body.RequestId,
            message: body.Message
          }
        else return body.Data ?? {}
      } catch (error) {
        failure = describe(error)
      }
      const retryable = RETRYABLE.test(failure.code) || failure.status >= 500 || failure.network
      if (!retryable || attempt === 3) {
        const where = [
          failure.status && `HTTP ${failure.status}`,
          failure.requestId && `RequestId ${failure.requestId}`
        ]
          .filter(Boolean)
          .join(', ')
        throw new ReadError(
          `${action} failed: ${failure.code}${where ? ` (${where})` : ''}${failure.message ? `: ${failure.message}` : ''}`
        )
      }
      await sleep(1000 * attempt)
    }
  }

  return {
    /** The Secrets of a namespace (no data). */
    async listSecrets(namespaceId) {
      const data = await call('ListSecrets', 'GET', '/pop/v1/sam/secret/secrets', { NamespaceId: namespaceId })
      return Array.isArray(data.Secrets) ? data.Secrets : []
    },
    /** One Secret with its data (key -> base64). */
    async describeSecret(namespaceId, secretId) {
      return call('DescribeSecret', 'GET', '/pop/v1/sam/secret/secret', {
        NamespaceId: namespaceId,
        SecretId: String(secretId)
      })
    }
  }
}

/** The SDK's errors carry the request URL and the whole response; keep the code, status, RequestId and message. */
function describe(error) {
  if (error instanceof SyntaxError)
    return { code: 'NonJsonResponse', message: 'the answer was not the API (a proxy or gateway page?)', network: true }
  const data = error?.data && typeof error.data === 'object' ? error.data : undefined
  if (data && typeof error.code === 'string') {
    return {
      code: error.code,
      status: data.statusCode ?? error.statusCode,
      requestId: data.RequestId,
      message: data.Message
    }
  }
  // Its message runs the system error into the request URL; the code and the address say it plainly.
  const code = typeof error?.code === 'string' ? error.code : (error?.name ?? 'Error')
  const where = error?.address
    ? ` ${error.address}${error.port ? `:${error.port}` : ''}`
    : error?.hostname
      ? ` ${error.hostname}`
      : ''
  const what = /timeout/i.test(`${error?.name} ${code}`)
    ? 'no answer in time'
    : `could not reach${where || ' the endpoint'}`
  return { code, message: what, network: true }
}

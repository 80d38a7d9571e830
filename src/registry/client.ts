// The Docker Registry HTTP API V2, as a client that only asks: may these credentials log in
// (`verify-login`), and may they pull this image (`images`)? The flow is the one docker and kubelet
// follow: `GET /v2/` → 401 with a challenge → for `Bearer`, a token from the realm (with the pull
// scope when an image is asked about), for `Basic`, the credentials themselves → `HEAD` of the
// manifest. Every answer is mapped to what it proves; tokens are masked at once and thrown away.
import http from 'node:http'
import https from 'node:https'
import { describeSystemError, isCertificateError } from '../network/system-errors.js'
import { basicAuth } from '../secret/docker-config.js'
import { hostnameOf, isLinkLocalOrMetadataHost, isLoopbackHost } from '../domain/hosts.js'

/** How long one registry may take to answer one request. */
export const ANSWER_TIMEOUT_MS = 5_000

/** The manifest media types kubelet's runtimes accept, newest first: OCI index and manifest, Docker list and schema 2. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

export interface RegistryDeps {
  /** The run's agents (its proxy, closed when the step ends); absent: Node's global agents. */
  agents?: { http: http.Agent; https: https.Agent }
  /** Registers a token a registry returns: it is a credential, masked at once and thrown away. */
  mask(value: string): void
  timeoutMs?: number
  /** Ends every request still in flight (the step is over: nothing waits for them). */
  signal?: AbortSignal
  /** The proxy each protocol goes through (host:port), so that a proxy that does not answer is named, not the registry. */
  proxies?: { http?: string; https?: string }
}

export interface Credentials {
  username: string
  password: string
}

/**
 * No verdict: `reason` says why. `unreachable`: the host itself could not be reached (its name does
 * not resolve, nothing listens, no route, no answer in time), so its ACR twin is worth a try; an
 * answer that proves nothing (a 5xx, not a registry), or a proxy that failed, is not that.
 */
export interface Unverified {
  outcome: 'unverified'
  reason: string
  unreachable?: boolean
}

/** What a registry said to a login. */
export type LoginResult = { outcome: 'accepted'; how: string } | { outcome: 'refused'; how: string } | Unverified

/** What a registry said to a pull of one image: its manifest is there for these credentials, or not. */
export type PullResult =
  | { outcome: 'pullable'; how: string }
  | { outcome: 'refused'; how: string; why: RefusedFor }
  | { outcome: 'missing'; how: string }
  | Unverified

/** Why a pull was refused: the username and password themselves, or the right to pull that repository. */
export type RefusedFor = 'credentials' | 'rights'

/** The repository and the tag or digest of an image, as a manifest request names them. */
export interface ImageLocation {
  repository: string
  reference: string
}

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** How a request is to be authorised, after the challenge. */
type Authorization =
  | { outcome: 'authorized'; header: string; how: string }
  | { outcome: 'open' }
  | { outcome: 'refused'; how: string; why: RefusedFor }
  | Unverified

/** Logs in to `host` as docker login does: Bearer through the token service, or Basic at `/v2/`. */
export async function login(host: string, credentials: Credentials, deps: RegistryDeps): Promise<LoginResult> {
  try {
    const authorization = await authorize(host, credentials, undefined, deps)
    if (authorization.outcome === 'open')
      return unverified('it let this runner in without credentials, so they could not be checked')
    if (authorization.outcome === 'refused') return { outcome: 'refused', how: authorization.how }
    if (authorization.outcome !== 'authorized') return authorization
    if (!authorization.header.startsWith('Basic ')) return { outcome: 'accepted', how: authorization.how }
    const answer = await send('GET', `${baseOf(host)}/v2/`, deps, { authorization: authorization.header })
    if (answer.status === 200) return { outcome: 'accepted', how: 'Basic' }
    if (answer.status === 401) return { outcome: 'refused', how: 'HTTP 401 to GET /v2/ with Basic credentials' }
    return unverified(`GET /v2/ with Basic credentials answered HTTP ${answer.status}`)
  } catch (error) {
    return failed(error, host, deps)
  }
}

/**
 * Whether `credentials` may pull `image` from `host`: a token for `repository:<path>:pull`, then a
 * `HEAD` of the manifest. 200: pullable; 401/403: refused; 404: the tag or repository is not there.
 */
export async function checkPull(
  host: string,
  image: ImageLocation,
  credentials: Credentials,
  deps: RegistryDeps
): Promise<PullResult> {
  const manifest = `/v2/${image.repository}/manifests/${image.reference}`
  try {
    const authorization = await authorize(host, credentials, `repository:${image.repository}:pull`, deps)
    if (authorization.outcome === 'refused') return authorization
    if (authorization.outcome === 'unverified') return authorization
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT }
    if (authorization.outcome === 'authorized') headers.authorization = authorization.header
    const answer = await send('HEAD', `${baseOf(host)}${manifest}`, deps, headers)
    const via =
      authorization.outcome === 'open'
        ? 'without credentials (the registry is open)'
        : authorization.header.startsWith('Basic ')
          ? 'with Basic credentials'
          : `with a ${authorization.how}`
    if (answer.status === 200) return { outcome: 'pullable', how: `HEAD ${manifest} answered 200 ${via}` }
    if (answer.status === 401 || answer.status === 403) {
      const scope = /insufficient_scope/.test(String(answer.headers['www-authenticate'] ?? ''))
        ? ', insufficient_scope'
        : ''
      // Basic credentials answered 401 are the password refused; any other refusal here is of the right to pull.
      const basic = authorization.outcome === 'authorized' && authorization.header.startsWith('Basic ')
      return {
        outcome: 'refused',
        how: `HTTP ${answer.status}${scope} to HEAD ${manifest} ${via}`,
        why: basic && answer.status === 401 ? 'credentials' : 'rights'
      }
    }
    if (answer.status === 404) return { outcome: 'missing', how: `HTTP 404 to HEAD ${manifest}` }
    return unverified(`HEAD ${manifest} answered HTTP ${answer.status}`)
  } catch (error) {
    return failed(error, host, deps)
  }
}

/** No verdict, and why; `unreachable` when it is known whether the host itself could be reached. */
function unverified(reason: string, unreachable?: boolean): Unverified {
  return unreachable === undefined ? { outcome: 'unverified', reason } : { outcome: 'unverified', reason, unreachable }
}

/** HTTPS, except loopback registries, which are plain HTTP as Docker treats them. */
function baseOf(host: string): string {
  return `${isLoopbackHost(hostnameOf(host)) ? 'http' : 'https'}://${host}`
}

/** The `/v2/` challenge, then what it asks for: a Bearer token (for `scope`, when given) or Basic credentials. */
async function authorize(
  host: string,
  credentials: Credentials,
  scope: string | undefined,
  deps: RegistryDeps
): Promise<Authorization> {
  const basic = `Basic ${basicAuth(credentials.username, credentials.password)}`
  const challenge = await send('GET', `${baseOf(host)}/v2/`, deps)
  if (challenge.status === 200) return { outcome: 'open' }
  if (challenge.status !== 401)
    return unverified(`GET /v2/ answered HTTP ${challenge.status}, not the registry API's 401 challenge`)
  const header = String(challenge.headers['www-authenticate'] ?? '')
  const scheme = /^\s*(\w+)/.exec(header)?.[1]?.toLowerCase()
  if (scheme === 'basic') return { outcome: 'authorized', header: basic, how: 'Basic' }
  if (scheme !== 'bearer')
    return unverified(`its challenge (${header.split(/[\s,]/)[0] || 'none'}) is neither Bearer nor Basic`)
  const params = challengeParams(header)
  let realm: URL
  try {
    realm = new URL(params.realm ?? '')
  } catch {
    return unverified('its Bearer challenge names no valid realm')
  }
  // Where instance credentials are served, no registry's token service is: no credentials go there. An
  // unverified verdict, so a warning, or an error wherever every unverified verdict is one (if-unverified: fail).
  if (isLinkLocalOrMetadataHost(realm.hostname)) {
    return unverified(
      `its token service ${realm.host} is a link-local or metadata service address, so the credentials were not sent`
    )
  }
  // Credentials go over plain HTTP to no host but loopback, a token service included.
  if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && isLoopbackHost(realm.hostname))) {
    return unverified(`its token service ${realm.origin} is not HTTPS, so the credentials were not sent`)
  }
  if (params.service) realm.searchParams.set('service', params.service)
  if (scope) realm.searchParams.set('scope', scope)
  realm.searchParams.set('account', credentials.username)
  const answer = await send('GET', realm.href, deps, { authorization: basic })
  const tokens = answer.status === 200 ? tokensOf(answer.body) : []
  // Masked before anything else can happen to them; then they are dropped with the answer.
  for (const token of tokens) deps.mask(token)
  if (answer.status === 401)
    return { outcome: 'refused', how: `HTTP 401 from its token service ${realm.host}`, why: 'credentials' }
  // Asked for a repository, a 403 is the token service denying the pull (DENIED); for a login, it proves nothing about the password.
  if (answer.status === 403 && scope)
    return { outcome: 'refused', how: `HTTP 403 from its token service ${realm.host} for ${scope}`, why: 'rights' }
  if (answer.status !== 200) return unverified(`its token service ${realm.host} answered HTTP ${answer.status}`)
  if (tokens.length === 0) return unverified(`its token service ${realm.host} answered 200 without a token`)
  return { outcome: 'authorized', header: `Bearer ${tokens[0]}`, how: `Bearer token from ${realm.host}` }
}

/** `Bearer realm="https://…",service="…",scope="…"` → its parameters. */
function challengeParams(header: string): Record<string, string> {
  const params: Record<string, string> = {}
  for (const match of header.matchAll(/(\w+)="([^"]*)"/g)) params[match[1].toLowerCase()] = match[2]
  return params
}

/** Every credential in a token answer: `token`, its alias `access_token`, and a `refresh_token` if one came. */
function tokensOf(body: string): string[] {
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(body) as Record<string, unknown>
  } catch {
    return []
  }
  if (parsed === null || typeof parsed !== 'object') return []
  const tokens = [parsed.token, parsed.access_token, parsed.refresh_token].filter(
    (value): value is string => typeof value === 'string' && value !== ''
  )
  return [...new Set(tokens)]
}

/** One request, through the run's agents when there are any; the body is read up to 64 KiB. */
function send(
  method: 'GET' | 'HEAD',
  url: string,
  deps: RegistryDeps,
  headers: Record<string, string> = {}
): Promise<Answer> {
  const target = new URL(url)
  const secure = target.protocol === 'https:'
  const agent = deps.agents ? (secure ? deps.agents.https : deps.agents.http) : undefined
  const timeout = AbortSignal.timeout(deps.timeoutMs ?? ANSWER_TIMEOUT_MS)
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(
      target,
      {
        method,
        agent,
        headers: { accept: 'application/json', 'user-agent': 'sae-image-pull-secret (registry check)', ...headers },
        signal: deps.signal ? AbortSignal.any([deps.signal, timeout]) : timeout
      },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          if (body.length < 65_536) body += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
        response.on('error', reject)
      }
    )
    request.on('error', reject)
    request.end()
  })
}

/** The system errors that mean the host could not be reached at all (not an answer that proves nothing). */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'])

/** A request that got no answer: why, in words, and whether it is the host (not a proxy) that could not be reached. */
function failed(error: unknown, host: string, deps: RegistryDeps): Unverified {
  const e = error as {
    name?: string
    code?: string
    statusCode?: number
    address?: string
    port?: number
    hostname?: string
  }
  const timeoutMs = deps.timeoutMs ?? ANSWER_TIMEOUT_MS
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return unverified(`it did not answer within ${timeoutMs / 1000} s`, true)
  if (e?.code === 'ERR_PROXY_TUNNEL') {
    const status = e.statusCode ? ` (HTTP ${e.statusCode})` : ''
    // A 502 or 504 to CONNECT: the proxy could not reach the host either.
    return unverified(`the proxy refused the tunnel${status}`, (e.statusCode ?? 0) >= 500)
  }
  if (typeof e?.code === 'string' && isCertificateError(e.code))
    return unverified(`its TLS certificate is not trusted (${e.code})`)
  if (typeof e?.code !== 'string') return unverified('it could not be reached')
  const plain = isLoopbackHost(hostnameOf(host))
  const proxy = failedProxy(e, plain ? deps.proxies?.http : deps.proxies?.https)
  if (proxy) {
    return unverified(
      `the proxy ${proxy} could not be reached (the registry was not): ${describeSystemError(e.code)}; ` +
        `check the proxy URL in ${plain ? 'HTTP_PROXY' : 'HTTPS_PROXY'} and that the proxy runs`
    )
  }
  return unverified(`it could not be reached: ${describeSystemError(e.code)}`, UNREACHABLE.has(e.code))
}

/**
 * The proxy, when the connection that failed was the one to it: Node names the address it dialled
 * (the proxy's, when one is used; NO_PROXY may have sent this host direct) or the name it could not resolve.
 */
function failedProxy(
  e: { address?: string; port?: number; hostname?: string },
  proxy: string | undefined
): string | undefined {
  if (!proxy) return undefined
  const dialled = e.address !== undefined ? `${e.address}${e.port ? `:${e.port}` : ''}` : undefined
  if (dialled !== undefined && (dialled === proxy || e.address === proxy)) return proxy
  if (e.hostname !== undefined && e.hostname === hostnameOf(proxy)) return proxy
  return undefined
}

// verify-login: before a Secret is written, log in to each of its registries with the Docker
// Registry HTTP API V2 flow, so a refused password fails the step here and not at the deploy's
// image pull. Only a definite refusal (401 to the credentials) is an error; a registry that cannot
// be reached or answers oddly is a warning, and the write goes ahead.
import http from 'node:http'
import https from 'node:https'
import { describeSystemError, isCertificateError } from './api-codes.js'
import { registryApiHost } from './docker-config.js'
import { ActionError } from './errors.js'
import { isLoopbackHost, type RegistryCredential } from './model.js'
import type { ProxyAgents } from './proxy.js'

/** How long one registry may take to answer one request. */
const ANSWER_TIMEOUT_MS = 5_000

/** One registry domain that said no to its credentials. */
export interface LoginRefusal {
  domain: string
  /** What it answered, e.g. `HTTP 401 from its token service auth.example.com`. */
  how: string
  /** Where the credentials were given: `username and password`, or `item N of extra-registries`. */
  source: string
}

const ACR_HINT = '(for ACR: the registry password set in the ACR console, not the Alibaba Cloud account password)'
const NOTHING_WRITTEN = 'Nothing was written; set verify-login: false only if the registry is right to refuse this runner'

/** The registry said no to the username and password: the Secret would not pull. One error covers every refusal of a run. */
export class RegistryLoginError extends ActionError {
  readonly code = 'RegistryLoginRefused'
  readonly domains: string[]
  constructor(refusals: LoginRefusal[]) {
    const what = (source: string) => (source === 'username and password' ? 'the username and password inputs' : source)
    const [first] = refusals
    super(
      refusals.length === 1
        ? `Registry ${first.domain} refused the username and password (${first.how}): a Secret holding them could not pull images. ` +
            `Check ${what(first.source)} ${ACR_HINT}. ${NOTHING_WRITTEN}`
        : `${refusals.length} registries refused the username and password: ` +
            refusals.map((refusal) => `${refusal.domain} (${what(refusal.source)}: ${refusal.how})`).join(', ') +
            `: a Secret holding them could not pull images. Check each ${ACR_HINT}. ${NOTHING_WRITTEN}`
    )
    this.name = 'RegistryLoginError'
    this.domains = refusals.map((refusal) => refusal.domain)
  }
}

export type LoginVerdict =
  | { domain: string; outcome: 'accepted'; how: string }
  | { domain: string; outcome: 'refused'; error: RegistryLoginError }
  | { domain: string; outcome: 'unverified'; reason: string }

export interface LoginDeps {
  /** The run's proxy agents, when a proxy variable is set. */
  agents?: ProxyAgents
  /** Registers a token a registry returns: it is a credential, masked at once and thrown away. */
  mask(value: string): void
  timeoutMs?: number
  /** Ends every request still in flight (the step is over: no write will wait for them). */
  signal?: AbortSignal
}

/**
 * Logs in to every domain of every registry, all at once, once per domain and credentials. Every
 * refused verdict carries the same error, naming all refusals: the step's one error line shows them all.
 */
export async function verifyLogins(registries: RegistryCredential[], deps: LoginDeps): Promise<LoginVerdict[]> {
  const seen = new Set<string>()
  const logins: Promise<Outcome>[] = []
  for (const registry of registries) {
    for (const domain of registry.domains) {
      const key = JSON.stringify([domain, registry.username, registry.password])
      if (seen.has(key)) continue
      seen.add(key)
      logins.push(verifyLogin(domain, registry, deps))
    }
  }
  const outcomes = await Promise.all(logins)
  const refusals = outcomes.flatMap((outcome) => (outcome.outcome === 'refused' ? [outcome.refusal] : []))
  const error = refusals.length > 0 ? new RegistryLoginError(refusals) : undefined
  return outcomes.map((outcome) => (outcome.outcome === 'refused' ? { domain: outcome.domain, outcome: 'refused', error: error! } : outcome))
}

/** A verdict before the refusals of the run are put into one error. */
type Outcome = Exclude<LoginVerdict, { outcome: 'refused' }> | { domain: string; outcome: 'refused'; refusal: LoginRefusal }

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

async function verifyLogin(domain: string, registry: RegistryCredential, deps: LoginDeps): Promise<Outcome> {
  const unverified = (reason: string): Outcome => ({ domain, outcome: 'unverified', reason })
  const refused = (how: string): Outcome => ({ domain, outcome: 'refused', refusal: { domain, how, source: registry.source } })
  const basic = `Basic ${Buffer.from(`${registry.username}:${registry.password}`, 'utf8').toString('base64')}`
  const apiHost = registryApiHost(domain)
  const base = `${isLoopbackHost(hostnameOf(apiHost)) ? 'http' : 'https'}://${apiHost}`
  try {
    const challenge = await get(`${base}/v2/`, deps)
    if (challenge.status === 200) return unverified('it let this runner in without credentials, so they could not be checked')
    if (challenge.status !== 401) return unverified(`GET /v2/ answered HTTP ${challenge.status}, not the registry API's 401 challenge`)
    const header = String(challenge.headers['www-authenticate'] ?? '')
    const scheme = /^\s*(\w+)/.exec(header)?.[1]?.toLowerCase()
    if (scheme === 'basic') {
      const answer = await get(`${base}/v2/`, deps, basic)
      if (answer.status === 200) return { domain, outcome: 'accepted', how: 'Basic' }
      if (answer.status === 401) return refused('HTTP 401 to GET /v2/ with Basic credentials')
      return unverified(`GET /v2/ with Basic credentials answered HTTP ${answer.status}`)
    }
    if (scheme !== 'bearer') return unverified(`its challenge (${header.split(/[\s,]/)[0] || 'none'}) is neither Bearer nor Basic`)
    const params = challengeParams(header)
    let realm: URL
    try {
      realm = new URL(params.realm ?? '')
    } catch {
      return unverified('its Bearer challenge names no valid realm')
    }
    // Credentials go over plain HTTP to no host but loopback, a token service included.
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && isLoopbackHost(realm.hostname))) {
      return unverified(`its token service ${realm.origin} is not HTTPS, so the credentials were not sent`)
    }
    if (params.service) realm.searchParams.set('service', params.service)
    realm.searchParams.set('account', registry.username)
    const answer = await get(realm.href, deps, basic)
    if (answer.status === 401) return refused(`HTTP 401 from its token service ${realm.host}`)
    if (answer.status !== 200) return unverified(`its token service ${realm.host} answered HTTP ${answer.status}`)
    const tokens = tokensOf(answer.body)
    // Masked before anything else can happen to them; then they are dropped with the answer.
    for (const token of tokens) deps.mask(token)
    if (tokens.length === 0) return unverified(`its token service ${realm.host} answered 200 without a token`)
    return { domain, outcome: 'accepted', how: `Bearer token from ${realm.host}` }
  } catch (error) {
    return unverified(describeFailure(error, deps.timeoutMs ?? ANSWER_TIMEOUT_MS))
  }
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
  const tokens = [parsed.token, parsed.access_token, parsed.refresh_token].filter((value): value is string => typeof value === 'string' && value !== '')
  return [...new Set(tokens)]
}

function hostnameOf(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')
}

/** One GET, through the run's proxy agents when there are any; the body is read up to 64 KiB. */
function get(url: string, deps: LoginDeps, authorization?: string): Promise<Answer> {
  const target = new URL(url)
  const secure = target.protocol === 'https:'
  const agent = deps.agents ? (secure ? deps.agents.https : deps.agents.http) : undefined
  const timeout = AbortSignal.timeout(deps.timeoutMs ?? ANSWER_TIMEOUT_MS)
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(
      target,
      {
        method: 'GET',
        agent,
        headers: { accept: 'application/json', 'user-agent': 'sae-image-pull-secret (registry login check)', ...(authorization ? { authorization } : {}) },
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

function describeFailure(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; statusCode?: number }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `it did not answer within ${timeoutMs / 1000} s`
  if (e?.code === 'ERR_PROXY_TUNNEL') return `the proxy refused the tunnel${e.statusCode ? ` (HTTP ${e.statusCode})` : ''}`
  if (typeof e?.code === 'string' && isCertificateError(e.code)) return `its TLS certificate is not trusted (${e.code})`
  if (typeof e?.code === 'string') return `it could not be reached: ${describeSystemError(e.code)}`
  return 'it could not be reached'
}

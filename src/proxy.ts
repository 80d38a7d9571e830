// Proxies of self-hosted runners: HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and their lower-case forms).
// Node 24's own agents tunnel through them (`proxyEnv`); this module builds one keep-alive pair
// for the whole run and hands it to the SDK's transport, whose HTTP layer would otherwise ignore
// proxies. Nothing here runs, and nothing is created, when no proxy variable is set.
import http from 'node:http'
import https from 'node:https'
import httpx from 'httpx'
import { RunnerEnvironmentError } from './errors.js'

export interface ProxyAgents {
  http: http.Agent
  https: https.Agent
  /** The proxy each protocol goes through (host:port, never its credentials), for messages. */
  proxies: { http?: string; https?: string }
}

/** The proxy variables as Node reads them: the lower-case form wins when both are set. */
function variable(env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | undefined {
  for (const key of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[key]?.trim()
    if (value) return { name: key, value }
  }
  return undefined
}

/** Agents that honour the runner's proxy variables, or undefined when none is set (direct connections). */
export function proxyAgents(env: NodeJS.ProcessEnv, nodeVersion = process.versions.node): ProxyAgents | undefined {
  const httpsProxy = variable(env, 'https_proxy')
  const httpProxy = variable(env, 'http_proxy')
  if (!httpsProxy && !httpProxy) return undefined
  if (!supportsProxyEnv(nodeVersion)) {
    throw new RunnerEnvironmentError(
      `${(httpsProxy ?? httpProxy)!.name} is set, but this runner's Node.js ${nodeVersion} cannot tunnel through a proxy (Node.js 24.5 or later can); update the runner`
    )
  }
  const proxies = { https: httpsProxy && proxyHost(httpsProxy), http: httpProxy && proxyHost(httpProxy) }
  const proxyEnv = {
    HTTPS_PROXY: httpsProxy?.value,
    HTTP_PROXY: httpProxy?.value,
    NO_PROXY: variable(env, 'no_proxy')?.value
  }
  return {
    http: new http.Agent({ keepAlive: true, proxyEnv }),
    https: new https.Agent({ keepAlive: true, proxyEnv }),
    proxies
  }
}

/**
 * The credentials in the proxy URLs (decoded, and as user:password), to mask before anything
 * prints: Node sends them as Proxy-Authorization, and no message of ours names them.
 */
export function proxyCredentials(env: NodeJS.ProcessEnv): string[] {
  const secrets: string[] = []
  for (const name of ['https_proxy', 'http_proxy']) {
    const value = variable(env, name)?.value
    let url: URL
    try {
      url = new URL(value ?? '')
    } catch {
      continue
    }
    if (url.password === '') continue
    const user = decodeURIComponent(url.username)
    const password = decodeURIComponent(url.password)
    secrets.push(password, `${user}:${password}`, url.password)
  }
  return secrets
}

/** `host:port` of a proxy URL; its user and password (sent as Proxy-Authorization) are never shown. */
function proxyHost({ name, value }: { name: string; value: string }): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    url = new URL('invalid:')
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new RunnerEnvironmentError(`${name} must be a proxy URL such as http://proxy.example.com:3128 (credentials may go before the host)`)
  }
  return url.port ? `${url.hostname}:${url.port}` : url.hostname
}

/** Agent-level proxy support (`proxyEnv`) came with Node.js 24.5 (and 22.21 for the 22 line). */
export function supportsProxyEnv(version: string): boolean {
  const [major, minor] = version.split('.').map(Number)
  return major > 24 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21)
}

let routed: ProxyAgents | undefined

/**
 * The seam in the SDK's transport: `@alicloud/tea-typescript`'s doAction passes no agent to
 * `httpx.request` (it drops the client's proxy settings), and httpx then sends through a keep-alive
 * agent of its own. From here on, a request that comes without an agent goes through ours.
 * test/proxy.test.ts pins this: it fails if an upgrade makes the SDK stop sending through here.
 */
export function routeSdkThrough(agents: ProxyAgents): void {
  // Wrapped once; a later call (a test's) only changes the agents the wrapper hands on.
  const wrapped = routed !== undefined
  routed = agents
  if (wrapped) return
  const send = httpx.request
  httpx.request = (url, opts = {}) => {
    if (opts.agent) return send(url, opts)
    const current = routed!
    return send(url, { ...opts, agent: url.startsWith('https:') ? current.https : current.http })
  }
}

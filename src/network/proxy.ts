// Proxies of self-hosted runners: HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and their lower-case forms),
// read as Node 24's own agents read them (`proxyEnv`), the proxy names for messages, and the
// credentials in the proxy URLs, to mask. connections.ts builds the run's agents from them.
import { RunnerEnvironmentError } from '../domain/errors.js'

/** What Node's agents need to tunnel through the runner's proxy, and the proxy names for messages. */
export interface ProxySettings {
  /** For `new Agent({ proxyEnv })` (Node.js 24.5+): the variables as Node reads them. */
  proxyEnv: { HTTPS_PROXY?: string; HTTP_PROXY?: string; NO_PROXY?: string }
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

/** The runner's proxy, or undefined when no proxy variable is set (direct connections). */
export function proxySettings(env: NodeJS.ProcessEnv, nodeVersion = process.versions.node): ProxySettings | undefined {
  const httpsProxy = variable(env, 'https_proxy')
  const httpProxy = variable(env, 'http_proxy')
  if (!httpsProxy && !httpProxy) return undefined
  if (!supportsProxyEnv(nodeVersion)) {
    throw new RunnerEnvironmentError(
      `${(httpsProxy ?? httpProxy)!.name} is set, but this runner's Node.js ${nodeVersion} cannot tunnel through a proxy (Node.js 24.5 or later can); update the runner`
    )
  }
  return {
    proxyEnv: {
      HTTPS_PROXY: httpsProxy?.value,
      HTTP_PROXY: httpProxy?.value,
      NO_PROXY: variable(env, 'no_proxy')?.value
    },
    proxies: { https: httpsProxy && proxyHost(httpsProxy), http: httpProxy && proxyHost(httpProxy) }
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
    throw new RunnerEnvironmentError(
      `${name} must be a proxy URL such as http://proxy.example.com:3128 (credentials may go before the host)`
    )
  }
  return url.port ? `${url.hostname}:${url.port}` : url.hostname
}

/** Agent-level proxy support (`proxyEnv`) came with Node.js 24.5 (and 22.21 for the 22 line). */
export function supportsProxyEnv(version: string): boolean {
  const [major, minor] = version.split('.').map(Number)
  return major > 24 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21)
}

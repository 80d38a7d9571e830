// The docker config a `kubernetes.io/dockerconfigjson` Secret holds, and the registry names in it.
// Pure: values in, values out.
import { isDeepStrictEqual } from 'node:util'
import type { DockerConfig, RegistryAuth, RegistryCredential } from '../domain/model.js'

export interface DomainSource {
  registryDomains?: string[]
  acrInstanceName?: string
  /** Region of the registry: `registry-region`, else the namespace's. */
  region: string
}

/**
 * Docker Hub's key in `auths`: the one Docker's own config uses. Kubelet normalises an image
 * written without a registry (`nginx`, `library/nginx`) to `docker.io/library/nginx` first, and then
 * matches this key (or `index.docker.io`, or `docker.io`) for it.
 */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/'
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'])
/** Where Docker Hub's registry API (and its login challenge) answers. */
const DOCKER_HUB_API = 'registry-1.docker.io'

/** The `auths` key for a registry host: the host itself, or Docker Hub's key. */
export function authKeyFor(host: string): string {
  return DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_KEY : host
}

/**
 * The host that answers the registry API for an `auths` key or an image's registry: the key's
 * host (a stored Secret's key may carry a scheme and a path), Docker Hub at its API host.
 * undefined for a key with a `*` glob, which names no one host.
 */
export function registryApiHost(key: string): string | undefined {
  const host = key
    .replace(/^https?:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase()
  if (host.includes('*') || host === '') return undefined
  return DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_API : host
}

/** The registry's internal (VPC) and public hosts, VPC first as SAE pulls over the VPC. */
export function registryDomains(source: DomainSource): string[] {
  if (source.registryDomains && source.registryDomains.length > 0) return source.registryDomains.map(authKeyFor)
  const r = source.region
  if (source.acrInstanceName) {
    const name = source.acrInstanceName
    return [`${name}-registry-vpc.${r}.cr.aliyuncs.com`, `${name}-registry.${r}.cr.aliyuncs.com`]
  }
  return [`registry-vpc.${r}.aliyuncs.com`, `registry.${r}.aliyuncs.com`]
}

/**
 * An ACR domain's twin: the VPC domain and the public one name the same registry, with the same
 * credentials (`registry-vpc.<r>.aliyuncs.com` / `registry.<r>.aliyuncs.com`, and Enterprise
 * Edition's `<n>-registry-vpc.<r>.cr.aliyuncs.com` / `<n>-registry.<r>.cr.aliyuncs.com`).
 */
export function acrTwin(host: string): { vpc: string; public: string } | undefined {
  const personal = /^registry(-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com$/.exec(host)
  if (personal)
    return { vpc: `registry-vpc.${personal[2]}.aliyuncs.com`, public: `registry.${personal[2]}.aliyuncs.com` }
  const enterprise = /^([a-z0-9-]+?)-registry(-vpc)?\.([a-z0-9-]+)\.cr\.aliyuncs\.com$/.exec(host)
  if (enterprise)
    return {
      vpc: `${enterprise[1]}-registry-vpc.${enterprise[3]}.cr.aliyuncs.com`,
      public: `${enterprise[1]}-registry.${enterprise[3]}.cr.aliyuncs.com`
    }
  return undefined
}

/** Where a registry host is reached from this runner: an ACR VPC domain through its public twin, any other host as it is. */
export function reachableHost(host: string): string {
  return acrTwin(host)?.public ?? host
}

/** base64(`user:pass`), the form registries check. */
export function basicAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64')
}

/** One entry per domain of each registry, with that registry's credentials. */
export function buildDockerConfig(
  registries: Pick<RegistryCredential, 'domains' | 'username' | 'password'>[]
): DockerConfig {
  const auths: Record<string, RegistryAuth> = {}
  for (const { domains, username, password } of registries) {
    const auth = basicAuth(username, password)
    for (const domain of domains) auths[domain] = { username, password, auth }
  }
  return { auths }
}

/** The value of the `.dockerconfigjson` key: base64 of the config's JSON. */
export function encodeDockerConfig(config: DockerConfig): string {
  return Buffer.from(JSON.stringify(config), 'utf8').toString('base64')
}

/** SAE's `SecretData` query value: a JSON object whose `SecretData` is itself a JSON string of the key map. */
export function secretDataParameter(encodedConfig: string): string {
  return JSON.stringify({ SecretData: JSON.stringify({ '.dockerconfigjson': encodedConfig }) })
}

/**
 * Whether a stored `.dockerconfigjson` (base64) means the same as the computed config: key order,
 * whitespace and domain order do not matter; anything unreadable counts as different.
 */
export function sameDockerConfig(storedBase64: string | undefined, computed: DockerConfig): boolean {
  const stored = decodeStoredJson(storedBase64)
  return stored !== undefined && isDeepStrictEqual(stored, computed)
}

/**
 * The registries of a stored `.dockerconfigjson`, for checking what the Secret in place can pull:
 * each `auths` entry with its credentials (from `username`/`password`, else from `auth`).
 * undefined: not a readable docker config.
 */
export function decodeStoredConfig(storedBase64: string | undefined): DockerConfig | undefined {
  const stored = decodeStoredJson(storedBase64) as { auths?: unknown } | undefined
  if (
    !stored ||
    typeof stored !== 'object' ||
    !stored.auths ||
    typeof stored.auths !== 'object' ||
    Array.isArray(stored.auths)
  )
    return undefined
  const auths: Record<string, RegistryAuth> = {}
  for (const [key, value] of Object.entries(stored.auths as Record<string, unknown>)) {
    const entry = (value ?? {}) as Record<string, unknown>
    const text = (name: string) => (typeof entry[name] === 'string' ? (entry[name] as string) : '')
    let [username, password] = [text('username'), text('password')]
    if (username === '' && password === '' && text('auth') !== '') {
      const decoded = Buffer.from(text('auth'), 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)]
    }
    auths[key] = { username, password, auth: text('auth') || basicAuth(username, password) }
  }
  return { auths }
}

/**
 * Every credential a stored `.dockerconfigjson` holds, to mask before anything else happens to it:
 * the value itself and its decoded text, and each entry's password, auth and tokens.
 */
export function storedSecrets(storedBase64: string | undefined): string[] {
  if (!storedBase64) return []
  const secrets = [storedBase64, Buffer.from(storedBase64, 'base64').toString('utf8')]
  const stored = decodeStoredJson(storedBase64) as { auths?: Record<string, unknown> } | undefined
  for (const entry of Object.values(stored?.auths && typeof stored.auths === 'object' ? stored.auths : {})) {
    for (const [field, value] of Object.entries((entry ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'string' && field !== 'username' && field !== 'email') secrets.push(value)
    }
  }
  const config = decodeStoredConfig(storedBase64)
  for (const { username, password } of Object.values(config?.auths ?? {}))
    if (password) secrets.push(password, basicAuth(username, password))
  return [...new Set(secrets.filter((secret) => secret !== ''))]
}

/**
 * The stored config as JSON. DescribeSecret documents its values as base64; should a service
 * encode our (already base64) value once more, decode twice rather than rewrite it on every run.
 */
function decodeStoredJson(value: string | undefined): unknown {
  for (let text = value, depth = 0; text !== undefined && depth < 2; depth++) {
    const decoded = Buffer.from(text, 'base64').toString('utf8')
    try {
      return JSON.parse(decoded)
    } catch {
      text = /^[A-Za-z0-9+/]+={0,2}$/.test(decoded.trim()) ? decoded.trim() : undefined
    }
  }
  return undefined
}

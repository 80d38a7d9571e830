// The docker config a `kubernetes.io/dockerconfigjson` Secret holds, and the registry names in it.
// Pure: values in, values out.
import type { RegistryCredential } from './model.js'

/** One registry's entry in `auths`, as docker and kubelet read it. */
export interface RegistryAuth {
  username: string
  password: string
  auth: string
}

export interface DockerConfig {
  auths: Record<string, RegistryAuth>
}

export interface DomainSource {
  registryDomains?: string[]
  acrInstanceName?: string
  /** Region of the registry: `registry-region`, else the namespace's. */
  region: string
}

/**
 * Docker Hub's key in `auths`: kubelet looks up an image written without a registry (`nginx`,
 * `library/nginx`) under this key; a `docker.io` key would match only images written `docker.io/...`.
 */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/'
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'])
/** Where Docker Hub's registry API (and its login challenge) answers. */
const DOCKER_HUB_API = 'registry-1.docker.io'

/** The `auths` key for a registry host: the host itself, or Docker Hub's key. */
export function authKeyFor(host: string): string {
  return DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_KEY : host
}

/** The host that answers the registry API for an `auths` key. */
export function registryApiHost(key: string): string {
  return key === DOCKER_HUB_KEY ? DOCKER_HUB_API : key
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

/** base64(`user:pass`), the form registries check. */
export function basicAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64')
}

/** One entry per domain of each registry, with that registry's credentials. */
export function buildDockerConfig(registries: Pick<RegistryCredential, 'domains' | 'username' | 'password'>[]): DockerConfig {
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
  const stored = decodeStoredConfig(storedBase64)
  return stored !== undefined && canonicalJson(stored) === canonicalJson(computed)
}

/**
 * The stored config as JSON. DescribeSecret documents its values as base64; should a service
 * encode our (already base64) value once more, decode twice rather than rewrite it on every run.
 */
function decodeStoredConfig(value: string | undefined): unknown {
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

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

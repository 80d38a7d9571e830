// Registry and API host names, and what each stands for: loopback (the only hosts plain HTTP may
// go to), Docker Hub's several names and its key in `auths`, and ACR's twin domains (VPC and public).
// Pure facts about names; docs/sae-api.md says where they come from.

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i

/** localhost, 127.0.0.0/8 or [::1]: the only hosts plain HTTP may go to. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOST.test(hostname)
}

/** Alibaba Cloud's instance metadata service, where an ECS instance's RAM role credentials are served. */
export const METADATA_SERVICE_ADDRESS = '100.100.100.200'

/**
 * A link-local address (169.254.0.0/16, fe80::/10) or the metadata service, as a URL's host name
 * gives it (IPv4 normalised, IPv6 in brackets, an IPv4-mapped one in hex): where instance
 * credentials are served, and no registry's token service is.
 */
export function isLinkLocalOrMetadataHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  return (
    /^169\.254\.\d{1,3}\.\d{1,3}$/.test(host) ||
    host === METADATA_SERVICE_ADDRESS ||
    /^fe[89ab][0-9a-f]:/.test(host) ||
    /^::ffff:(a9fe:[0-9a-f]{1,4}|6464:64c8|169\.254\.\d{1,3}\.\d{1,3}|100\.100\.100\.200)$/.test(host)
  )
}

/** The host name of `host[:port]`: an IPv6 literal keeps its brackets (it ends in `]`, so only a port is taken off). */
export function hostnameOf(host: string): string {
  return host.replace(/:\d+$/, '')
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
    // Everything from the first `/` is the path, a line break in it included.
    .replace(/\/[\s\S]*/, '')
    .toLowerCase()
  if (host.includes('*') || host === '') return undefined
  return DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_API : host
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

/** One name for the registry a host answers for: an ACR pair's public domain (for either twin), any other host as it is. */
export function registryIdentity(host: string): string {
  return acrTwin(host)?.public ?? host
}

/** Docker Hub's token service, which its registry's Bearer challenge names. */
const DOCKER_HUB_TOKEN_SERVICE = 'auth.docker.io'

/**
 * The host of the token service a registry's Bearer challenge will name, where that is a published
 * fact (docs/sae-api.md, "Connections opened ahead"): ACR Personal Edition's `registry.<r>.aliyuncs.com`
 * → `dockerauth.<r>.aliyuncs.com`, its VPC domain → `dockerauth-vpc.<r>.aliyuncs.com`; Docker Hub →
 * `auth.docker.io`. undefined for any other registry (an ACR Enterprise Edition instance included):
 * only its challenge can say.
 */
export function tokenServiceHost(registryHost: string): string | undefined {
  if (registryHost === DOCKER_HUB_API) return DOCKER_HUB_TOKEN_SERVICE
  const personal = /^registry(-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com$/.exec(registryHost)
  return personal ? `dockerauth${personal[1] ?? ''}.${personal[2]}.aliyuncs.com` : undefined
}

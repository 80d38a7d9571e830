// The docker config a `kubernetes.io/dockerconfigjson` Secret holds, and the registry domains it covers.
// Pure: values in, values out.
import { authKeyFor } from '../domain/hosts.js'
import type { DockerConfig, RegistryAuth, RegistryCredential } from '../domain/model.js'

export interface DomainSource {
  registryDomains?: string[]
  acrInstanceName?: string
  /** Region of the registry: `registry-region`, else the namespace's. */
  region: string
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

// A Secret already stored in SAE, as its `.dockerconfigjson` reads: compared with the computed
// docker config, decoded into registries and credentials, and every credential in it listed for
// masking. Pure; the stored text is someone else's, so nothing in it is trusted to be well formed.
import { isDeepStrictEqual } from 'node:util'
import type { DockerConfig, RegistryAuth } from '../domain/model.js'
import { basicAuth } from './docker-config.js'

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

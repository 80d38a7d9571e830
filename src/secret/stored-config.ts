// A Secret already stored in SAE, as its `.dockerconfigjson` reads: compared with the computed
// docker config, decoded into registries and credentials, and every credential in it listed for
// masking. Pure; the stored text is someone else's, so nothing in it is trusted to be well formed,
// and it is read with a bound: a config of more than MAX_STORED_AUTHS entries is not read at all.
import { isDeepStrictEqual } from 'node:util'
import type { DockerConfig, RegistryAuth } from '../domain/model.js'
import { basicAuth } from './docker-config.js'

/**
 * The most `auths` entries a stored Secret is read with. A docker config names a handful of
 * registries; thousands would mean a login to every host it lists and a mask for each credential.
 */
export const MAX_STORED_AUTHS = 32

/**
 * Whether a stored `.dockerconfigjson` (base64) means the same as the computed config: key order,
 * whitespace and domain order do not matter; anything unreadable (too many entries included)
 * counts as different.
 */
export function sameDockerConfig(storedBase64: string | undefined, computed: DockerConfig): boolean {
  const stored = storedAuths(storedBase64)
  return stored.readable && isDeepStrictEqual(stored.json, computed)
}

/**
 * The registries of a stored `.dockerconfigjson`, for checking what the Secret in place can pull:
 * each `auths` entry with its credentials (from `username`/`password`, else from `auth`).
 * undefined: not a readable docker config, or one of more than MAX_STORED_AUTHS entries
 * (storedConfigProblem says which).
 */
export function decodeStoredConfig(storedBase64: string | undefined): DockerConfig | undefined {
  const stored = storedAuths(storedBase64)
  if (!stored.readable) return undefined
  // fromEntries defines each key as it is: a key such as `__proto__` stays an entry, never a prototype.
  const auths = Object.fromEntries(
    Object.entries(stored.auths).map(([key, value]): [string, RegistryAuth] => {
      const entry = (value ?? {}) as Record<string, unknown>
      const text = (name: string) => (typeof entry[name] === 'string' ? (entry[name] as string) : '')
      let [username, password] = [text('username'), text('password')]
      if (username === '' && password === '' && text('auth') !== '') {
        const decoded = Buffer.from(text('auth'), 'base64').toString('utf8')
        const colon = decoded.indexOf(':')
        if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)]
      }
      return [key, { username, password, auth: text('auth') || basicAuth(username, password) }]
    })
  )
  return { auths }
}

/**
 * Why a stored `.dockerconfigjson` is not read (for the warning that says its credentials were not
 * checked), or undefined when it is read.
 */
export function storedConfigProblem(storedBase64: string | undefined): string | undefined {
  const stored = storedAuths(storedBase64)
  if (stored.readable) return undefined
  return stored.entries === undefined
    ? 'data that is not a readable docker config'
    : `a docker config of ${stored.entries} registries (auths entries), more than the ${MAX_STORED_AUTHS} this step reads`
}

/**
 * Every credential a stored `.dockerconfigjson` holds, to mask before anything else happens to it:
 * the value itself and its decoded text, and each entry's password, auth and tokens. Of a config
 * too large to be read, only the value and its text: none of its entries is used or shown.
 */
export function storedSecrets(storedBase64: string | undefined): string[] {
  if (!storedBase64) return []
  const secrets = [storedBase64, Buffer.from(storedBase64, 'base64').toString('utf8')]
  const stored = storedAuths(storedBase64)
  for (const entry of Object.values(stored.readable ? stored.auths : {})) {
    for (const [field, value] of Object.entries((entry ?? {}) as Record<string, unknown>)) {
      if (typeof value === 'string' && field !== 'username' && field !== 'email') secrets.push(value)
    }
  }
  const config = decodeStoredConfig(storedBase64)
  for (const { username, password } of Object.values(config?.auths ?? {}))
    if (password) secrets.push(password, basicAuth(username, password))
  return [...new Set(secrets.filter((secret) => secret !== ''))]
}

type StoredAuths =
  { readable: true; json: unknown; auths: Record<string, unknown> } | { readable: false; entries?: number }

/** The stored config's `auths` object, when the value is a docker config of at most MAX_STORED_AUTHS entries. */
function storedAuths(storedBase64: string | undefined): StoredAuths {
  const json = decodeStoredJson(storedBase64)
  // Any JSON that is not an object with an `auths` object (null, a string, an array) has no such `auths`.
  const auths = (json as { auths?: unknown } | null | undefined)?.auths
  if (!auths || typeof auths !== 'object' || Array.isArray(auths)) return { readable: false }
  const entries = Object.keys(auths).length
  if (entries > MAX_STORED_AUTHS) return { readable: false, entries }
  return { readable: true, json, auths: auths as Record<string, unknown> }
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

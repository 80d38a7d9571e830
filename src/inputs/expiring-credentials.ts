// Registry passwords that stop working by themselves: tokens with an expiry (a JWT's `exp`, an
// ECR-style token's `expiration`). SAE pulls again at every instance start, so a Secret that holds
// one breaks at the next scale-out, long after a green step. (ACR's temporary logins, `cr_temp_user`
// and `temp_user_cr`, and GitHub's `ghs_` tokens are refused with the other rules in inputs/rules.ts.)
// Pure: the credentials and the time in, warnings or an InputError out; never the token.
import { InputError } from '../domain/errors.js'
import { describeOrigin, type RegistryCredential } from '../domain/model.js'

/** The `exp` of a password that is a JWT (header with `alg`, payload with a numeric `exp`), in epoch seconds. */
export function jwtExpiry(password: string): number | undefined {
  const parts = password.split('.')
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return undefined
  if (typeof decodedObject(parts[0], 'base64url')?.alg !== 'string') return undefined
  return usableTime(decodedObject(parts[1], 'base64url')?.exp)
}

/**
 * The `expiration` of a password that is an ECR-style token: base64 of a JSON object with a
 * numeric `expiration`, in epoch seconds (what `aws ecr get-login-password` hands out, decoded once).
 */
export function ecrExpiry(password: string): number | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(password)) return undefined
  return usableTime(decodedObject(password, 'base64')?.expiration)
}

/** The JSON object that `text` encodes (a JWT's part, an ECR-style token), or undefined for anything else. */
export function decodedObject(text: string, encoding: 'base64' | 'base64url'): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, encoding).toString('utf8'))
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Epoch seconds that a date can hold (±8.64e12 s): anything else is no expiry, never a crash. */
function usableTime(seconds: unknown): number | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) && Math.abs(seconds) <= 8.64e12 ? seconds : undefined
}

/**
 * A warning for a password that is a token with an expiry (its time in UTC, never the token); an
 * InputError when that time has passed. undefined for a password without one.
 */
export function expiryWarning(registry: RegistryCredential, nowMs: number): string | undefined {
  const exp = jwtExpiry(registry.password) ?? ecrExpiry(registry.password)
  if (exp === undefined) return undefined
  const when = new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const domains = registry.domains.join(', ')
  if (exp * 1000 <= nowMs) {
    const where = registry.origin.kind === 'extra' ? `item ${registry.origin.item}: password ` : ''
    throw new InputError(
      registry.origin.kind === 'extra' ? 'extra-registries' : 'password',
      `${where}is a token that expired at ${when} (for ${domains}); a Secret holding it could not pull. Use a credential that does not expire`
    )
  }
  return (
    `The password from ${describeOrigin(registry.origin)} (for ${domains}) is a token that expires at ${when}: SAE pulls again at every ` +
    'instance start, so the Secret stops working then. Use a credential that does not expire, or run this step again before that time'
  )
}

/** A warning for every password of the Secret that is a token with an expiry; an InputError for one already expired. */
export function expiryWarnings(registries: RegistryCredential[], nowMs: number): string[] {
  return registries.flatMap((registry) => expiryWarning(registry, nowMs) ?? [])
}

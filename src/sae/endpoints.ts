// Which SAE and STS hosts a run will call, known from its inputs before anything is called, so that
// their connections can be opened ahead (network/preconnect.ts). Pure, and free of the SDK: index.ts
// asks it while the rest of the bundle loads.
import type { CredentialSource, Endpoint } from '../domain/model.js'

/**
 * The HTTPS hosts of SAE and STS the run will call, to connect to before the first call: STS when the
 * credentials go through it (GitHub OIDC, RRSA, role chaining), and each namespace's SAE endpoint, so
 * that SAE's handshake runs while the ID token and STS are on their way. A dry run signs in and reads
 * SAE as a real run does, so it wants the same. None when no credential source is left (the run ends,
 * or a dry run plans offline, before any call).
 */
export function apiHostsToPreconnect(
  { credentials, stsEndpoint }: { credentials: CredentialSource; stsEndpoint: Endpoint },
  plans: { endpoint: Endpoint }[]
): string[] {
  const base = credentials.kind === 'chained' ? credentials.base : credentials
  if (base.kind === 'none') return []
  const sts = credentials.kind === 'oidc' || credentials.kind === 'rrsa' || credentials.kind === 'chained'
  const endpoints = [...(sts ? [stsEndpoint] : []), ...plans.map((plan) => plan.endpoint)]
  return [...new Set(endpoints.filter((endpoint) => endpoint.protocol === 'https').map((endpoint) => endpoint.host))]
}

// Builds the SAE and STS clients of a run: endpoint, key, user agent, the run's connections (and
// proxy), the retry policy and its deadline, in one place.
import type { RunConnections } from '../network/connections.js'
import type { AccessKey, Endpoint, RoleSession } from '../domain/model.js'
import { VERSION } from '../domain/version.js'
import { OpenApiConnection } from './sdk/openapi.js'
import { systemClock, type RetryClock, type RetrySettings } from './sdk/retry.js'
import { SaeSecretsClient } from './secrets-client.js'
import { assumeRole, assumeRoleWithOidc } from './sts.js'

export interface ClientSettings {
  userAgent: string
  /** Removes every registered secret from a text (an API message may echo one). */
  redact(text: string): string
  retry: RetrySettings
  /** The run's agents, sockets and proxy: every call goes through them, and they close with the step. */
  connections?: RunConnections
  debug?: (line: string) => void
  /** Told who the calls are signed as, when the source found it (RRSA, the instance role, a chained role). */
  onSignedIn?: (identity: string) => void
}

export interface RunLimits {
  maxAttempts: number
  timeoutSeconds: number
}

/** The settings every client of one run shares; the deadline starts now, so timeout-seconds bounds the step's API work. */
export function clientSettings(
  limits: RunLimits,
  rest: Omit<ClientSettings, 'retry'> & { onRetry?: RetrySettings['onRetry'] },
  clock: RetryClock = systemClock
): ClientSettings {
  const { onRetry, ...shared } = rest
  return {
    ...shared,
    retry: {
      policy: { maxAttempts: limits.maxAttempts, deadline: clock.now() + limits.timeoutSeconds * 1000 },
      clock,
      onRetry
    }
  }
}

/** One SAE client per endpoint, so namespaces in one region share a connection pool. */
export function saeClientFactory(key: AccessKey, settings: ClientSettings): (endpoint: Endpoint) => SaeSecretsClient {
  const clients = new Map<string, SaeSecretsClient>()
  return (endpoint) => {
    const id = `${endpoint.protocol}://${endpoint.host}`
    let client = clients.get(id)
    if (!client) {
      client = new SaeSecretsClient(connect(endpoint, settings, key), settings.retry)
      clients.set(id, client)
    }
    return client
  }
}

/** STS AssumeRoleWithOIDC: an OIDC token (GitHub's ID token, ACK's RRSA token) for the role's temporary key. */
export function assumeRoleWithToken(
  endpoint: Endpoint,
  role: RoleSession & { oidcProviderArn: string },
  token: string,
  settings: ClientSettings
): Promise<AccessKey> {
  return assumeRoleWithOidc(connect(endpoint, settings), role, token, settings.retry)
}

/** STS AssumeRole signed with `base`: the role's temporary key (role chaining). */
export function assumeRoleWithKey(
  endpoint: Endpoint,
  role: RoleSession,
  base: AccessKey,
  settings: ClientSettings
): Promise<AccessKey> {
  return assumeRole(connect(endpoint, settings, base), role, settings.retry)
}

function connect(
  endpoint: Endpoint,
  { userAgent, redact, debug, connections }: ClientSettings,
  key?: AccessKey
): OpenApiConnection {
  return new OpenApiConnection({
    endpoint,
    key,
    userAgent,
    redact,
    debug,
    agents: connections,
    proxy: connections?.proxies[endpoint.protocol]
  })
}

/** Names the repository and run in every request, so the account's ActionTrail shows who called. */
export function userAgent(run: { repository?: string; runId?: number }): string {
  const where = run.repository ? ` (${run.repository}; run ${run.runId ?? '?'})` : ''
  return `sae-image-pull-secret/${VERSION}${where}`
}

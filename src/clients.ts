// Builds the SAE and STS clients of a run: endpoint, key, user agent, proxy and retries in one place.
import type { AccessKey, Endpoint, OidcRole } from './model.js'
import { OpenApiConnection } from './openapi.js'
import type { ProxyAgents } from './proxy.js'
import type { Redactor } from './redaction.js'
import type { RetrySettings } from './retry.js'
import { SaeSecretsClient } from './sae-client.js'
import { assumeRoleWithOidc } from './sts.js'

export interface ClientSettings {
  userAgent: string
  redactor: Redactor
  retry: RetrySettings
  /** Present when the runner sets proxy variables (the SDK's transport then sends through them). */
  agents?: ProxyAgents
  debug?: (line: string) => void
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

export function assumeRole(endpoint: Endpoint, role: OidcRole, idToken: string, settings: ClientSettings): Promise<AccessKey> {
  return assumeRoleWithOidc(connect(endpoint, settings), role, idToken, settings.retry)
}

function connect(endpoint: Endpoint, { userAgent, redactor, debug, agents }: ClientSettings, key?: AccessKey): OpenApiConnection {
  return new OpenApiConnection({ endpoint, key, userAgent, redactor, debug, proxy: agents?.proxies[endpoint.protocol] })
}

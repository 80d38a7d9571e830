// The one module that brings in the Alibaba SDK: client construction, endpoint, user agent, retries.
import type { Endpoint, OidcRole } from './inputs.js'
import { OpenApiConnection, type AccessKey, type RetrySettings } from './openapi.js'
import type { Redactor } from './redaction.js'
import { SaeSecretsClient } from './sae-client.js'
import { assumeRoleWithOidc } from './sts.js'

export interface ClientSettings {
  userAgent: string
  redactor: Redactor
  retry: RetrySettings
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

function connect(endpoint: Endpoint, { userAgent, redactor, debug }: ClientSettings, key?: AccessKey): OpenApiConnection {
  return new OpenApiConnection({ endpoint, key, userAgent, redactor, debug })
}

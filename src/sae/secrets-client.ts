import { ApiError } from './sdk/api-errors.js'
import type { RelatedApp } from '../domain/model.js'
import { callWithRetries, OpenApiConnection, type Operation } from './sdk/openapi.js'
import { stringField } from './sdk/transport-errors.js'
import type { RetrySettings } from './sdk/retry.js'

const VERSION = '2019-05-06'
const SECRET_PATH = '/pop/v1/sam/secret/secret'

/** SAE's Secret API as its official SDK sends it (docs/sae-api.md); test/unit/sae/sdk/wire-parity.test.ts holds us to it. */
const OPERATIONS = {
  CreateSecret: { action: 'CreateSecret', method: 'POST', pathname: SECRET_PATH, writes: true },
  UpdateSecret: { action: 'UpdateSecret', method: 'PUT', pathname: SECRET_PATH, writes: true },
  DeleteSecret: { action: 'DeleteSecret', method: 'DELETE', pathname: SECRET_PATH, writes: true },
  DescribeSecret: { action: 'DescribeSecret', method: 'GET', pathname: SECRET_PATH },
  ListSecrets: { action: 'ListSecrets', method: 'GET', pathname: '/pop/v1/sam/secret/secrets' }
} as const satisfies Record<string, Omit<Operation, 'version' | 'style'>>

export interface SecretSummary {
  secretId: number
  secretName: string
  secretType: string
  /** The applications that use it (`RelateApps`); ListSecrets tells at no extra call. */
  relatedApps: RelatedApp[]
}

export interface SecretDetail extends SecretSummary {
  /** Key to base64 value, as DescribeSecret returns it. */
  data: Record<string, string>
}

/** What provisioning needs from SAE; the emulator-backed client and test doubles both provide it. */
export interface SecretsApi {
  listSecrets(namespaceId: string): Promise<SecretSummary[]>
  describeSecret(namespaceId: string, secretId: number): Promise<SecretDetail>
  createSecret(namespaceId: string, secretName: string, secretType: string, secretData: string): Promise<number>
  updateSecret(namespaceId: string, secretId: number, secretData: string): Promise<number>
  deleteSecret(namespaceId: string, secretId: number): Promise<void>
}

/** SAE's Secret API (version 2019-05-06, ROA), with retries for the faults where retrying is right. */
export class SaeSecretsClient implements SecretsApi {
  constructor(
    private readonly connection: OpenApiConnection,
    private readonly retry: RetrySettings
  ) {}

  async listSecrets(namespaceId: string): Promise<SecretSummary[]> {
    const data = await this.invoke(OPERATIONS.ListSecrets, { NamespaceId: namespaceId })
    const secrets = Array.isArray(data.Secrets) ? (data.Secrets as Record<string, unknown>[]) : []
    return secrets.map(summary)
  }

  async describeSecret(namespaceId: string, secretId: number): Promise<SecretDetail> {
    const data = await this.invoke(OPERATIONS.DescribeSecret, { NamespaceId: namespaceId, SecretId: String(secretId) })
    const stored =
      data.SecretData && typeof data.SecretData === 'object' ? (data.SecretData as Record<string, string>) : {}
    return { ...summary(data), data: stored }
  }

  async createSecret(namespaceId: string, secretName: string, secretType: string, secretData: string): Promise<number> {
    const data = await this.invoke(OPERATIONS.CreateSecret, {
      NamespaceId: namespaceId,
      SecretName: secretName,
      SecretType: secretType,
      SecretData: secretData
    })
    return secretIdOf(data, 'CreateSecret')
  }

  async updateSecret(namespaceId: string, secretId: number, secretData: string): Promise<number> {
    const data = await this.invoke(OPERATIONS.UpdateSecret, {
      NamespaceId: namespaceId,
      SecretId: String(secretId),
      SecretData: secretData
    })
    return secretIdOf(data, 'UpdateSecret', secretId)
  }

  async deleteSecret(namespaceId: string, secretId: number): Promise<void> {
    await this.invoke(OPERATIONS.DeleteSecret, { NamespaceId: namespaceId, SecretId: String(secretId) })
  }

  private async invoke(operation: (typeof OPERATIONS)[keyof typeof OPERATIONS], query: Record<string, string>) {
    const response = await callWithRetries(
      this.connection,
      { ...operation, version: VERSION, style: 'ROA' },
      query,
      this.retry
    )
    const data = response.body.Data
    return data && typeof data === 'object' ? (data as Record<string, unknown>) : {}
  }
}

function summary(item: Record<string, unknown>): SecretSummary {
  return {
    secretId: Number(item.SecretId),
    secretName: stringField(item, 'SecretName') ?? '',
    secretType: stringField(item, 'SecretType') ?? '',
    relatedApps: relatedApps(item.RelateApps)
  }
}

/** `RelateApps: [{ AppId, AppName }]`; anything else in the list is left out rather than guessed at. */
function relatedApps(value: unknown): RelatedApp[] {
  if (!Array.isArray(value)) return []
  return value.flatMap((app: unknown) => {
    const fields = (app ?? {}) as Record<string, unknown>
    const appId = stringField(fields, 'AppId')
    return appId ? [{ appId, appName: stringField(fields, 'AppName') ?? appId }] : []
  })
}

function secretIdOf(data: Record<string, unknown>, action: string, fallback?: number): number {
  const id = Number(data.SecretId ?? fallback)
  if (!Number.isSafeInteger(id))
    throw new ApiError({ action, code: 'MalformedResponse', status: 200, detail: 'no SecretId in Data' })
  return id
}

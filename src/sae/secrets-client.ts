import type { ApiError } from './sdk/api-errors.js'
import type { RelatedApp } from '../domain/model.js'
import { callWithRetries, OpenApiConnection, type ApiResponse, type Operation } from './sdk/openapi.js'
import { decodeNotTheApi, stringField } from './sdk/transport-errors.js'
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
  /** The new Secret's id; none from a dry run's stand-in (read-only.ts), which creates nothing. */
  createSecret(
    namespaceId: string,
    secretName: string,
    secretType: string,
    secretData: string
  ): Promise<number | undefined>
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
    const answer = await this.invoke(OPERATIONS.ListSecrets, { NamespaceId: namespaceId })
    const secrets = answer.data.Secrets
    if (!Array.isArray(secrets)) throw answer.malformed('no Secrets list in Data')
    return secrets.map((item: unknown) => summary(objectOrEmpty(item), answer))
  }

  async describeSecret(namespaceId: string, secretId: number): Promise<SecretDetail> {
    const answer = await this.invoke(OPERATIONS.DescribeSecret, {
      NamespaceId: namespaceId,
      SecretId: String(secretId)
    })
    const data = answer.data
    const stored =
      data.SecretData && typeof data.SecretData === 'object' ? (data.SecretData as Record<string, string>) : {}
    return { ...summary(data, answer), data: stored }
  }

  async createSecret(namespaceId: string, secretName: string, secretType: string, secretData: string): Promise<number> {
    const answer = await this.invoke(OPERATIONS.CreateSecret, {
      NamespaceId: namespaceId,
      SecretName: secretName,
      SecretType: secretType,
      SecretData: secretData
    })
    return secretIdOf(answer.data.SecretId, answer)
  }

  async updateSecret(namespaceId: string, secretId: number, secretData: string): Promise<number> {
    const answer = await this.invoke(OPERATIONS.UpdateSecret, {
      NamespaceId: namespaceId,
      SecretId: String(secretId),
      SecretData: secretData
    })
    // The Secret updated is the one named; an answer that names one must name a valid one.
    return answer.data.SecretId === undefined ? secretId : secretIdOf(answer.data.SecretId, answer)
  }

  async deleteSecret(namespaceId: string, secretId: number): Promise<void> {
    await this.invoke(OPERATIONS.DeleteSecret, { NamespaceId: namespaceId, SecretId: String(secretId) })
  }

  /** One call; its answer must be the API's envelope, with the `Data` object every Secret call returns. */
  private async invoke(operation: (typeof OPERATIONS)[keyof typeof OPERATIONS], query: Record<string, string>) {
    const response = await callWithRetries(
      this.connection,
      { ...operation, version: VERSION, style: 'ROA' },
      query,
      this.retry
    )
    const answer = answerOf(operation, response)
    const data = response.body.Data
    if (!data || typeof data !== 'object' || Array.isArray(data)) throw answer.malformed('no Data in the answer')
    return { ...answer, data: data as Record<string, unknown> }
  }
}

/** What an answer that is not the API is reported with: the call, the status as it was, the RequestId it carried. */
interface AnswerFacts {
  malformed(detail: string): ApiError
}

function answerOf(operation: { action: string; writes?: boolean }, response: ApiResponse): AnswerFacts {
  return {
    malformed: (detail) =>
      decodeNotTheApi({ code: 'MalformedResponse', detail }, response, {
        action: operation.action,
        writes: Boolean(operation.writes)
      })
  }
}

const objectOrEmpty = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' ? (value as Record<string, unknown>) : {}

function summary(item: Record<string, unknown>, answer: AnswerFacts): SecretSummary {
  return {
    secretId: secretIdOf(item.SecretId, answer),
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

/** A SecretId as SAE documents it: a positive integer (a number, or its digits as text). */
function secretIdOf(value: unknown, answer: AnswerFacts): number {
  const id = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(id) || id <= 0) {
    const shown = value === undefined ? 'none' : JSON.stringify(value).slice(0, 40)
    throw answer.malformed(`SecretId ${shown} is not a positive integer`)
  }
  return id
}

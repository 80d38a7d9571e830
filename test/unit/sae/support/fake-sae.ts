// An in-memory SAE namespace for the policy's tests (provision.test.ts) and the dry run's
// (read-only.test.ts), with the plan they provision and the errors SAE answers.
import { buildDockerConfig, encodeDockerConfig, secretDataParameter } from '../../../../src/secret/docker-config.js'
import { ApiError } from '../../../../src/sae/sdk/api-errors.js'
import type { IfExists } from '../../../../src/inputs/table.js'
import type { RelatedApp } from '../../../../src/domain/model.js'
import type { SecretPlan } from '../../../../src/secret/plan.js'
import type { SecretDetail, SecretsApi, SecretSummary } from '../../../../src/sae/secrets-client.js'

export const NS = 'cn-hangzhou:prod'

export function plan(ifExists: IfExists, password = 'p'): SecretPlan {
  const dockerConfig = buildDockerConfig([
    { domains: ['vpc.example.com', 'public.example.com'], username: 'u', password }
  ])
  const encodedConfig = encodeDockerConfig(dockerConfig)
  return {
    namespaceId: NS,
    secretName: 'registry-auth',
    secretType: 'kubernetes.io/dockerconfigjson',
    state: 'present',
    dockerConfig,
    encodedConfig,
    secretData: secretDataParameter(encodedConfig),
    ifExists,
    ifInUse: 'fail'
  }
}

export const alreadyExist = () =>
  new ApiError({ action: 'CreateSecret', code: 'SecretNameConflict.AlreadyExist', status: 400, requestId: 'R1' })
/** What the transport reports for a write answered by a gateway's 504 page: it may have been applied. */
export const lostAnswer = (action: string) =>
  new ApiError({ action, code: 'NonJsonResponse' }, { mayHaveBeenApplied: true })
export const OPTIONS = { attempts: 4 }

/** An in-memory SAE namespace that records every call. */
export class FakeSae implements SecretsApi {
  calls: string[] = []
  secrets = new Map<number, SecretDetail>()
  nextId = 16
  /** Runs before CreateSecret stores anything: simulate another writer. */
  beforeCreate?: (name: string, data: string) => void
  /** The next writes of this action are applied, then their answers are lost. */
  lost: Record<string, number> = {}
  /** The next writes of this action are lost on the way: never applied, and no answer. */
  dropped: Record<string, number> = {}
  /** How many ListSecrets after a CreateSecret do not show its Secret yet (a listing that lags the write). */
  listingLag = 0
  private unlisted = new Map<number, number>()
  /** The order ListSecrets answers in; as stored unless a test says otherwise. */
  order: (listed: SecretSummary[]) => SecretSummary[] = (listed) => listed

  seed(
    name: string,
    encodedConfig: string,
    type = 'kubernetes.io/dockerconfigjson',
    relatedApps: RelatedApp[] = []
  ): number {
    const id = this.nextId++
    this.secrets.set(id, {
      secretId: id,
      secretName: name,
      secretType: type,
      relatedApps,
      data: { '.dockerconfigjson': encodedConfig }
    })
    return id
  }

  async listSecrets(): Promise<SecretSummary[]> {
    this.calls.push('ListSecrets')
    const listed = [...this.secrets.values()].filter(({ secretId }) => (this.unlisted.get(secretId) ?? 0) === 0)
    for (const [id, listings] of this.unlisted) this.unlisted.set(id, Math.max(0, listings - 1))
    return this.order(
      listed.map(({ secretId, secretName, secretType, relatedApps }) => ({
        secretId,
        secretName,
        secretType,
        relatedApps
      }))
    )
  }

  async describeSecret(_ns: string, secretId: number): Promise<SecretDetail> {
    this.calls.push('DescribeSecret')
    return structuredClone(this.secrets.get(secretId)!)
  }

  async createSecret(_ns: string, name: string, type: string, secretData: string): Promise<number> {
    this.calls.push('CreateSecret')
    this.beforeCreate?.(name, secretData)
    this.drop('CreateSecret')
    const encoded = JSON.parse(JSON.parse(secretData).SecretData)['.dockerconfigjson']
    if ([...this.secrets.values()].some((secret) => secret.secretName === name)) throw alreadyExist()
    const id = this.seed(name, encoded, type)
    if (this.listingLag > 0) this.unlisted.set(id, this.listingLag)
    this.loseAnswer('CreateSecret')
    return id
  }

  private drop(action: string): void {
    if ((this.dropped[action] ?? 0) > 0) {
      this.dropped[action]--
      throw lostAnswer(action)
    }
  }

  private loseAnswer(action: string): void {
    if ((this.lost[action] ?? 0) > 0) {
      this.lost[action]--
      throw lostAnswer(action)
    }
  }

  async updateSecret(_ns: string, secretId: number, secretData: string): Promise<number> {
    this.calls.push('UpdateSecret')
    this.drop('UpdateSecret')
    this.secrets.get(secretId)!.data['.dockerconfigjson'] = JSON.parse(JSON.parse(secretData).SecretData)[
      '.dockerconfigjson'
    ]
    this.loseAnswer('UpdateSecret')
    return secretId
  }

  async deleteSecret(_ns: string, secretId: number): Promise<void> {
    this.calls.push('DeleteSecret')
    this.drop('DeleteSecret')
    this.secrets.delete(secretId)
    this.loseAnswer('DeleteSecret')
  }

  /** Each Secret's name and stored data, in the order stored. */
  stored(): [string, string | undefined][] {
    return [...this.secrets.values()].map((secret) => [secret.secretName, secret.data['.dockerconfigjson']])
  }
}

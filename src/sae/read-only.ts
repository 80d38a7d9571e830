// A dry run's SAE. The real provision policy runs against it, so a dry run decides what each
// namespace would get by the very code a real run decides with, on what SAE holds now: the look-ups
// (ListSecrets, DescribeSecret) go to SAE as they are, and each write is answered as SAE would
// answer it, and never sent.
import type { Endpoint } from '../domain/model.js'
import { NoCredentialsError } from '../domain/errors.js'
import { ALREADY_EXIST } from './provision.js'
import { ApiError } from './sdk/api-errors.js'
import type { SecretDetail, SecretsApi, SecretSummary } from './secrets-client.js'

export class ReadOnlySecrets implements SecretsApi {
  /** What ListSecrets last answered for each namespace: what a CreateSecret would meet there. */
  private readonly listed = new Map<string, SecretSummary[]>()

  constructor(private readonly sae: SecretsApi) {}

  async listSecrets(namespaceId: string): Promise<SecretSummary[]> {
    const secrets = await this.sae.listSecrets(namespaceId)
    this.listed.set(namespaceId, secrets)
    return secrets
  }

  describeSecret(namespaceId: string, secretId: number): Promise<SecretDetail> {
    return this.sae.describeSecret(namespaceId, secretId)
  }

  /**
   * SAE refuses a name the namespace holds, and the policy then reads that Secret and decides as
   * `if-exists` says (`fail` creates without looking first: the namespace is listed here); otherwise
   * a Secret would be created, whose id only a real run gets.
   */
  async createSecret(namespaceId: string, secretName: string): Promise<number | undefined> {
    const listed = this.listed.get(namespaceId) ?? (await this.listSecrets(namespaceId))
    if (listed.some((secret) => secret.secretName === secretName)) {
      throw new ApiError({
        action: 'CreateSecret',
        code: ALREADY_EXIST,
        detail: `ListSecrets lists a Secret named ${secretName} (a dry run's answer; nothing was sent)`
      })
    }
    return undefined
  }

  /** The Secret named would be updated in place. */
  async updateSecret(_namespaceId: string, secretId: number): Promise<number> {
    return secretId
  }

  /** The Secret named would be deleted. */
  async deleteSecret(): Promise<void> {}
}

/**
 * A dry run's clients: the signed-in ones, each behind ReadOnlySecrets. Where no source offered
 * credentials, that error instead: the dry run plans offline, as a dry run did before it read SAE,
 * and says so. Any other failure to sign in fails the dry run as it fails a real run.
 */
export async function dryRunClients(
  signedIn: Promise<(endpoint: Endpoint) => SecretsApi>
): Promise<{ clients: (endpoint: Endpoint) => SecretsApi } | { offline: NoCredentialsError }> {
  try {
    const clientFor = await signedIn
    return { clients: (endpoint) => new ReadOnlySecrets(clientFor(endpoint)) }
  } catch (error) {
    if (error instanceof NoCredentialsError) return { offline: error }
    throw error
  }
}

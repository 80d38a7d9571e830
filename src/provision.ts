import { ApiError, SecretExistsError, SecretTypeMismatchError } from './errors.js'
import { sameDockerConfig, type DockerConfig } from './docker-config.js'
import type { IfExists } from './inputs.js'
import type { SecretsApi, SecretSummary } from './sae-client.js'

export type ProvisionResult = 'created' | 'updated' | 'unchanged' | 'skipped'

export interface Provisioned {
  secretId: number
  result: ProvisionResult
}

export interface SecretPlan {
  namespaceId: string
  secretName: string
  secretType: string
  /** The computed docker config, to compare with what is stored. */
  dockerConfig: DockerConfig
  /** base64 of the docker config, the `.dockerconfigjson` value. */
  encodedConfig: string
  /** The SecretData query value that carries `encodedConfig`. */
  secretData: string
  ifExists: IfExists
}

const ALREADY_EXIST = 'SecretNameConflict.AlreadyExist'

/**
 * Makes sure the namespace holds the Secret, in as few calls as each path allows:
 * - `skip`: ListSecrets finds an existing one (1 call); otherwise CreateSecret (2 in all).
 * - `update`: ListSecrets + DescribeSecret confirm an unchanged one (2); UpdateSecret only when it differs.
 * - `fail`: CreateSecret alone (1); AlreadyExist fails the step.
 * A CreateSecret that meets AlreadyExist (another workflow won a race, or our own earlier attempt
 * was applied but its answer lost) is resolved as `if-exists` says. Never delete-then-create.
 */
export async function provisionSecret(api: SecretsApi, plan: SecretPlan): Promise<Provisioned> {
  if (plan.ifExists === 'fail') return create(api, plan)
  const existing = await find(api, plan)
  if (!existing) return create(api, plan)
  return plan.ifExists === 'skip' ? { secretId: existing.secretId, result: 'skipped' } : update(api, plan, existing.secretId)
}

async function find(api: SecretsApi, plan: SecretPlan): Promise<SecretSummary | undefined> {
  const existing = (await api.listSecrets(plan.namespaceId)).find((secret) => secret.secretName === plan.secretName)
  if (existing && existing.secretType !== '' && existing.secretType !== plan.secretType) {
    throw new SecretTypeMismatchError(plan.secretName, plan.namespaceId, existing.secretId, existing.secretType)
  }
  return existing
}

async function create(api: SecretsApi, plan: SecretPlan): Promise<Provisioned> {
  try {
    const secretId = await api.createSecret(plan.namespaceId, plan.secretName, plan.secretType, plan.secretData)
    return { secretId, result: 'created' }
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== ALREADY_EXIST) throw error
    return resolveConflict(api, plan, error.priorAttemptMaybeApplied)
  }
}

/** CreateSecret said the name exists although we saw none (a race), or we are on the `fail` path. */
async function resolveConflict(api: SecretsApi, plan: SecretPlan, ownWriteMayHaveLanded: boolean): Promise<Provisioned> {
  const existing = await find(api, plan)
  if (!existing) {
    // Deleted again between the two calls: nothing sensible to output.
    throw new ApiError({ action: 'CreateSecret', code: ALREADY_EXIST, detail: 'the Secret vanished after the conflict' })
  }
  if (ownWriteMayHaveLanded) {
    // An earlier attempt's answer was lost: if what is stored is exactly ours, that write was ours.
    const stored = await api.describeSecret(plan.namespaceId, existing.secretId)
    if (sameDockerConfig(stored.data['.dockerconfigjson'], plan.dockerConfig)) {
      return { secretId: existing.secretId, result: 'created' }
    }
  }
  if (plan.ifExists === 'fail') throw new SecretExistsError(plan.secretName, plan.namespaceId, existing.secretId)
  if (plan.ifExists === 'skip') return { secretId: existing.secretId, result: 'skipped' }
  return update(api, plan, existing.secretId)
}

async function update(api: SecretsApi, plan: SecretPlan, secretId: number): Promise<Provisioned> {
  const stored = await api.describeSecret(plan.namespaceId, secretId)
  if (sameDockerConfig(stored.data['.dockerconfigjson'], plan.dockerConfig)) return { secretId, result: 'unchanged' }
  await api.updateSecret(plan.namespaceId, secretId, plan.secretData)
  return { secretId, result: 'updated' }
}

export interface NamespaceOutcome {
  namespaceId: string
  outcome: { ok: true; value: Provisioned } | { ok: false; error: unknown }
}

/** Runs `task` for every namespace, at most `limit` at once; one failure does not stop the others. */
export async function forEachNamespace(
  namespaceIds: string[],
  limit: number,
  task: (namespaceId: string) => Promise<Provisioned>
): Promise<NamespaceOutcome[]> {
  const outcomes: NamespaceOutcome[] = new Array(namespaceIds.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < namespaceIds.length) {
      const index = next++
      const namespaceId = namespaceIds[index]
      try {
        outcomes[index] = { namespaceId, outcome: { ok: true, value: await task(namespaceId) } }
      } catch (error) {
        outcomes[index] = { namespaceId, outcome: { ok: false, error } }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, namespaceIds.length) }, worker))
  return outcomes
}

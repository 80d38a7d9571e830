// The policy: what to do in one namespace so that it holds the Secret (or, with `state: absent`,
// does not), in as few calls as each path allows. It talks to SAE only through SecretsApi.
import { sameDockerConfig, type DockerConfig } from './docker-config.js'
import { ApiError, SecretExistsError, SecretTypeMismatchError } from './errors.js'
import type { IfExists, SecretState } from './model.js'
import type { SecretsApi, SecretSummary } from './sae-client.js'

export type ProvisionResult = 'created' | 'updated' | 'unchanged' | 'skipped' | 'deleted' | 'absent'

export interface Provisioned {
  /** The Secret's id; none when there was no Secret to delete. */
  secretId?: number
  result: ProvisionResult
  /** `skip` only: the stored data differs from what this step computed (a stale password?). */
  drifted?: boolean
}

export interface SecretPlan {
  namespaceId: string
  secretName: string
  secretType: string
  state: SecretState
  /** The computed docker config, to compare with what is stored. */
  dockerConfig: DockerConfig
  /** base64 of the docker config, the `.dockerconfigjson` value. */
  encodedConfig: string
  /** The SecretData query value that carries `encodedConfig`. */
  secretData: string
  ifExists: IfExists
}

export interface ProvisionOptions {
  /** How many times a write whose answer was lost may be sent (max-attempts). */
  attempts: number
  /** Awaited before any create or update: the registry login's verdict, which throws on a refusal. */
  beforeWrite?: () => Promise<void>
  /** Hears of each write whose answer was lost, and whether the look found it applied. */
  onLostAnswer?: (error: ApiError, applied: boolean, attempt: number) => void
}

const ALREADY_EXIST = 'SecretNameConflict.AlreadyExist'

/**
 * Makes sure the namespace holds the Secret (calls on the way):
 * - `skip`: ListSecrets finds it and DescribeSecret compares its data, to warn of drift (2); else CreateSecret (2).
 * - `update`: ListSecrets + DescribeSecret confirm an unchanged one (2); UpdateSecret only when it differs (3).
 * - `fail`: CreateSecret alone (1); AlreadyExist fails the step.
 * - `state: absent`: ListSecrets, then DeleteSecret if it is there (2), or nothing more (1).
 * A CreateSecret that meets AlreadyExist (another workflow won a race) is resolved as `if-exists`
 * says. A write whose answer was lost is resolved by looking (see `settle`). Never delete-then-create.
 */
export async function provisionSecret(api: SecretsApi, plan: SecretPlan, options: ProvisionOptions): Promise<Provisioned> {
  if (plan.state === 'absent') return remove(api, plan, options)
  if (plan.ifExists === 'fail') return create(api, plan, options)
  const existing = await find(api, plan)
  if (!existing) return create(api, plan, options)
  return settleExisting(api, plan, options, existing.secretId, false)
}

/** The Secret of this name, if any; one of another type is an error (it is never used, overwritten or deleted). */
async function find(api: SecretsApi, plan: SecretPlan): Promise<SecretSummary | undefined> {
  const existing = (await api.listSecrets(plan.namespaceId)).find((secret) => secret.secretName === plan.secretName)
  if (existing && existing.secretType !== '' && existing.secretType !== plan.secretType) {
    throw new SecretTypeMismatchError(plan.secretName, plan.namespaceId, existing.secretId, existing.secretType)
  }
  return existing
}

async function create(api: SecretsApi, plan: SecretPlan, options: ProvisionOptions): Promise<Provisioned> {
  await options.beforeWrite?.()
  let answerLost = false
  try {
    return await settle(
      async () => ({ secretId: await api.createSecret(plan.namespaceId, plan.secretName, plan.secretType, plan.secretData), result: 'created' }),
      async () => {
        answerLost = true
        const existing = await find(api, plan)
        return existing && settleExisting(api, plan, options, existing.secretId, true)
      },
      options
    )
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== ALREADY_EXIST) throw error
    // Someone created it between our look and our write, or an earlier attempt of ours landed unseen.
    const existing = await find(api, plan)
    if (!existing) throw new ApiError({ action: 'CreateSecret', code: ALREADY_EXIST, detail: 'the Secret vanished after the conflict' })
    return settleExisting(api, plan, options, existing.secretId, answerLost)
  }
}

/**
 * An existing Secret, as `if-exists` says. `mayBeOurs`: an attempt of ours may have created it; if
 * it holds exactly our data, it is ours and the result is `created`, never a conflict with ourselves.
 */
async function settleExisting(api: SecretsApi, plan: SecretPlan, options: ProvisionOptions, secretId: number, mayBeOurs: boolean): Promise<Provisioned> {
  if (plan.ifExists === 'fail' && !mayBeOurs) throw new SecretExistsError(plan.secretName, plan.namespaceId, secretId)
  const same = await holdsOurData(api, plan, secretId)
  if (mayBeOurs && same) return { secretId, result: 'created' }
  if (plan.ifExists === 'fail') throw new SecretExistsError(plan.secretName, plan.namespaceId, secretId)
  if (plan.ifExists === 'skip') return { secretId, result: 'skipped', drifted: !same }
  if (same) return { secretId, result: 'unchanged' }
  await options.beforeWrite?.()
  return settle(
    async () => {
      await api.updateSecret(plan.namespaceId, secretId, plan.secretData)
      return { secretId, result: 'updated' }
    },
    async () => ((await holdsOurData(api, plan, secretId)) ? { secretId, result: 'updated' } : undefined),
    options
  )
}

async function holdsOurData(api: SecretsApi, plan: SecretPlan, secretId: number): Promise<boolean> {
  const stored = await api.describeSecret(plan.namespaceId, secretId)
  return sameDockerConfig(stored.data['.dockerconfigjson'], plan.dockerConfig)
}

async function remove(api: SecretsApi, plan: SecretPlan, options: ProvisionOptions): Promise<Provisioned> {
  const existing = await find(api, plan)
  if (!existing) return { result: 'absent' }
  const secretId = existing.secretId
  return settle(
    async () => {
      await api.deleteSecret(plan.namespaceId, secretId)
      return { secretId, result: 'deleted' }
    },
    async () => {
      const still = await find(api, plan)
      return still?.secretId === secretId ? undefined : { secretId, result: 'deleted' }
    },
    options
  )
}

/**
 * Sends a write. When its answer is lost (a 5xx, a page that is not the API, a dropped connection:
 * the transport's `mayHaveBeenApplied`), it may have been applied: look whether it landed, and send
 * it again only if it did not, up to `attempts` writes. Never two Secrets, never a blind repeat.
 */
async function settle(
  write: () => Promise<Provisioned>,
  landed: () => Promise<Provisioned | undefined>,
  { attempts, onLostAnswer }: ProvisionOptions
): Promise<Provisioned> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write()
    } catch (error) {
      if (!(error instanceof ApiError) || !error.mayHaveBeenApplied) throw error
      const outcome = await landed()
      onLostAnswer?.(error, outcome !== undefined, attempt)
      if (outcome) return outcome
      if (attempt >= attempts) throw error
    }
  }
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

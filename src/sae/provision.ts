// The policy: what to do in one namespace so that it holds the Secret (or, with `state: absent`,
// does not), in as few calls as each path allows. It talks to SAE only through SecretsApi.
import { sameDockerConfig } from '../secret/stored-config.js'
import { ApiError } from './sdk/api-errors.js'
import { SecretExistsError, SecretInUseError, SecretTypeMismatchError } from './errors.js'
import type { RelatedApp } from '../domain/model.js'
import type { SecretPlan } from '../secret/plan.js'
import type { SecretsApi, SecretSummary } from './secrets-client.js'

export type ProvisionResult = 'created' | 'updated' | 'unchanged' | 'skipped' | 'deleted' | 'absent'

/** What one namespace got. */
export interface Provisioned {
  /** The Secret's id; none when there was no Secret to delete. */
  secretId?: number
  result: ProvisionResult
  /** The applications that use the Secret (none for one just created). */
  relatedApps: RelatedApp[]
  /** `skip` only: the stored data differs from what this step computed (a rotated password?). */
  drifted?: boolean
}

export interface NamespaceOutcome {
  namespaceId: string
  outcome: { ok: true; value: Provisioned } | { ok: false; error: unknown }
}

export interface ProvisionOptions {
  /** How many times a write whose answer was lost may be sent (max-attempts). */
  attempts: number
  /** Awaited before any create or update: the registry login's verdict, which throws on a refusal. */
  beforeWrite?: () => Promise<void>
  /**
   * `skip` with a stored Secret whose data differs: checks that the Secret in place can still pull
   * (its `.dockerconfigjson`, base64, as DescribeSecret returned it); throws when it cannot.
   */
  checkStored?: (storedBase64: string | undefined, secretId: number) => Promise<void>
  /** Hears of every stored `.dockerconfigjson` DescribeSecret returns, before anything else is done with it (its credentials are masked). */
  onStored?: (storedBase64: string | undefined) => void
  /** Hears of each write whose answer was lost, and whether the look found it applied. */
  onLostAnswer?: (error: ApiError, applied: boolean, attempt: number) => void
}

export const ALREADY_EXIST = 'SecretNameConflict.AlreadyExist'

/**
 * Makes sure the namespace holds the Secret (calls on the way):
 * - `skip`: ListSecrets finds it and DescribeSecret compares its data, to warn of drift and check that
 *   the stored credentials still pull (2); else CreateSecret (2).
 * - `update`: ListSecrets + DescribeSecret confirm an unchanged one (2); UpdateSecret only when it differs (3).
 * - `fail`: CreateSecret alone (1); AlreadyExist fails the step.
 * - `state: absent`: ListSecrets, then DeleteSecret if it is there (2), or nothing more (1); a Secret
 *   that applications use (`RelateApps`) is deleted only with `if-in-use: delete`.
 * A CreateSecret that meets AlreadyExist (another workflow won a race) is resolved as `if-exists`
 * says. A write whose answer was lost is resolved by looking (see `settle`). Never delete-then-create.
 */
export async function provisionSecret(
  api: SecretsApi,
  plan: SecretPlan,
  options: ProvisionOptions
): Promise<Provisioned> {
  if (plan.state === 'absent') return remove(api, plan, options)
  if (plan.ifExists === 'fail') return create(api, plan, options)
  const existing = await find(api, plan)
  if (!existing) return create(api, plan, options)
  return settleExisting(api, plan, options, existing, false)
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
      async () => ({
        secretId: await api.createSecret(plan.namespaceId, plan.secretName, plan.secretType, plan.secretData),
        result: 'created',
        relatedApps: []
      }),
      async () => {
        answerLost = true
        const existing = await find(api, plan)
        return existing && settleExisting(api, plan, options, existing, true)
      },
      options
    )
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== ALREADY_EXIST) throw error
    // Someone created it between our look and our write, or an earlier attempt of ours landed unseen.
    const existing = await find(api, plan)
    if (!existing) {
      // Not if-exists' business: the Secret SAE says is there is not listed (deleted meanwhile, or a listing that lags).
      throw new ApiError({
        action: 'CreateSecret',
        code: ALREADY_EXIST,
        advice: `SAE says a Secret named '${plan.secretName}' exists in ${plan.namespaceId}, but ListSecrets does not list it (deleted meanwhile, or a listing that lags); nothing was written. Run the step again`
      })
    }
    return settleExisting(api, plan, options, existing, answerLost)
  }
}

/**
 * An existing Secret, as `if-exists` says. `mayBeOurs`: an attempt of ours may have created it; if
 * it holds exactly our data, it is ours and the result is `created`, never a conflict with ourselves.
 */
async function settleExisting(
  api: SecretsApi,
  plan: SecretPlan,
  options: ProvisionOptions,
  existing: SecretSummary,
  mayBeOurs: boolean
): Promise<Provisioned> {
  const { secretId, relatedApps } = existing
  if (plan.ifExists === 'fail' && !mayBeOurs) throw new SecretExistsError(plan.secretName, plan.namespaceId, secretId)
  const stored = await storedConfig(api, plan, secretId, options)
  const same = sameDockerConfig(stored, plan.dockerConfig)
  if (mayBeOurs && same) return { secretId, result: 'created', relatedApps }
  if (plan.ifExists === 'fail') throw new SecretExistsError(plan.secretName, plan.namespaceId, secretId)
  if (plan.ifExists === 'skip') {
    // The Secret the deploy will use is the stored one: it must still pull.
    if (!same) await options.checkStored?.(stored, secretId)
    return { secretId, result: 'skipped', relatedApps, drifted: !same }
  }
  if (same) return { secretId, result: 'unchanged', relatedApps }
  await options.beforeWrite?.()
  const updated: Provisioned = { secretId, result: 'updated', relatedApps }
  return settle(
    async () => {
      await api.updateSecret(plan.namespaceId, secretId, plan.secretData)
      return updated
    },
    async () =>
      sameDockerConfig(await storedConfig(api, plan, secretId, options), plan.dockerConfig) ? updated : undefined,
    options
  )
}

/** The stored `.dockerconfigjson` (base64), as DescribeSecret returns it. */
async function storedConfig(
  api: SecretsApi,
  plan: SecretPlan,
  secretId: number,
  options: ProvisionOptions
): Promise<string | undefined> {
  const stored = (await api.describeSecret(plan.namespaceId, secretId)).data['.dockerconfigjson']
  options.onStored?.(stored)
  return stored
}

async function remove(api: SecretsApi, plan: SecretPlan, options: ProvisionOptions): Promise<Provisioned> {
  const existing = await find(api, plan)
  if (!existing) return { result: 'absent', relatedApps: [] }
  const { secretId, relatedApps } = existing
  // Running applications would not pull at their next instance start.
  if (relatedApps.length > 0 && plan.ifInUse === 'fail')
    throw new SecretInUseError(plan.secretName, plan.namespaceId, secretId, relatedApps)
  const deleted: Provisioned = { secretId, result: 'deleted', relatedApps }
  return settle(
    async () => {
      await api.deleteSecret(plan.namespaceId, secretId)
      return deleted
    },
    async () => {
      const still = await find(api, plan)
      return still?.secretId === secretId ? undefined : deleted
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

/** Namespaces provisioned at once: ten environments in one round trip, still gentle on API throttling. */
export const CONCURRENCY = 10

/**
 * Every namespace's Secret, up to CONCURRENCY at once, each through the client for its endpoint;
 * `done` hears of each as soon as it is provisioned.
 */
export function provisionAll<P extends SecretPlan>(
  plans: P[],
  clientFor: (plan: P) => SecretsApi,
  optionsFor: (plan: P) => ProvisionOptions,
  done: (plan: P, provisioned: Provisioned) => void
): Promise<NamespaceOutcome[]> {
  const byNamespace = new Map(plans.map((plan) => [plan.namespaceId, plan]))
  return forEachNamespace([...byNamespace.keys()], CONCURRENCY, async (namespaceId) => {
    const plan = byNamespace.get(namespaceId)!
    const provisioned = await provisionSecret(clientFor(plan), plan, optionsFor(plan))
    done(plan, provisioned)
    return provisioned
  })
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

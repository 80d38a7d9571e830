// What a run that called SAE ends with: the `results` output, the failure of every namespace that a
// registry refusal stops, and the one failure line. Pure: outcomes in, strings out.
import { ActionError } from '../domain/errors.js'
import type { RelatedApp } from '../domain/model.js'
import type { NamespaceOutcome } from '../sae/provision.js'

/** The `results` output: every namespace that succeeded, keyed by its ID, with the applications that use its Secret. */
export function resultsOutput(outcomes: NamespaceOutcome[]): string {
  const results: Record<string, { secretId?: number; result: string; relatedApps: RelatedApp[] }> = {}
  for (const { namespaceId, outcome } of outcomes) {
    if (!outcome.ok) continue
    const { secretId, result, relatedApps } = outcome.value
    results[namespaceId] = { ...(secretId === undefined ? {} : { secretId }), result, relatedApps }
  }
  return JSON.stringify(results)
}

/**
 * Every namespace fails with the run's refusal (a registry check that said no), whatever its own
 * outcome: even where nothing needed writing, the Secret would not pull.
 */
export function failedBy(outcomes: NamespaceOutcome[], refusal: Error | undefined): NamespaceOutcome[] {
  if (!refusal) return outcomes
  return outcomes.map(({ namespaceId, outcome }) => ({
    namespaceId,
    outcome: outcome.ok ? { ok: false, error: refusal } : outcome
  }))
}

/**
 * One line naming every failed namespace with its code and reason, or undefined when all
 * succeeded. Namespaces that failed for the same reason (one refused login, say) share it.
 */
export function failureLine(outcomes: NamespaceOutcome[]): string | undefined {
  const failed = outcomes.flatMap(({ namespaceId, outcome }) =>
    outcome.ok ? [] : [{ namespaceId, error: outcome.error }]
  )
  if (failed.length === 0) return undefined
  if (outcomes.length === 1) return messageOf(failed[0].error)
  const codes = failed.map(({ namespaceId, error }) => `${namespaceId} ${failureCode(error)}`).join(', ')
  const reasons = failureReasons(outcomes)
    .map(({ namespaces, reason }) => `${namespaces.join(', ')}: ${reason}`)
    .join(' | ')
  return `${failed.length} of ${outcomes.length} namespaces failed (${codes}) — ${reasons}`
}

/** Why namespaces failed, in words (each error's sentence, which says what to do), once per reason. */
export interface FailureReason {
  namespaces: string[]
  reason: string
}

/** Each failure's sentence with the namespaces it failed, in their order; namespaces that failed alike share one. */
export function failureReasons(outcomes: NamespaceOutcome[]): FailureReason[] {
  const byReason = new Map<string, string[]>()
  for (const { namespaceId, outcome } of outcomes) {
    if (outcome.ok) continue
    const reason = messageOf(outcome.error)
    byReason.set(reason, [...(byReason.get(reason) ?? []), namespaceId])
  }
  return [...byReason].map(([reason, namespaces]) => ({ namespaces, reason }))
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** A short code for a failure, for the per-namespace line and the summary. */
export function failureCode(error: unknown): string {
  if (error instanceof ActionError) return error.code
  return error instanceof Error ? error.name : 'Error'
}

/** The error line of a step that failed outside any namespace; a bug of ours is said as such, without a stack trace. */
export function failureMessage(error: unknown): string {
  return error instanceof ActionError ? error.message : `Unexpected error (please report it): ${messageOf(error)}`
}

/**
 * The step outputs of a run that called SAE: `results` always; `secret-id` and `result` for a single
 * namespace that succeeded (no `secret-id` once its Secret is deleted: `results` still names the id it had).
 */
export function stepOutputs(outcomes: NamespaceOutcome[]): [name: string, value: string][] {
  const outputs: [string, string][] = [['results', resultsOutput(outcomes)]]
  const only = outcomes.length === 1 ? outcomes[0].outcome : undefined
  if (!only?.ok) return outputs
  const { secretId, result } = only.value
  if (secretId !== undefined && result !== 'deleted') outputs.push(['secret-id', String(secretId)])
  outputs.push(['result', result])
  return outputs
}

// What the step says in its log as a run goes, line by line: the notes, the registry checks' verdicts,
// each retry and each lost answer, each namespace's outcome, and the warnings that come with them.
// Pure: what happened in, lines out (runner/step-report.ts writes them, redacted).
import type { CheckVerdicts } from '../registry/checks.js'
import { describeApps } from '../sae/errors.js'
import type { NamespaceOutcome, Provisioned } from '../sae/provision.js'
import { ApiError } from '../sae/sdk/api-errors.js'
import type { NamespacePlan, SecretPlan } from '../secret/plan.js'
import { failureCode, messageOf } from './results.js'

/** One line of the log: plain, or a warning the runner shows as an annotation. */
export interface LogLine {
  level: 'info' | 'warning'
  text: string
}

const info = (text: string): LogLine => ({ level: 'info', text })
const warning = (text: string): LogLine => ({ level: 'warning', text })

/** What the run will do that a user looking for its outputs should know. */
export function plannedLines(plans: NamespacePlan[]): LogLine[] {
  if (plans.length <= 1) return []
  return [
    info(
      `${plans.length} namespaces: secret-id and result are set only for one; ` +
        "read each namespace's SecretId from the results output"
    )
  ]
}

/** What the registry checks proved, and what they could not check; their refusals are the step's error line, not repeated here. */
export function checkLines(verdicts: CheckVerdicts): LogLine[] {
  return [...verdicts.passed.map(info), ...verdicts.warnings.map(warning)]
}

/** Who the SAE calls are signed as, when the workflow file does not say it: RRSA, the instance role, a chained role. */
export function signedInLine(identity: string): LogLine {
  return info(`Signed in as ${identity}`)
}

/** A call that failed and is sent again. */
export function retryLine(error: unknown, attempt: number, delayMs: number, maxAttempts: number): LogLine {
  const what = error instanceof ApiError ? error.brief : messageOf(error)
  const told =
    error instanceof ApiError && error.retryAfterMs !== undefined
      ? `; the answer says the limit resets in ${error.retryAfterMs} ms`
      : ''
  return info(`${what}${told}; retrying in ${delayMs} ms (attempt ${attempt + 1} of ${maxAttempts})`)
}

/** A write whose answer was lost, and what looking found. */
export function lostAnswerLine(
  namespaceId: string,
  error: ApiError,
  applied: boolean,
  attempt: number,
  maxAttempts: number
): LogLine {
  const looked = applied
    ? 'it was applied'
    : attempt < maxAttempts
      ? `it was not, sending it again (attempt ${attempt + 1} of ${maxAttempts})`
      : 'it was not'
  return info(`${namespaceId}: ${error.brief} may have hidden an applied write; looked: ${looked}`)
}

/** The line that says what a namespace got: kept as the record of a write, for a failure that comes after it. */
export function outcomeLine(plan: SecretPlan, provisioned: Provisioned): string {
  const id = provisioned.secretId === undefined ? '' : ` (SecretId ${provisioned.secretId})`
  return `${plan.namespaceId}: Secret '${plan.secretName}' ${provisioned.result}${id}`
}

/** Whether the result changed a Secret. */
export function wrote(provisioned: Provisioned): boolean {
  return ['created', 'updated', 'deleted'].includes(provisioned.result)
}

/** One line per namespace as soon as it is done, and what it means for the applications that use the Secret. */
export function provisionedLines(plan: SecretPlan, provisioned: Provisioned): LogLine[] {
  const lines = [info(outcomeLine(plan, provisioned))]
  const apps = provisioned.relatedApps
  if (apps.length === 0) return lines
  if (provisioned.result === 'updated') {
    lines.push(
      info(
        `${plan.namespaceId}: ${describeApps(apps)} use this Secret: their new instances pull with the new credentials; ` +
          'running instances keep the images they pulled until they are restarted or redeployed'
      )
    )
  }
  if (provisioned.result === 'deleted') {
    const id = provisioned.secretId === undefined ? '' : ` (SecretId ${provisioned.secretId})`
    lines.push(
      warning(
        `${plan.namespaceId}: Secret '${plan.secretName}'${id} was deleted although ${describeApps(apps)} use it (if-in-use: delete): ` +
          'their next instance start cannot pull images until they are given another Secret'
      )
    )
  }
  return lines
}

/** A warning for each Secret left in place under `skip` although it holds other credentials than computed. */
export function driftWarnings(plans: NamespacePlan[], outcomes: NamespaceOutcome[]): LogLine[] {
  return outcomes.flatMap(({ namespaceId, outcome }, index) =>
    outcome.ok && outcome.value.drifted
      ? [
          warning(
            `${namespaceId}: Secret '${plans[index].secretName}' (SecretId ${outcome.value.secretId}) holds other registry ` +
              'credentials than this step computed (a rotated password?); it was left as it is because if-exists is skip. ' +
              'Set if-exists: update to write the new ones'
          )
        ]
      : []
  )
}

/**
 * What the registry checks' refusal did to each namespace it decided, said after its error line:
 * one that needed no write (a Secret left or unchanged) and one whose write it stopped. A namespace
 * that failed for a reason of its own is named by the error line alone, as in any run.
 */
export function refusedLines(plans: SecretPlan[], outcomes: NamespaceOutcome[], refusal: Error): LogLine[] {
  const failed = `failed: ${failureCode(refusal)} (the error above)`
  return outcomes.flatMap(({ namespaceId, outcome }, index) => {
    const secret = `Secret '${plans[index].secretName}'`
    if (outcome.ok) {
      const id = outcome.value.secretId === undefined ? '' : ` (SecretId ${outcome.value.secretId})`
      return [info(`${namespaceId}: ${failed}; ${secret}${id} was left as it is`)]
    }
    return outcome.error === refusal ? [info(`${namespaceId}: ${failed}; ${secret} was not written`)] : []
  })
}

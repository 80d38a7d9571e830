// Everything the step tells the runner: masks, log lines, warnings, outputs, the job summary and
// the one `::error::` line. Every line goes through the run's redactor on its way out.
import * as core from '@actions/core'
import { SECRET_INPUTS } from '../inputs/table.js'
import type { Inputs } from '../inputs/parse-inputs.js'
import { ActionError, failureCode, RunnerEnvironmentError } from '../domain/errors.js'
import { ApiError } from '../sae/sdk/api-errors.js'
import { describeApps } from '../sae/errors.js'
import type { NamespaceOutcome, Provisioned } from '../sae/provision.js'
import type { NamespacePlan, SecretPlan } from '../secret/plan.js'
import { proxyCredentials } from '../network/proxy.js'
import type { CheckVerdicts } from '../registry/checks.js'
import { Redactor } from '../report/redaction.js'
import {
  failedBy,
  failureLine,
  messageOf,
  renderFailureSummary,
  renderSummary,
  resultsOutput,
  type RunLink,
  type SummaryRow
} from '../report/summary.js'
import { readRun, runLink } from './run-context.js'

export class StepReport {
  private readonly redactor = new Redactor()
  /** Set once the step's outcome is written: a check cut short by the end has nothing left to say. */
  private finished = false
  /** What this run wrote, one line a Secret, for a failure that comes after it. */
  private readonly written: string[] = []

  /** Registers a secret and each form it could take in a log (the runner masks only exact strings). */
  readonly mask = (value: string | undefined): void => {
    for (const form of this.redactor.register(value)) core.setSecret(form)
  }

  readonly redact = (text: string): string => this.redactor.redact(text)

  /** The secrets the step was given, as inputs and in the environment. */
  maskGiven(env: NodeJS.ProcessEnv): void {
    for (const name of SECRET_INPUTS) this.mask(core.getInput(name))
    this.mask(env.ALIBABA_CLOUD_ACCESS_KEY_SECRET)
    this.mask(env.ALIBABA_CLOUD_SECURITY_TOKEN)
    for (const secret of proxyCredentials(env)) this.mask(secret)
  }

  /** What the plans derive from the passwords: each registry's `auth` and each Secret's base64 docker config. */
  maskPlans(plans: NamespacePlan[]): void {
    for (const plan of plans) {
      for (const registry of plan.registries) {
        this.mask(registry.password)
        this.mask(plan.dockerConfig.auths[registry.domains[0]]?.auth)
      }
      this.mask(plan.encodedConfig)
    }
  }

  /** What the run will do that a user looking for its outputs should know. */
  planned(plans: NamespacePlan[]): void {
    if (plans.length > 1)
      this.info(
        `${plans.length} namespaces: secret-id and result are set only for one; read each namespace's SecretId from the results output`
      )
  }

  info(line: string): void {
    core.info(this.redact(line))
  }

  warn(lines: string[]): void {
    for (const line of lines) core.warning(this.redact(line))
  }

  /** What the registry checks proved and could not check; their refusals are the step's error line, not repeated here. */
  checks(verdicts: CheckVerdicts): CheckVerdicts {
    if (this.finished) return verdicts
    for (const line of verdicts.passed) this.info(line)
    this.warn(verdicts.warnings)
    return verdicts
  }

  retry(maxAttempts: number): (error: unknown, attempt: number, delayMs: number) => void {
    return (error, attempt, delayMs) => {
      const what = error instanceof ApiError ? error.brief : messageOf(error)
      const told =
        error instanceof ApiError && error.retryAfterMs !== undefined
          ? `; the answer says the limit resets in ${error.retryAfterMs} ms`
          : ''
      this.info(`${what}${told}; retrying in ${delayMs} ms (attempt ${attempt + 1} of ${maxAttempts})`)
    }
  }

  lostAnswer(namespaceId: string, maxAttempts: number): (error: ApiError, applied: boolean, attempt: number) => void {
    return (error, applied, attempt) =>
      this.info(
        `${namespaceId}: ${error.brief} may have hidden an applied write; looked: ` +
          (applied
            ? 'it was applied'
            : attempt < maxAttempts
              ? `it was not, sending it again (attempt ${attempt + 1} of ${maxAttempts})`
              : 'it was not')
      )
  }

  /** One line per namespace as soon as it is done, and what it means for the applications that use the Secret. */
  provisioned(plan: SecretPlan, provisioned: Provisioned): void {
    const id = provisioned.secretId === undefined ? '' : ` (SecretId ${provisioned.secretId})`
    const line = `${plan.namespaceId}: Secret '${plan.secretName}' ${provisioned.result}${id}`
    this.info(line)
    if (['created', 'updated', 'deleted'].includes(provisioned.result)) this.written.push(line)
    const apps = provisioned.relatedApps
    if (apps.length === 0) return
    if (provisioned.result === 'updated') {
      this.info(
        `${plan.namespaceId}: ${describeApps(apps)} use this Secret: their new instances pull with the new credentials; ` +
          'running instances keep the images they pulled until they are restarted or redeployed'
      )
    }
    if (provisioned.result === 'deleted') {
      this.warn([
        `${plan.namespaceId}: Secret '${plan.secretName}'${id} was deleted although ${describeApps(apps)} use it (if-in-use: delete): ` +
          'their next instance start cannot pull images until they are given another Secret'
      ])
    }
  }

  /** Step outputs, warnings and the job summary of a run that called SAE; then the error line, if anything failed. */
  async outcomes(plans: NamespacePlan[], provisioned: NamespaceOutcome[], refusal: Error | undefined): Promise<void> {
    // A refusal fails every namespace, even where nothing needed writing: the Secret would not pull.
    const outcomes = failedBy(provisioned, refusal)
    this.finished = true
    setOutput('results', resultsOutput(outcomes))
    outcomes.forEach(({ namespaceId, outcome }, index) => {
      if (outcome.ok && outcome.value.drifted) {
        this.warn([
          `${namespaceId}: Secret '${plans[index].secretName}' (SecretId ${outcome.value.secretId}) holds other registry credentials than this step computed ` +
            `(a rotated password?); it was left as it is because if-exists is skip. Set if-exists: update to write the new ones`
        ])
      }
    })
    const only = outcomes.length === 1 ? outcomes[0].outcome : undefined
    if (only?.ok) {
      // The Secret to pass on as ImagePullSecrets: none once it is deleted (results still names the id it had).
      if (only.value.secretId !== undefined && only.value.result !== 'deleted')
        setOutput('secret-id', String(only.value.secretId))
      setOutput('result', only.value.result)
    }
    const rows: SummaryRow[] = outcomes.map(({ namespaceId, outcome }, index) => ({
      namespaceId,
      secretName: plans[index].secretName,
      domains: plans[index].domains,
      secretId: outcome.ok ? outcome.value.secretId : undefined,
      relatedApps: outcome.ok ? outcome.value.relatedApps : undefined,
      result: outcome.ok
        ? outcome.value.result + (outcome.value.drifted ? ' (differs: see warning)' : '')
        : `failed: ${failureCode(outcome.error)}`
    }))
    await this.summary((link) => renderSummary(rows, link, false))
    const failure = failureLine(outcomes)
    if (failure) core.setFailed(this.redact(failure))
  }

  /**
   * What a dry run would do, in the log and the summary: every input that changes what a real run
   * writes (which Secret, where, its data, whether it is written) shows in its plan, no secret does.
   * `results` is `{}` as nothing was provisioned.
   */
  async dryRun(inputs: Inputs, plans: NamespacePlan[], verdicts: CheckVerdicts): Promise<void> {
    this.finished = true
    const credentials =
      inputs.credentials.kind === 'keys'
        ? `access key ${inputs.credentials.accessKeyId} from ${inputs.credentials.origin}${inputs.credentials.securityToken ? ' with an STS token' : ''}`
        : inputs.credentials.kind === 'oidc'
          ? `GitHub OIDC, role ${inputs.credentials.roleArn}`
          : 'none found (a real run would fail)'
    const checked =
      verdicts.passed.length + verdicts.warnings.length > 0 || verdicts.error
        ? ' (the registry checks above were made)'
        : ''
    this.info(
      `Dry run: no SAE API is called${checked}. Credentials: ${credentials}; if-exists: ${inputs.ifExists}${inputs.state === 'absent' ? `; if-in-use: ${inputs.ifInUse}` : ''}.`
    )
    const ifExists = {
      skip: 'if it exists, leave it as it is (if-exists: skip)',
      update: 'if it exists, write this data where it differs (if-exists: update)',
      fail: 'if it exists, change nothing and fail (if-exists: fail)'
    }[inputs.ifExists]
    // What a real run waits for before it writes: the registry checks this dry run has just made.
    const gates = [
      ...(inputs.verifyLogin ? ['no registry refuses its login'] : []),
      ...(inputs.images.length > 0 ? [`it pulls ${inputs.images.map((image) => image.text).join(', ')}`] : [])
    ]
    const gate =
      gates.length > 0
        ? `written only if ${gates.join(' and ')}`
        : 'no registry check first (verify-login: false, no images)'
    const would = plans.map((plan) => {
      const via = `via ${plan.endpoint.protocol}://${plan.endpoint.host}`
      if (plan.state === 'absent') {
        const inUse =
          inputs.ifInUse === 'fail'
            ? 'no application uses it (if-in-use: fail)'
            : 'even if applications use it (if-in-use: delete)'
        return `Would delete Secret '${plan.secretName}' (${plan.secretType}) from ${plan.namespaceId} ${via}, if it is there and ${inUse}`
      }
      const users = plan.registries
        .map((registry) => `'${registry.username}' for ${registry.domains.join(', ')}`)
        .join('; ')
      return `Would ensure Secret '${plan.secretName}' (${plan.secretType}) in ${plan.namespaceId} ${via}, auths for ${plan.domains.join(', ')} as user ${users} (passwords redacted); ${ifExists}; ${gate}`
    })
    for (const line of would) this.info(line)
    setOutput('results', '{}')
    const result = verdicts.error
      ? `failed: ${verdicts.error.code}`
      : inputs.state === 'absent'
        ? 'planned: delete'
        : 'planned'
    const rows = plans.map((plan) => ({
      namespaceId: plan.namespaceId,
      secretName: plan.secretName,
      domains: plan.domains,
      result
    }))
    await this.summary((link) => renderSummary(rows, link, true, [`Credentials: ${credentials}`, ...would]))
    if (verdicts.error) core.setFailed(this.redact(verdicts.error.message))
  }

  /** One `::error::` line and a summary saying what failed, whatever else fails on the way (an output file that cannot be written, say). */
  async failure(error: unknown): Promise<void> {
    this.finished = true
    // A bug of ours is said as such, without a stack trace.
    let line = error instanceof ActionError ? error.message : `Unexpected error (please report it): ${messageOf(error)}`
    try {
      // `results` is promised on every run; nothing was provisioned.
      setOutput('results', '{}')
    } catch (outputError) {
      if (!(error instanceof RunnerEnvironmentError)) line += `; ${messageOf(outputError)}`
    }
    const message = this.redact(line)
    await this.summary((link) => renderFailureSummary(message, link, this.written))
    try {
      core.setFailed(message)
    } catch {
      // Not even the log takes a line: the exit code still says the step failed.
      process.exitCode = 1
    }
  }

  /** Appends to the job summary, when the runner offers one; reading the run (for its link) is left until here, after the outputs. */
  private async summary(render: (link: RunLink) => string): Promise<void> {
    if (!process.env.GITHUB_STEP_SUMMARY) return
    try {
      await core.summary.addRaw(this.redact(render(runLink(await readRun())))).write()
    } catch (error) {
      core.warning(this.redact(`Could not write the job summary: ${messageOf(error)}`))
    }
  }
}

/** Sets a step output; a runner that cannot take it (GITHUB_OUTPUT missing or unwritable) is said to be the cause. */
export function setOutput(name: string, value: string): void {
  try {
    core.setOutput(name, value)
  } catch (error) {
    throw new RunnerEnvironmentError(
      `Could not set the step output ${name}: ${messageOf(error)} (GITHUB_OUTPUT must name a writable file)`
    )
  }
}

// The step's one way out to the runner: masks, log lines, warnings, outputs, the job summary and
// the one `::error::` line. What is said is report/'s (pure); this writes it, every line through
// `write`: redacted, and made inert (report/inert.ts), so that no text from outside can be read by
// the runner as a command, whichever call site it comes from. Masks alone go out as they are.
import * as core from '@actions/core'
import { RunnerEnvironmentError } from '../domain/errors.js'
import type { Inputs } from '../inputs/parse-inputs.js'
import { SECRET_INPUTS } from '../inputs/table.js'
import { proxyCredentials } from '../network/proxy.js'
import type { CheckVerdicts } from '../registry/checks.js'
import { dryRunReport, type DryRunSae } from '../report/dry-run.js'
import {
  checkLines,
  driftWarnings,
  lostAnswerLine,
  outcomeLine,
  plannedLines,
  provisionedLines,
  refusedLines,
  retryLine,
  signedInLine,
  wrote,
  type LogLine
} from '../report/lines.js'
import { inert } from '../report/inert.js'
import { Redactor } from '../report/redaction.js'
import { failedBy, failureLine, failureMessage, failureReasons, messageOf, stepOutputs } from '../report/results.js'
import { renderFailureSummary, renderSummary, summaryRows, type RunLink } from '../report/summary.js'
import type { NamespaceOutcome, Provisioned } from '../sae/provision.js'
import type { ApiError } from '../sae/sdk/api-errors.js'
import type { NamespacePlan, SecretPlan } from '../secret/plan.js'
import { storedSecrets } from '../secret/stored-config.js'
import { readRun, runLink } from './run-context.js'

export class StepReport {
  private readonly redactor = new Redactor()
  /** Set once the step's outcome is written: a check cut short by the end has nothing left to say. */
  private finished = false
  /** What this run wrote, one line a Secret, for a failure that comes after it. */
  private readonly written: string[] = []
  /** Every warning of the run, as the log shows it, for the job summary. */
  private readonly warnings: string[] = []
  /** Each namespace's outcome line, waiting for the registry checks to say theirs (see provisioned). */
  private readonly pending: Promise<void>[] = []

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

  /** Every credential of a stored `.dockerconfigjson`, before anything else is done with it. */
  readonly maskStored = (storedBase64: string | undefined): void => storedSecrets(storedBase64).forEach(this.mask)

  /** Writes each line, redacted and inert. */
  say(lines: LogLine[]): void {
    for (const { level, text } of lines) this.write(level, text)
  }

  /**
   * The one place a line reaches the runner's log (info, warning, debug, the error line): without
   * any secret, then inert, so nothing in it is read as a command. Redacted again after: an escape
   * could spell a secret that holds a backslash.
   */
  private write(level: LogLine['level'] | 'debug' | 'error', text: string): void {
    const line = this.redact(inert(this.redact(text)))
    if (level === 'error') core.setFailed(line)
    else if (level === 'warning') {
      core.warning(line)
      this.warnings.push(line)
    } else if (level === 'debug') core.debug(line)
    else core.info(line)
  }

  planned(plans: NamespacePlan[], warnings: string[]): void {
    this.say([...plannedLines(plans), ...warnings.map((text) => ({ level: 'warning' as const, text }))])
  }

  /** What the registry checks proved and could not check, unless the step has ended. */
  readonly checks = (verdicts: CheckVerdicts): CheckVerdicts => {
    if (!this.finished) this.say(checkLines(verdicts))
    return verdicts
  }

  /** What the SAE and STS clients tell the log: each retry, debug lines, who signed in; and the redactor for their messages. */
  clientHooks(maxAttempts: number) {
    return {
      redact: this.redact,
      debug: (line: string) => this.write('debug', line),
      onRetry: (error: unknown, attempt: number, delayMs: number) =>
        this.say([retryLine(error, attempt, delayMs, maxAttempts)]),
      onSignedIn: (identity: string) => this.say([signedInLine(identity)])
    }
  }

  /** What a namespace's provisioning tells the report: each stored Secret (masked first), each lost answer. */
  provisionHooks(plan: SecretPlan, maxAttempts: number) {
    return {
      onStored: this.maskStored,
      onLostAnswer: (error: ApiError, applied: boolean, attempt: number) =>
        this.say([lostAnswerLine(plan.namespaceId, error, applied, attempt, maxAttempts)])
    }
  }

  /**
   * Hears each namespace as soon as it is provisioned. Its line is said once the registry checks
   * (`checks`, which say their verdict first) have said theirs: a Secret left or unchanged needs no
   * write, so the policy does not wait for them, and its line would come before what decides it.
   * With a refusal, the refusal decides every namespace: outcomes() says its error line, then what it
   * did to each.
   */
  provisioned(checks: Promise<CheckVerdicts>, dryRun = false) {
    return (plan: SecretPlan, provisioned: Provisioned): void => {
      // A dry run's namespaces are said by dryRun(), with what a real run would output and why.
      if (dryRun) return
      if (wrote(provisioned)) this.written.push(outcomeLine(plan, provisioned))
      const said = checks.then(
        ({ error }) => (error ? undefined : this.say(provisionedLines(plan, provisioned))),
        // The checks' own failure is the run's, and main's await of them reports it.
        () => undefined
      )
      this.pending.push(said)
    }
  }

  /**
   * Step outputs, warnings and the job summary of a run that called SAE; the error line, if anything
   * failed: after the namespaces' lines, or, when the registry checks refused, before them. A dry run
   * that read SAE ends as dryRun() says.
   */
  async outcomes(
    inputs: Inputs,
    plans: NamespacePlan[],
    provisioned: NamespaceOutcome[],
    verdicts: CheckVerdicts
  ): Promise<void> {
    if (inputs.dryRun) return this.dryRun(inputs, plans, verdicts, { outcomes: provisioned })
    const refusal = verdicts.error
    await Promise.all(this.pending)
    const outcomes = failedBy(provisioned, refusal)
    this.finished = true
    for (const [name, value] of stepOutputs(outcomes)) setOutput(name, value)
    const failure = failureLine(outcomes)
    if (refusal && failure) {
      this.write('error', failure)
      this.say(refusedLines(plans, provisioned, refusal))
    }
    this.say(driftWarnings(plans, outcomes))
    const rows = summaryRows(plans, outcomes)
    const summary = { mode: 'run' as const, rows, failures: failureReasons(outcomes), warnings: this.warnings }
    await this.summary((link) => renderSummary(summary, link))
    if (failure && !refusal) this.write('error', failure)
  }

  /**
   * What a dry run would do, in the log and the summary: its plan, then (having read SAE) each
   * namespace's result and why; the error a real run would end with, before those lines when the
   * registry checks refused (it decided them), else last. `results` is `{}` as nothing was provisioned.
   */
  async dryRun(inputs: Inputs, plans: NamespacePlan[], verdicts: CheckVerdicts, sae: DryRunSae): Promise<void> {
    this.finished = true
    const report = dryRunReport(inputs, plans, verdicts, sae)
    this.say(report.lines)
    if (report.failure && report.refused) this.write('error', report.failure)
    this.say(report.outcomes)
    setOutput('results', '{}')
    await this.summary((link) => renderSummary({ ...report.summary, warnings: this.warnings }, link))
    if (report.failure && !report.refused) this.write('error', report.failure)
  }

  /** One `::error::` line and a summary saying what failed, whatever else fails on the way (an output file that cannot be written, say). */
  async failure(error: unknown): Promise<void> {
    this.finished = true
    let line = failureMessage(error)
    try {
      // `results` is promised on every run; nothing was provisioned.
      setOutput('results', '{}')
    } catch (outputError) {
      if (!(error instanceof RunnerEnvironmentError)) line += `; ${messageOf(outputError)}`
    }
    const message = this.redact(line)
    await this.summary((link) => renderFailureSummary(message, link, this.written, this.warnings))
    try {
      this.write('error', message)
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
      this.write('warning', `Could not write the job summary: ${messageOf(error)}`)
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

// The step's outputs, its log lines about results, and the job summary.
import * as core from '@actions/core'
import { failureCode, RunnerEnvironmentError } from './errors.js'
import type { Inputs } from './inputs.js'
import type { NamespacePlan } from './plan.js'
import type { NamespaceOutcome } from './provision.js'
import type { LoginVerdict } from './registry-login.js'
import { messageOf, renderSummary, resultsOutput, runLink, type SummaryRow } from './report.js'

/** Sets a step output; a runner that cannot take it (GITHUB_OUTPUT missing or unwritable) is said to be the cause. */
export function setOutput(name: string, value: string): void {
  try {
    core.setOutput(name, value)
  } catch (error) {
    throw new RunnerEnvironmentError(`Could not set the step output ${name}: ${messageOf(error)} (GITHUB_OUTPUT must name a writable file)`)
  }
}

/** Step outputs and the job summary for a run that called SAE. */
export async function reportOutcomes(plans: NamespacePlan[], outcomes: NamespaceOutcome[], env: NodeJS.ProcessEnv): Promise<void> {
  setOutput('results', resultsOutput(outcomes))
  outcomes.forEach(({ namespaceId, outcome }, index) => {
    if (outcome.ok && outcome.value.drifted) {
      core.warning(
        `${namespaceId}: Secret '${plans[index].secretName}' (SecretId ${outcome.value.secretId}) holds other registry credentials than this step computed ` +
          `(a rotated password?); it was left as it is because if-exists is skip. Set if-exists: update to write the new ones`
      )
    }
  })
  const only = outcomes.length === 1 ? outcomes[0].outcome : undefined
  if (only?.ok) {
    // The Secret to pass on as ImagePullSecrets: none once it is deleted (results still names the id it had).
    if (only.value.secretId !== undefined && only.value.result !== 'deleted') setOutput('secret-id', String(only.value.secretId))
    setOutput('result', only.value.result)
  }
  const rows: SummaryRow[] = outcomes.map(({ namespaceId, outcome }, index) => ({
    namespaceId,
    secretName: plans[index].secretName,
    domains: plans[index].domains,
    secretId: outcome.ok ? outcome.value.secretId : undefined,
    result: outcome.ok ? outcome.value.result + (outcome.value.drifted ? ' (differs: see warning)' : '') : `failed: ${failureCode(outcome.error)}`
  }))
  await writeSummary(rows, env, false)
}

/** What a dry run would do, in the log and the summary; `results` is `{}` as nothing was provisioned. */
export async function reportDryRun(inputs: Inputs, plans: NamespacePlan[], env: NodeJS.ProcessEnv): Promise<void> {
  const credentials =
    inputs.credentials.kind === 'keys'
      ? `access key ${inputs.credentials.accessKeyId} from ${inputs.credentials.origin}${inputs.credentials.securityToken ? ' with an STS token' : ''}`
      : inputs.credentials.kind === 'oidc'
        ? `GitHub OIDC, role ${inputs.credentials.roleArn}`
        : 'none found (a real run would fail)'
  core.info(`Dry run: SAE will not be called. Credentials: ${credentials}; if-exists: ${inputs.ifExists}.`)
  for (const plan of plans) {
    const via = `via ${plan.endpoint.protocol}://${plan.endpoint.host}`
    if (plan.state === 'absent') {
      core.info(`Would delete Secret '${plan.secretName}' (${plan.secretType}) from ${plan.namespaceId} ${via}, if it is there`)
      continue
    }
    const users = plan.registries.map((registry) => `'${registry.username}' for ${registry.domains.join(', ')}`).join('; ')
    core.info(`Would ensure Secret '${plan.secretName}' (${plan.secretType}) in ${plan.namespaceId} ${via}, auths for ${plan.domains.join(', ')} as user ${users} (passwords redacted)`)
  }
  setOutput('results', '{}')
  const result = inputs.state === 'absent' ? 'planned: delete' : 'planned'
  await writeSummary(
    plans.map((plan) => ({ namespaceId: plan.namespaceId, secretName: plan.secretName, domains: plan.domains, result })),
    env,
    true
  )
}

/**
 * One line per registry domain checked: accepted (info), or not verified (a warning; it does not
 * stop the write). Refusals are the step's error line, not repeated here.
 */
export function reportLogins(verdicts: LoginVerdict[]): void {
  for (const verdict of verdicts) {
    if (verdict.outcome === 'accepted') core.info(`Registry login accepted by ${verdict.domain} (${verdict.how})`)
    if (verdict.outcome === 'unverified') {
      const vpc = /-vpc[.-]/.test(verdict.domain) ? ' (a VPC domain answers only inside its VPC: expected on a runner outside it)' : ''
      // The same words in a dry run and where nothing needed writing: what the check decides, not what happened.
      core.warning(`Could not verify the registry login for ${verdict.domain}: ${verdict.reason}${vpc}; not a refusal, so it does not stop the Secret being written`)
    }
  }
}

async function writeSummary(rows: SummaryRow[], env: NodeJS.ProcessEnv, dryRun: boolean): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) return
  try {
    await core.summary.addRaw(renderSummary(rows, runLink(env), dryRun)).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${messageOf(error)}`)
  }
}

import { failureCode } from './errors.js'
import type { Inputs } from './inputs.js'
import type { NamespacePlan } from './plan.js'
import type { NamespaceOutcome } from './provision.js'
import { messageOf, renderSummary, resultsOutput, type SummaryRow } from './report.js'
import * as core from './runner.js'

/** Step outputs and the job summary for a run that called SAE. */
export async function reportOutcomes(plans: NamespacePlan[], outcomes: NamespaceOutcome[], env: NodeJS.ProcessEnv): Promise<void> {
  core.setOutput('results', resultsOutput(outcomes))
  const only = outcomes.length === 1 ? outcomes[0].outcome : undefined
  if (only?.ok) {
    core.setOutput('secret-id', String(only.value.secretId))
    core.setOutput('result', only.value.result)
  }
  const rows: SummaryRow[] = outcomes.map(({ namespaceId, outcome }, index) => ({
    namespaceId,
    secretName: plans[index].secretName,
    domains: plans[index].domains,
    secretId: outcome.ok ? outcome.value.secretId : undefined,
    result: outcome.ok ? outcome.value.result : `failed: ${failureCode(outcome.error)}`
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
  core.info(`Dry run: nothing will be called. Credentials: ${credentials}; if-exists: ${inputs.ifExists}.`)
  for (const plan of plans) {
    core.info(
      `Would ensure Secret '${plan.secretName}' (${plan.secretType}) in ${plan.namespaceId} via ${plan.endpoint.protocol}://${plan.endpoint.host}, ` +
        `auths for ${plan.domains.join(', ')} as user '${inputs.username}' (password redacted)`
    )
  }
  core.setOutput('results', '{}')
  await writeSummary(
    plans.map((plan) => ({ namespaceId: plan.namespaceId, secretName: plan.secretName, domains: plan.domains, result: 'planned' })),
    env,
    true
  )
}

async function writeSummary(rows: SummaryRow[], env: NodeJS.ProcessEnv, dryRun: boolean): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) return
  try {
    // Only the context of @actions/github: its entry loads Octokit (300 KiB) that this action never calls.
    const { Context } = await import('../node_modules/@actions/github/lib/context.js')
    const context = new Context()
    const repository = env.GITHUB_REPOSITORY
    const runUrl = context.runId && repository ? `${context.serverUrl}/${repository}/actions/runs/${context.runId}` : undefined
    const markdown = renderSummary(rows, { repository, runUrl, workflow: context.workflow }, dryRun)
    await core.summary.addRaw(markdown).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${messageOf(error)}`)
  }
}

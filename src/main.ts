// One step, in order: inputs -> credentials -> docker config -> registry checks beside the SAE
// look-ups -> writes -> outputs and summary. Each line below is a call into the module that owns
// that part; only this module and outputs.ts speak to the runner.
import * as core from '@actions/core'
import { planSecretChecks } from './registry/check-plan.js'
import { clientSettings, userAgent } from './sae/clients.js'
import { signIn } from './sae/sign-in.js'
import { storedSecrets } from './secret/stored-config.js'
import { openConnections, type RunConnections } from './network/connections.js'
import { expiryWarnings } from './inputs/expiring-credentials.js'
import { parseExtraRegistries } from './inputs/extra-registries.js'
import { parseInputs } from './inputs/parse-inputs.js'
import { StepReport } from './runner/step-report.js'
import { planSecrets } from './secret/plan.js'
import { provisionAll } from './sae/provision.js'
import { checkStoredSecret, runChecks } from './registry/checks.js'
import { unknownRegionWarnings } from './domain/regions.js'
import { runOnStartup } from './runner/run-context.js'

/** Runs the step. Never throws: whatever fails, the step ends with exactly one `::error::` line, and nothing is left running. */
export async function run(): Promise<void> {
  const report = new StepReport()
  const stop = new AbortController()
  let connections: RunConnections | undefined
  try {
    report.maskGiven(process.env)
    const inputs = parseInputs((name) => core.getInput(name), process.env)
    const plans = planSecrets(inputs, await parseExtraRegistries(inputs.extraRegistries))
    report.maskPlans(plans)
    report.planned(plans)
    report.warn([
      ...expiryWarnings(plans[0].registries, Date.now()),
      ...unknownRegionWarnings(plans.map((plan) => plan.region))
    ])
    const checkPlans = planSecretChecks(plans, inputs.images, inputs.verifyLogin)

    connections = openConnections(process.env)
    const registryDeps = { agents: connections, mask: report.mask, signal: stop.signal }
    // The registry checks run beside the SAE look-ups; a write waits for their verdict.
    const checks = runChecks(checkPlans, registryDeps).then((verdicts) => report.checks(verdicts))
    if (inputs.dryRun) return await report.dryRun(inputs, plans, await checks)

    const settings = clientSettings(inputs, {
      userAgent: userAgent(runOnStartup(process.env)),
      redact: report.redact,
      connections,
      debug: (line) => core.debug(report.redact(line)),
      onRetry: report.retry(inputs.maxAttempts)
    })
    const clientFor = await signIn(inputs.credentials, inputs.stsEndpoint, {
      settings,
      mask: report.mask,
      getIdToken: (audience) => core.getIDToken(audience)
    })
    const outcomes = await provisionAll(
      plans,
      (plan) => clientFor(plan.endpoint),
      (plan) => ({
        attempts: inputs.maxAttempts,
        beforeWrite: async () => {
          const refusal = (await checks).error
          if (refusal) throw refusal
        },
        checkStored: async (storedBase64, secretId) => {
          const verdicts = report.checks(
            await checkStoredSecret({ ...plan, secretId, storedBase64 }, inputs, registryDeps)
          )
          if (verdicts.error) throw verdicts.error
        },
        onStored: (storedBase64) => storedSecrets(storedBase64).forEach(report.mask),
        onLostAnswer: report.lostAnswer(plan.namespaceId, inputs.maxAttempts)
      }),
      (plan, provisioned) => report.provisioned(plan, provisioned)
    )
    await report.outcomes(plans, outcomes, (await checks).error)
  } catch (error) {
    await report.failure(error)
  } finally {
    // Whatever is still in flight (a registry that never answered, a proxy holding a refused tunnel) ends with the step.
    stop.abort()
    connections?.close()
  }
}

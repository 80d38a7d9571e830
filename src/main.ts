// One step: inputs, plans, registry checks beside the SAE look-ups, sign-in, writes after the checks, outputs.
import * as core from '@actions/core'
import { hostsAhead } from './connect-ahead.js'
import { parseExtraRegistries } from './inputs/extra-registries.js'
import { parseInputs } from './inputs/parse-inputs.js'
import { openConnections, type RunConnections } from './network/connections.js'
import { planSecretChecks } from './registry/check-plan.js'
import { runChecks, writeGate, type WriteGate } from './registry/checks.js'
import { runOnStartup } from './runner/run-context.js'
import { StepReport } from './runner/step-report.js'
import { clientSettings, userAgent } from './sae/clients.js'
import { provisionAll, type ProvisionOptions } from './sae/provision.js'
import { dryRunClients } from './sae/read-only.js'
import { signIn } from './sae/sign-in.js'
import { planSecrets, planWarnings, type NamespacePlan } from './secret/plan.js'

/** Runs the step (`ahead`: index.ts's connections). Never throws: one `::error::` at most, nothing left running. */
export async function run(ahead?: RunConnections): Promise<void> {
  const report = new StepReport()
  const stop = new AbortController()
  let connections = ahead
  try {
    report.maskGiven(process.env)
    const inputs = parseInputs((name) => core.getInput(name), process.env)
    const plans = planSecrets(inputs, await parseExtraRegistries(inputs.extraRegistries))
    report.maskPlans(plans)
    report.planned(plans, planWarnings(plans, inputs.endpoint, Date.now()))
    const checkPlans = planSecretChecks(plans, inputs)
    connections ??= openConnections(process.env)
    void connections.preconnect(hostsAhead(inputs, plans, checkPlans))
    const registry = { agents: connections, proxies: connections.proxies, mask: report.mask, signal: stop.signal }
    // The registry checks run beside the SAE look-ups; a write waits for their verdict.
    const checks = runChecks(checkPlans, registry, inputs.ifUnverified).then(report.checks)
    const hooks = report.clientHooks(inputs.maxAttempts)
    const settings = clientSettings(inputs, { userAgent: userAgent(runOnStartup(process.env)), connections, ...hooks })
    const getIdToken = (audience: string) => core.getIDToken(audience)
    const signedIn = signIn(inputs.credentials, inputs.stsEndpoint, { settings, mask: report.mask, getIdToken })
    const sae = inputs.dryRun ? await dryRunClients(signedIn) : { clients: await signedIn }
    if ('offline' in sae) return await report.dryRun(inputs, plans, await checks, sae)
    const options = provisionOptions(inputs.maxAttempts, writeGate(checks, inputs, registry, report.checks), report)
    const heard = report.provisioned(checks, inputs.dryRun)
    const outcomes = await provisionAll(plans, (plan) => sae.clients(plan.endpoint), options, heard)
    await report.outcomes(inputs, plans, outcomes, await checks)
  } catch (error) {
    await report.failure(error)
  } finally {
    // Whatever is still in flight (a registry that never answered, a refused tunnel) ends with the step.
    stop.abort()
    connections?.close()
  }
}

/** How each namespace is provisioned: its writes wait for the gate, the report hears what it stores and loses. */
function provisionOptions(attempts: number, gate: WriteGate, report: StepReport) {
  return (plan: NamespacePlan): ProvisionOptions => ({
    attempts,
    ...gate(plan),
    ...report.provisionHooks(plan, attempts)
  })
}

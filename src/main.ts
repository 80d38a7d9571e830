// One step, in order: inputs -> credentials -> docker config -> SAE (and the registry login beside
// it) -> outputs and summary. Only this module and outputs.ts speak to the runner.
import * as core from '@actions/core'
import * as clients from './clients.js'
import { resolveCredentials } from './credentials.js'
import { basicAuth } from './docker-config.js'
import { ActionError, ApiError, CredentialsError, RunnerEnvironmentError } from './errors.js'
import { parseExtraRegistries } from './extra-registries.js'
import { parseInputs, type Inputs } from './inputs.js'
import { reportDryRun, reportLogins, reportOutcomes, setOutput } from './outputs.js'
import { planSecrets, type NamespacePlan } from './plan.js'
import { forEachNamespace, provisionSecret, type NamespaceOutcome } from './provision.js'
import { proxyAgents, proxyCredentials, routeSdkThrough, type ProxyAgents } from './proxy.js'
import { Redactor } from './redaction.js'
import { unknownRegionWarnings } from './regions.js'
import { verifyLogins, type LoginVerdict } from './registry-login.js'
import { failureLine, messageOf } from './report.js'
import { systemClock } from './retry.js'

const VERSION = '2.0.0'
/** Namespaces provisioned at once: ten environments in one round trip, still gentle on API throttling. */
const CONCURRENCY = 10

/**
 * Runs the step. Never throws: whatever fails, the step ends with exactly one `::error::` line.
 * It reads the runner's environment as @actions/core does, from process.env: nothing to inject.
 */
export async function run(): Promise<void> {
  const env = process.env
  const redactor = new Redactor()
  const mask = (value: string | undefined): void => {
    for (const form of redactor.register(value)) core.setSecret(form)
  }
  // A step that ends early (bad credentials, say) does not wait for registry logins still in flight.
  const stop = new AbortController()
  try {
    await step(env, redactor, mask, stop.signal)
  } catch (error) {
    fail(error, redactor)
  } finally {
    stop.abort()
  }
}

async function step(env: NodeJS.ProcessEnv, redactor: Redactor, mask: (value: string | undefined) => void, signal: AbortSignal): Promise<void> {
  // Mask raw secrets before anything, validation included, could print them.
  for (const name of ['password', 'access-key-secret', 'security-token']) mask(core.getInput(name))
  mask(env.ALIBABA_CLOUD_ACCESS_KEY_SECRET)
  mask(env.ALIBABA_CLOUD_SECURITY_TOKEN)
  for (const secret of proxyCredentials(env)) mask(secret)

  const inputs = parseInputs((name) => core.getInput(name), env)
  const extra = inputs.extraRegistries ? await parseExtraRegistries(inputs.extraRegistries) : []
  for (const registry of extra) mask(registry.password)
  const plans = planSecrets(inputs, extra)
  for (const plan of plans) {
    for (const registry of plan.registries) mask(basicAuth(registry.username, registry.password))
    mask(plan.encodedConfig)
  }
  for (const warning of unknownRegionWarnings(inputs.namespaces.map((namespace) => namespace.region))) core.warning(warning)
  if (plans.length > 1) {
    core.info(`${plans.length} namespaces: secret-id and result are set only for one; read each namespace's SecretId from the results output`)
  }
  const agents = proxyAgents(env)
  if (agents) routeSdkThrough(agents)

  // The login runs beside the SAE look-ups; a write waits for its verdict, said as soon as it is known.
  const logins =
    inputs.verifyLogin && inputs.state === 'present'
      ? verifyLogins(plans.flatMap((plan) => plan.registries), { agents, mask, signal }).then((verdicts) => {
          // After the step's end, a login cut short has nothing left to say.
          if (!signal.aborted) reportLogins(verdicts)
          return verdicts
        })
      : undefined

  if (inputs.dryRun) {
    await reportDryRun(inputs, plans, env)
    const refusal = refusalIn(await logins)
    if (refusal) core.setFailed(redactor.redact(refusal.message))
    return
  }
  const beforeWrite = async () => {
    const refusal = refusalIn(await logins)
    if (refusal) throw refusal
  }
  const outcomes = await provision(inputs, plans, { redactor, mask, env, agents, beforeWrite })
  await reportOutcomes(plans, outcomes, env)
  // A refused login fails the step even where nothing needed writing: the stored Secret would not pull either.
  const refusal = refusalIn(await logins)
  const failure = refusal && !blockedBy(outcomes, refusal) ? [refusal.message, failureLine(outcomes)].filter(Boolean).join(' | ') : failureLine(outcomes)
  if (failure) core.setFailed(redactor.redact(failure))
}

interface RunContext {
  redactor: Redactor
  mask: (value: string) => void
  env: NodeJS.ProcessEnv
  agents?: ProxyAgents
  beforeWrite: () => Promise<void>
}

async function provision(inputs: Inputs, plans: NamespacePlan[], { redactor, mask, env, agents, beforeWrite }: RunContext): Promise<NamespaceOutcome[]> {
  const clock = systemClock
  const settings = {
    userAgent: userAgent(env),
    redactor,
    agents,
    debug: (line: string) => core.debug(redactor.redact(line)),
    retry: {
      policy: { maxAttempts: inputs.maxAttempts, deadline: clock.now() + inputs.timeoutSeconds * 1000 },
      clock,
      onRetry: (error: unknown, attempt: number, delayMs: number) => {
        const what = error instanceof ApiError ? error.brief : messageOf(error)
        core.info(`${redactor.redact(what)}; retrying in ${delayMs} ms (attempt ${attempt + 1} of ${inputs.maxAttempts})`)
      }
    }
  }
  const key = await resolveCredentials(inputs.credentials, {
    mask,
    idTokenAvailable: () => Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN),
    getIdToken: (audience) =>
      core.getIDToken(audience).catch((error: unknown) => {
        throw new CredentialsError(`Could not get a GitHub ID token for audience ${audience}: ${messageOf(error)}`)
      }),
    assumeRole: (role, idToken) => clients.assumeRole(inputs.stsEndpoint, role, idToken, settings)
  })
  const clientFor = clients.saeClientFactory(key, settings)
  const byNamespace = new Map(plans.map((plan) => [plan.namespaceId, plan]))
  return forEachNamespace([...byNamespace.keys()], CONCURRENCY, async (namespaceId) => {
    const plan = byNamespace.get(namespaceId)!
    const provisioned = await provisionSecret(clientFor(plan.endpoint), plan, {
      attempts: inputs.maxAttempts,
      beforeWrite,
      onLostAnswer: (error, applied, attempt) =>
        core.info(
          `${namespaceId}: ${redactor.redact(error.brief)} may have hidden an applied write; looked: ` +
            (applied ? 'it was applied' : attempt < inputs.maxAttempts ? `it was not, sending it again (attempt ${attempt + 1} of ${inputs.maxAttempts})` : 'it was not')
        )
    })
    const id = provisioned.secretId === undefined ? '' : ` (SecretId ${provisioned.secretId})`
    core.info(`${namespaceId}: Secret '${plan.secretName}' ${provisioned.result}${id}`)
    return provisioned
  })
}

function refusalIn(verdicts: LoginVerdict[] | undefined) {
  return verdicts?.flatMap((verdict) => (verdict.outcome === 'refused' ? [verdict.error] : []))[0]
}

function blockedBy(outcomes: NamespaceOutcome[], refusal: Error): boolean {
  return outcomes.some(({ outcome }) => !outcome.ok && outcome.error === refusal)
}

/** Names the repository and run in every request, so the account's ActionTrail shows who called. */
export function userAgent(env: NodeJS.ProcessEnv): string {
  const where = env.GITHUB_REPOSITORY ? ` (${env.GITHUB_REPOSITORY}; run ${env.GITHUB_RUN_ID ?? '?'})` : ''
  return `sae-image-pull-secret/${VERSION}${where}`
}

/** One `::error::` line, whatever else fails on the way (an output file that cannot be written, say). */
function fail(error: unknown, redactor: Redactor): void {
  // A bug of ours is said as such, without a stack trace.
  let line = error instanceof ActionError ? error.message : `Unexpected error (please report it): ${messageOf(error)}`
  try {
    // `results` is promised on every run; nothing was provisioned.
    setOutput('results', '{}')
  } catch (outputError) {
    if (!(error instanceof RunnerEnvironmentError)) line += `; ${messageOf(outputError)}`
  }
  try {
    core.setFailed(redactor.redact(line))
  } catch {
    // Not even the log takes a line: the exit code still says the step failed.
    process.exitCode = 1
  }
}

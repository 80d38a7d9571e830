import * as clients from './clients.js'
import { resolveCredentials } from './credentials.js'
import { basicAuth } from './docker-config.js'
import { ApiError, CredentialsError, InputError } from './errors.js'
import { parseInputs, type Inputs } from './inputs.js'
import { planSecrets, type NamespacePlan } from './plan.js'
import { forEachNamespace, provisionSecret, type NamespaceOutcome } from './provision.js'
import { Redactor } from './redaction.js'
import { reportDryRun, reportOutcomes } from './outputs.js'
import { failureLine, messageOf } from './report.js'
import { systemClock, type RetryClock } from './retry.js'
import * as core from './runner.js'

const VERSION = '1.0.0'
/** Namespaces provisioned at once: ten environments in one round trip, still gentle on API throttling. */
const CONCURRENCY = 10

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  clock?: RetryClock
}

/** One step: inputs -> credentials -> docker config -> SAE -> outputs and summary. */
export async function run({ env = process.env, clock = systemClock }: RunOptions = {}): Promise<void> {
  const redactor = new Redactor()
  const mask = (value: string | undefined): void => {
    for (const form of redactor.register(value)) core.setSecret(form)
  }
  try {
    // Mask raw secrets before anything, validation included, could print them.
    for (const name of ['password', 'access-key-secret', 'security-token']) mask(core.getInput(name))
    mask(env.ALIBABA_CLOUD_ACCESS_KEY_SECRET)
    mask(env.ALIBABA_CLOUD_SECURITY_TOKEN)

    const inputs = parseInputs((name) => core.getInput(name), env)
    const plans = planSecrets(inputs)
    mask(basicAuth(inputs.username, inputs.password))
    for (const plan of plans) mask(plan.encodedConfig)

    if (inputs.dryRun) {
      await reportDryRun(inputs, plans, env)
      return
    }
    const outcomes = await provision(inputs, plans, redactor, mask, env, clock)
    await reportOutcomes(plans, outcomes, env)
    const failure = failureLine(outcomes)
    if (failure) core.setFailed(redactor.redact(failure))
  } catch (error) {
    // `results` is promised on every run; nothing was provisioned.
    core.setOutput('results', '{}')
    core.setFailed(redactor.redact(describeFailure(error)))
  }
}

async function provision(
  inputs: Inputs,
  plans: NamespacePlan[],
  redactor: Redactor,
  mask: (value: string) => void,
  env: NodeJS.ProcessEnv,
  clock: RetryClock
): Promise<NamespaceOutcome[]> {
  const settings = {
    userAgent: userAgent(env),
    redactor,
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
    const provisioned = await provisionSecret(clientFor(plan.endpoint), plan)
    core.info(`${namespaceId}: Secret '${plan.secretName}' ${provisioned.result} (SecretId ${provisioned.secretId})`)
    return provisioned
  })
}

/** Names the repository and run in every request, so the account's ActionTrail shows who called. */
export function userAgent(env: NodeJS.ProcessEnv): string {
  const where = env.GITHUB_REPOSITORY ? ` (${env.GITHUB_REPOSITORY}; run ${env.GITHUB_RUN_ID ?? '?'})` : ''
  return `sae-image-pull-secret/${VERSION}${where}`
}

function describeFailure(error: unknown): string {
  if (error instanceof InputError || error instanceof ApiError || error instanceof CredentialsError) return error.message
  // Anything else is a bug of ours: say so without a stack trace.
  return `Unexpected error (please report it): ${messageOf(error)}`
}

// The run's first handshakes, started before the rest of the bundle loads (index.ts): where the run
// will connect is known from its inputs alone. Only once every input check has passed, the very
// checks main.ts runs, in its order: a host named by an input that fails them is never connected
// to. Nothing is sent on these connections until main's requests take them; nothing is printed here.
import { setTimeout as sleep } from 'node:timers/promises'
import { parseInputs } from './inputs/parse-inputs.js'
import { openConnections, type RunConnections } from './network/connections.js'
import type { Inputs } from './inputs/parse-inputs.js'
import { hostsToPreconnect, planSecretChecks, type CheckPlan } from './registry/check-plan.js'
import { apiHostsToPreconnect } from './sae/endpoints.js'
import { planSecrets, type NamespacePlan } from './secret/plan.js'

/**
 * How long the rest of the bundle waits for the names to be looked up. Loading it holds the event loop,
 * and a connection is dialled only in a turn of the loop after its lookup: waiting lets the TCP and TLS
 * handshakes run while the bundle loads. A lookup slower than this goes on beside the loading.
 */
export const LOOKUP_WAIT_MS = 200

/** An input as the runner hands it to the step (`INPUT_<NAME>`), trimmed: as @actions/core's getInput reads it. */
export const runnerInput = (env: NodeJS.ProcessEnv) => (name: string) =>
  (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()

export interface Ahead {
  connections: RunConnections
  /** Settles when every connection opened ahead is dialled (or failed), or after LOOKUP_WAIT_MS. */
  dialled: Promise<void>
}

/** Every HTTPS host the run will call that can be connected to ahead: SAE's and STS's, and the registry checks'. */
export function hostsAhead(inputs: Inputs, plans: NamespacePlan[], checks: CheckPlan[]): string[] {
  return [...apiHostsToPreconnect(inputs, plans), ...hostsToPreconnect(checks)]
}

/** The run's connections with the first ones opening, or undefined when main.ts should decide (and say why). */
export function connectAhead(env: NodeJS.ProcessEnv, waitMs = LOOKUP_WAIT_MS): Ahead | undefined {
  let connections: RunConnections | undefined
  try {
    const inputs = parseInputs(runnerInput(env), env)
    // extra-registries' parser loads with the rest of the bundle, and its checks come first.
    if (inputs.extraRegistries) return undefined
    const plans = planSecrets(inputs)
    const hosts = hostsAhead(inputs, plans, planSecretChecks(plans, inputs))
    if (hosts.length === 0) return undefined
    connections = openConnections(env)
    const dialled = connections.preconnect(hosts)
    return { connections, dialled: Promise.race([dialled, sleep(waitMs, undefined, { ref: false })]) }
  } catch {
    // main.ts checks the same inputs again, and says what is wrong.
    connections?.close()
    return undefined
  }
}

// Runs the registry checks of a run (check-plan.ts says which), all at once and each once (an ACR
// domain that cannot be reached, then its twin), and turns their answers into what the step
// reports: lines for the log, warnings for what could not be checked, and one error that names
// every refusal. A refusal stops every write; a check that reached no verdict warns, or, with
// `if-unverified: fail`, stops every write too.
import { planStoredChecks, type CheckPlan, type LoginCheck, type PullCheck } from './check-plan.js'
import { decodeStoredConfig, storedConfigProblem } from '../secret/stored-config.js'
import { ActionError } from '../domain/errors.js'
import { describeOrigin, type CredentialOrigin, type ImageReference } from '../domain/model.js'
import type { IfUnverified, Network } from '../inputs/table.js'
import { checkPull, login, type LoginResult, type PullResult, type RefusedFor, type RegistryDeps } from './client.js'

export interface CheckVerdicts {
  /** What was proved, one line each, for the log. */
  passed: string[]
  /** What could not be checked: warnings, the write goes ahead. */
  warnings: string[]
  /** Every refusal of the run in one error, or undefined. */
  error?: RegistryCheckError
}

/** One thing a registry said no to. */
export type Refusal =
  | { kind: 'login'; host: string; domains: string[]; how: string; origin: CredentialOrigin }
  | {
      kind: 'pull'
      image: string
      repository: string
      host: string
      how: string
      why: RefusedFor
      origin: CredentialOrigin
    }
  | { kind: 'missing'; image: string; host: string; how: string }
  | { kind: 'unmatched'; image: string; keys: string[] }
  /** With `if-unverified: fail`: a check that reached no verdict (the login of `what`, or the image `what`). */
  | { kind: 'unverified'; check: 'login' | 'image'; what: string; reason: string }

const ACR_HINT = '(for ACR: the registry password set in the ACR console, not the Alibaba Cloud account password)'
const LOGIN_NOTHING_WRITTEN =
  'Nothing was written; set verify-login: false only if the registry is right to refuse this runner'

/** The registries said no (or, with `if-unverified: fail`, did not say): the Secret is not known to pull. Its message names every one. */
export class RegistryCheckError extends ActionError {
  readonly code: 'RegistryLoginRefused' | 'ImageNotPullable' | 'RegistryUnverified'
  constructor(
    readonly refusals: Refusal[],
    /** What the refusals mean for the step, said after them: the default is the check before a write. */
    ending?: string
  ) {
    super(describeRefusals(refusals, ending))
    this.name = 'RegistryCheckError'
    const said = refusals.filter((refusal) => refusal.kind !== 'unverified')
    this.code =
      said.length === 0
        ? 'RegistryUnverified'
        : said.every((refusal) => refusal.kind === 'login')
          ? 'RegistryLoginRefused'
          : 'ImageNotPullable'
  }
}

const UNVERIFIED_ENDING =
  'Nothing was written (if-unverified: fail); make the registry reachable from this runner, or set if-unverified: warn to write without a verdict'

function describeRefusals(refusals: Refusal[], ending: string | undefined): string {
  const logins = refusals.filter((refusal) => refusal.kind === 'login')
  if (logins.length === refusals.length && ending === undefined) {
    // The words of Release 2, which workflows and tests may match.
    const [first] = logins
    return logins.length === 1
      ? `Registry ${first.host} refused the username and password (${first.how}): a Secret holding them could not pull images. ` +
          `Check ${describeOrigin(first.origin)} ${ACR_HINT}. ${LOGIN_NOTHING_WRITTEN}`
      : `${logins.length} registries refused the username and password: ` +
          logins.map((refusal) => `${refusal.host} (${describeOrigin(refusal.origin)}: ${refusal.how})`).join(', ') +
          `: a Secret holding them could not pull images. Check each ${ACR_HINT}. ${LOGIN_NOTHING_WRITTEN}`
  }
  const items = refusals.map(describeRefusal)
  const what =
    refusals.length === 1
      ? items[0].charAt(0).toUpperCase() + items[0].slice(1)
      : `${refusals.length} registry checks failed: ${items.join('; ')}`
  const unverifiedOnly = refusals.every((refusal) => refusal.kind === 'unverified')
  return `${what}. ${ending ?? (unverifiedOnly ? UNVERIFIED_ENDING : 'Nothing was written')}`
}

function describeRefusal(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'login':
      return `registry ${refusal.host} refused ${describeOrigin(refusal.origin)} (${refusal.how}) ${ACR_HINT}`
    case 'pull':
      return refusal.why === 'credentials'
        ? `image ${refusal.image} cannot be pulled with ${describeOrigin(refusal.origin)}: ${refusal.host} refused them (${refusal.how}) ${ACR_HINT}`
        : `image ${refusal.image} cannot be pulled with ${describeOrigin(refusal.origin)}: ${refusal.host} answered ${refusal.how}; ` +
            `they may log in, but lack the right to pull ${refusal.repository} (grant it, or use credentials that have it)`
    case 'missing':
      return `image ${refusal.image} does not exist at ${refusal.host} (${refusal.how}): a tag not pushed yet? Push it before this step, or correct images`
    case 'unmatched':
      return `image ${refusal.image} matches no entry of the Secret (${refusal.keys.join(', ') || 'none'}), so kubelet would pull it without credentials`
    case 'unverified':
      return refusal.check === 'login'
        ? `the registry login for ${refusal.what} reached no verdict (if-unverified: fail): ${refusal.reason}`
        : `image ${refusal.what} could not be checked (if-unverified: fail): ${refusal.reason}`
  }
}

/**
 * Runs every login and pull of `plans` at once, each distinct one once (several namespaces share
 * them). A check that reached no verdict is a warning, or with `if-unverified: fail` a refusal.
 */
export async function runChecks(
  plans: CheckPlan[],
  deps: RegistryDeps,
  ifUnverified: IfUnverified = 'warn'
): Promise<CheckVerdicts> {
  const logins = unique(
    plans.flatMap((plan) => plan.logins),
    (check) => [check.host, check.credential.username, check.credential.password]
  )
  const pulls = unique(
    plans.flatMap((plan) => plan.pulls),
    (check) => [
      check.host,
      check.image.repository,
      check.image.reference,
      check.credential.username,
      check.credential.password
    ]
  )
  const [loginResults, pullResults] = await Promise.all([
    Promise.all(logins.map((check) => withFallback(check, (host) => login(host, check.credential, deps)))),
    Promise.all(
      pulls.map((check) => withFallback(check, (host) => checkPull(host, check.image, check.credential, deps)))
    )
  ])
  const verdicts: CheckVerdicts = { passed: [], warnings: [] }
  const refusals: Refusal[] = []
  const unverified = (refusal: Extract<Refusal, { kind: 'unverified' }>, warning: string) =>
    ifUnverified === 'fail' ? refusals.push(refusal) : verdicts.warnings.push(warning)
  logins.forEach((check, index) => judgeLogin(check, loginResults[index], verdicts, refusals, unverified))
  pulls.forEach((check, index) => judgePull(check, pullResults[index], verdicts, refusals, unverified))
  for (const plan of plans)
    for (const image of plan.unmatched) refusals.push({ kind: 'unmatched', image: image.text, keys: plan.keys })
  if (refusals.length > 0) verdicts.error = new RegistryCheckError(refusals)
  return verdicts
}

/**
 * What a check found, and at which host: the first one's answer, or its twin's when the first could
 * not be reached (`skipped` says why); `twins` when neither could be, both reasons in `reason`.
 */
type Attempted<R> = R & { host: string; skipped?: { host: string; reason: string }; twins?: string }

/** Asks `check.host`; when it cannot be reached and the check has an ACR twin to fall back on, asks the twin. */
async function withFallback<R extends LoginResult | PullResult>(
  check: { host: string; fallback?: string },
  ask: (host: string) => Promise<R>
): Promise<Attempted<R>> {
  const first = await ask(check.host)
  if (first.outcome !== 'unverified' || !first.unreachable || !check.fallback) return { ...first, host: check.host }
  const second = await ask(check.fallback)
  const skipped = { host: check.host, reason: first.reason }
  if (second.outcome !== 'unverified') return { ...second, host: check.fallback, skipped }
  // Neither twin answered: both reasons, for the warning or the error.
  const reason = `at ${check.host}: ${first.reason}; at its twin ${check.fallback}: ${second.reason}`
  const twins = `${check.host} or its twin ${check.fallback}`
  return { ...second, reason, host: check.host, twins } as unknown as Attempted<R>
}

/** `, after <host> could not be reached (<why>)`: the log says which twin answered. */
function after(result: { skipped?: { host: string; reason: string } }): string {
  return result.skipped ? `, after ${result.skipped.host} could not be reached (${result.skipped.reason})` : ''
}

type Unanswered = (refusal: Extract<Refusal, { kind: 'unverified' }>, warning: string) => void

function judgeLogin(
  check: LoginCheck,
  result: Attempted<LoginResult>,
  verdicts: CheckVerdicts,
  refusals: Refusal[],
  unverified: Unanswered
): void {
  const host = result.host
  const standsFor =
    check.domains.length > 1 || check.domains[0] !== host ? ` (it stands for ${check.domains.join(' and ')})` : ''
  if (result.outcome === 'accepted')
    verdicts.passed.push(`Registry login accepted by ${host} (${result.how})${standsFor}${after(result)}`)
  if (result.outcome === 'refused')
    refusals.push({ kind: 'login', host, domains: check.domains, how: result.how, origin: check.credential.origin })
  if (result.outcome === 'unverified') {
    const domains = check.domains.join(', ')
    const reason = result.reason
    // The same words in a dry run and where nothing needed writing: what the check decides, not what happened.
    unverified(
      { kind: 'unverified', check: 'login', what: domains, reason },
      `Could not verify the registry login for ${domains}: ${reason}; not a refusal, so it does not stop the Secret being written`
    )
  }
}

function judgePull(
  check: PullCheck,
  result: Attempted<PullResult>,
  verdicts: CheckVerdicts,
  refusals: Refusal[],
  unverified: Unanswered
): void {
  const image = check.image.text
  const host = result.host
  const via = host === check.key ? '' : ` (checked at ${host}, which answers for ${check.key}${after(result)})`
  if (result.outcome === 'pullable')
    verdicts.passed.push(
      `Image ${image} can be pulled with ${describeOrigin(check.credential.origin)}${via}: ${result.how}`
    )
  if (result.outcome === 'refused') {
    refusals.push({
      kind: 'pull',
      image,
      repository: check.image.repository,
      host,
      how: result.how,
      why: result.why,
      origin: check.credential.origin
    })
  }
  if (result.outcome === 'missing') refusals.push({ kind: 'missing', image, host, how: result.how })
  if (result.outcome === 'unverified') {
    unverified(
      {
        kind: 'unverified',
        check: 'image',
        what: image,
        reason: result.twins ? result.reason : `at ${host}: ${result.reason}`
      },
      `Could not check image ${image} at ${result.twins ?? host}${result.twins ? '' : via}: ${result.reason}; not a refusal, so it does not stop the Secret being written`
    )
  }
}

function unique<T>(items: T[], identity: (item: T) => unknown[]): T[] {
  const seen = new Set<string>()
  return items.filter((item) => {
    const id = JSON.stringify(identity(item))
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
}

/** What the run asks of the registry checks: which images, whether to log in, where from, and what no verdict does. */
export interface CheckWanted {
  images: ImageReference[]
  verifyLogin: boolean
  network: Network
  ifUnverified: IfUnverified
}

export interface StoredSecret {
  namespaceId: string
  secretName: string
  /** The `auths` keys of the Secret this step computed: the registries its stored credentials may be tried at. */
  domains: string[]
  secretId: number
  /** The `.dockerconfigjson` value as DescribeSecret returned it (base64). */
  storedBase64: string | undefined
}

/**
 * Under `if-exists: skip` with drift, the Secret the deploy will use is the stored one: its
 * credentials must still log in and pull the images. They are masked already: provision's
 * `onStored` masks every `.dockerconfigjson` as DescribeSecret returns it, before this runs.
 * Logins go only to the registries the computed Secret or the images name (planStoredChecks).
 * A stored value that is not a readable docker config, or one too large to be read, is a warning,
 * not a refusal.
 */
export async function checkStoredSecret(
  stored: StoredSecret,
  wanted: CheckWanted,
  deps: RegistryDeps
): Promise<CheckVerdicts> {
  const where = `Secret '${stored.secretName}' (SecretId ${stored.secretId}) in ${stored.namespaceId}`
  const config = decodeStoredConfig(stored.storedBase64)
  if (!config) {
    return {
      passed: [],
      warnings: [
        `${where} holds ${storedConfigProblem(stored.storedBase64)}, so what it can pull could not be checked; set if-exists: update to replace it`
      ]
    }
  }
  const named = { keys: stored.domains, images: wanted.images }
  const plan = planStoredChecks(config, stored, named, wanted.verifyLogin, wanted.network)
  const verdicts = await runChecks([plan], deps, wanted.ifUnverified)
  if (!verdicts.error) return verdicts
  const ending =
    `${where} was left as it is (if-exists: skip), so the deploy would pull with it, and it would fail. ` +
    'Set if-exists: update to write the new credentials. Nothing was written'
  return { ...verdicts, error: new RegistryCheckError(verdicts.error.refusals, ending) }
}

/** What a namespace's writes wait for: see writeGate. */
export type WriteGate = (secret: { namespaceId: string; secretName: string; domains: string[] }) => {
  beforeWrite(): Promise<void>
  checkStored(storedBase64: string | undefined, secretId: number): Promise<void>
}

/**
 * What a write waits for: the run's registry checks, whose refusal stops every write; and, under
 * `if-exists: skip` with drift, a check of the Secret left in place, whose refusal stops its
 * namespace. `heard` is told of the stored Secret's verdicts (and passes them on).
 */
export function writeGate(
  checks: Promise<CheckVerdicts>,
  wanted: CheckWanted,
  deps: RegistryDeps,
  heard: (verdicts: CheckVerdicts) => CheckVerdicts
): WriteGate {
  return (secret) => ({
    async beforeWrite() {
      const refusal = (await checks).error
      if (refusal) throw refusal
    },
    async checkStored(storedBase64, secretId) {
      const verdicts = heard(await checkStoredSecret({ ...secret, secretId, storedBase64 }, wanted, deps))
      if (verdicts.error) throw verdicts.error
    }
  })
}

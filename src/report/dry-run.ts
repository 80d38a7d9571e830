// What a dry run says: what a real run would do in each namespace, and why (which Secret, where,
// its data, whether and when it is written; with credentials, what SAE holds there now and so the
// result a real run would output), never a secret. Pure: the inputs, the plans, the registry checks'
// verdicts and what the policy decided on SAE's answers in; the log lines, the summary and the error out.
import type { BaseSource, CredentialSource } from '../domain/model.js'
import type { Inputs } from '../inputs/parse-inputs.js'
import type { CheckVerdicts } from '../registry/checks.js'
import { describeApps } from '../sae/errors.js'
import type { NamespaceOutcome, Provisioned } from '../sae/provision.js'
import type { NamespacePlan } from '../secret/plan.js'
import type { LogLine } from './lines.js'
import { failedBy, failureCode, failureLine, failureReasons } from './results.js'
import { summaryRows, type Summary } from './summary.js'

/** What the dry run learnt of SAE. */
export type DryRunSae =
  /** Signed in as a real run signs in: what the policy decided in each namespace on SAE's answers to its look-ups. */
  | { outcomes: NamespaceOutcome[] }
  /** No source offered credentials: the plan is offline; the error names each source tried and what to set. */
  | { offline: Error }

export interface DryRunReport {
  /** The dry run's first lines: how it ran, and the plan of each namespace. */
  lines: LogLine[]
  /** Each namespace's result, as a real run would output it, and why; said after the error line when the registry checks refused. */
  outcomes: LogLine[]
  summary: Summary
  /** The error a real run would end with (the registry checks' refusal, a missing namespace, a RAM refusal...). */
  failure?: string
  /** The registry checks refused: their error decided every namespace, so it is said before their lines. */
  refused: boolean
}

const IF_EXISTS = {
  skip: 'if it exists, leave it as it is (if-exists: skip)',
  update: 'if it exists, write this data where it differs (if-exists: update)',
  fail: 'if it exists, change nothing and fail (if-exists: fail)'
} as const

/** `results` is `{}` as nothing was provisioned; a row per namespace says what a real run would get. */
export function dryRunReport(
  inputs: Inputs,
  plans: NamespacePlan[],
  verdicts: CheckVerdicts,
  sae: DryRunSae
): DryRunReport {
  const checked =
    verdicts.passed.length + verdicts.warnings.length > 0 || verdicts.error
      ? ' (the registry checks above were made)'
      : ''
  const inUse = inputs.state === 'absent' ? `; if-in-use: ${inputs.ifInUse}` : ''
  const would = plans.map((plan) => wouldDo(inputs, plan))
  if ('offline' in sae) {
    const result = verdicts.error
      ? `failed: ${verdicts.error.code}`
      : inputs.state === 'absent'
        ? 'planned: delete'
        : 'planned'
    const rows = plans.map(({ namespaceId, secretName, domains }) => ({ namespaceId, secretName, domains, result }))
    const namespaces = plans.map((plan) => plan.namespaceId)
    return {
      lines: [
        { level: 'warning', text: offlineWarning(sae.offline) },
        ...[
          `Dry run, offline: no SAE API is called${checked}. Credentials: none found; if-exists: ${inputs.ifExists}${inUse}.`,
          ...would
        ].map(info)
      ],
      outcomes: [],
      summary: {
        mode: 'offline-dry-run',
        rows,
        failures: verdicts.error ? [{ namespaces, reason: verdicts.error.message }] : [],
        plan: ['Credentials: none found', ...would]
      },
      failure: verdicts.error?.message,
      refused: false
    }
  }
  const outcomes = failedBy(sae.outcomes, verdicts.error)
  const credentials = describeCredentials(inputs.credentials)
  const refused = verdicts.error !== undefined
  const where = refused ? 'above' : 'below'
  const results = outcomes.map(({ namespaceId, outcome }, index) =>
    outcome.ok
      ? wouldGet(plans[index], outcome.value)
      : `${namespaceId}: would fail: ${failureCode(outcome.error)} (the error ${where})`
  )
  return {
    lines: [
      `Dry run: SAE is read (ListSecrets, DescribeSecret), never written${checked}. ` +
        `Credentials: ${credentials}; if-exists: ${inputs.ifExists}${inUse}.`,
      ...would
    ].map(info),
    outcomes: results.map(info),
    summary: {
      mode: 'dry-run',
      rows: summaryRows(plans, outcomes).map((row, index) => {
        const { outcome } = outcomes[index]
        if (!outcome.ok) return row
        return {
          ...row,
          result: `would be ${outcome.value.result}${outcome.value.drifted ? ' (differs: see the plan)' : ''}`
        }
      }),
      failures: failureReasons(outcomes),
      plan: [`Credentials: ${credentials}`, ...would, ...results]
    },
    failure: failureLine(outcomes),
    refused
  }
}

const info = (text: string): LogLine => ({ level: 'info', text })

/** What a dry run without credentials cannot tell, and what to set: the "no credentials" error names every source. */
function offlineWarning(noCredentials: Error): string {
  return (
    'This dry run planned offline: without credentials it read nothing of SAE, so it cannot say what a real run ' +
    'would do in each namespace, and a real run would fail. Given the credentials a real run uses, a dry run reads ' +
    `each namespace (ListSecrets, DescribeSecret) and writes nothing. ${noCredentials.message}`
  )
}

/** One namespace's result as a real run would output it, and why (what SAE holds there now). */
function wouldGet(plan: NamespacePlan, provisioned: Provisioned): string {
  const id = provisioned.secretId === undefined ? '' : ` (SecretId ${provisioned.secretId})`
  return `${plan.namespaceId}: Secret '${plan.secretName}' would be ${provisioned.result}${id}: ${why(provisioned)}`
}

function why({ result, relatedApps, drifted }: Provisioned): string {
  switch (result) {
    case 'created':
      return 'ListSecrets lists no Secret of that name in the namespace'
    case 'updated':
      return 'it holds other data than this step computes (DescribeSecret), and if-exists is update'
    case 'unchanged':
      return 'it holds exactly the data this step computes (DescribeSecret)'
    case 'skipped':
      return drifted
        ? 'it is there, and holds other registry credentials than this step computes (a rotated password?); ' +
            'if-exists is skip, so a real run leaves it as it is, with a warning; set if-exists: update to write the new ones'
        : 'it is there, and holds exactly the data this step computes (if-exists: skip)'
    case 'deleted':
      return relatedApps.length === 0
        ? "it is there, and no application uses it (ListSecrets' RelateApps)"
        : `it is there, and ${describeApps(relatedApps)} use it; if-in-use is delete, so their next instance start could not pull images`
    case 'absent':
      return 'ListSecrets lists no Secret of that name in the namespace: there is nothing to delete'
  }
}

/** Who the SAE calls were signed as (the line `Signed in as …` above names a role the inputs do not). */
function describeCredentials(credentials: CredentialSource): string {
  if (credentials.kind === 'oidc') return `GitHub OIDC, role ${credentials.roleArn}`
  if (credentials.kind === 'chained') {
    return `role ${credentials.roleArn} assumed with STS AssumeRole (role chaining), signed with ${describeBase(credentials.base)}`
  }
  return describeBase(credentials)
}

function describeBase(source: BaseSource): string {
  switch (source.kind) {
    case 'keys':
      return `access key ${source.accessKeyId} from ${source.origin}${source.securityToken ? ' with an STS token' : ''}`
    case 'rrsa':
      return `RRSA (the ACK pod's identity), role ${source.roleArn}`
    case 'instance-role':
      return `the ECS instance's RAM role${source.roleName ? ` '${source.roleName}'` : ''} from the metadata service`
    case 'none':
      // A dry run with no source plans offline; this is never signed in with.
      return 'none found'
  }
}

function wouldDo(inputs: Inputs, plan: NamespacePlan): string {
  const via = `via ${plan.endpoint.protocol}://${plan.endpoint.host}`
  const secret = `Secret '${plan.secretName}' (${plan.secretType})`
  if (plan.state === 'absent') {
    const inUse =
      inputs.ifInUse === 'fail'
        ? 'no application uses it (if-in-use: fail)'
        : 'even if applications use it (if-in-use: delete)'
    return `Would delete ${secret} from ${plan.namespaceId} ${via}, if it is there and ${inUse}`
  }
  const users = plan.registries
    .map((registry) => `'${registry.username}' for ${registry.domains.join(', ')}`)
    .join('; ')
  return (
    `Would ensure ${secret} in ${plan.namespaceId} ${via}, auths for ${plan.domains.join(', ')} as user ${users} ` +
    `(passwords redacted); ${IF_EXISTS[inputs.ifExists]}; ${writeGate(inputs)}`
  )
}

/** What a real run waits for before it writes: the registry checks this dry run has just made. */
function writeGate(inputs: Inputs): string {
  const gates = [
    ...(inputs.verifyLogin ? ['no registry refuses its login'] : []),
    ...(inputs.images.length > 0 ? [`it pulls ${inputs.images.map((image) => image.text).join(', ')}`] : [])
  ]
  const verdict = inputs.ifUnverified === 'fail' ? ', each check reaching a verdict (if-unverified: fail)' : ''
  return gates.length > 0
    ? `written only if ${gates.join(' and ')}${verdict}`
    : 'no registry check first (verify-login: false, no images)'
}

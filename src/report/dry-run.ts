// What a dry run says: what a real run would do in each namespace, and why (which Secret, where,
// its data, whether and when it is written), never a secret. Pure: the inputs, the plans and the
// registry checks' verdicts in, the log lines and the summary's rows and plan out.
import type { BaseSource } from '../domain/model.js'
import type { Inputs } from '../inputs/parse-inputs.js'
import type { CheckVerdicts } from '../registry/checks.js'
import type { NamespacePlan } from '../secret/plan.js'
import type { LogLine } from './lines.js'
import type { SummaryRow } from './summary.js'

export interface DryRunReport {
  lines: LogLine[]
  rows: SummaryRow[]
  /** The plan as the summary lists it under the table. */
  plan: string[]
  /** The registry checks' refusal, which fails a dry run as it would fail the real one. */
  failure?: string
}

const IF_EXISTS = {
  skip: 'if it exists, leave it as it is (if-exists: skip)',
  update: 'if it exists, write this data where it differs (if-exists: update)',
  fail: 'if it exists, change nothing and fail (if-exists: fail)'
} as const

/** `results` is `{}` as nothing was provisioned; a row per namespace says what was planned. */
export function dryRunReport(inputs: Inputs, plans: NamespacePlan[], verdicts: CheckVerdicts): DryRunReport {
  const credentials = describeCredentials(inputs)
  const checked =
    verdicts.passed.length + verdicts.warnings.length > 0 || verdicts.error
      ? ' (the registry checks above were made)'
      : ''
  const inUse = inputs.state === 'absent' ? `; if-in-use: ${inputs.ifInUse}` : ''
  const would = plans.map((plan) => wouldDo(inputs, plan))
  const result = verdicts.error
    ? `failed: ${verdicts.error.code}`
    : inputs.state === 'absent'
      ? 'planned: delete'
      : 'planned'
  return {
    lines: [
      `Dry run: no SAE API is called${checked}. Credentials: ${credentials}; if-exists: ${inputs.ifExists}${inUse}.`,
      ...would
    ].map((text) => ({ level: 'info', text })),
    rows: plans.map((plan) => ({
      namespaceId: plan.namespaceId,
      secretName: plan.secretName,
      domains: plan.domains,
      result
    })),
    plan: [`Credentials: ${credentials}`, ...would],
    failure: verdicts.error?.message
  }
}

function describeCredentials({ credentials }: Inputs): string {
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
      // A dry run asks no one, the metadata service included.
      return `the ECS instance's RAM role${source.roleName ? ` '${source.roleName}'` : ''} from the metadata service, if it gives one (not asked in a dry run)`
    case 'none':
      return 'none found (a real run would fail)'
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

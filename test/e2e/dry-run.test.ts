// A dry run shows every input that changes what a real run writes to SAE: which Secret, where, its
// data, or whether it is written or deleted. Every input of action.yml is classified below, so a new
// one cannot slip past: one the table does not know fails the first test. For each input that
// changes what is written, dry runs with two values print two different plans (the `Dry run:`,
// `Would …` and per-namespace `would be …` lines, and the summary); for each that does not, the same
// plan; for each that proves who signs in, a wrong value fails the dry run with the error a real run
// gives. With credentials, a dry run signs in as a real run does and SAE sees only ListSecrets and
// DescribeSecret (and STS the sign-in); without them, it plans offline, SAE sees nothing, and a
// warning says so. No plan shows a secret: runAction fails a run that prints one, in any encoding.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { actionDefaults, ROOT, runAction } from '../../devkit/harness/action-runner.mjs'
import { emulator, KEY, PASSWORD, stepInputs, USERNAME, type Emulator } from './fixtures.js'

/** What SAE (and STS) may see of a dry run: its look-ups and the sign-in, never a write. */
const READS = new Set(['ListSecrets', 'DescribeSecret'])
const SIGN_IN = new Set(['AssumeRole', 'AssumeRoleWithOIDC'])

const DEFAULTS: Record<string, string> = actionDefaults()

type Fake = Awaited<ReturnType<typeof startFakeRegistry>>

/**
 * What the two or more values of an input are tried on: the emulator (which knows the keys, the OIDC
 * role and the roles to chain below), a second one elsewhere, and a registry that takes the step's credentials.
 */
interface Peers {
  sae: Emulator
  elsewhere: Emulator
  registry: Fake
}

interface Variation {
  /** More inputs the values need (state absent for if-in-use, OIDC instead of keys for the role). */
  base?: Record<string, string>
  values: string[]
}

type Effect =
  /** It changes what is written, and the plan says how: each value, its own plan. */
  | 'shown'
  /** It proves who signs in: the first value signs in and plans; each other one fails the dry run as it fails a real run. */
  | 'signs'
  /** It changes what is written, but it is a secret: the plan says one was given, never which (each value, the same plan). */
  | 'secret'
  /** It does not change what is written: each value, the same plan. */
  | 'none'

type Classification =
  { effect: Effect; why: string; vary: (peers: Peers) => Variation } | { effect: 'fixed' | 'mode'; why: string }

const ROLE = 'acs:ram::1234567890123456:role/github-deploy'
const OTHER_ROLE = 'acs:ram::6543210987654321:role/github-deploy'
const PROVIDER = 'acs:ram::1234567890123456:oidc-provider/github'
/** Another key of the emulator's, as another account's would be. */
const OTHER_KEY = { accessKeyId: 'LTAI5tAn0therKeyId', accessKeySecret: KEY.accessKeySecret }
/** A temporary key and its token, as security-token takes them. */
const STS_KEY = {
  accessKeyId: 'STS.E2eTemporaryKey',
  accessKeySecret: 'sts-ak-s3cret',
  securityToken: 'sts-t0ken-number-one'
}
const OIDC = {
  'access-key-id': '',
  'access-key-secret': '',
  'role-to-assume': ROLE,
  'oidc-provider-arn': PROVIDER,
  'sts-endpoint': ''
}
const extra = (host: string, username: string, password: string) =>
  `- registry: ${host}\n  username: ${username}\n  password: ${JSON.stringify(password)}\n`

/** Every input of action.yml, and whether it changes what a run writes to SAE. */
const INPUTS: Record<string, Classification> = {
  'namespace-id': {
    effect: 'shown',
    why: 'where the Secret is written',
    vary: () => ({ values: ['cn-hangzhou:prod', 'cn-hangzhou:dev,cn-beijing:prod'] })
  },
  'secret-name': { effect: 'shown', why: 'which Secret', vary: () => ({ values: ['registry-auth', 'registry_pull'] }) },
  username: {
    effect: 'shown',
    why: 'its data: the username of every auths entry of the main registry',
    vary: () => ({ values: [USERNAME, 'ci-robot'] })
  },
  password: {
    effect: 'secret',
    why: 'its data, but the password itself: the plan says passwords are redacted',
    vary: () => ({ values: [PASSWORD, 'an0ther-pa55word'] })
  },
  'registry-domains': {
    effect: 'shown',
    why: 'its data: the auths keys',
    vary: () => ({ values: ['registry.example.com', 'ghcr.io\nregistry.example.com:5000'] })
  },
  'acr-instance-name': {
    effect: 'shown',
    why: "its data: the auths keys are the instance's domains",
    vary: () => ({ values: ['octo', 'shop'] })
  },
  'registry-region': {
    effect: 'shown',
    why: 'its data: the region in the default auths keys',
    vary: () => ({ values: ['cn-beijing', 'cn-shanghai'] })
  },
  'extra-registries': {
    effect: 'shown',
    why: 'its data: more auths entries, their hosts and usernames (their passwords are secrets, redacted)',
    vary: () => ({
      values: [extra('ghcr.io', 'octo-bot', 'ghcr-t0ken-one'), extra('quay.io', 'octo+robot', 'quay-t0ken-two')]
    })
  },
  'secret-type': {
    effect: 'fixed',
    why: "the Secret's type, but only kubernetes.io/dockerconfigjson is accepted: any other value is an input error, in a dry run as in a real run"
  },
  images: {
    effect: 'shown',
    why: 'whether it is written: a real run writes only once each image pulls with the Secret',
    vary: ({ registry }) => ({
      base: { 'registry-domains': registry.host },
      values: ['', `${registry.host}/shop/web:1.4.2`, `${registry.host}/shop/api:2.0.0`]
    })
  },
  'if-exists': {
    effect: 'shown',
    why: 'whether an existing Secret is left, written or the step fails',
    vary: () => ({ values: ['skip', 'update', 'fail'] })
  },
  'verify-login': {
    effect: 'shown',
    why: 'whether it is written: a registry that refuses the login stops every write',
    vary: ({ registry }) => ({ base: { 'registry-domains': registry.host }, values: ['false', 'true'] })
  },
  state: {
    effect: 'shown',
    why: 'whether the Secret is written or deleted',
    vary: () => ({ values: ['present', 'absent'] })
  },
  'if-in-use': {
    effect: 'shown',
    why: 'with state absent, whether a Secret that applications use is deleted',
    vary: () => ({ base: { state: 'absent' }, values: ['fail', 'delete'] })
  },
  'access-key-id': {
    effect: 'shown',
    why: "where: the key's account holds the namespaces (the same namespace ID in another account is another namespace)",
    vary: () => ({ values: [KEY.accessKeyId, OTHER_KEY.accessKeyId] })
  },
  'access-key-secret': {
    effect: 'signs',
    why: 'it proves the key ID (the key ID alone picks the account); SAE refuses a wrong one: SignatureDoesNotMatch',
    vary: () => ({ values: [KEY.accessKeySecret, 'an0ther-ak-s3cret'] })
  },
  'security-token': {
    effect: 'signs',
    why: 'it proves temporary keys (the key ID picks the account; the plan says a token is given, never which)',
    vary: () => ({
      base: { 'access-key-id': STS_KEY.accessKeyId, 'access-key-secret': STS_KEY.accessKeySecret },
      values: [STS_KEY.securityToken, 'sts-t0ken-number-two']
    })
  },
  'role-to-assume': {
    effect: 'shown',
    why: "where: the role's account holds the namespaces (here chained onto the key: STS AssumeRole)",
    vary: ({ sae }) => ({ base: { 'sts-endpoint': sae.origin }, values: [ROLE, OTHER_ROLE] })
  },
  'oidc-provider-arn': {
    effect: 'signs',
    why: 'it lets GitHub sign in to the role (the role picks the account); STS knows no other provider',
    vary: ({ sae }) => ({
      base: { ...OIDC, 'sts-endpoint': sae.origin },
      values: [PROVIDER, 'acs:ram::1234567890123456:oidc-provider/github-enterprise']
    })
  },
  audience: {
    effect: 'signs',
    why: "the ID token's audience, which STS checks against the role's trust policy; it picks nothing that is written",
    vary: ({ sae }) => ({
      base: { ...OIDC, 'sts-endpoint': sae.origin },
      values: ['sts.aliyuncs.com', 'sts.example.com']
    })
  },
  'role-session-name': {
    effect: 'none',
    why: 'a label in ActionTrail',
    vary: ({ sae }) => ({ base: { ...OIDC, 'sts-endpoint': sae.origin }, values: ['', 'nightly-deploy'] })
  },
  'role-duration-seconds': {
    effect: 'none',
    why: 'how long the temporary keys live; the step is done long before',
    vary: ({ sae }) => ({ base: { ...OIDC, 'sts-endpoint': sae.origin }, values: ['900', '3600'] })
  },
  endpoint: {
    effect: 'shown',
    why: 'where: the service that receives the write (sae and sae-vpc reach the same namespace; an emulator or another cloud does not)',
    vary: ({ sae, elsewhere }) => ({ values: [sae.origin, elsewhere.origin] })
  },
  'sts-endpoint': {
    effect: 'signs',
    why: 'where the temporary keys come from, not where the Secret goes; one that cannot be reached fails the sign-in',
    vary: ({ sae }) => ({ base: OIDC, values: [sae.origin, 'sts-vpc.cn-hangzhou.aliyuncs.com'] })
  },
  network: {
    effect: 'shown',
    why: "where: each namespace's SAE endpoint, its region's public or VPC one (the plan's via); STS and the registry checks follow it",
    // Without an endpoint input, which would win over it; without credentials, so that the plan is offline
    // (the derived endpoints are real hosts, which no test reaches).
    vary: () => ({ base: { endpoint: '', 'access-key-id': '', 'access-key-secret': '' }, values: ['public', 'vpc'] })
  },
  'if-unverified': {
    effect: 'shown',
    why: 'whether it is written: with fail, a registry check that reaches no verdict stops every write',
    vary: ({ registry }) => ({
      base: { 'registry-domains': registry.host, 'verify-login': 'true' },
      values: ['warn', 'fail']
    })
  },
  'dry-run': {
    effect: 'mode',
    why: 'true writes nothing at all (every run here checks that SAE saw only look-ups; create.test.ts shows false writing)'
  },
  'max-attempts': {
    effect: 'none',
    why: 'how often a failed call is retried, not what it writes',
    vary: () => ({ values: ['4', '10'] })
  },
  'timeout-seconds': {
    effect: 'none',
    why: 'how long the calls may take, not what they write',
    vary: () => ({ values: ['60', '600'] })
  }
}

const varied = Object.entries(INPUTS).flatMap(([name, classification]) =>
  'vary' in classification ? [{ name, ...classification }] : []
)

let peers: Peers
/** Each varied input's dry runs, one per value, in the order of its values. */
const attempts = new Map<string, Promise<DryRun[]>>()
beforeAll(async () => {
  const [sae, elsewhere, registry] = await Promise.all([
    emulator({
      keys: [KEY, OTHER_KEY, STS_KEY],
      oidc: { roleArn: ROLE, oidcProviderArn: PROVIDER },
      roles: [{ roleArn: ROLE }, { roleArn: OTHER_ROLE }]
    }),
    emulator(),
    startFakeRegistry({
      kind: 'bearer',
      username: USERNAME,
      password: PASSWORD,
      repositories: { 'shop/web': { tags: ['1.4.2'] }, 'shop/api': { tags: ['2.0.0'] } }
    })
  ])
  peers = { sae, elsewhere, registry }
  // Some fifty runs of the bundle: started here, a few at a time, each test awaiting its own.
  for (const { name, vary } of varied) {
    const { base = {}, values } = vary(peers)
    const tried = Promise.all(values.map((value) => attempt({ ...base, [name]: value })))
    // Its test reports a failure; until then it is not an unhandled rejection.
    tried.catch(() => undefined)
    attempts.set(name, tried)
  }
})
afterAll(async () => Promise.all([peers.sae.stop(), peers.elsewhere.stop(), peers.registry.stop()]))

const slot = slots(4)

/** At most `size` of the tasks given to it at once. */
function slots(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: Array<() => void> = []
  return async (task) => {
    if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve))
    running++
    try {
      return await task()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
}

interface Plan {
  lines: string[]
  summary: string
}

interface DryRun {
  inputs: Record<string, string>
  code: number
  errors: string[]
  /** The plan: its `Dry run:`, `Would …` and per-namespace lines, and its summary (the run link aside). */
  plan: Plan
  /** What the emulators saw of this run (its requests carry its run id), by action. */
  calls: string[]
  warnings: string[]
}

/** Runs already started, by their inputs (action.yml's defaults and empty ones left out): many variations share a first value. */
const runs = new Map<string, Promise<DryRun>>()
let runIds = 5000

/** A dry run of these inputs (beside the defaults of stepInputs, the emulator as endpoint), once. */
function attempt(inputs: Record<string, string>): Promise<DryRun> {
  const given = stepInputs(peers.sae, { ...inputs, 'dry-run': 'true' })
  const key = JSON.stringify(
    Object.entries({ ...DEFAULTS, ...given })
      .filter(([name, value]) => value !== '' && DEFAULTS[name] !== value)
      .sort()
  )
  if (!runs.has(key))
    runs.set(
      key,
      slot(() => dryRun(given))
    )
  return runs.get(key)!
}

/** The runner's ID token service (the emulator's), for the runs that sign in with GitHub OIDC. */
const runnerEnv = () => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: peers.sae.idTokenRequestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: peers.sae.idTokenRequestToken ?? ''
})

/** The actions both emulators saw from the run with this run id (its user agent names it). */
function callsOf(runId: number): string[] {
  return [...peers.sae.calls(), ...peers.elsewhere.calls()]
    .filter((call) => String(call.headers?.['user-agent'] ?? '').includes(`; run ${runId})`))
    .map((call) => String(call.action ?? call.query.Action))
}

async function dryRun(inputs: Record<string, string>): Promise<DryRun> {
  const runId = runIds++
  const run = await runAction({ inputs, env: { ...runnerEnv(), GITHUB_RUN_ID: String(runId) } })
  const lines = run.stdout
    .split('\n')
    .filter((line) => /^(Dry run[:,]|Would )|^\S+: (Secret '[^']*' would be |would fail: )/.test(line))
  // The run link names the run id, which differs by design.
  const summary = run.summary.replace(/\nPlanned by \[deploy\]\(https:\/\/github\.com\/[^)]*\) in [^\n]*\n/, '\n')
  return {
    inputs,
    code: run.code,
    errors: run.errors,
    plan: { lines, summary },
    calls: callsOf(runId),
    warnings: run.stdout.split('\n').filter((line) => line.startsWith('::warning::'))
  }
}

const OFFLINE = /^::warning::This dry run planned offline: /

/** A dry run that planned: it ended green, read SAE (or, without credentials, planned offline and said so), never wrote. */
function expectPlanned(run: DryRun): Plan {
  expect(run.errors).toEqual([])
  expect(run.code).toBe(0)
  expect(run.plan.lines.filter((line) => line.startsWith('Would '))).not.toEqual([])
  expect(run.plan.summary).not.toBe('')
  if (run.plan.lines[0].startsWith('Dry run, offline:')) {
    expect(run.calls).toEqual([])
    expect(run.warnings.filter((line) => OFFLINE.test(line))).toHaveLength(1)
  } else {
    expect(run.calls.filter((action) => !SIGN_IN.has(action))).toContain('ListSecrets')
    expect(run.calls.filter((action) => !READS.has(action) && !SIGN_IN.has(action))).toEqual([])
    expect(run.plan.lines.filter((line) => /would be /.test(line))).not.toEqual([])
    expect(run.warnings.filter((line) => OFFLINE.test(line))).toEqual([])
  }
  return run.plan
}

/** An error line as it compares across runs: each RequestId is the emulator's, new every time. */
const sameWords = (errors: string[]) => errors.map((line) => line.replace(/RequestId [0-9A-F-]{36}/g, 'RequestId …'))

describe('the dry run and the inputs of action.yml', () => {
  test('every input of action.yml is classified, and only those', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }
    expect(Object.keys(INPUTS).sort()).toEqual(Object.keys(action.inputs).sort())
  })

  test.each(varied.filter(({ effect }) => effect === 'shown'))(
    '$name changes what is written ($why): each value, its own plan',
    async ({ name }) => {
      const each = (await attempts.get(name)!).map(expectPlanned)
      for (let i = 0; i < each.length; i++) {
        for (let j = i + 1; j < each.length; j++) {
          expect(each[j].lines).not.toEqual(each[i].lines)
          expect(each[j].summary).not.toEqual(each[i].summary)
        }
      }
    }
  )

  test.each(varied.filter(({ effect }) => effect === 'secret' || effect === 'none'))(
    '$name: each value, the same plan ($why)',
    async ({ name }) => {
      const [first, ...others] = (await attempts.get(name)!).map(expectPlanned)
      for (const other of others) expect(other).toEqual(first)
    }
  )

  test.each(varied.filter(({ effect }) => effect === 'signs'))(
    '$name proves who signs in ($why): a wrong value fails the dry run with the error of a real run',
    async ({ name }) => {
      const [right, ...wrong] = await attempts.get(name)!
      expectPlanned(right)
      for (const run of wrong) {
        expect(run.code).toBe(1)
        expect(run.errors).toHaveLength(1)
        expect(run.calls.filter((action) => !READS.has(action) && !SIGN_IN.has(action))).toEqual([])
        const real = await runAction({ inputs: { ...run.inputs, 'dry-run': 'false' }, env: runnerEnv() })
        expect(sameWords(run.errors)).toEqual(sameWords(real.errors))
      }
    }
  )

  test('secret-type: another type is refused in a dry run as in a real run', async () => {
    const run = await runAction({ inputs: stepInputs(peers.sae, { 'dry-run': 'true', 'secret-type': 'Opaque' }) })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      "::error::Input 'secret-type' must be kubernetes.io/dockerconfigjson, the only type this action writes"
    ])
    expect((await attempt({})).plan.lines.join('\n')).toContain('(kubernetes.io/dockerconfigjson)')
  })

  test('no dry run of this file wrote: the emulators saw look-ups and sign-ins only, and hold no Secret', async () => {
    await Promise.all(attempts.values())
    const actions = [...peers.sae.calls(), ...peers.elsewhere.calls()].map((call) =>
      String(call.action ?? call.query.Action)
    )
    expect(actions).toContain('ListSecrets')
    expect(actions).toContain('AssumeRoleWithOIDC')
    expect(actions).toContain('AssumeRole')
    const written = actions.filter((action) => !READS.has(action) && !SIGN_IN.has(action))
    // The real runs of the `signs` test fail before any write too.
    expect(written).toEqual([])
    for (const namespace of ['cn-hangzhou:prod', 'cn-hangzhou:dev', 'cn-beijing:prod'])
      expect([...peers.sae.secrets(namespace), ...peers.elsewhere.secrets(namespace)]).toEqual([])
  })
})

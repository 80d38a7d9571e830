// A dry run shows every input that changes what a real run writes to SAE: which Secret, where, its
// data, or whether it is written or deleted. Every input of action.yml is classified below, so a new
// one cannot slip past: one the table does not know fails the first test. For each input that
// changes what is written, dry runs with two values print two different plans (the `Dry run:` and
// `Would …` lines, and the summary); for each that does not, the same plan. No plan shows a secret:
// runAction fails a run that prints one, in any encoding.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { actionDefaults, ROOT, runAction } from '../../devkit/harness/action-runner.mjs'
import { emulator, KEY, PASSWORD, stepInputs, USERNAME, type Emulator } from './fixtures.js'

const DEFAULTS: Record<string, string> = actionDefaults()

type Fake = Awaited<ReturnType<typeof startFakeRegistry>>

/** What the two or more values of an input are tried on: the emulator, and a registry that takes the step's credentials. */
interface Peers {
  sae: Emulator
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
  /** It changes what is written, but it is a secret: the plan says one was given, never which (each value, the same plan). */
  | 'secret'
  /** It does not change what is written: each value, the same plan. */
  | 'none'

type Classification =
  { effect: Effect; why: string; vary: (peers: Peers) => Variation } | { effect: 'fixed' | 'mode'; why: string }

const ROLE = 'acs:ram::1234567890123456:role/github-deploy'
const PROVIDER = 'acs:ram::1234567890123456:oidc-provider/github'
const OIDC = { 'access-key-id': '', 'access-key-secret': '', 'role-to-assume': ROLE, 'oidc-provider-arn': PROVIDER }
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
    vary: () => ({ values: [KEY.accessKeyId, 'LTAI5tAn0therKeyId'] })
  },
  'access-key-secret': {
    effect: 'none',
    why: 'it proves the key ID; the key ID alone picks the account',
    vary: () => ({ values: [KEY.accessKeySecret, 'an0ther-ak-s3cret'] })
  },
  'security-token': {
    effect: 'none',
    why: 'it proves temporary keys; the key ID picks the account (the plan says a token is given, never which)',
    vary: () => ({ values: ['sts-t0ken-number-one', 'sts-t0ken-number-two'] })
  },
  'role-to-assume': {
    effect: 'shown',
    why: "where: the role's account holds the namespaces",
    vary: () => ({ base: OIDC, values: [ROLE, 'acs:ram::6543210987654321:role/github-deploy'] })
  },
  'oidc-provider-arn': {
    effect: 'none',
    why: 'it lets GitHub sign in to the role; the role picks the account',
    vary: () => ({ base: OIDC, values: [PROVIDER, 'acs:ram::1234567890123456:oidc-provider/github-enterprise'] })
  },
  audience: {
    effect: 'none',
    why: "the ID token's audience, which STS checks; it picks nothing that is written",
    vary: () => ({ base: OIDC, values: ['sts.aliyuncs.com', 'sts.example.com'] })
  },
  'role-session-name': {
    effect: 'none',
    why: 'a label in ActionTrail',
    vary: () => ({ base: OIDC, values: ['', 'nightly-deploy'] })
  },
  'role-duration-seconds': {
    effect: 'none',
    why: 'how long the temporary keys live; the step is done long before',
    vary: () => ({ base: OIDC, values: ['900', '3600'] })
  },
  endpoint: {
    effect: 'shown',
    why: 'where: the service that receives the write (sae and sae-vpc reach the same namespace; an emulator or another cloud does not)',
    vary: ({ sae }) => ({ values: [sae.origin, 'sae-vpc.cn-hangzhou.aliyuncs.com'] })
  },
  'sts-endpoint': {
    effect: 'none',
    why: 'where the temporary keys come from, not where the Secret goes',
    vary: () => ({ base: OIDC, values: ['sts.aliyuncs.com', 'sts-vpc.cn-hangzhou.aliyuncs.com'] })
  },
  network: {
    effect: 'shown',
    why: "where: each namespace's SAE endpoint, its region's public or VPC one (the plan's via); STS and the registry checks follow it",
    // Without an endpoint input, which would win over it.
    vary: () => ({ base: { endpoint: '' }, values: ['public', 'vpc'] })
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
    why: 'true writes nothing at all (every run here checks that SAE saw no call; create.test.ts shows false writing)'
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
/** Each varied input's plans, one per value, in the order of its values. */
const plans = new Map<string, Promise<Plan[]>>()
beforeAll(async () => {
  const [sae, registry] = await Promise.all([
    emulator(),
    startFakeRegistry({
      kind: 'bearer',
      username: USERNAME,
      password: PASSWORD,
      repositories: { 'shop/web': { tags: ['1.4.2'] }, 'shop/api': { tags: ['2.0.0'] } }
    })
  ])
  peers = { sae, registry }
  // Some fifty runs of the bundle: started here, a few at a time, each test awaiting its own.
  for (const { name, vary } of varied) {
    const { base = {}, values } = vary(peers)
    const planned = Promise.all(values.map((value) => plan({ ...base, [name]: value })))
    // Its test reports a failure; until then it is not an unhandled rejection.
    planned.catch(() => undefined)
    plans.set(name, planned)
  }
})
afterAll(async () => Promise.all([peers.sae.stop(), peers.registry.stop()]))

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

/** Runs already started, by their inputs (action.yml's defaults and empty ones left out): many variations share a first value. */
const runs = new Map<string, Promise<Plan>>()

/** A dry run's plan: its `Dry run:` and `Would …` log lines, and its summary. */
function plan(inputs: Record<string, string>): Promise<Plan> {
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

async function dryRun(inputs: Record<string, string>): Promise<Plan> {
  const run = await runAction({ inputs })
  expect(run.errors).toEqual([])
  expect(run.code).toBe(0)
  // Every write, delete and look-up is left to the real run.
  expect(peers.sae.calls()).toEqual([])
  const lines = run.stdout.split('\n').filter((line) => line.startsWith('Dry run:') || line.startsWith('Would '))
  expect(lines.filter((line) => line.startsWith('Would '))).not.toEqual([])
  expect(run.summary).not.toBe('')
  return { lines, summary: run.summary }
}

describe('the dry run and the inputs of action.yml', () => {
  test('every input of action.yml is classified, and only those', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }
    expect(Object.keys(INPUTS).sort()).toEqual(Object.keys(action.inputs).sort())
  })

  test.each(varied.filter(({ effect }) => effect === 'shown'))(
    '$name changes what is written ($why): each value, its own plan',
    async ({ name }) => {
      const each = await plans.get(name)!
      for (let i = 0; i < each.length; i++) {
        for (let j = i + 1; j < each.length; j++) {
          expect(each[j].lines).not.toEqual(each[i].lines)
          expect(each[j].summary).not.toEqual(each[i].summary)
        }
      }
    }
  )

  test.each(varied.filter(({ effect }) => effect !== 'shown'))(
    '$name: each value, the same plan ($why)',
    async ({ name }) => {
      const [first, ...others] = await plans.get(name)!
      for (const other of others) expect(other).toEqual(first)
    }
  )

  test('secret-type: another type is refused in a dry run as in a real run', async () => {
    const run = await runAction({ inputs: stepInputs(peers.sae, { 'dry-run': 'true', 'secret-type': 'Opaque' }) })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      "::error::Input 'secret-type' must be kubernetes.io/dockerconfigjson, the only type this action writes"
    ])
    expect((await plan({})).lines.join('\n')).toContain('(kubernetes.io/dockerconfigjson)')
  })
})

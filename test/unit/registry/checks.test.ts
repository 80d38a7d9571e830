// checks.ts: a run's registry checks, each made once whatever the number of namespaces
// that share them; what the step makes of the answers (lines, warnings, one error naming every
// refusal, word for word); the check of a Secret left in place under if-exists: skip; and the gate
// every write waits at. Fake registries on loopback (devkit/emulator/fake-registry.mjs).
import { afterEach, describe, expect, test } from '@jest/globals'
import { planChecks, type CheckPlan } from '../../../src/registry/check-plan.js'
import {
  checkStoredSecret,
  RegistryCheckError,
  runChecks,
  writeGate,
  type CheckVerdicts,
  type CheckWanted
} from '../../../src/registry/checks.js'
import type { RegistryDeps } from '../../../src/registry/client.js'
import { ActionError } from '../../../src/domain/errors.js'
import type { CredentialOrigin, RegistryCredential } from '../../../src/domain/model.js'
import { parseImageReference } from '../../../src/kubelet/image-ref.js'
import { closedPort, routingAgents, startFakeRegistry } from '../../../devkit/emulator/fake-registry.mjs'

type Fake = Awaited<ReturnType<typeof startFakeRegistry>>

const NS = 'cn-hangzhou:prod'
const VPC = 'registry-vpc.cn-hangzhou.aliyuncs.com'
const PUBLIC = 'registry.cn-hangzhou.aliyuncs.com'
const ACR_HINT = '(for ACR: the registry password set in the ACR console, not the Alibaba Cloud account password)'
const NOT_A_REFUSAL = 'not a refusal, so it does not stop the Secret being written'
const MAIN: CredentialOrigin = { kind: 'main' }
const EXTRA = (item: number): CredentialOrigin => ({ kind: 'extra', item })
const deps: RegistryDeps = { mask: () => {} }

const fakes: Fake[] = []
const routers: ReturnType<typeof routingAgents>[] = []
afterEach(async () => {
  for (const router of routers.splice(0)) router.destroy()
  await Promise.all(fakes.splice(0).map((fake) => fake.stop()))
})

async function fake(options: Parameters<typeof startFakeRegistry>[0] = {}): Promise<Fake> {
  const started = await startFakeRegistry(options)
  fakes.push(started)
  return started
}

const credential = (
  domains: string[],
  username: string,
  password: string,
  origin: CredentialOrigin = MAIN
): RegistryCredential => ({ domains, username, password, origin })
const rightFor = (registry: Fake, origin: CredentialOrigin = MAIN) =>
  credential([registry.host], registry.username, registry.password, origin)
const wrongFor = (registry: Fake, origin: CredentialOrigin = MAIN) =>
  credential([registry.host], registry.username, 'an-old-password', origin)
const image = parseImageReference

/** What each server of a fake was asked, in order: `<server> <method> <path>`. */
const asked = (registry: Fake) => registry.requests.map(({ server, method, path }) => `${server} ${method} ${path}`)

/** A stored `.dockerconfigjson` as DescribeSecret returns it: base64 of the docker config. */
function storedConfig(auths: Record<string, { username: string; password: string }>): string {
  const entries = Object.entries(auths).map(([key, { username, password }]) => [
    key,
    { username, password, auth: Buffer.from(`${username}:${password}`).toString('base64') }
  ])
  return Buffer.from(JSON.stringify({ auths: Object.fromEntries(entries) })).toString('base64')
}

describe('runChecks: each distinct request once', () => {
  test('namespaces that share registries, credentials and images: each login and each pull is made once', async () => {
    const loginOnly = await fake({ kind: 'basic' })
    const images = await fake({ kind: 'bearer', repositories: { 'shop/web': { tags: ['1.0'] } } })
    const registries = [rightFor(loginOnly), rightFor(images, EXTRA(1))]
    const wanted = [image(`${images.host}/shop/web:1.0`)]
    const plans = [1, 2, 3].map(() => planChecks(registries, wanted, true))
    expect(await runChecks(plans, deps)).toEqual({
      passed: [
        `Registry login accepted by ${loginOnly.host} (Basic)`,
        `Image ${images.host}/shop/web:1.0 can be pulled with item 1 of extra-registries: ` +
          `HEAD /v2/shop/web/manifests/1.0 answered 200 with a Bearer token from 127.0.0.1:${images.tokenPort}`
      ],
      warnings: []
    })
    expect(asked(loginOnly)).toEqual(['registry GET /v2/', 'registry GET /v2/'])
    expect(asked(images)).toEqual(['registry GET /v2/', 'token GET /token', 'registry HEAD /v2/shop/web/manifests/1.0'])
  })

  test('the same image with other credentials, or another tag of it, is a check of its own', async () => {
    const registry = await fake({
      kind: 'basic',
      users: { ci: 'ci-pa55' },
      repositories: { 'shop/web': { tags: ['1.0', '2.0'], pullers: ['robot', 'ci'] } }
    })
    const robot = rightFor(registry)
    const ci = credential([registry.host], 'ci', 'ci-pa55', EXTRA(1))
    const plans = [
      planChecks([robot], [image(`${registry.host}/shop/web:1.0`)], true),
      planChecks([ci], [image(`${registry.host}/shop/web:1.0`)], true),
      planChecks([robot], [image(`${registry.host}/shop/web:2.0`)], true)
    ]
    const verdicts = await runChecks(plans, deps)
    expect(verdicts.passed).toEqual([
      `Image ${registry.host}/shop/web:1.0 can be pulled with the username and password inputs: HEAD /v2/shop/web/manifests/1.0 answered 200 with Basic credentials`,
      `Image ${registry.host}/shop/web:1.0 can be pulled with item 1 of extra-registries: HEAD /v2/shop/web/manifests/1.0 answered 200 with Basic credentials`,
      `Image ${registry.host}/shop/web:2.0 can be pulled with the username and password inputs: HEAD /v2/shop/web/manifests/2.0 answered 200 with Basic credentials`
    ])
    expect(asked(registry).filter((request) => request.includes('HEAD'))).toHaveLength(3)
  })
})

describe('runChecks: what was proved and what could not be checked, word for word', () => {
  test('a login that stands for other auths keys than its host names them all', async () => {
    const pair = await fake({ kind: 'basic' })
    const alone = await fake({ kind: 'basic' })
    const plan: CheckPlan = {
      keys: [pair.host, PUBLIC, VPC],
      logins: [
        // Its own key and another (an ACR twin pair is logged in to at the public domain, for both).
        { host: pair.host, domains: [pair.host, PUBLIC], credential: rightFor(pair) },
        // One key that is not the host it is asked at.
        { host: alone.host, domains: [VPC], credential: rightFor(alone) }
      ],
      pulls: [],
      unmatched: []
    }
    expect(await runChecks([plan], deps)).toEqual({
      passed: [
        `Registry login accepted by ${pair.host} (Basic) (it stands for ${pair.host} and ${PUBLIC})`,
        `Registry login accepted by ${alone.host} (Basic) (it stands for ${VPC})`
      ],
      warnings: []
    })
  })

  test('a login that could not be verified is a warning naming its auths keys and what each ACR twin answered', async () => {
    // Every connection is refused here: nothing leaves the machine.
    const agents = routingAgents({ refuse: true })
    routers.push(agents)
    const plan = planChecks(
      [
        credential([VPC], 'deploy', 'pw'),
        credential(['registry-vpc.cn-shanghai.aliyuncs.com', 'registry.cn-shanghai.aliyuncs.com'], 'deploy', 'pw2')
      ],
      [],
      true
    )
    const refused = 'it could not be reached: ECONNREFUSED (nothing listens there)'
    expect(await runChecks([plan], { ...deps, agents })).toEqual({
      passed: [],
      warnings: [
        `Could not verify the registry login for ${VPC}: at ${VPC}: ${refused}; at its twin ${PUBLIC}: ${refused}; ` +
          NOT_A_REFUSAL,
        'Could not verify the registry login for registry-vpc.cn-shanghai.aliyuncs.com, registry.cn-shanghai.aliyuncs.com: ' +
          `at registry.cn-shanghai.aliyuncs.com: ${refused}; at its twin registry-vpc.cn-shanghai.aliyuncs.com: ${refused}; ` +
          NOT_A_REFUSAL
      ]
    })
    // Each domain first, then its twin: the two logins run at once, so only each pair's order is fixed.
    const at = (url: string) => agents.connections.indexOf(url)
    expect(at(`https://${VPC}:443`)).toBeLessThan(at(`https://${PUBLIC}:443`))
    expect(at('https://registry.cn-shanghai.aliyuncs.com:443')).toBeLessThan(
      at('https://registry-vpc.cn-shanghai.aliyuncs.com:443')
    )
    expect(agents.connections).toHaveLength(4)
  })

  test('an image asked at another host than its auths key says where it was checked', async () => {
    const registry = await fake({ kind: 'basic', repositories: { 'shop/web': { tags: ['1.0'] } } })
    const plan: CheckPlan = {
      keys: [VPC],
      logins: [],
      pulls: [
        {
          image: image(`${VPC}/shop/web:1.0`),
          key: VPC,
          host: registry.host,
          credential: credential([VPC], registry.username, registry.password, EXTRA(2))
        }
      ],
      unmatched: []
    }
    expect(await runChecks([plan], deps)).toEqual({
      passed: [
        `Image ${VPC}/shop/web:1.0 can be pulled with item 2 of extra-registries (checked at ${registry.host}, which answers for ${VPC}): ` +
          'HEAD /v2/shop/web/manifests/1.0 answered 200 with Basic credentials'
      ],
      warnings: []
    })
  })

  test('an image that could not be checked is a warning', async () => {
    const host = `127.0.0.1:${await closedPort()}`
    const plan = planChecks([credential([host], 'u', 'p')], [image(`${host}/shop/web:1.0`)], true)
    expect(await runChecks([plan], deps)).toEqual({
      passed: [],
      warnings: [
        `Could not check image ${host}/shop/web:1.0 at ${host}: it could not be reached: ECONNREFUSED (nothing listens there); ${NOT_A_REFUSAL}`
      ]
    })
  })
})

describe('RegistryCheckError: every refusal of the run in one error', () => {
  test("one refused login: Release 2's words, RegistryLoginRefused", async () => {
    const registry = await fake({ kind: 'basic' })
    const { error, passed } = await runChecks([planChecks([wrongFor(registry)], [], true)], deps)
    expect(passed).toEqual([])
    expect(error).toBeInstanceOf(RegistryCheckError)
    expect(error).toBeInstanceOf(ActionError)
    expect(error!.code).toBe('RegistryLoginRefused')
    expect(error!.message).toBe(
      `Registry ${registry.host} refused the username and password (HTTP 401 to GET /v2/ with Basic credentials): ` +
        `a Secret holding them could not pull images. Check the username and password inputs ${ACR_HINT}. ` +
        'Nothing was written; set verify-login: false only if the registry is right to refuse this runner'
    )
    expect(error!.refusals).toEqual([
      {
        kind: 'login',
        host: registry.host,
        domains: [registry.host],
        how: 'HTTP 401 to GET /v2/ with Basic credentials',
        origin: MAIN
      }
    ])
  })

  test("several refused logins, and nothing else: Release 2's words, each registry with its origin", async () => {
    const basic = await fake({ kind: 'basic' })
    const bearer = await fake({ kind: 'bearer' })
    const { error } = await runChecks([planChecks([wrongFor(basic), wrongFor(bearer, EXTRA(1))], [], true)], deps)
    expect(error!.code).toBe('RegistryLoginRefused')
    expect(error!.message).toBe(
      `2 registries refused the username and password: ${basic.host} (the username and password inputs: HTTP 401 to GET /v2/ with Basic credentials), ` +
        `${bearer.host} (item 1 of extra-registries: HTTP 401 from its token service 127.0.0.1:${bearer.tokenPort}): ` +
        `a Secret holding them could not pull images. Check each ${ACR_HINT}. ` +
        'Nothing was written; set verify-login: false only if the registry is right to refuse this runner'
    )
  })

  test('one image its credentials may not pull: its sentence, capitalised, and ImageNotPullable', async () => {
    const registry = await fake({
      kind: 'bearer',
      users: { ci: 'ci-pa55' },
      repositories: { 'shop/web': { tags: ['1.0'], pullers: ['robot'] } }
    })
    const ci = credential([registry.host], 'ci', 'ci-pa55')
    const { error } = await runChecks([planChecks([ci], [image(`${registry.host}/shop/web:1.0`)], true)], deps)
    expect(error!.code).toBe('ImageNotPullable')
    expect(error!.message).toBe(
      `Image ${registry.host}/shop/web:1.0 cannot be pulled with the username and password inputs: ${registry.host} answered ` +
        `HTTP 401, insufficient_scope to HEAD /v2/shop/web/manifests/1.0 with a Bearer token from 127.0.0.1:${registry.tokenPort}; ` +
        'they may log in, but lack the right to pull shop/web (grant it, or use credentials that have it). Nothing was written'
    )
  })

  test('refusals of every kind: each named, in the order logins, images, unmatched images; a login among them loses Release 2’s words', async () => {
    const loginOnly = await fake({ kind: 'basic' })
    const bearer = await fake({ kind: 'bearer', repositories: { 'shop/web': { tags: ['1.0'] } } })
    const basic = await fake({ kind: 'basic', repositories: { 'shop/api': { tags: ['1.0'] } } })
    const plan = planChecks(
      [wrongFor(loginOnly), wrongFor(bearer, EXTRA(1)), rightFor(basic, EXTRA(2))],
      [image(`${bearer.host}/shop/web:1.0`), image(`${basic.host}/shop/api:9.9`), image('ghcr.io/octo/app:1')],
      true
    )
    const { error, passed, warnings } = await runChecks([plan], deps)
    expect({ passed, warnings }).toEqual({ passed: [], warnings: [] })
    expect(error!.code).toBe('ImageNotPullable')
    expect(error!.refusals.map((refusal) => refusal.kind)).toEqual(['login', 'pull', 'missing', 'unmatched'])
    expect(error!.message).toBe(
      '4 registry checks failed: ' +
        `registry ${loginOnly.host} refused the username and password inputs (HTTP 401 to GET /v2/ with Basic credentials) ${ACR_HINT}; ` +
        `image ${bearer.host}/shop/web:1.0 cannot be pulled with item 1 of extra-registries: ${bearer.host} refused them ` +
        `(HTTP 401 from its token service 127.0.0.1:${bearer.tokenPort}) ${ACR_HINT}; ` +
        `image ${basic.host}/shop/api:9.9 does not exist at ${basic.host} (HTTP 404 to HEAD /v2/shop/api/manifests/9.9): ` +
        'a tag not pushed yet? Push it before this step, or correct images; ' +
        `image ghcr.io/octo/app:1 matches no entry of the Secret (${loginOnly.host}, ${bearer.host}, ${basic.host}), ` +
        'so kubelet would pull it without credentials. Nothing was written'
    )
  })

  test('an image no entry matches is a refusal without any request; a Secret with no entries says none', async () => {
    const withKeys = planChecks([credential([PUBLIC], 'u', 'p')], [image('ghcr.io/octo/app:1')], false)
    const empty: CheckPlan = { keys: [], logins: [], pulls: [], unmatched: [image('nginx')] }
    const first = await runChecks([withKeys], deps)
    expect(first.error!.code).toBe('ImageNotPullable')
    expect(first.error!.message).toBe(
      `Image ghcr.io/octo/app:1 matches no entry of the Secret (${PUBLIC}), so kubelet would pull it without credentials. Nothing was written`
    )
    expect((await runChecks([empty], deps)).error!.message).toBe(
      'Image nginx matches no entry of the Secret (none), so kubelet would pull it without credentials. Nothing was written'
    )
  })

  test('no refusal, no error', async () => {
    const registry = await fake({ kind: 'basic' })
    expect(await runChecks([planChecks([rightFor(registry)], [], true)], deps)).not.toHaveProperty('error')
  })
})

describe('checkStoredSecret: the Secret left in place under if-exists: skip', () => {
  const secret = { namespaceId: NS, secretName: 'registry-auth', secretId: 16, domains: [] as string[] }

  test.each([
    ['absent', undefined],
    ['not JSON', Buffer.from('not a docker config').toString('base64')],
    ['JSON without auths', Buffer.from('{"credsStore":"desktop"}').toString('base64')]
  ])('stored data that is not a readable docker config (%s) is a warning, and nothing is asked', async (_, stored) => {
    const registry = await fake({ kind: 'basic' })
    const verdicts = await checkStoredSecret(
      { ...secret, storedBase64: stored },
      { images: [image(`${registry.host}/shop/web:1.0`)], verifyLogin: true, network: 'public', ifUnverified: 'warn' },
      deps
    )
    expect(verdicts).toEqual({
      passed: [],
      warnings: [
        "Secret 'registry-auth' (SecretId 16) in cn-hangzhou:prod holds data that is not a readable docker config, " +
          'so what it can pull could not be checked; set if-exists: update to replace it'
      ]
    })
    expect(registry.requests).toEqual([])
  })

  test('stored credentials that still log in and pull: the lines name the stored Secret', async () => {
    const images = await fake({ kind: 'basic', repositories: { 'shop/web': { tags: ['1.0'] } } })
    const loginOnly = await fake({ kind: 'basic', username: 'second-bot', password: 'second-pa55' })
    const storedBase64 = storedConfig({
      [images.host]: { username: images.username, password: images.password },
      [loginOnly.host]: { username: 'second-bot', password: 'second-pa55' }
    })
    const verdicts = await checkStoredSecret(
      // The computed Secret names the login-only registry too: its stored credentials are asked there.
      { ...secret, domains: [images.host, loginOnly.host], storedBase64 },
      { images: [image(`${images.host}/shop/web:1.0`)], verifyLogin: true, network: 'public', ifUnverified: 'warn' },
      deps
    )
    expect(verdicts).toEqual({
      passed: [
        `Registry login accepted by ${loginOnly.host} (Basic)`,
        `Image ${images.host}/shop/web:1.0 can be pulled with the Secret stored in cn-hangzhou:prod (SecretId 16): ` +
          'HEAD /v2/shop/web/manifests/1.0 answered 200 with Basic credentials'
      ],
      warnings: []
    })
  })

  test('a refusal of the stored credentials ends with the Secret left as it is (if-exists: skip)', async () => {
    const registry = await fake({ kind: 'basic' })
    const storedBase64 = storedConfig({ [registry.host]: { username: registry.username, password: 'an-old-password' } })
    const { error } = await checkStoredSecret(
      { ...secret, domains: [registry.host], storedBase64 },
      { images: [], verifyLogin: true, network: 'public', ifUnverified: 'warn' },
      deps
    )
    expect(error).toBeInstanceOf(RegistryCheckError)
    expect(error!.code).toBe('RegistryLoginRefused')
    expect(error!.message).toBe(
      `Registry ${registry.host} refused the Secret stored in cn-hangzhou:prod (SecretId 16) ` +
        `(HTTP 401 to GET /v2/ with Basic credentials) ${ACR_HINT}. ` +
        "Secret 'registry-auth' (SecretId 16) in cn-hangzhou:prod was left as it is (if-exists: skip), " +
        'so the deploy would pull with it, and it would fail. Set if-exists: update to write the new credentials. Nothing was written'
    )
  })
})

describe('writeGate: what each write waits for', () => {
  const wanted: CheckWanted = { images: [], verifyLogin: true, network: 'public', ifUnverified: 'warn' }
  const refusal = () => new RegistryCheckError([{ kind: 'unmatched', image: 'nginx', keys: [] }])
  const none = (verdicts: CheckVerdicts) => verdicts

  test("beforeWrite throws the run's refusal, in every namespace", async () => {
    const error = refusal()
    const gate = writeGate(Promise.resolve({ passed: [], warnings: [], error }), wanted, deps, none)
    await expect(gate({ namespaceId: NS, secretName: 'registry-auth', domains: [] }).beforeWrite()).rejects.toBe(error)
    await expect(
      gate({ namespaceId: 'cn-shanghai:prod', secretName: 'registry-auth', domains: [] }).beforeWrite()
    ).rejects.toBe(error)
  })

  test('beforeWrite resolves when the checks found no refusal: a warning does not stop a write', async () => {
    const gate = writeGate(Promise.resolve({ passed: [], warnings: ['Could not verify s'] }), wanted, deps, none)
    await expect(
      gate({ namespaceId: NS, secretName: 'registry-auth', domains: [] }).beforeWrite()
    ).resolves.toBeUndefined()
  })

  test("beforeWrite waits for the run's checks to be judged", async () => {
    let judge: (verdicts: CheckVerdicts) => void = () => {}
    const checks = new Promise<CheckVerdicts>((resolve) => (judge = resolve))
    let through = false
    const waiting = writeGate(
      checks,
      wanted,
      deps,
      none
    )({ namespaceId: NS, secretName: 'registry-auth', domains: [] })
      .beforeWrite()
      .then(() => (through = true))
    await new Promise((resolve) => setImmediate(resolve))
    expect(through).toBe(false)
    judge({ passed: [], warnings: [] })
    await waiting
    expect(through).toBe(true)
  })

  test("checkStored tells heard of the stored Secret's verdicts and throws its refusal, naming that Secret", async () => {
    const registry = await fake({ kind: 'basic' })
    const heard: CheckVerdicts[] = []
    const gate = writeGate(Promise.resolve({ passed: [], warnings: [] }), wanted, deps, (verdicts) => {
      heard.push(verdicts)
      return verdicts
    })
    const storedBase64 = storedConfig({ [registry.host]: { username: registry.username, password: 'an-old-password' } })
    const failure = await gate({ namespaceId: NS, secretName: 'pull-secret', domains: [registry.host] })
      .checkStored(storedBase64, 42)
      .catch((error: unknown) => error)
    expect(heard).toHaveLength(1)
    expect(failure).toBe(heard[0].error)
    expect((failure as RegistryCheckError).message).toBe(
      `Registry ${registry.host} refused the Secret stored in cn-hangzhou:prod (SecretId 42) ` +
        `(HTTP 401 to GET /v2/ with Basic credentials) ${ACR_HINT}. ` +
        "Secret 'pull-secret' (SecretId 42) in cn-hangzhou:prod was left as it is (if-exists: skip), " +
        'so the deploy would pull with it, and it would fail. Set if-exists: update to write the new credentials. Nothing was written'
    )
  })

  test('checkStored resolves when the stored Secret still logs in; heard is told what was proved', async () => {
    const registry = await fake({ kind: 'basic' })
    const heard: CheckVerdicts[] = []
    const gate = writeGate(Promise.resolve({ passed: [], warnings: [] }), wanted, deps, (verdicts) => {
      heard.push(verdicts)
      return verdicts
    })
    const storedBase64 = storedConfig({ [registry.host]: { username: registry.username, password: registry.password } })
    await expect(
      gate({ namespaceId: NS, secretName: 'registry-auth', domains: [registry.host] }).checkStored(storedBase64, 42)
    ).resolves.toBeUndefined()
    expect(heard).toEqual([{ passed: [`Registry login accepted by ${registry.host} (Basic)`], warnings: [] }])
  })
})

test('a stored registry that neither the computed Secret nor images name is not asked at all', async () => {
  const named = await fake({ kind: 'basic' })
  const elsewhere = await fake({ kind: 'basic' })
  const storedBase64 = storedConfig({
    [named.host]: { username: named.username, password: named.password },
    [elsewhere.host]: { username: elsewhere.username, password: elsewhere.password }
  })
  const secret = { namespaceId: NS, secretName: 'registry-auth', secretId: 16, domains: [named.host], storedBase64 }
  const wanted: CheckWanted = { images: [], verifyLogin: true, network: 'public', ifUnverified: 'warn' }
  expect(await checkStoredSecret(secret, wanted, deps)).toEqual({
    passed: [`Registry login accepted by ${named.host} (Basic)`],
    warnings: []
  })
  expect(elsewhere.requests).toEqual([])
})

// verify-login against fake registries on loopback: what each answer means, where credentials go
// (and where they must not), the token's fate, and that all domains are checked at once.
import { afterEach, describe, expect, test } from '@jest/globals'
import { DOCKER_HUB_KEY } from '../src/docker-config.js'
import type { RegistryCredential } from '../src/model.js'
import { RegistryLoginError, verifyLogins, type LoginDeps, type LoginVerdict } from '../src/registry-login.js'
import { closedPort, INSECURE_REALM_HOST, routingAgents, startFakeRegistry } from './emulator/fake-registry.mjs'

type Fake = Awaited<ReturnType<typeof startFakeRegistry>>
type Router = ReturnType<typeof routingAgents>

const fakes: Fake[] = []
const routers: Router[] = []
afterEach(async () => {
  for (const router of routers.splice(0)) router.destroy()
  await Promise.all(fakes.splice(0).map((fake) => fake.stop()))
})

async function fake(options: Parameters<typeof startFakeRegistry>[0] = {}): Promise<Fake> {
  const started = await startFakeRegistry(options)
  fakes.push(started)
  return started
}

function router(options: Parameters<typeof routingAgents>[0] = {}): Router {
  const made = routingAgents(options)
  routers.push(made)
  return made
}

const MAIN = 'username and password'

function credential(domains: string[], username: string, password: string, source = MAIN): RegistryCredential {
  return { domains, username, password, source }
}

/** The registry's own credentials, for its host. */
const rightFor = (registry: Fake, source = MAIN) => credential([registry.host], registry.username, registry.password, source)
const wrongFor = (registry: Fake, source = MAIN) => credential([registry.host], registry.username, `${registry.password}-old`, source)

async function login(registries: RegistryCredential[], deps: Partial<LoginDeps> = {}): Promise<{ verdicts: LoginVerdict[]; masked: string[] }> {
  const masked: string[] = []
  const verdicts = await verifyLogins(registries, { mask: (value) => masked.push(value), ...deps })
  return { verdicts, masked }
}

const basicOf = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`

describe('accepted', () => {
  test('Bearer: the challenge leads to the token service on another port, asked with service, account and Basic credentials', async () => {
    const registry = await fake({ kind: 'bearer' })
    const { verdicts } = await login([rightFor(registry)])
    expect(verdicts).toEqual([{ domain: registry.host, outcome: 'accepted', how: `Bearer token from 127.0.0.1:${registry.tokenPort}` }])
    expect(registry.requests.map(({ server, method, path, query, authorization }) => ({ server, method, path, query, authorization }))).toEqual([
      { server: 'registry', method: 'GET', path: '/v2/', query: {}, authorization: undefined },
      {
        server: 'token',
        method: 'GET',
        path: '/token',
        query: { service: registry.service, account: registry.username },
        authorization: basicOf(registry.username, registry.password)
      }
    ])
  })

  test('Basic: GET /v2/ again with the credentials answers 200', async () => {
    const registry = await fake({ kind: 'basic' })
    const { verdicts } = await login([rightFor(registry)])
    expect(verdicts).toEqual([{ domain: registry.host, outcome: 'accepted', how: 'Basic' }])
    expect(registry.requests.map(({ path, authorization }) => [path, authorization])).toEqual([
      ['/v2/', undefined],
      ['/v2/', basicOf(registry.username, registry.password)]
    ])
  })

  test('credentials with non-ASCII characters and colons are sent as UTF-8 Basic credentials', async () => {
    const registry = await fake({ kind: 'bearer', username: 'dëploy', password: 'pa:ss wörd"\\' })
    const { verdicts } = await login([rightFor(registry)])
    expect(verdicts[0].outcome).toBe('accepted')
  })
})

describe('refused', () => {
  test('a 401 from the token service is a refusal naming the domain and the username and password inputs', async () => {
    const registry = await fake({ kind: 'bearer' })
    const { verdicts } = await login([wrongFor(registry)])
    expect(verdicts).toHaveLength(1)
    const [verdict] = verdicts
    expect(verdict).toMatchObject({ domain: registry.host, outcome: 'refused' })
    const error = (verdict as Extract<LoginVerdict, { outcome: 'refused' }>).error
    expect(error).toBeInstanceOf(RegistryLoginError)
    expect(error.code).toBe('RegistryLoginRefused')
    expect(error.message).toContain(`Registry ${registry.host} refused the username and password`)
    expect(error.message).toContain(`HTTP 401 from its token service 127.0.0.1:${registry.tokenPort}`)
    expect(error.message).toContain('Check the username and password inputs')
    expect(error.message).toContain('Nothing was written')
  })

  test('a 401 to Basic credentials is a refusal too', async () => {
    const registry = await fake({ kind: 'basic' })
    const { verdicts } = await login([wrongFor(registry)])
    expect(verdicts[0]).toMatchObject({ domain: registry.host, outcome: 'refused' })
    expect((verdicts[0] as Extract<LoginVerdict, { outcome: 'refused' }>).error.message).toContain('HTTP 401 to GET /v2/ with Basic credentials')
  })

  test('an extra registry refused names its item of extra-registries, and never the password', async () => {
    const registry = await fake({ kind: 'bearer' })
    const wrong = wrongFor(registry, 'item 2 of extra-registries')
    const { verdicts } = await login([wrong])
    const error = (verdicts[0] as Extract<LoginVerdict, { outcome: 'refused' }>).error
    expect(error.message).toContain(`Registry ${registry.host} refused the username and password`)
    expect(error.message).toContain('Check item 2 of extra-registries')
    expect(error.message).not.toContain(wrong.password)
  })

  test('several refused domains share one error that names each of them', async () => {
    const main = await fake({ kind: 'bearer' })
    const extra = await fake({ kind: 'basic' })
    const { verdicts } = await login([wrongFor(main), wrongFor(extra, 'item 1 of extra-registries')])
    const errors = verdicts.map((verdict) => (verdict as Extract<LoginVerdict, { outcome: 'refused' }>).error)
    expect(errors[0]).toBeInstanceOf(RegistryLoginError)
    // One error for the step's one ::error:: line, so fixing one refusal does not hide the next.
    expect(errors[1]).toBe(errors[0])
    expect(errors[0].message).toContain(`${main.host} (the username and password inputs: HTTP 401 from its token service`)
    expect(errors[0].message).toContain(`${extra.host} (item 1 of extra-registries: HTTP 401 to GET /v2/ with Basic credentials)`)
    expect(errors[0].domains).toEqual([main.host, extra.host])
  })
})

describe('unverified: the write goes ahead with a warning', () => {
  test('connection refused', async () => {
    const host = `127.0.0.1:${await closedPort()}`
    const { verdicts } = await login([credential([host], 'u', 'p')])
    expect(verdicts).toEqual([{ domain: host, outcome: 'unverified', reason: 'it could not be reached: ECONNREFUSED (nothing listens there)' }])
  })

  test('a registry that accepts the connection and never answers, within the answer timeout', async () => {
    const registry = await fake({ kind: 'silent' })
    const { verdicts } = await login([rightFor(registry)], { timeoutMs: 150 })
    expect(verdicts).toEqual([{ domain: registry.host, outcome: 'unverified', reason: 'it did not answer within 0.15 s' }])
    expect(registry.calls('registry')).toHaveLength(1)
  })

  test('a token service that answers 403 is not a refusal of the password', async () => {
    const registry = await fake({ kind: 'token-forbidden' })
    const { verdicts } = await login([rightFor(registry)])
    expect(verdicts).toEqual([{ domain: registry.host, outcome: 'unverified', reason: `its token service 127.0.0.1:${registry.tokenPort} answered HTTP 403` }])
  })

  test('a host that is not a registry (404 at /v2/)', async () => {
    const registry = await fake({ kind: 'not-registry' })
    const { verdicts } = await login([rightFor(registry)])
    expect(verdicts).toEqual([{ domain: registry.host, outcome: 'unverified', reason: "GET /v2/ answered HTTP 404, not the registry API's 401 challenge" }])
    expect(registry.requests.map((request) => request.authorization)).toEqual([undefined])
  })
})

describe('credentials and tokens', () => {
  test('the token is handed to mask and appears in no verdict', async () => {
    const registry = await fake({ kind: 'bearer' })
    const { verdicts, masked } = await login([rightFor(registry)])
    expect(registry.tokens).toHaveLength(1)
    expect(masked).toEqual(registry.tokens)
    expect(JSON.stringify(verdicts)).not.toContain(registry.tokens[0])
  })

  test('an access_token and a refresh_token that differ from the token are masked too', async () => {
    const registry = await fake({ kind: 'bearer', distinctTokens: true })
    const { verdicts, masked } = await login([rightFor(registry)])
    expect(verdicts[0].outcome).toBe('accepted')
    expect(registry.tokens).toHaveLength(3)
    expect(masked.sort()).toEqual([...registry.tokens].sort())
  })

  test('a plain-http token service on a host that is not loopback gets no credentials', async () => {
    const registry = await fake({ kind: 'bearer', insecureRealm: true })
    // The router would deliver a request for the realm to the fake's token service, so a sent credential would show there.
    const agents = router()
    const { verdicts, masked } = await login([rightFor(registry)], { agents })
    expect(verdicts).toEqual([
      {
        domain: registry.host,
        outcome: 'unverified',
        reason: `its token service http://${INSECURE_REALM_HOST}:${registry.tokenPort} is not HTTPS, so the credentials were not sent`
      }
    ])
    expect(agents.connections).toEqual([`http://${registry.host}`])
    expect(registry.calls('token')).toEqual([])
    expect(registry.requests.filter((request) => request.authorization !== undefined)).toEqual([])
    expect(masked).toEqual([])
  })

  test('a registry that is not loopback is asked over HTTPS; Docker Hub at registry-1.docker.io', async () => {
    const agents = router({ refuse: true })
    const { verdicts } = await login([credential(['registry.example.com:5000', DOCKER_HUB_KEY], 'u', 'p')], { agents })
    expect(agents.connections.sort()).toEqual(['https://registry-1.docker.io:443', 'https://registry.example.com:5000'])
    expect(verdicts.map((verdict) => [verdict.domain, verdict.outcome])).toEqual([
      ['registry.example.com:5000', 'unverified'],
      [DOCKER_HUB_KEY, 'unverified']
    ])
  })
})

describe('many domains', () => {
  test('the same domain with the same credentials (several namespaces) is logged in to once', async () => {
    const registry = await fake({ kind: 'bearer' })
    const { verdicts } = await login([rightFor(registry), rightFor(registry), credential([registry.host], registry.username, registry.password, 'item 1 of extra-registries')])
    expect(verdicts).toHaveLength(1)
    expect(registry.calls('registry')).toHaveLength(1)
    expect(registry.calls('token')).toHaveLength(1)
  })

  test('the same domain with other credentials is logged in to again', async () => {
    const registry = await fake({ kind: 'bearer' })
    const { verdicts } = await login([rightFor(registry), wrongFor(registry, 'item 1 of extra-registries')])
    expect(verdicts.map((verdict) => verdict.outcome)).toEqual(['accepted', 'refused'])
  })

  test('all domains are checked at once: every registry is asked before any has answered', async () => {
    const latencyMs = 300
    const registries = await Promise.all([1, 2, 3, 4, 5].map(() => fake({ kind: 'bearer', latencyMs })))
    const { verdicts } = await login(registries.map((registry) => rightFor(registry)))
    expect(verdicts.map((verdict) => verdict.outcome)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted'])
    // One after another, the fifth /v2/ would arrive two latencies after the first answer.
    const firstAsked = registries.map((registry) => registry.calls('registry')[0].receivedAt)
    const firstAnswered = registries.map((registry) => registry.calls('registry')[0].answeredAt!)
    const lastAsked = firstAsked.reduce((a, b) => (a > b ? a : b))
    const earliestAnswer = firstAnswered.reduce((a, b) => (a < b ? a : b))
    expect(lastAsked < earliestAnswer).toBe(true)
  })
})

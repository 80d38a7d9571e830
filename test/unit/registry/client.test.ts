// The registry client against fake registries on loopback (the login flow; runChecks for what the
// step makes of it): what each answer means, where credentials go (and where they must not), the
// token's fate, one error for every refusal, and that all registries are asked at once.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from '@jest/globals'
import { planChecks } from '../../../src/registry/check-plan.js'
import { DOCKER_HUB_KEY } from '../../../src/domain/hosts.js'
import type { CredentialOrigin, RegistryCredential } from '../../../src/domain/model.js'
import { RegistryCheckError, runChecks, type CheckVerdicts } from '../../../src/registry/checks.js'
import { login as loginTo, type RegistryDeps } from '../../../src/registry/client.js'
import { openConnections } from '../../../src/network/connections.js'
import {
  closedPort,
  INSECURE_REALM_HOST,
  routingAgents,
  startFakeRegistry
} from '../../../devkit/emulator/fake-registry.mjs'

type Fake = Awaited<ReturnType<typeof startFakeRegistry>>
type Router = ReturnType<typeof routingAgents>

const fakes: Fake[] = []
const routers: Router[] = []
const servers: http.Server[] = []
afterEach(async () => {
  for (const router of routers.splice(0)) router.destroy()
  await Promise.all(fakes.splice(0).map((fake) => fake.stop()))
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
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

/** A registry that asks for nothing: 200 to every request, with no challenge (a mirror open to anonymous pulls). */
async function openRegistry(): Promise<{
  host: string
  requests: { method?: string; path?: string; authorization?: string }[]
}> {
  const requests: { method?: string; path?: string; authorization?: string }[] = []
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method, path: request.url, authorization: request.headers.authorization })
    response
      .writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' })
      .end('{}')
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}

const MAIN: CredentialOrigin = { kind: 'main' }
const EXTRA = (item: number): CredentialOrigin => ({ kind: 'extra', item })

function credential(
  domains: string[],
  username: string,
  password: string,
  origin: CredentialOrigin = MAIN
): RegistryCredential {
  return { domains, username, password, origin }
}

/** The registry's own credentials, for its host. */
const rightFor = (registry: Fake, origin: CredentialOrigin = MAIN) =>
  credential([registry.host], registry.username, registry.password, origin)
const wrongFor = (registry: Fake, origin: CredentialOrigin = MAIN) =>
  credential([registry.host], registry.username, `${registry.password}-old`, origin)

/** verify-login for these registries, as the step runs it. */
async function login(
  registries: RegistryCredential[],
  deps: Partial<RegistryDeps> = {}
): Promise<{ verdicts: CheckVerdicts; masked: string[] }> {
  const masked: string[] = []
  const verdicts = await runChecks([planChecks(registries, [], true)], { mask: (value) => masked.push(value), ...deps })
  return { verdicts, masked }
}

/** The one host's answer, as the client reads it. */
async function answerOf(host: string, username: string, password: string, deps: Partial<RegistryDeps> = {}) {
  return loginTo(host, { username, password }, { mask: () => {}, ...deps })
}

const basicOf = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`

describe('accepted', () => {
  test('Bearer: the challenge leads to the token service on another port, asked with service, account and Basic credentials', async () => {
    const registry = await fake({ kind: 'bearer' })
    const { verdicts } = await login([rightFor(registry)])
    expect(verdicts).toEqual({
      passed: [`Registry login accepted by ${registry.host} (Bearer token from 127.0.0.1:${registry.tokenPort})`],
      warnings: []
    })
    expect(
      registry.requests.map(({ server, method, path, query, authorization }) => ({
        server,
        method,
        path,
        query,
        authorization
      }))
    ).toEqual([
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
    expect(verdicts).toEqual({ passed: [`Registry login accepted by ${registry.host} (Basic)`], warnings: [] })
    expect(registry.requests.map(({ path, authorization }) => [path, authorization])).toEqual([
      ['/v2/', undefined],
      ['/v2/', basicOf(registry.username, registry.password)]
    ])
  })

  test('credentials with non-ASCII characters and colons are sent as UTF-8 Basic credentials', async () => {
    const registry = await fake({ kind: 'bearer', username: 'dëploy', password: 'pa:ss wörd"\\' })
    expect(await answerOf(registry.host, 'dëploy', 'pa:ss wörd"\\')).toEqual({
      outcome: 'accepted',
      how: `Bearer token from 127.0.0.1:${registry.tokenPort}`
    })
  })
})

describe('refused', () => {
  test('a 401 from the token service is a refusal naming the domain and the username and password inputs', async () => {
    const registry = await fake({ kind: 'bearer' })
    const { verdicts } = await login([wrongFor(registry)])
    expect(verdicts.passed).toEqual([])
    const error = verdicts.error!
    expect(error).toBeInstanceOf(RegistryCheckError)
    expect(error.code).toBe('RegistryLoginRefused')
    expect(error.message).toContain(`Registry ${registry.host} refused the username and password`)
    expect(error.message).toContain(`HTTP 401 from its token service 127.0.0.1:${registry.tokenPort}`)
    expect(error.message).toContain('Check the username and password inputs')
    expect(error.message).toContain('Nothing was written')
  })

  test('a 401 to Basic credentials is a refusal too', async () => {
    const registry = await fake({ kind: 'basic' })
    const { verdicts } = await login([wrongFor(registry)])
    expect(verdicts.error!.message).toContain(
      `Registry ${registry.host} refused the username and password (HTTP 401 to GET /v2/ with Basic credentials)`
    )
  })

  test('an extra registry refused names its item of extra-registries, and never the password', async () => {
    const registry = await fake({ kind: 'bearer' })
    const wrong = wrongFor(registry, EXTRA(2))
    const { verdicts } = await login([wrong])
    const error = verdicts.error!
    expect(error.message).toContain(`Registry ${registry.host} refused the username and password`)
    expect(error.message).toContain('Check item 2 of extra-registries')
    expect(error.message).not.toContain(wrong.password)
  })

  test('several refused domains share one error that names each of them', async () => {
    const main = await fake({ kind: 'bearer' })
    const extra = await fake({ kind: 'basic' })
    const { verdicts } = await login([wrongFor(main), wrongFor(extra, EXTRA(1))])
    // One error for the step's one ::error:: line, so fixing one refusal does not hide the next.
    const error = verdicts.error!
    expect(error.message).toMatch(/^2 registries refused the username and password: /)
    expect(error.message).toContain(`${main.host} (the username and password inputs: HTTP 401 from its token service`)
    expect(error.message).toContain(
      `${extra.host} (item 1 of extra-registries: HTTP 401 to GET /v2/ with Basic credentials)`
    )
    expect(error.refusals.map((refusal) => refusal.kind === 'login' && refusal.host)).toEqual([main.host, extra.host])
  })
})

describe('unverified: the write goes ahead with a warning', () => {
  test('connection refused', async () => {
    const host = `127.0.0.1:${await closedPort()}`
    const { verdicts } = await login([credential([host], 'u', 'p')])
    expect(verdicts).toEqual({
      passed: [],
      warnings: [
        `Could not verify the registry login for ${host}: it could not be reached: ECONNREFUSED (nothing listens there); not a refusal, so it does not stop the Secret being written`
      ]
    })
  })

  test('a registry that accepts the connection and never answers, within the answer timeout', async () => {
    const registry = await fake({ kind: 'silent' })
    // No answer in time counts as not reached: an ACR twin would be worth asking.
    expect(await answerOf(registry.host, registry.username, registry.password, { timeoutMs: 150 })).toEqual({
      outcome: 'unverified',
      reason: 'it did not answer within 0.15 s',
      unreachable: true
    })
    expect(registry.calls('registry')).toHaveLength(1)
  })

  test('connection refused is not reached (an ACR twin would be worth asking); an answer that proves nothing is reached', async () => {
    const host = `127.0.0.1:${await closedPort()}`
    expect(await answerOf(host, 'u', 'p')).toEqual({
      outcome: 'unverified',
      reason: 'it could not be reached: ECONNREFUSED (nothing listens there)',
      unreachable: true
    })
    const registry = await fake({ kind: 'not-registry' })
    expect(await answerOf(registry.host, 'u', 'p')).not.toHaveProperty('unreachable')
  })

  test('a token service that answers 403 is not a refusal of the password', async () => {
    const registry = await fake({ kind: 'token-forbidden' })
    expect(await answerOf(registry.host, registry.username, registry.password)).toEqual({
      outcome: 'unverified',
      reason: `its token service 127.0.0.1:${registry.tokenPort} answered HTTP 403`
    })
  })

  test('an open registry (200 at /v2/, no challenge) is never a login accepted: the credentials were not checked, and are not sent', async () => {
    const registry = await openRegistry()
    expect(await answerOf(registry.host, 'u', 'p')).toEqual({
      outcome: 'unverified',
      reason: 'it let this runner in without credentials, so they could not be checked'
    })
    const { verdicts } = await login([credential([registry.host], 'u', 'p')])
    expect(verdicts).toEqual({
      passed: [],
      warnings: [
        `Could not verify the registry login for ${registry.host}: it let this runner in without credentials, so they could not be checked; not a refusal, so it does not stop the Secret being written`
      ]
    })
    expect(registry.requests).toEqual([
      { method: 'GET', path: '/v2/', authorization: undefined },
      { method: 'GET', path: '/v2/', authorization: undefined }
    ])
  })

  test('a host that is not a registry (404 at /v2/)', async () => {
    const registry = await fake({ kind: 'not-registry' })
    expect(await answerOf(registry.host, registry.username, registry.password)).toEqual({
      outcome: 'unverified',
      reason: "GET /v2/ answered HTTP 404, not the registry API's 401 challenge"
    })
    expect(registry.requests.map((request) => request.authorization)).toEqual([undefined])
  })
})

describe('if-unverified: fail', () => {
  test('a check that reached no verdict is a refusal of the run, named with why; warn keeps it a warning', async () => {
    const host = `127.0.0.1:${await closedPort()}`
    const plan = planChecks([credential([host], 'u', 'p')], [], true)
    const warned = await runChecks([plan], { mask: () => {} }, 'warn')
    expect(warned.error).toBeUndefined()
    expect(warned.warnings).toHaveLength(1)
    const failed = await runChecks([plan], { mask: () => {} }, 'fail')
    expect(failed.warnings).toEqual([])
    expect(failed.error).toBeInstanceOf(RegistryCheckError)
    expect(failed.error!.code).toBe('RegistryUnverified')
    expect(failed.error!.message).toBe(
      `The registry login for ${host} reached no verdict (if-unverified: fail): it could not be reached: ECONNREFUSED (nothing listens there). ` +
        'Nothing was written (if-unverified: fail); make the registry reachable from this runner, or set if-unverified: warn to write without a verdict'
    )
  })

  test('with a refusal in the same run, one error names both, under the refusal’s code', async () => {
    const refusing = await fake({ kind: 'bearer' })
    const host = `127.0.0.1:${await closedPort()}`
    const plan = planChecks([wrongFor(refusing), credential([host], 'u', 'p', EXTRA(1))], [], true)
    const verdicts = await runChecks([plan], { mask: () => {} }, 'fail')
    expect(verdicts.error!.code).toBe('RegistryLoginRefused')
    expect(verdicts.error!.message).toMatch(
      /^2 registry checks failed: registry 127\.0\.0\.1:\d+ refused .*; the registry login for 127\.0\.0\.1:\d+ reached no verdict \(if-unverified: fail\): it could not be reached: ECONNREFUSED/
    )
  })
})

describe('a proxy that does not answer', () => {
  test('is named, not the registry behind it; and it is no reason to try an ACR twin', async () => {
    const dead = `127.0.0.1:${await closedPort()}`
    // A registry that is not loopback (loopback is always direct); .test names resolve nowhere, and
    // through a proxy the name is the proxy's to resolve: nothing leaves the machine.
    const agents = openConnections({ HTTPS_PROXY: `http://${dead}` })
    try {
      expect(await answerOf('registry.proxied.test', 'u', 'p', { agents, proxies: agents.proxies })).toEqual({
        outcome: 'unverified',
        reason: `the proxy ${dead} could not be reached (the registry was not): ECONNREFUSED (nothing listens there); check the proxy URL in HTTPS_PROXY and that the proxy runs`
      })
    } finally {
      agents.close()
    }
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
    expect(verdicts.passed).toHaveLength(1)
    expect(registry.tokens).toHaveLength(3)
    expect(masked.sort()).toEqual([...registry.tokens].sort())
  })

  test('a plain-http token service on a host that is not loopback gets no credentials', async () => {
    const registry = await fake({ kind: 'bearer', insecureRealm: true })
    // The router would deliver a request for the realm to the fake's token service, so a sent credential would show there.
    const agents = router()
    const { verdicts, masked } = await login([rightFor(registry)], { agents })
    expect(verdicts.warnings).toEqual([
      `Could not verify the registry login for ${registry.host}: its token service http://${INSECURE_REALM_HOST}:${registry.tokenPort} is not HTTPS, so the credentials were not sent; not a refusal, so it does not stop the Secret being written`
    ])
    expect(agents.connections).toEqual([`http://${registry.host}`])
    expect(registry.calls('token')).toEqual([])
    // The challenge was asked for, so the filter below has a request to look at.
    expect(registry.requests.map(({ server, path }) => [server, path])).toEqual([['registry', '/v2/']])
    expect(registry.requests.filter((request) => request.authorization !== undefined)).toEqual([])
    expect(masked).toEqual([])
  })

  test.each([
    ['a link-local address', 'https://169.254.169.254/token', '169.254.169.254'],
    ['the metadata service', 'https://100.100.100.200/latest/token', '100.100.100.200'],
    ['an IPv6 link-local address', 'https://[fe80::1]/token', '[fe80::1]'],
    ['a link-local address in decimal', 'http://2852039166/token', '169.254.169.254']
  ])('a token service on %s gets no credentials: unverified, a warning', async (_what, realm, shown) => {
    const server = http.createServer((_request, response) =>
      response.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="s"` }).end()
    )
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
    // Agents that deliver every connection to loopback and record it: a request for the realm would show, and leave nothing.
    const agents = router()
    const { verdicts, masked } = await login([credential([host], 'u', 'p')], { agents })
    expect(verdicts.warnings).toEqual([
      `Could not verify the registry login for ${host}: its token service ${shown} is a link-local or metadata service address, so the credentials were not sent; not a refusal, so it does not stop the Secret being written`
    ])
    expect(agents.connections).toEqual([`http://${host}`])
    expect(masked).toEqual([])
  })

  test('a registry that is not loopback is asked over HTTPS; Docker Hub at registry-1.docker.io', async () => {
    const agents = router({ refuse: true })
    const { verdicts } = await login([credential(['registry.example.com:5000', DOCKER_HUB_KEY], 'u', 'p')], { agents })
    expect(agents.connections.sort()).toEqual(['https://registry-1.docker.io:443', 'https://registry.example.com:5000'])
    expect(verdicts.warnings.map((warning) => warning.split(':')[0])).toEqual([
      'Could not verify the registry login for registry.example.com',
      `Could not verify the registry login for ${DOCKER_HUB_KEY.split(':')[0]}`
    ])
  })
})

describe('many domains', () => {
  test('the same domain with the same credentials (several namespaces) is logged in to once', async () => {
    const registry = await fake({ kind: 'bearer' })
    const { verdicts } = await login([
      rightFor(registry),
      rightFor(registry),
      credential([registry.host], registry.username, registry.password, EXTRA(1))
    ])
    expect(verdicts.passed).toHaveLength(1)
    expect(registry.calls('registry')).toHaveLength(1)
    expect(registry.calls('token')).toHaveLength(1)
  })

  test('the same domain with other credentials is logged in to again', async () => {
    const registry = await fake({ kind: 'bearer' })
    const { verdicts } = await login([rightFor(registry), wrongFor(registry, EXTRA(1))])
    expect(verdicts.passed).toHaveLength(1)
    expect(verdicts.error!.message).toContain('Check item 1 of extra-registries')
  })

  test('all domains are checked at once: every registry is asked before any has answered', async () => {
    const latencyMs = 300
    const registries = await Promise.all([1, 2, 3, 4, 5].map(() => fake({ kind: 'bearer', latencyMs })))
    const { verdicts } = await login(registries.map((registry) => rightFor(registry)))
    expect(verdicts.passed).toHaveLength(5)
    // One after another, the fifth /v2/ would arrive two latencies after the first answer.
    const firstAsked = registries.map((registry) => registry.calls('registry')[0].receivedAt)
    const firstAnswered = registries.map((registry) => registry.calls('registry')[0].answeredAt!)
    const lastAsked = firstAsked.reduce((a, b) => (a > b ? a : b))
    const earliestAnswer = firstAnswered.reduce((a, b) => (a < b ? a : b))
    expect(lastAsked < earliestAnswer).toBe(true)
  })
})

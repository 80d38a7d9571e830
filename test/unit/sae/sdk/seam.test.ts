// The seam in the SDK's transport (seam.ts), pinned against the real `@alicloud/openapi-client`:
// every call goes through the run's agents (and so its proxy), and what the SDK drops of an answer
// (a gateway page's status, a throttled answer's rate-limit headers) reaches the caller. If an
// upgrade stops sending through httpx.request, these fail.
import { describe, expect, test } from '@jest/globals'
import https from 'node:https'
import { clientSettings, saeClientFactory } from '../../../../src/sae/clients.js'
import { openConnections, type RunConnections } from '../../../../src/network/connections.js'
import { buildDockerConfig, encodeDockerConfig, secretDataParameter } from '../../../../src/secret/docker-config.js'
import { ApiError } from '../../../../src/sae/sdk/api-errors.js'
import { Redactor } from '../../../../src/report/redaction.js'
import type { RetryClock } from '../../../../src/sae/sdk/retry.js'
import { withExchange } from '../../../../src/sae/sdk/seam.js'
import { tlsEmulatorAndProxy } from '../../../fixtures/tls.js'
import { closedPort, PROXIED_NAMES } from '../../../../devkit/harness/connect-proxy.mjs'

const KEY = { accessKeyId: 'LTAI5tSeamTest', accessKeySecret: 'seam-test-secret+/=' }
const NS = 'cn-hangzhou:prod'
/** Before each test, the TLS emulator and a CONNECT proxy; after it, both stopped and the connections it opened closed. */
const world = tlsEmulatorAndProxy(KEY, [NS])

function agentsFor(env: NodeJS.ProcessEnv): RunConnections {
  const connections = openConnections(env)
  world.opened.push(connections)
  return connections
}

function settingsWith(connections: RunConnections, clock: RetryClock, maxAttempts = 1) {
  const redactor = new Redactor()
  return clientSettings(
    { maxAttempts, timeoutSeconds: 30 },
    { userAgent: 'sae-image-pull-secret/test', redact: (text) => redactor.redact(text), connections },
    clock
  )
}

describe('through a proxy', () => {
  /** Real time, one attempt: a call that does not go through the proxy must not be hidden by a retry. */
  const clock: RetryClock = { now: () => Date.now(), sleep: async () => {}, random: () => 0.5 }

  function saeClient(connections: RunConnections, host = new URL(world.proxiedUrl()).host) {
    const endpoint = { protocol: 'https' as const, host, input: 'endpoint' }
    return saeClientFactory(KEY, settingsWith(connections, clock))(endpoint)
  }

  // THE SEAM PIN. The official SDK (@alicloud/openapi-client -> @alicloud/tea-typescript's doAction)
  // sends through `httpx.request` without an agent; withExchange hands it ours. If an upgrade
  // stops sending through httpx.request, or gives httpx an agent of its own, the call goes direct,
  // no CONNECT is seen, and this fails.
  test('a real SAE call through the official SDK goes through HTTPS_PROXY: one CONNECT to the endpoint', async () => {
    const client = saeClient(agentsFor({ HTTPS_PROXY: world.proxy.url }))
    expect(await client.listSecrets(NS)).toEqual([])
    expect(world.proxy.connects).toEqual([
      { target: new URL(world.proxiedUrl()).host, authorization: undefined, status: 200 }
    ])
    expect(world.sae.calls().map((call) => call.action)).toEqual(['ListSecrets'])
  })

  test('two calls reuse one tunnel: one CONNECT, one TLS handshake at the endpoint', async () => {
    const client = saeClient(agentsFor({ HTTPS_PROXY: world.proxy.url }))
    await client.listSecrets(NS)
    const config = buildDockerConfig([{ domains: ['registry.cn-hangzhou.aliyuncs.com'], username: 'u', password: 'p' }])
    const secretId = await client.createSecret(
      NS,
      'registry-auth',
      'kubernetes.io/dockerconfigjson',
      secretDataParameter(encodeDockerConfig(config))
    )
    expect(secretId).toBeGreaterThan(0)
    expect(world.sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
    expect(world.proxy.stats.connects).toBe(1)
    expect(world.sae.stats).toEqual({ connections: 1, tlsHandshakes: 1 })
  })

  test('credentials in the proxy URL arrive as Proxy-Authorization, decoded', async () => {
    await saeClient(agentsFor({ HTTPS_PROXY: 'http://deploy%40corp:p%40ss%3Aw%2Frd@' + world.proxy.host })).listSecrets(
      NS
    )
    expect(world.proxy.connects.map((connect) => connect.authorization)).toEqual([
      `Basic ${Buffer.from('deploy@corp:p@ss:w/rd').toString('base64')}`
    ])
  })

  test('a 407 to the CONNECT is ProxyRefused naming the proxy and the endpoint, nothing sent to the API', async () => {
    world.proxy.refuse(407)
    const failure = await saeClient(agentsFor({ HTTPS_PROXY: world.proxy.url }))
      .listSecrets(NS)
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ApiError)
    expect((failure as ApiError).code).toBe('ProxyRefused')
    expect((failure as ApiError).retryable).toBe(false)
    expect((failure as ApiError).message).toContain(
      `the proxy ${world.proxy.host} answered HTTP 407 to CONNECT ${new URL(world.proxiedUrl()).host}`
    )
    expect(world.sae.calls()).toEqual([])
  })

  test('a tunnel the proxy cannot open (502: nothing at the endpoint) is a retryable NetworkError naming the host and the proxy', async () => {
    const connections = agentsFor({ HTTPS_PROXY: world.proxy.url })
    const host = `${PROXIED_NAMES[0]}:${await closedPort()}`
    const failure = (await saeClient(connections, host)
      .listSecrets(NS)
      .catch((error: unknown) => error)) as ApiError
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure.message).toBe(
      `ListSecrets failed: NetworkError (no HTTP response): could not reach ${host} through the proxy ${world.proxy.host}: it answered HTTP 502 to CONNECT; check endpoint and the runner network`
    )
    expect(failure.retryable).toBe(true)
    expect(world.proxy.connects.map((connect) => [connect.target, connect.status])).toEqual([[host, 502]])
  })

  test('a request that brings its own agent keeps it (the seam only fills in a missing one)', async () => {
    const connections = agentsFor({ HTTPS_PROXY: world.proxy.url })
    const { default: httpx } = await import('httpx')
    const own = new https.Agent({ keepAlive: false })
    try {
      const response = await withExchange({ agents: connections }, () =>
        httpx.request(`${world.endpointUrl()}/`, { agent: own })
      )
      response.resume()
      expect(response.statusCode).toBe(404)
      expect(world.proxy.stats.connects).toBe(0)
    } finally {
      own.destroy()
    }
  })
})

describe('a connection opened ahead (network/preconnect.ts)', () => {
  const clock: RetryClock = { now: () => Date.now(), sleep: async () => {}, random: () => 0.5 }

  // THE PRECONNECT PIN. The SDK's requests (httpx's options: empty key, cert and ca, a timeout) must
  // name the same origin as the connection opened ahead, or the agent opens a second one and the
  // handshake ahead is wasted: then this sees two connections.
  test("the SDK's first call takes it: one connection, one TLS handshake at the endpoint", async () => {
    const connections = agentsFor({})
    const host = new URL(world.endpointUrl()).host
    await connections.preconnect([host])
    // The handshake ahead is over before anything is asked.
    while (world.sae.stats.tlsHandshakes < 1) await new Promise((resolve) => setImmediate(resolve))
    const endpoint = { protocol: 'https' as const, host, input: 'endpoint' }
    const client = saeClientFactory(KEY, settingsWith(connections, clock))(endpoint)
    expect(await client.listSecrets(NS)).toEqual([])
    expect(world.sae.calls().map((call) => call.action)).toEqual(['ListSecrets'])
    expect(world.sae.stats).toEqual({ connections: 1, tlsHandshakes: 1 })
  })
})

describe('what the SDK drops of an answer', () => {
  const slept: number[] = []
  const clock: RetryClock = { now: () => Date.now(), sleep: async (ms) => void slept.push(ms), random: () => 0 }
  const client = (maxAttempts: number) =>
    saeClientFactory(
      KEY,
      settingsWith(agentsFor({}), clock, maxAttempts)
    )({ protocol: 'https', host: new URL(world.endpointUrl()).host, input: 'endpoint' })
  const secretData = secretDataParameter(
    encodeDockerConfig(buildDockerConfig([{ domains: ['r.example.com'], username: 'u', password: 'p' }]))
  )

  test('a gateway’s HTML 414 to a write: its status reaches the error, nothing is retried or looked up', async () => {
    world.sae.inject({ action: 'CreateSecret', kind: 'html-414', times: 5 })
    const failure = (await client(4)
      .createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
      .catch((error: unknown) => error)) as ApiError
    expect(failure).toBeInstanceOf(ApiError)
    expect([failure.code, failure.status, failure.retryable, failure.mayHaveBeenApplied]).toEqual([
      'NonJsonResponse',
      414,
      false,
      false
    ])
    expect(world.sae.calls('CreateSecret')).toHaveLength(1)
  })

  test('a gateway’s HTML 502 to a write may hide an applied write: the caller must look', async () => {
    world.sae.inject({ action: 'CreateSecret', kind: 'html-502' })
    const failure = (await client(4)
      .createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
      .catch((error: unknown) => error)) as ApiError
    expect([failure.code, failure.status, failure.retryable, failure.mayHaveBeenApplied]).toEqual([
      'NonJsonResponse',
      502,
      true,
      true
    ])
  })

  test('a throttled answer’s x-ratelimit-user-api TimeLeft is the wait before the next attempt', async () => {
    slept.length = 0
    world.sae.inject({
      action: 'ListSecrets',
      kind: 'throttle',
      code: 'Throttling.User',
      status: 429,
      headers: { 'x-ratelimit-user-api': 'Limit:20,Remain:0,TimeLeft:1500' }
    })
    expect(await client(2).listSecrets(NS)).toEqual([])
    // TimeLeft itself, plus a jitter of up to a fifth of it (random() is 0 here).
    expect(slept).toEqual([1500])
    expect(world.sae.calls('ListSecrets')).toHaveLength(2)
  })
})

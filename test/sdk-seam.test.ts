// The seam in the SDK's transport (sdk-seam.ts), pinned against the real `@alicloud/openapi-client`:
// every call goes through the run's agents (and so its proxy), and what the SDK drops of an answer
// (a gateway page's status, a throttled answer's rate-limit headers) reaches the caller. If an
// upgrade stops sending through httpx.request, these fail.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import https from 'node:https'
import { clientSettings, saeClientFactory } from '../src/clients.js'
import { openConnections, type RunConnections } from '../src/connections.js'
import { buildDockerConfig, encodeDockerConfig, secretDataParameter } from '../src/docker-config.js'
import { ApiError } from '../src/errors.js'
import { Redactor } from '../src/redaction.js'
import type { RetryClock } from '../src/retry.js'
import { withExchange } from '../src/sdk-seam.js'
import { startEmulator } from './emulator/sae-emulator.mjs'
import { TLS, trustTestCertificate } from './fixtures/tls.js'
import { closedPort, startConnectProxy } from './harness/connect-proxy.mjs'

type Emulator = Awaited<ReturnType<typeof startEmulator>>
type Proxy = Awaited<ReturnType<typeof startConnectProxy>>

const KEY = { accessKeyId: 'LTAI5tSeamTest', accessKeySecret: 'seam-test-secret+/=' }
const NS = 'cn-hangzhou:prod'
trustTestCertificate()

let sae: Emulator
let proxy: Proxy
let opened: RunConnections[]
beforeEach(async () => {
  sae = await startEmulator({ keys: [KEY], namespaces: [NS], tls: TLS })
  proxy = await startConnectProxy()
  opened = []
})
afterEach(async () => {
  for (const connections of opened) connections.close()
  await proxy.stop()
  await sae.stop()
})

/** The TLS emulator under the name its certificate is for. */
const endpointUrl = () => sae.origin.replace('127.0.0.1', 'localhost')

function agentsFor(env: NodeJS.ProcessEnv): RunConnections {
  const connections = openConnections(env)
  opened.push(connections)
  return connections
}

function settingsWith(connections: RunConnections, clock: RetryClock, maxAttempts = 1) {
  const redactor = new Redactor()
  return clientSettings({ maxAttempts, timeoutSeconds: 30 }, { userAgent: 'sae-image-pull-secret/test', redact: (text) => redactor.redact(text), connections }, clock)
}

describe('through a proxy', () => {
  /** Real time, one attempt: a call that does not go through the proxy must not be hidden by a retry. */
  const clock: RetryClock = { now: () => Date.now(), sleep: async () => {}, random: () => 0.5 }

  function saeClient(connections: RunConnections, host = new URL(endpointUrl()).host) {
    const endpoint = { protocol: 'https' as const, host, input: 'endpoint' }
    return saeClientFactory(KEY, settingsWith(connections, clock))(endpoint)
  }

  // THE SEAM PIN. The official SDK (@alicloud/openapi-client -> @alicloud/tea-typescript's doAction)
  // sends through `httpx.request` without an agent; withExchange hands it ours. If an upgrade
  // stops sending through httpx.request, or gives httpx an agent of its own, the call goes direct,
  // no CONNECT is seen, and this fails.
  test('a real SAE call through the official SDK goes through HTTPS_PROXY: one CONNECT to the endpoint', async () => {
    const client = saeClient(agentsFor({ HTTPS_PROXY: proxy.url }))
    expect(await client.listSecrets(NS)).toEqual([])
    expect(proxy.connects).toEqual([{ target: new URL(endpointUrl()).host, authorization: undefined, status: 200 }])
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets'])
  })

  test('two calls reuse one tunnel: one CONNECT, one TLS handshake at the endpoint', async () => {
    const client = saeClient(agentsFor({ HTTPS_PROXY: proxy.url }))
    await client.listSecrets(NS)
    const config = buildDockerConfig([{ domains: ['registry.cn-hangzhou.aliyuncs.com'], username: 'u', password: 'p' }])
    const secretId = await client.createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretDataParameter(encodeDockerConfig(config)))
    expect(secretId).toBeGreaterThan(0)
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
    expect(proxy.stats.connects).toBe(1)
    expect(sae.stats).toEqual({ connections: 1, tlsHandshakes: 1 })
  })

  test('credentials in the proxy URL arrive as Proxy-Authorization, decoded', async () => {
    await saeClient(agentsFor({ HTTPS_PROXY: 'http://deploy%40corp:p%40ss%3Aw%2Frd@' + proxy.host })).listSecrets(NS)
    expect(proxy.connects.map((connect) => connect.authorization)).toEqual([`Basic ${Buffer.from('deploy@corp:p@ss:w/rd').toString('base64')}`])
  })

  test('a 407 to the CONNECT is ProxyRefused naming the proxy and the endpoint, nothing sent to the API', async () => {
    proxy.refuse(407)
    const failure = await saeClient(agentsFor({ HTTPS_PROXY: proxy.url }))
      .listSecrets(NS)
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ApiError)
    expect((failure as ApiError).code).toBe('ProxyRefused')
    expect((failure as ApiError).retryable).toBe(false)
    expect((failure as ApiError).message).toContain(`the proxy ${proxy.host} answered HTTP 407 to CONNECT ${new URL(endpointUrl()).host}`)
    expect(sae.calls()).toEqual([])
  })

  test('a tunnel the proxy cannot open (502: nothing at the endpoint) is a retryable NetworkError naming the host and the proxy', async () => {
    const connections = agentsFor({ HTTPS_PROXY: proxy.url })
    const host = `localhost:${await closedPort()}`
    const failure = (await saeClient(connections, host)
      .listSecrets(NS)
      .catch((error: unknown) => error)) as ApiError
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure.message).toBe(
      `ListSecrets failed: NetworkError (no HTTP response): could not reach ${host} through the proxy ${proxy.host}: it answered HTTP 502 to CONNECT; check endpoint and the runner network`
    )
    expect(failure.retryable).toBe(true)
    expect(proxy.connects.map((connect) => [connect.target, connect.status])).toEqual([[host, 502]])
  })

  test('a request that brings its own agent keeps it (the seam only fills in a missing one)', async () => {
    const connections = agentsFor({ HTTPS_PROXY: proxy.url })
    const { default: httpx } = await import('httpx')
    const own = new https.Agent({ keepAlive: false })
    try {
      const response = await withExchange({ agents: connections }, () => httpx.request(`${endpointUrl()}/`, { agent: own }))
      response.resume()
      expect(response.statusCode).toBe(404)
      expect(proxy.stats.connects).toBe(0)
    } finally {
      own.destroy()
    }
  })
})

describe('what the SDK drops of an answer', () => {
  const slept: number[] = []
  const clock: RetryClock = { now: () => Date.now(), sleep: async (ms) => void slept.push(ms), random: () => 0 }
  const client = (maxAttempts: number) =>
    saeClientFactory(KEY, settingsWith(agentsFor({}), clock, maxAttempts))({ protocol: 'https', host: new URL(endpointUrl()).host, input: 'endpoint' })
  const secretData = secretDataParameter(encodeDockerConfig(buildDockerConfig([{ domains: ['r.example.com'], username: 'u', password: 'p' }])))

  test('a gateway’s HTML 414 to a write: its status reaches the error, nothing is retried or looked up', async () => {
    sae.inject({ action: 'CreateSecret', kind: 'html-414', times: 5 })
    const failure = (await client(4)
      .createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
      .catch((error: unknown) => error)) as ApiError
    expect(failure).toBeInstanceOf(ApiError)
    expect([failure.code, failure.status, failure.retryable, failure.mayHaveBeenApplied]).toEqual(['NonJsonResponse', 414, false, false])
    expect(sae.calls('CreateSecret')).toHaveLength(1)
  })

  test('a gateway’s HTML 502 to a write may hide an applied write: the caller must look', async () => {
    sae.inject({ action: 'CreateSecret', kind: 'html-502' })
    const failure = (await client(4)
      .createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
      .catch((error: unknown) => error)) as ApiError
    expect([failure.code, failure.status, failure.retryable, failure.mayHaveBeenApplied]).toEqual(['NonJsonResponse', 502, true, true])
  })

  test('a throttled answer’s x-ratelimit-user-api TimeLeft is the wait before the next attempt', async () => {
    slept.length = 0
    sae.inject({ action: 'ListSecrets', kind: 'throttle', code: 'Throttling.User', status: 429, headers: { 'x-ratelimit-user-api': 'Limit:20,Remain:0,TimeLeft:1500' } })
    expect(await client(2).listSecrets(NS)).toEqual([])
    // TimeLeft itself, plus a jitter of up to a fifth of it (random() is 0 here).
    expect(slept).toEqual([1500])
    expect(sae.calls('ListSecrets')).toHaveLength(2)
  })
})

// proxy.ts: which proxy variables count, what a bad one says, and the seam that routes the
// Alibaba SDK's requests through the run's agents, pinned against the real SDK, a real CONNECT
// proxy and the TLS emulator (all on loopback).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import https from 'node:https'
import { join } from 'node:path'
import tls from 'node:tls'
import { saeClientFactory } from '../src/clients.js'
import { buildDockerConfig, encodeDockerConfig, secretDataParameter } from '../src/docker-config.js'
import { ApiError, RunnerEnvironmentError } from '../src/errors.js'
import { proxyAgents, proxyCredentials, routeSdkThrough, supportsProxyEnv, type ProxyAgents } from '../src/proxy.js'
import { Redactor } from '../src/redaction.js'
import type { RetryClock } from '../src/retry.js'
import { startEmulator } from './emulator/sae-emulator.mjs'
import { ROOT } from './harness/action-runner.mjs'
import { closedPort, startConnectProxy } from './harness/connect-proxy.mjs'

type Emulator = Awaited<ReturnType<typeof startEmulator>>
type Proxy = Awaited<ReturnType<typeof startConnectProxy>>

const KEY = { accessKeyId: 'LTAI5tProxyTest', accessKeySecret: 'proxy-test-secret+/=' }
const NS = 'cn-hangzhou:prod'
const CERT = readFileSync(join(ROOT, 'test', 'fixtures', 'self-signed-cert.pem'), 'utf8')
const TLS = { key: readFileSync(join(ROOT, 'test', 'fixtures', 'self-signed-key.pem'), 'utf8'), cert: CERT }

// The emulator's self-signed certificate, trusted the way NODE_EXTRA_CA_CERTS trusts it for the bundle.
const defaultCAs = tls.getCACertificates('default')
beforeAll(() => tls.setDefaultCACertificates([...defaultCAs, CERT]))
afterAll(() => tls.setDefaultCACertificates(defaultCAs))

let sae: Emulator
let proxy: Proxy
let agents: ProxyAgents | undefined
beforeEach(async () => {
  sae = await startEmulator({ keys: [KEY], namespaces: [NS], tls: TLS })
  proxy = await startConnectProxy()
  agents = undefined
})
afterEach(async () => {
  agents?.http.destroy()
  agents?.https.destroy()
  await proxy.stop()
  await sae.stop()
})

/** The TLS emulator under the name its certificate is for. */
const endpointUrl = () => sae.origin.replace('127.0.0.1', 'localhost')

/** One GET through an agent; resolves with the status, or the error's code. */
function get(url: string, agent: https.Agent): Promise<number | string> {
  return new Promise((resolve) => {
    const request = https.request(url, { agent }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
    })
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    request.end()
  })
}

function agentsFor(env: NodeJS.ProcessEnv): ProxyAgents {
  agents = proxyAgents(env)
  if (!agents) throw new Error('expected proxy agents')
  return agents
}

describe('proxyAgents: the runner’s variables', () => {
  test('none set (NO_PROXY alone included): undefined, and direct connections as before', () => {
    expect(proxyAgents({})).toBeUndefined()
    expect(proxyAgents({ NO_PROXY: 'localhost', no_proxy: '*' })).toBeUndefined()
    expect(proxyAgents({ HTTPS_PROXY: '  ', http_proxy: '' })).toBeUndefined()
  })

  test('names each protocol’s proxy as host:port, never its credentials', () => {
    const { proxies } = agentsFor({ HTTPS_PROXY: 'http://user:s3cr3t@proxy.corp.example:3128', HTTP_PROXY: 'http://plain.corp.example:8080' })
    expect(proxies).toEqual({ https: 'proxy.corp.example:3128', http: 'plain.corp.example:8080' })
  })

  test('the lower-case form wins over the upper-case one: the CONNECT goes to https_proxy', async () => {
    const upper = await startConnectProxy()
    try {
      const { https: agent, proxies } = agentsFor({ HTTPS_PROXY: upper.url, https_proxy: proxy.url })
      expect(proxies.https).toBe(proxy.host)
      expect(await get(`${endpointUrl()}/`, agent)).toBe(404)
      expect(proxy.connects.map((connect) => connect.target)).toEqual([new URL(endpointUrl()).host])
      expect(upper.stats.connects).toBe(0)
    } finally {
      await upper.stop()
    }
  })

  test('NO_PROXY is passed through: a listed host is reached directly, others through the proxy', async () => {
    const bypass = agentsFor({ HTTPS_PROXY: proxy.url, NO_PROXY: 'registry.example,localhost' })
    expect(await get(`${endpointUrl()}/`, bypass.https)).toBe(404)
    expect(proxy.stats.connects).toBe(0)
    expect(sae.stats.connections).toBe(1)

    // no_proxy wins over NO_PROXY, as for the proxy variables.
    const lower = proxyAgents({ HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost', no_proxy: 'registry.example' })!
    try {
      expect(await get(`${endpointUrl()}/`, lower.https)).toBe(404)
      expect(proxy.stats.connects).toBe(1)
    } finally {
      lower.https.destroy()
    }
  })

  test('a malformed proxy URL is a RunnerEnvironmentError naming the variable, without the URL or its credentials', () => {
    for (const [name, value] of [
      ['HTTPS_PROXY', 'http://proxyuser:s3cr3t-pw@'],
      ['https_proxy', 'proxyuser:s3cr3t-pw@proxy.corp.example:3128'],
      ['HTTP_PROXY', 'socks5://proxyuser:s3cr3t-pw@proxy.corp.example:1080'],
      ['http_proxy', 'not a url, s3cr3t-pw']
    ]) {
      let error: unknown
      try {
        proxyAgents({ [name]: value })
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(RunnerEnvironmentError)
      const message = (error as Error).message
      expect(message.startsWith(`${name} must be a proxy URL`)).toBe(true)
      expect(message).not.toContain('s3cr3t-pw')
      expect(message).not.toContain('proxyuser')
    }
  })

  test('on a Node.js without agent proxy support: a RunnerEnvironmentError naming the variable and the version', () => {
    expect(() => proxyAgents({ https_proxy: 'http://proxyuser:s3cr3t-pw@proxy.corp.example:3128' }, '24.4.1')).toThrow(
      new RunnerEnvironmentError(
        "https_proxy is set, but this runner's Node.js 24.4.1 cannot tunnel through a proxy (Node.js 24.5 or later can); update the runner"
      )
    )
  })
})

describe('proxyCredentials: what to mask', () => {
  test('the decoded password and user:password of each proxy URL, and the password as written', () => {
    expect(proxyCredentials({ HTTPS_PROXY: 'http://me:p%40ss@127.0.0.1:3128', http_proxy: 'http://other:word@127.0.0.1:3129' })).toEqual([
      'p@ss',
      'me:p@ss',
      'p%40ss',
      'word',
      'other:word',
      'word'
    ])
  })

  test('nothing without credentials, or without a proxy', () => {
    expect(proxyCredentials({ HTTPS_PROXY: 'http://127.0.0.1:3128' })).toEqual([])
    expect(proxyCredentials({})).toEqual([])
  })
})

describe('supportsProxyEnv', () => {
  test.each([
    ['24.4.0', false],
    ['24.5.0', true],
    ['24.21.0', true],
    ['22.20.0', false],
    ['22.21.0', true],
    ['23.11.0', false],
    ['20.19.0', false],
    ['26.0.0', true]
  ])('Node.js %s: %s', (version, expected) => {
    expect(supportsProxyEnv(version)).toBe(expected)
  })
})

describe('routeSdkThrough: the seam in the SDK’s transport', () => {
  /** Real time, one attempt: a call that does not go through the proxy must not be hidden by a retry. */
  const clock: RetryClock = { now: () => Date.now(), sleep: async () => {}, random: () => 0.5 }

  function saeClient(runAgents: ProxyAgents, host = new URL(endpointUrl()).host) {
    const endpoint = { protocol: 'https' as const, host, input: 'endpoint' }
    const settings = {
      userAgent: 'sae-image-pull-secret/test',
      redactor: new Redactor(),
      agents: runAgents,
      retry: { policy: { maxAttempts: 1, deadline: Date.now() + 30_000 }, clock }
    }
    return saeClientFactory(KEY, settings)(endpoint)
  }

  // THE SEAM PIN. The official SDK (@alicloud/openapi-client -> @alicloud/tea-typescript's doAction)
  // sends through `httpx.request` without an agent; routeSdkThrough hands it ours. If an upgrade
  // stops sending through httpx.request, or gives httpx an agent of its own, the call goes direct,
  // no CONNECT is seen, and this fails.
  test('a real SAE call through the official SDK goes through HTTPS_PROXY: one CONNECT to the endpoint', async () => {
    routeSdkThrough(agentsFor({ HTTPS_PROXY: proxy.url }))
    const client = saeClient(agents!)
    expect(await client.listSecrets(NS)).toEqual([])
    expect(proxy.connects).toEqual([{ target: new URL(endpointUrl()).host, authorization: undefined, status: 200 }])
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets'])
  })

  test('two calls reuse one tunnel: one CONNECT, one TLS handshake at the endpoint', async () => {
    routeSdkThrough(agentsFor({ HTTPS_PROXY: proxy.url }))
    const client = saeClient(agents!)
    await client.listSecrets(NS)
    const config = buildDockerConfig([{ domains: ['registry.cn-hangzhou.aliyuncs.com'], username: 'u', password: 'p' }])
    const secretId = await client.createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretDataParameter(encodeDockerConfig(config)))
    expect(secretId).toBeGreaterThan(0)
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
    expect(proxy.stats.connects).toBe(1)
    expect(sae.stats).toEqual({ connections: 1, tlsHandshakes: 1 })
  })

  test('credentials in the proxy URL arrive as Proxy-Authorization, decoded', async () => {
    routeSdkThrough(agentsFor({ HTTPS_PROXY: 'http://deploy%40corp:p%40ss%3Aw%2Frd@' + proxy.host }))
    await saeClient(agents!).listSecrets(NS)
    expect(proxy.connects.map((connect) => connect.authorization)).toEqual([`Basic ${Buffer.from('deploy@corp:p@ss:w/rd').toString('base64')}`])
  })

  test('a 407 to the CONNECT is ProxyRefused naming the proxy and the endpoint, nothing sent to the API', async () => {
    proxy.refuse(407)
    routeSdkThrough(agentsFor({ HTTPS_PROXY: proxy.url }))
    const failure = await saeClient(agents!)
      .listSecrets(NS)
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ApiError)
    expect((failure as ApiError).code).toBe('ProxyRefused')
    expect((failure as ApiError).retryable).toBe(false)
    expect((failure as ApiError).message).toContain(`the proxy ${proxy.host} answered HTTP 407 to CONNECT ${new URL(endpointUrl()).host}`)
    expect(sae.calls()).toEqual([])
  })

  test('a tunnel the proxy cannot open (502: nothing at the endpoint) is a retryable NetworkError naming the host and the proxy', async () => {
    routeSdkThrough(agentsFor({ HTTPS_PROXY: proxy.url }))
    const host = `localhost:${await closedPort()}`
    const failure = (await saeClient(agents!, host)
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
    routeSdkThrough(agentsFor({ HTTPS_PROXY: proxy.url }))
    const { default: httpx } = await import('httpx')
    const own = new https.Agent({ keepAlive: false })
    try {
      const response = await httpx.request(`${endpointUrl()}/`, { agent: own })
      response.resume()
      expect(response.statusCode).toBe(404)
      expect(proxy.stats.connects).toBe(0)
    } finally {
      own.destroy()
    }
  })
})

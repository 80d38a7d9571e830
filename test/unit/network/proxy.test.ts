// proxy.ts and connections.ts: which proxy variables count, what a bad one says, and the run's
// agents tunnelling through them, against a CONNECT proxy and the TLS emulator (all on loopback).
import { describe, expect, test } from '@jest/globals'
import http from 'node:http'
import https from 'node:https'
import { openConnections, type RunConnections } from '../../../src/network/connections.js'
import { RunnerEnvironmentError } from '../../../src/domain/errors.js'
import { proxyCredentials, proxySettings, supportsProxyEnv } from '../../../src/network/proxy.js'
import { tlsEmulatorAndProxy } from '../../fixtures/tls.js'
import { startConnectProxy } from '../../../devkit/harness/connect-proxy.mjs'

const KEY = { accessKeyId: 'LTAI5tProxyTest', accessKeySecret: 'proxy-test-secret+/=' }
const NS = 'cn-hangzhou:prod'
/** Before each test, the TLS emulator and a CONNECT proxy; after it, both stopped and the connections it opened closed. */
const world = tlsEmulatorAndProxy(KEY, [NS])

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

function agentsFor(env: NodeJS.ProcessEnv): RunConnections {
  const connections = openConnections(env)
  world.opened.push(connections)
  return connections
}

describe('proxySettings: the runner’s variables', () => {
  test('none set (NO_PROXY alone included): undefined, and direct connections as before', () => {
    expect(proxySettings({})).toBeUndefined()
    expect(proxySettings({ NO_PROXY: 'localhost', no_proxy: '*' })).toBeUndefined()
    expect(proxySettings({ HTTPS_PROXY: '  ', http_proxy: '' })).toBeUndefined()
  })

  test('names each protocol’s proxy as host:port, never its credentials', () => {
    const { proxies } = agentsFor({
      HTTPS_PROXY: 'http://user:s3cr3t@proxy.corp.example:3128',
      HTTP_PROXY: 'http://plain.corp.example:8080'
    })
    expect(proxies).toEqual({ https: 'proxy.corp.example:3128', http: 'plain.corp.example:8080' })
  })

  test('without proxy variables the run’s agents connect directly', async () => {
    const direct = agentsFor({})
    expect(direct.proxies).toEqual({})
    expect(await get(`${world.endpointUrl()}/`, direct.https)).toBe(404)
    expect(world.proxy.stats.connections).toBe(0)
    expect(world.sae.stats.connections).toBe(1)
  })

  test('the lower-case form wins over the upper-case one: the CONNECT goes to https_proxy', async () => {
    const upper = await startConnectProxy()
    try {
      const { https: agent, proxies } = agentsFor({ HTTPS_PROXY: upper.url, https_proxy: world.proxy.url })
      expect(proxies.https).toBe(world.proxy.host)
      expect(await get(`${world.proxiedUrl()}/`, agent)).toBe(404)
      expect(world.proxy.connects.map((connect) => connect.target)).toEqual([new URL(world.proxiedUrl()).host])
      expect(upper.stats.connects).toBe(0)
    } finally {
      await upper.stop()
    }
  })

  test('NO_PROXY is passed through: a listed host is not tunnelled (here: it goes direct, and resolves nowhere), others are', async () => {
    const bypass = agentsFor({ HTTPS_PROXY: world.proxy.url, NO_PROXY: 'registry.example,sae.proxied.test' })
    expect(await get(`${world.proxiedUrl()}/`, bypass.https)).toBe('ENOTFOUND')
    expect(world.proxy.stats.connects).toBe(0)

    // no_proxy wins over NO_PROXY, as for the proxy variables.
    const lower = agentsFor({
      HTTPS_PROXY: world.proxy.url,
      NO_PROXY: 'sae.proxied.test',
      no_proxy: 'registry.example'
    })
    expect(await get(`${world.proxiedUrl()}/`, lower.https)).toBe(404)
    expect(world.proxy.stats.connects).toBe(1)
  })

  test.each([
    ['localhost', 'localhost'],
    ['127.0.0.1', '127.0.0.1'],
    ['another address of 127.0.0.0/8', '127.0.0.2']
  ])('loopback is always direct, whatever NO_PROXY says: HTTPS to %s', async (_what, host) => {
    const connections = agentsFor({
      HTTPS_PROXY: world.proxy.url,
      HTTP_PROXY: world.proxy.url,
      NO_PROXY: 'registry.example'
    })
    const url = world.endpointUrl().replace('localhost', host)
    // Nothing listens at 127.0.0.2: reached direct, it is refused; through the proxy, a CONNECT would show.
    expect([404, 'ECONNREFUSED']).toContain(await get(`${url}/`, connections.https))
    expect(world.proxy.stats.connections).toBe(0)
  })

  test('loopback is always direct for plain HTTP too, [::1] included: no Authorization header reaches the proxy', async () => {
    const seen: string[] = []
    const server = http.createServer((request, response) => {
      seen.push(`${request.headers.authorization}`)
      response.end()
    })
    // Every address, IPv4 and IPv6 (no host: nothing to look up).
    await new Promise<void>((resolve) => server.listen(0, resolve))
    try {
      const connections = agentsFor({ HTTP_PROXY: world.proxy.url, http_proxy: world.proxy.url })
      const port = (server.address() as { port: number }).port
      for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
        await new Promise<void>((resolve, reject) => {
          const request = http.request(`http://${host}:${port}/v2/`, {
            agent: connections.http,
            headers: { authorization: 'Basic dTpw' }
          })
          request.on('response', (response) => response.resume().on('end', () => resolve()))
          request.on('error', reject)
          request.end()
        })
      }
      expect(seen).toEqual(['Basic dTpw', 'Basic dTpw', 'Basic dTpw'])
      expect(world.proxy.stats.connections).toBe(0)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
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
        proxySettings({ [name]: value })
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
    expect(() =>
      proxySettings({ https_proxy: 'http://proxyuser:s3cr3t-pw@proxy.corp.example:3128' }, '24.4.1')
    ).toThrow(
      new RunnerEnvironmentError(
        "https_proxy is set, but this runner's Node.js 24.4.1 cannot tunnel through a proxy (Node.js 24.5 or later can); update the runner"
      )
    )
  })
})

describe('proxyCredentials: what to mask', () => {
  test('the decoded password and user:password of each proxy URL, and the password as written', () => {
    expect(
      proxyCredentials({
        HTTPS_PROXY: 'http://me:p%40ss@127.0.0.1:3128',
        http_proxy: 'http://other:word@127.0.0.1:3129'
      })
    ).toEqual(['p@ss', 'me:p@ss', 'p%40ss', 'word', 'other:word', 'word'])
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

describe('closing the run’s connections', () => {
  test('a proxy that keeps its connection open after a 407 (as squid does) holds a socket until close() destroys it', async () => {
    const holding = await startConnectProxy({ refuse: 407, keepOpen: true })
    try {
      const connections = agentsFor({ HTTPS_PROXY: holding.url })
      expect(await get(`${world.proxiedUrl()}/`, connections.https)).toBe('ERR_PROXY_TUNNEL')
      // The refused tunnel's socket is still open at the proxy: this is what kept the process alive for minutes.
      expect(holding.openConnections()).toBe(1)
      connections.close()
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(holding.openConnections()).toBe(0)
    } finally {
      await holding.stop()
    }
  })

  test('a request in flight when the step ends (a server that never answers) fails at once', async () => {
    const silent = http.createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const connections = agentsFor({})
      const pending = new Promise((resolve) => {
        const request = http.request(
          `http://127.0.0.1:${(silent.address() as { port: number }).port}/v2/`,
          { agent: connections.http },
          () => resolve('answered')
        )
        request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code))
        request.end()
      })
      await new Promise((resolve) => setTimeout(resolve, 100))
      connections.close()
      expect(await pending).toBe('ECONNRESET')
    } finally {
      silent.closeAllConnections()
      await new Promise((resolve) => silent.close(resolve))
    }
  })
})

// preconnect.ts, through the run's connections (connections.ts): a connection opened ahead carries
// nothing until a request takes it, the first request for its origin takes it (one connection, one TLS
// handshake), a failed one costs nothing but a new connection, none is opened through a proxy, and
// close() destroys what no request took. Pinned on Node's agents through their public seam
// (`createConnection`), against TLS servers on loopback.
import { afterEach, describe, expect, test } from '@jest/globals'
import dc from 'node:diagnostics_channel'
import https from 'node:https'
import tls from 'node:tls'
import type { AddressInfo, Socket } from 'node:net'
import { openConnections, type RunConnections } from '../../../src/network/connections.js'
import { originOf, PreconnectingAgent } from '../../../src/network/preconnect.js'
import { closedPort, startConnectProxy } from '../../../devkit/harness/connect-proxy.mjs'
import { TLS, trustTestCertificate } from '../../fixtures/tls.js'

trustTestCertificate()

/** A TLS server on 127.0.0.1 that speaks just enough HTTP/1.1 (keep-alive, `ok`), and keeps every byte it received per connection. */
interface Server {
  port: number
  host: string
  /** Per accepted connection (TLS done), in order: the bytes received on it, and a promise that settles when it closes. */
  connections: { received: () => string; closed: Promise<void>; socket: tls.TLSSocket }[]
  /** Settles when `count` connections have finished their TLS handshake. */
  accepted(count: number): Promise<void>
}

const opened: RunConnections[] = []
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const connections of opened.splice(0)) connections.close()
  for (const stop of stops.splice(0)) await stop()
})

function connect(env: NodeJS.ProcessEnv = {}): RunConnections {
  const connections = openConnections(env)
  opened.push(connections)
  return connections
}

async function serve(): Promise<Server> {
  const waiting: { count: number; resolve: () => void }[] = []
  const server: Server = {
    port: 0,
    host: '',
    connections: [],
    accepted: (count) =>
      server.connections.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push({ count, resolve }))
  }
  const listening = tls.createServer(TLS, (socket) => {
    let received = ''
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
      // One answer per request head: enough for GET without a body.
      const heads = received.split('\r\n\r\n').length - 1
      const answered = (socket as unknown as { answered?: number }).answered ?? 0
      for (let i = answered; i < heads; i++)
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok')
      ;(socket as unknown as { answered?: number }).answered = heads
    })
    socket.on('error', () => {})
    server.connections.push({
      received: () => received,
      closed: new Promise((resolve) => socket.once('close', () => resolve())),
      socket
    })
    for (const wait of waiting.filter(({ count }) => server.connections.length >= count)) wait.resolve()
  })
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve))
  server.port = (listening.address() as AddressInfo).port
  server.host = `127.0.0.1:${server.port}`
  stops.push(async () => {
    for (const { socket } of server.connections) socket.destroy()
    await new Promise((resolve) => listening.close(resolve))
  })
  return server
}

/** One GET through the run's HTTPS agent: its status and the socket it went over, or the request's error code. */
function get(connections: RunConnections, url: string): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { agent: connections.https }, (response) => {
      response.resume()
      response.on('end', () => resolve({ status: response.statusCode ?? 0, socket: request.socket as Socket }))
    })
    request.on('error', reject)
    request.end()
  })
}

/** Every client socket opened while `body` runs (Node publishes each on this channel). */
async function socketsOpenedBy<T>(body: () => Promise<T>): Promise<{ result: T; sockets: Socket[] }> {
  const sockets: Socket[] = []
  const track = (message: unknown) => sockets.push((message as { socket: Socket }).socket)
  dc.subscribe('net.client.socket', track)
  try {
    return { result: await body(), sockets }
  } finally {
    dc.unsubscribe('net.client.socket', track)
  }
}

describe('originOf', () => {
  test('host[:port] as a URL writes it: port 443 when none is written, an IPv6 literal without brackets', () => {
    expect(originOf('sae.cn-hangzhou.aliyuncs.com')).toEqual({ hostname: 'sae.cn-hangzhou.aliyuncs.com', port: 443 })
    expect(originOf('registry.example:5000')).toEqual({ hostname: 'registry.example', port: 5000 })
    expect(originOf('[::1]:8443')).toEqual({ hostname: '::1', port: 8443 })
    expect(originOf('[::1]')).toEqual({ hostname: '::1', port: 443 })
  })
})

describe('a connection opened ahead', () => {
  test('is open (TLS done) before any request, and the first request for its origin goes over it: one connection, one handshake', async () => {
    const server = await serve()
    const connections = connect()
    connections.preconnect([server.host])
    await server.accepted(1)
    expect(server.connections[0].received()).toBe('')
    const { status } = await get(connections, `https://${server.host}/v2/`)
    expect(status).toBe(200)
    expect(server.connections).toHaveLength(1)
  })

  test('carries nothing before its request: the first bytes the server reads on it are that request’s line', async () => {
    const server = await serve()
    const connections = connect()
    connections.preconnect([server.host])
    await server.accepted(1)
    await get(connections, `https://${server.host}/v2/?first`)
    expect(server.connections[0].received()).toMatch(/^GET \/v2\/\?first HTTP\/1\.1\r\n/)
  })

  test('opens once per origin, however often it is asked; a second request meanwhile opens its own', async () => {
    const server = await serve()
    const connections = connect()
    connections.preconnect([server.host, server.host])
    connections.preconnect([server.host])
    await server.accepted(1)
    const [first, second] = await Promise.all([
      get(connections, `https://${server.host}/a`),
      get(connections, `https://${server.host}/b`)
    ])
    expect([first.status, second.status]).toEqual([200, 200])
    expect(first.socket).not.toBe(second.socket)
    expect(server.connections).toHaveLength(2)
  })

  test('is not taken by a request for another origin', async () => {
    const one = await serve()
    const other = await serve()
    const connections = connect()
    connections.preconnect([one.host])
    await one.accepted(1)
    await get(connections, `https://${other.host}/v2/`)
    expect(one.connections[0].received()).toBe('')
    expect(other.connections).toHaveLength(1)
  })

  test('that could not be made, asked for at once: the request takes it and fails as it would have, and nothing crashes', async () => {
    const port = await closedPort()
    const connections = connect()
    const { result, sockets } = await socketsOpenedBy(async () => {
      connections.preconnect([`127.0.0.1:${port}`])
      return get(connections, `https://127.0.0.1:${port}/v2/`).catch((error: NodeJS.ErrnoException) => error.code)
    })
    expect(result).toBe('ECONNREFUSED')
    expect(sockets).toHaveLength(1)
  })

  test('that had already failed when asked for: the request opens a new one, which fails as it would have', async () => {
    const port = await closedPort()
    const connections = connect()
    const { result, sockets } = await socketsOpenedBy(async () => {
      connections.preconnect([`127.0.0.1:${port}`])
      return 0
    })
    expect(result).toBe(0)
    await new Promise((resolve) => sockets[0].once('close', resolve))
    const { result: code, sockets: later } = await socketsOpenedBy(() =>
      get(connections, `https://127.0.0.1:${port}/v2/`).catch((error: NodeJS.ErrnoException) => error.code)
    )
    expect(code).toBe('ECONNREFUSED')
    expect(later).toHaveLength(1)
    expect(later[0]).not.toBe(sockets[0])
  })

  test('closed by the server before any request: the request opens a new one', async () => {
    const server = await serve()
    const connections = connect()
    const { sockets } = await socketsOpenedBy(async () => connections.preconnect([server.host]))
    await server.accepted(1)
    server.connections[0].socket.destroy()
    await new Promise((resolve) => sockets[0].once('close', resolve))
    expect((await get(connections, `https://${server.host}/v2/`)).status).toBe(200)
    expect(server.connections).toHaveLength(2)
  })

  test('that no request took is destroyed by close(), as is the server’s end of it', async () => {
    const server = await serve()
    const connections = connect()
    const { sockets } = await socketsOpenedBy(async () => connections.preconnect([server.host]))
    await server.accepted(1)
    connections.close()
    expect(sockets.map((socket) => socket.destroyed)).toEqual([true])
    await server.connections[0].closed
  })
})

describe('PreconnectingAgent.destroy()', () => {
  test('destroys a connection opened ahead that no request took, with everything else the agent holds', async () => {
    const server = await serve()
    const agent = new PreconnectingAgent({ keepAlive: true })
    const { sockets } = await socketsOpenedBy(async () => agent.preconnect(server.host))
    await server.accepted(1)
    agent.destroy()
    expect(sockets.map((socket) => socket.destroyed)).toEqual([true])
    await server.connections[0].closed
  })
})

describe('through a proxy', () => {
  test('HTTPS_PROXY set: nothing is opened ahead, neither to the host nor to the proxy', async () => {
    const server = await serve()
    const proxy = await startConnectProxy()
    stops.push(() => proxy.stop())
    const connections = connect({ HTTPS_PROXY: proxy.url })
    const { sockets } = await socketsOpenedBy(async () => connections.preconnect([server.host, 'sae.proxied.test']))
    expect(sockets).toEqual([])
    expect(proxy.stats.connections).toBe(0)
  })

  test('HTTP_PROXY alone (plain HTTP only): HTTPS hosts are still opened ahead, direct', async () => {
    const server = await serve()
    const connections = connect({ HTTP_PROXY: 'http://127.0.0.1:9' })
    connections.preconnect([server.host])
    await server.accepted(1)
    expect((await get(connections, `https://${server.host}/v2/`)).status).toBe(200)
    expect(server.connections).toHaveLength(1)
  })
})

// connections.ts: the run's keep-alive agents (through the runner's proxy when one is set), and
// close(), which destroys every client socket the run opened, in the agents or not, so nothing
// is left to keep the process alive when the step ends. Servers on loopback only.
import { afterEach, describe, expect, test } from '@jest/globals'
import http from 'node:http'
import https from 'node:https'
import net, { type AddressInfo, type Socket } from 'node:net'
import { openConnections, type RunConnections } from '../../../src/network/connections.js'
import { CERT, TLS } from '../../fixtures/tls.js'

interface Server {
  port: number
  /** Each connection the server accepted, with a promise that settles when it closes. */
  accepted: { socket: Socket; closed: Promise<void> }[]
  /** The request targets it received, as written on the request line. */
  targets: string[]
  headers: http.IncomingHttpHeaders[]
  /** Settles when the server has received `count` requests. */
  received(count: number): Promise<void>
}

const opened: RunConnections[] = []
const servers: (http.Server | https.Server)[] = []
const strays: Socket[] = []
afterEach(async () => {
  for (const connections of opened.splice(0)) connections.close()
  for (const socket of strays.splice(0)) socket.destroy()
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    })
  )
})

function connect(env: NodeJS.ProcessEnv): RunConnections {
  const connections = openConnections(env)
  opened.push(connections)
  return connections
}

/** A server on 127.0.0.1: `answer` false, it takes requests and never answers them. */
async function serve(options: { tls?: boolean; answer?: boolean } = {}): Promise<Server> {
  const answer = options.answer ?? true
  const waiting: { count: number; resolve: () => void }[] = []
  const server: Server = {
    port: 0,
    accepted: [],
    targets: [],
    headers: [],
    received: (count) =>
      server.targets.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))
  }
  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
    server.targets.push(request.url ?? '')
    server.headers.push(request.headers)
    for (const wait of waiting.filter(({ count }) => server.targets.length >= count)) wait.resolve()
    request.resume()
    if (answer) response.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  }
  const listening = options.tls ? https.createServer(TLS, handler) : http.createServer(handler)
  listening.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) =>
    server.accepted.push({ socket, closed: new Promise((resolve) => socket.once('close', () => resolve())) })
  )
  servers.push(listening)
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve))
  server.port = (listening.address() as AddressInfo).port
  return server
}

/** One GET; resolves with the status and the socket it went over, or rejects with the request's error. */
function get(
  url: string,
  options: http.RequestOptions & https.RequestOptions
): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? https : http).request(url, options, (response) => {
      response.resume()
      response.on('end', () => resolve({ status: response.statusCode ?? 0, socket: request.socket as Socket }))
    })
    request.on('error', reject)
    request.end()
  })
}

/** A GET that never gets its answer: the request's socket once the server has it, and how the request ended. */
async function hang(url: string, agent: http.Agent, server: Server) {
  let socket: Socket | undefined
  const ended = new Promise<string>((resolve) => {
    const request = http.request(url, { agent }, () => resolve('answered'))
    request.on('socket', (made) => (socket = made as Socket))
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    request.end()
  })
  await server.received(1)
  return { socket: socket!, ended }
}

describe('keep-alive agents', () => {
  test('two HTTP requests, one after the other, share one connection', async () => {
    const server = await serve()
    const connections = connect({})
    const first = await get(`http://127.0.0.1:${server.port}/v2/`, { agent: connections.http })
    const second = await get(`http://127.0.0.1:${server.port}/v2/`, { agent: connections.http })
    expect([first.status, second.status]).toEqual([200, 200])
    expect(second.socket).toBe(first.socket)
    expect(server.accepted).toHaveLength(1)
  })

  test('two HTTPS requests, one after the other, share one connection and one TLS handshake', async () => {
    const server = await serve({ tls: true })
    const connections = connect({})
    const options = { agent: connections.https, ca: CERT, servername: 'localhost' }
    await get(`https://127.0.0.1:${server.port}/v2/`, options)
    await get(`https://127.0.0.1:${server.port}/v2/`, options)
    expect(server.targets).toEqual(['/v2/', '/v2/'])
    expect(server.accepted).toHaveLength(1)
  })
})

describe('close()', () => {
  test('destroys a keep-alive connection left idle in the pool', async () => {
    const server = await serve()
    const connections = connect({})
    const { socket } = await get(`http://127.0.0.1:${server.port}/v2/`, { agent: connections.http })
    expect(socket.destroyed).toBe(false)
    connections.close()
    expect(socket.destroyed).toBe(true)
    await server.accepted[0].closed
  })

  test('ends a request whose server never answers: it fails at once, its socket destroyed', async () => {
    const server = await serve({ answer: false })
    const connections = connect({})
    const { socket, ended } = await hang(`http://127.0.0.1:${server.port}/v2/`, connections.http, server)
    connections.close()
    expect(await ended).toBe('ECONNRESET')
    expect(socket.destroyed).toBe(true)
    await server.accepted[0].closed
  })

  test('destroys a socket the run opened outside its agents (net.connect)', async () => {
    const server = await serve()
    const closing = connect({})
    const socket = net.connect(server.port, '127.0.0.1')
    strays.push(socket)
    await new Promise((resolve) => socket.once('connect', resolve))
    closing.close()
    expect(socket.destroyed).toBe(true)
    await server.accepted[0].closed
  })

  test('destroys every socket of the run at once: idle, waiting for an answer, and opened by hand', async () => {
    const answering = await serve()
    const silent = await serve({ answer: false })
    const connections = connect({})
    const idle = await get(`http://127.0.0.1:${answering.port}/`, { agent: connections.http })
    const waiting = await hang(`http://127.0.0.1:${silent.port}/`, connections.http, silent)
    const byHand = net.connect(answering.port, '127.0.0.1')
    strays.push(byHand)
    await new Promise((resolve) => byHand.once('connect', resolve))
    connections.close()
    expect([idle.socket.destroyed, waiting.socket.destroyed, byHand.destroyed]).toEqual([true, true, true])
    await Promise.all([...answering.accepted, ...silent.accepted].map((connection) => connection.closed))
  })

  test('a socket opened after close() is not the run’s: a later close leaves it open', async () => {
    const server = await serve()
    const connections = connect({})
    connections.close()
    const socket = net.connect(server.port, '127.0.0.1')
    strays.push(socket)
    await new Promise((resolve) => socket.once('connect', resolve))
    connections.close()
    expect(socket.destroyed).toBe(false)
  })
})

describe('the proxy', () => {
  test('no proxy variable: no proxy named, and requests go straight to the server', async () => {
    const server = await serve()
    const connections = connect({})
    expect(connections.proxies).toEqual({})
    await get(`http://127.0.0.1:${server.port}/v2/`, { agent: connections.http })
    // The origin form of the request line: no proxy was asked.
    expect(server.targets).toEqual(['/v2/'])
  })

  test('a proxy variable: each protocol’s proxy named as host:port, never its credentials', () => {
    const connections = connect({
      HTTPS_PROXY: 'http://deploy:pr0xy-s3cret@proxy.corp.example:3128',
      HTTP_PROXY: 'http://plain.corp.example'
    })
    expect(connections.proxies).toEqual({ https: 'proxy.corp.example:3128', http: 'plain.corp.example' })
    expect(JSON.stringify(connections.proxies)).not.toMatch(/deploy|pr0xy-s3cret/)
  })

  test('HTTP_PROXY set: an HTTP request goes to the proxy, with its credentials as Proxy-Authorization', async () => {
    const proxy = await serve()
    const connections = connect({ HTTP_PROXY: `http://deploy:pr0xy-s3cret@127.0.0.1:${proxy.port}` })
    expect(connections.proxies).toEqual({ http: `127.0.0.1:${proxy.port}` })
    // A name that is never looked up: the proxy is asked for it.
    expect((await get('http://registry.example/v2/', { agent: connections.http })).status).toBe(200)
    expect(proxy.targets).toEqual(['http://registry.example/v2/'])
    expect(proxy.headers[0]['proxy-authorization']).toBe(
      `Basic ${Buffer.from('deploy:pr0xy-s3cret').toString('base64')}`
    )
  })
})

// The real squid the proxy tests run (devkit/harness/squid.mjs), tested as the code it is: its 407s,
// its ACL's 403s, its tunnels to loopback, its access log, and what it does with the connection
// after refusing (it keeps it open: the fact our own CONNECT proxy got wrong).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { startSquid } from '../../devkit/harness/squid.mjs'

type Squid = Awaited<ReturnType<typeof startSquid>>

const USER = 'runner-svc'
const PASSWORD = 'Pr0xy:p@ss/w0rd'
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`

/** A CONNECT client on one connection: each call sends a CONNECT and reads the proxy's answer head. */
function proxyConnection(port: number) {
  const socket: Socket = connect(port, '127.0.0.1')
  let buffered = ''
  let waiting: ((head: string) => void) | undefined
  let closed = false
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffered += chunk
    const end = buffered.indexOf('\r\n\r\n')
    if (end < 0 || !waiting) return
    const head = buffered.slice(0, end)
    // Skip the error page's body: squid says how long it is.
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
    if (buffered.length < end + 4 + length) return
    buffered = buffered.slice(end + 4 + length)
    const done = waiting
    waiting = undefined
    done(head)
  })
  socket.on('close', () => {
    closed = true
    waiting?.('closed')
  })
  return {
    socket,
    isClosed: () => closed,
    connect(target: string, authorization?: string): Promise<string> {
      return new Promise((resolve) => {
        waiting = resolve
        socket.write(
          `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${authorization ? `Proxy-Authorization: ${authorization}\r\n` : ''}\r\n`
        )
      })
    }
  }
}

let squid: Squid
let target: Server
let targetPort: number
beforeAll(async () => {
  target = createServer((_req, res) => res.end('through the tunnel'))
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
  targetPort = (target.address() as { port: number }).port
  squid = await startSquid({ users: { [USER]: PASSWORD }, deniedPorts: [targetPort + 1] })
})
afterAll(async () => {
  await squid.stop()
  target.closeAllConnections()
  await new Promise((resolve) => target.close(resolve))
})

describe('proxy authentication (basic_ncsa_auth over a bcrypt password file)', () => {
  test('no credentials, then wrong ones: 407 each, with its Basic challenge, and the connection stays open for the next try', async () => {
    const client = proxyConnection(squid.port)
    const none = await client.connect(`127.0.0.1:${targetPort}`)
    expect(none.split('\r\n')[0]).toBe('HTTP/1.1 407 Proxy Authentication Required')
    expect(none).toMatch(/\r\nProxy-Authenticate: Basic realm="sae-test-squid"\r\n/)
    const wrong = await client.connect(`127.0.0.1:${targetPort}`, basic(`${USER}:not-the-password`))
    expect(wrong.split('\r\n')[0]).toBe('HTTP/1.1 407 Proxy Authentication Required')
    // Squid keeps the connection after a 407 (our own test proxy closed it): a client that waits for it to close waits.
    const right = await client.connect(`127.0.0.1:${targetPort}`, basic(`${USER}:${PASSWORD}`))
    expect(right.split('\r\n')[0]).toBe('HTTP/1.1 200 Connection established')
    expect(client.isClosed()).toBe(false)
    client.socket.destroy()
    const entries = (await squid.settled(3), squid.connects())
    expect(entries.slice(-3)).toEqual([
      { target: `127.0.0.1:${targetPort}`, status: 407, result: 'TCP_DENIED', user: undefined },
      { target: `127.0.0.1:${targetPort}`, status: 407, result: 'TCP_DENIED', user: USER },
      { target: `127.0.0.1:${targetPort}`, status: 200, result: 'TCP_TUNNEL', user: USER }
    ])
  })
})

describe('tunnels and the ACL', () => {
  test('a CONNECT with the right credentials tunnels to the loopback target, and the access log counts it with its user', async () => {
    const before = squid.connects().length
    const client = proxyConnection(squid.port)
    expect((await client.connect(`localhost:${targetPort}`, basic(`${USER}:${PASSWORD}`))).split('\r\n')[0]).toBe(
      'HTTP/1.1 200 Connection established'
    )
    const reply = await new Promise<string>((resolve) => {
      client.socket.removeAllListeners('data')
      let text = ''
      client.socket.on('data', (chunk: string) => {
        text += chunk
        if (text.includes('through the tunnel')) resolve(text)
      })
      client.socket.write(`GET / HTTP/1.1\r\nHost: localhost:${targetPort}\r\nConnection: close\r\n\r\n`)
    })
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    client.socket.destroy()
    await squid.settled(before + 1)
    expect(squid.connects().slice(before)).toEqual([
      { target: `localhost:${targetPort}`, status: 200, result: 'TCP_TUNNEL', user: USER }
    ])
    expect(squid.accessLog().at(-1)).toMatch(
      new RegExp(
        `^\\d+\\.\\d{3} +\\d+ 127\\.0\\.0\\.1 TCP_TUNNEL/200 \\d+ CONNECT localhost:${targetPort} ${USER} HIER_DIRECT/127\\.0\\.0\\.1 -$`
      )
    )
  })

  test('a denied port and a host that is not loopback: 403 from the ACL, after authentication, nothing dialled', async () => {
    const before = squid.connects().length
    const client = proxyConnection(squid.port)
    const deniedPort = await client.connect(`127.0.0.1:${targetPort + 1}`, basic(`${USER}:${PASSWORD}`))
    expect(deniedPort.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden')
    const elsewhere = await client.connect('sae.cn-hangzhou.aliyuncs.com:443', basic(`${USER}:${PASSWORD}`))
    expect(elsewhere.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden')
    expect(client.isClosed()).toBe(false)
    client.socket.destroy()
    await squid.settled(before + 2)
    expect(squid.connects().slice(before)).toEqual([
      { target: `127.0.0.1:${targetPort + 1}`, status: 403, result: 'TCP_DENIED', user: USER },
      { target: 'sae.cn-hangzhou.aliyuncs.com:443', status: 403, result: 'TCP_DENIED', user: USER }
    ])
  })
})

describe('the harness itself', () => {
  test('several squids at once, each on its own port and dir; stop ends it and removes the dir', async () => {
    const others = await Promise.all([startSquid(), startSquid()])
    expect(new Set([squid.port, ...others.map((other) => other.port)]).size).toBe(3)
    for (const other of others) {
      const client = proxyConnection(other.port)
      expect((await client.connect(`127.0.0.1:${targetPort}`)).split('\r\n')[0]).toBe(
        'HTTP/1.1 407 Proxy Authentication Required'
      )
      client.socket.destroy()
      expect(existsSync(other.dir)).toBe(true)
    }
    await Promise.all(others.map((other) => other.stop()))
    for (const other of others) {
      expect(existsSync(other.dir)).toBe(false)
      const refused = await new Promise<string>((resolve) =>
        connect(other.port, '127.0.0.1')
          .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? ''))
          .on('connect', () => resolve('connected'))
      )
      expect(refused).toBe('ECONNREFUSED')
    }
  })

  test("url() puts the credentials in the URL, encoded as a runner's variable carries them", () => {
    expect(squid.url(USER, PASSWORD)).toBe(`http://runner-svc:Pr0xy%3Ap%40ss%2Fw0rd@127.0.0.1:${squid.port}`)
  })
})

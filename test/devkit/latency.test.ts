// The latency world that `npm run bench` measures round trips in (devkit/latency/): what passes
// through it, what its DNS preload resolves, the order of a connection's events and the TLS it
// presents. No figure here depends on how fast this machine is: the delay queue runs on an injected
// clock, and the world's own events are compared by order, never against a time limit.
import { afterEach, describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { randomBytes, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import tls from 'node:tls'
import { node24 } from '../../devkit/harness/action-runner.mjs'
import { makeWorldCertificates } from '../../devkit/latency/certificates.mjs'
import { connectionsOf, roundTripsOf } from '../../devkit/latency/timeline.mjs'
import { delayQueue, startLatencyWorld } from '../../devkit/latency/world.mjs'

type World = Awaited<ReturnType<typeof startLatencyWorld>>
const SAE = 'sae.cn-hangzhou.aliyuncs.com'
const AUTH = 'dockerauth.cn-hangzhou.aliyuncs.com'

const opened: Array<World | Server | HttpServer> = []
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) {
    if ('close' in thing && 'relays' in thing) await thing.close()
    else await new Promise((resolve) => (thing as Server).close(resolve))
  }
})

async function world(options: Parameters<typeof startLatencyWorld>[0]): Promise<World> {
  const started = await startLatencyWorld(options)
  opened.push(started)
  return started
}

async function listening<T extends Server | HttpServer>(server: T): Promise<number> {
  opened.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as { port: number }).port
}

/** A TLS client in this process, straight to a name's relay, trusting the world's CA as a child would. */
function connectTo(w: World, name: string, options: tls.ConnectionOptions = {}): tls.TLSSocket {
  return tls.connect({
    host: w.relays[name].address,
    port: w.relays[name].port,
    servername: name,
    ca: readFileSync(w.env.NODE_EXTRA_CA_CERTS, 'utf8'),
    ...options
  })
}

const untilEvent = (socket: tls.TLSSocket, event: string) =>
  new Promise<void>((resolve, reject) => {
    socket.once(event, () => resolve())
    socket.once('error', reject)
  })

describe('the delay queue (injected clock)', () => {
  function fakeClock() {
    let now = 0n
    const timers: Array<{ at: bigint; fn: () => void }> = []
    return {
      now: () => now,
      setTimer(fn: () => void, ms: number) {
        const timer = { at: now + BigInt(Math.round(ms * 1e6)), fn }
        timers.push(timer)
        return () => timers.splice(timers.indexOf(timer), 1)
      },
      /** Moves the clock to `ms` and fires the timers due by then (a timer may fire early, as Node's may). */
      advance(ms: number, { early = 0 } = {}) {
        now = BigInt(Math.round(ms * 1e6))
        for (const timer of timers.filter((t) => t.at - BigInt(Math.round(early * 1e6)) <= now)) {
          timers.splice(timers.indexOf(timer), 1)
          timer.fn()
        }
      }
    }
  }

  test('delivers each item at its due time, not before, in the order pushed even when a later one is due earlier', () => {
    const clock = fakeClock()
    const delivered: Array<[string, number]> = []
    const queue = delayQueue((item: unknown) => delivered.push([String(item), Number(clock.now()) / 1e6]), {
      clock
    })
    queue.push('a', 10_000_000n)
    queue.push('b', 5_000_000n) // a link does not reorder: b waits for a
    queue.push('c', 30_000_000n)
    clock.advance(9.5, { early: 1 }) // a timer that fires early delivers nothing
    expect(delivered).toEqual([])
    clock.advance(10)
    expect(delivered).toEqual([
      ['a', 10],
      ['b', 10]
    ])
    clock.advance(29.9)
    clock.advance(30)
    expect(delivered.map(([item]) => item)).toEqual(['a', 'b', 'c'])
    expect(queue.pending).toBe(0)
  })

  test('an item already due when pushed onto an empty queue goes at once; stop() drops what waits', () => {
    const clock = fakeClock()
    const delivered: unknown[] = []
    const queue = delayQueue((item: unknown) => delivered.push(item), { clock })
    queue.push('now', 0n)
    expect(delivered).toEqual(['now'])
    queue.push('later', 1_000_000n)
    queue.stop()
    clock.advance(2)
    expect(delivered).toEqual(['now'])
  })
})

describe('a latency world', () => {
  test('bytes pass through intact and in order both ways, through the relay, TLS and the upstream', async () => {
    // The last chunk marks the end (TLS has no half-close to wait for): the upstream answers when it
    // arrives, so a byte lost or changed on the way shows as a difference, not as a wait.
    const end = Buffer.from(`end of the test's bytes ${randomBytes(16).toString('hex')}`)
    const up = [...Array.from({ length: 120 }, (_, i) => randomBytes(1 + ((i * 7919) % 6000))), end]
    const down = Array.from({ length: 90 }, (_, i) => randomBytes(1 + ((i * 104729) % 9000)))
    const downTotal = down.reduce((sum, chunk) => sum + chunk.length, 0)
    const received: Buffer[] = []
    const port = await listening(
      createServer((socket: Socket) => {
        socket.on('data', (chunk: Buffer) => {
          received.push(chunk)
          if (Buffer.concat(received).subarray(-end.length).equals(end)) for (const piece of down) socket.write(piece)
        })
      })
    )
    const w = await world({ rttMs: 20, hosts: { [SAE]: port } })
    const client = connectTo(w, SAE)
    const back: Buffer[] = []
    const done = new Promise<void>((resolve, reject) => {
      let length = 0
      client.on('data', (chunk: Buffer) => {
        back.push(chunk)
        length += chunk.length
        if (length >= downTotal) resolve()
      })
      client.on('error', reject)
      client.on('close', () => reject(new Error(`closed after ${length} of ${downTotal} bytes`)))
    })
    // Written in bursts across turns of the loop, so chunks queue behind each other in the relay.
    for (const [i, chunk] of up.entries()) {
      client.write(chunk)
      if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve))
    }
    await done
    client.destroy()
    expect(Buffer.concat(received).equals(Buffer.concat(up))).toBe(true)
    expect(Buffer.concat(back).equals(Buffer.concat(down))).toBe(true)
  })

  test("a connection's events come in order: accept, the modeled TCP handshake, then its first byte relayed, never before RTT + RTT/2", async () => {
    let upstreamGot: () => void = () => {}
    const arrived = new Promise<void>((resolve) => (upstreamGot = resolve))
    const port = await listening(createServer((socket: Socket) => socket.once('data', () => upstreamGot())))
    const rttMs = 30
    const w = await world({ rttMs, hosts: { [SAE]: port, [AUTH]: port } })
    const client = connectTo(w, AUTH)
    await untilEvent(client, 'secureConnect')
    client.write('GET / HTTP/1.1\r\n\r\n')
    await arrived
    client.destroy()
    const events = w.timeline().filter((e) => e.source === 'relay' && e.host === AUTH)
    const kinds = events.map((e) => e.kind)
    expect(kinds.slice(0, 5)).toEqual(['accept', 'tcp-up', 'up-first-byte', 'tls-server', 'server-request'])
    const accept = events.find((e) => e.kind === 'accept')!
    const first = events.find((e) => e.kind === 'up-first-byte')!
    // The model's due time of the ClientHello, from the accept's stamp: 1 RTT (SYN/SYN-ACK) + 1/2 RTT.
    expect(BigInt(first.due as string)).toBe(accept.t + BigInt(rttMs * 1e6) + BigInt((rttMs / 2) * 1e6))
    // The relay let it go at that time or after it, never before.
    expect(first.t >= BigInt(first.due as string)).toBe(true)
  })

  test("TLS presents a certificate for the host's real name that verifies with the CA the world hands the child", async () => {
    const port = await listening(createServer((socket: Socket) => socket.resume()))
    const w = await world({ hosts: { [SAE]: port, [AUTH]: port } })
    const client = connectTo(w, AUTH)
    await untilEvent(client, 'secureConnect')
    const peer = client.getPeerX509Certificate()!
    const protocol = client.getProtocol()
    client.destroy()
    const ca = new X509Certificate(readFileSync(w.env.NODE_EXTRA_CA_CERTS, 'utf8'))
    expect(client.authorized).toBe(true)
    expect(protocol).toBe('TLSv1.3')
    expect(peer.checkHost(AUTH)).toBe(AUTH)
    expect(peer.checkHost(SAE)).toBe(SAE)
    expect(peer.checkHost('example.com')).toBeUndefined()
    expect(peer.verify(ca.publicKey)).toBe(true)
    expect(ca.ca).toBe(true)
    expect(peer.ca).toBe(false)
    // Another throwaway CA does not vouch for it; nor does the system's store; nor is it good for another name.
    expect(peer.verify(new X509Certificate(makeWorldCertificates([SAE]).ca).publicKey)).toBe(false)
    const untrusted = connectTo(w, SAE, { ca: undefined })
    await expect(untilEvent(untrusted, 'secureConnect')).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
    })
    const otherName = connectTo(w, SAE, { servername: 'example.com' })
    await expect(untilEvent(otherName, 'secureConnect')).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID'
    })
  })

  test.each(['auto', 'high-ports'] as const)(
    'listen %s: a child with the preload resolves world names and loopback, refuses every other name with ENOTFOUND, and reaches the upstream by https://<name>/',
    async (listen) => {
      const port = await listening(
        createHttpServer((request, response) => response.end(`upstream saw ${request.headers.host} ${request.url}`))
      )
      const w = await world({ hosts: { [SAE]: port, [AUTH]: { port, dnsMs: 5 } }, listen })
      const script = `
        const dns = require('node:dns')
        const https = require('node:https')
        const code = (promise) => promise.then((value) => value, (error) => error.code)
        const lookup = (name, options = {}) => code(dns.promises.lookup(name, options))
        const get = (url) => code(new Promise((resolve, reject) =>
          https.get(url, (answer) => { let body = ''; answer.on('data', (c) => (body += c)); answer.on('end', () => resolve(body)) })
            .on('error', reject)))
        ;(async () => {
          const callback = await new Promise((resolve) => dns.lookup('${SAE.toUpperCase()}.', (error, address) => resolve(error ? error.code : address)))
          console.log(JSON.stringify({
            sae: await lookup('${SAE}'),
            auth: await lookup('${AUTH}', { all: true }),
            callback,
            localhost: (await lookup('localhost', { family: 4 })).address,
            ipv6Only: await lookup('${SAE}', { family: 6 }),
            other: await lookup('example.com'),
            dockerHub: await lookup('registry-1.docker.io'),
            httpsOther: await get('https://registry-1.docker.io/v2/'),
            httpsWorld: await get('https://${AUTH}/auth?x=1')
          }))
        })()`
      const child = spawn(node24(), [...w.importArgs, '-e', script], {
        env: { PATH: process.env.PATH ?? '', ...w.env },
        stdio: ['ignore', 'pipe', 'pipe']
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      const code = await new Promise((resolve) => child.on('close', resolve))
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
      const relay = (name: string) => w.relays[name].address
      expect(JSON.parse(stdout)).toEqual({
        sae: { address: relay(SAE), family: 4 },
        auth: [{ address: relay(AUTH), family: 4 }],
        callback: relay(SAE),
        localhost: '127.0.0.1',
        ipv6Only: 'ENOTFOUND',
        other: 'ENOTFOUND',
        dockerHub: 'ENOTFOUND',
        httpsOther: 'ENOTFOUND',
        httpsWorld: `upstream saw ${AUTH} /auth?x=1`
      })
      // Where port 443 could not be had, the relays sit on high ports of 127.0.0.1 and the preload moved the connection.
      if (w.mode === 'high-ports') expect(relay(SAE)).toBe('127.0.0.1')
      else expect(w.relays[SAE]).toEqual({ address: expect.stringMatching(/^127\.31\.\d+\.\d+$/), port: 443 })
      // The child's own events name each lookup of a world name; nothing else was looked up.
      const looked = w.timeline().filter((e) => e.kind === 'dns-start')
      expect(looked.map((e) => e.host).sort()).toEqual([AUTH, AUTH, SAE, SAE])
    }
  )

  test("listen 'high-ports' never takes port 443", async () => {
    const w = await world({ hosts: { [SAE]: 9 }, listen: 'high-ports' })
    expect(w.mode).toBe('high-ports')
    expect(w.relays[SAE].address).toBe('127.0.0.1')
    expect(w.relays[SAE].port).not.toBe(443)
  })
})

describe('connectionsOf', () => {
  test("joins the client's sockets and requests to the relay's connections by the client's port", () => {
    const client = (ms: number, kind: string, fields: Record<string, unknown> = {}) => ({
      source: 'client',
      kind,
      ms,
      ...fields
    })
    const relay = (ms: number, kind: string, fields: Record<string, unknown> = {}) => ({
      source: 'relay',
      kind,
      ms,
      ...fields
    })
    const events = [
      client(1, 'request-created', { rid: 1, method: 'GET', path: '/v2/' }),
      client(2, 'socket', { sid: 1 }),
      client(3, 'dns-start', { host: 'r.example' }),
      client(4, 'request-created', { rid: 2, method: 'GET', path: '/list' }),
      client(5, 'socket', { sid: 2 }),
      client(6, 'dns-start', { host: 's.example' }),
      client(7, 'dns-end', { host: 's.example' }),
      client(8, 'dns-end', { host: 'r.example' }),
      // The second socket connects first: the client's port, not the order, says which relay connection is which.
      client(9, 'socket-lookup', { sid: 2, host: 's.example' }),
      relay(9.5, 'accept', { conn: 7, host: 's.example', clientPort: 5002 }),
      client(10, 'tcp-connect', { sid: 2, localPort: 5002 }),
      client(11, 'socket-lookup', { sid: 1, host: 'r.example' }),
      relay(11.5, 'accept', { conn: 8, host: 'r.example', clientPort: 5001 }),
      client(12, 'tcp-connect', { sid: 1, localPort: 5001 }),
      client(13, 'request-socket', { rid: 1, sid: 1, reused: false }),
      client(14, 'request-socket', { rid: 2, sid: 2, reused: false }),
      relay(20, 'tcp-up', { conn: 7 }),
      relay(21, 'up-first-byte', { conn: 7 }),
      relay(22, 'tcp-up', { conn: 8 }),
      client(30, 'tls-done', { sid: 2, servername: 's.example' }),
      client(31, 'request-sent', { rid: 2 }),
      relay(32, 'server-request', { conn: 7, method: 'GET', path: '/list' }),
      client(40, 'response', { rid: 2, status: 200 }),
      client(41, 'response-end', { rid: 2 }),
      client(42, 'request-created', { rid: 3, method: 'POST', path: '/create' }),
      client(43, 'request-socket', { rid: 3, sid: 2, reused: true }),
      client(44, 'request-sent', { rid: 3 })
    ]
    expect(connectionsOf(events)).toEqual([
      {
        conn: 8,
        host: 'r.example',
        socketAt: 2,
        dnsStart: 3,
        dnsEnd: 8,
        tcpKernel: 12,
        accept: 11.5,
        tcpModeled: 22,
        firstByteRelayed: undefined,
        tlsDone: undefined,
        requests: [{ method: 'GET', path: '/v2/', created: 1, reused: false, received: undefined }]
      },
      {
        conn: 7,
        host: 's.example',
        socketAt: 5,
        dnsStart: 6,
        dnsEnd: 7,
        tcpKernel: 10,
        accept: 9.5,
        tcpModeled: 20,
        firstByteRelayed: 21,
        tlsDone: 30,
        requests: [
          {
            method: 'GET',
            path: '/list',
            created: 4,
            reused: false,
            sent: 31,
            answered: 40,
            status: 200,
            ended: 41,
            received: 32
          },
          { method: 'POST', path: '/create', created: 42, reused: true, sent: 44, received: undefined }
        ]
      }
    ])
  })
})

describe('connectionsOf: kept alive', () => {
  test("a connection opened ahead: its first request is not 'kept alive', though the preload saw its socket connected; the next one is", () => {
    const client = (ms: number, kind: string, fields: Record<string, unknown> = {}) => ({
      source: 'client',
      kind,
      ms,
      ...fields
    })
    const events = [
      client(1, 'socket', { sid: 1 }),
      client(2, 'socket-lookup', { sid: 1, host: 's.example' }),
      client(3, 'tcp-connect', { sid: 1, localPort: 5001 }),
      client(50, 'request-created', { rid: 1, method: 'GET', path: '/list' }),
      client(51, 'request-socket', { rid: 1, sid: 1, reused: true }),
      client(60, 'request-created', { rid: 2, method: 'POST', path: '/create' }),
      client(61, 'request-socket', { rid: 2, sid: 1, reused: true })
    ]
    const [connection] = connectionsOf(events)
    expect(connection.requests.map((request) => [request.path, request.reused])).toEqual([
      ['/list', false],
      ['/create', true]
    ])
  })
})

describe('roundTripsOf', () => {
  // Connections as connectionsOf gives them, times in ms at RTT 100, only the fields the count reads.
  type Request = { method: string; path: string; created: number; reused: boolean; answered?: number }
  const conn = (host: string, socketAt: number, requests: Request[]) => ({ host, socketAt, requests })
  const request = (path: string, created: number, answered: number, reused = false): Request => ({
    method: 'GET',
    path,
    created,
    answered,
    reused
  })

  test("images on ACR as today: the realm's connection opens after the 401, so token, HEAD and the write follow in line: 8", () => {
    const run = [
      conn('registry', 100, [request('GET /v2/', 99, 410), request('HEAD manifest', 720, 830, true)]),
      conn('sae', 101, [request('ListSecrets', 100, 412), request('CreateSecret', 832, 935, true)]),
      conn('dockerauth', 415, [request('GET /auth', 414, 718)])
    ]
    expect(roundTripsOf(run)).toBe(8)
  })

  test("the realm's connection opened beside the registry's takes it to the minimum, 6", () => {
    const run = [
      conn('registry', 100, [request('GET /v2/', 99, 410), request('HEAD manifest', 520, 625, true)]),
      conn('sae', 101, [request('ListSecrets', 100, 412), request('CreateSecret', 627, 730, true)]),
      conn('dockerauth', 102, [request('GET /auth', 414, 518)])
    ]
    expect(roundTripsOf(run)).toBe(6)
  })

  test('a host next to the runner costs nothing; the SAE connection opened only after STS answers costs 7, opened at once 5', () => {
    const near = (host: string | undefined) => (host === 'id-token' ? 0 : 1)
    const idToken = conn('id-token', 100, [request('GET token', 99, 105)])
    const sts = conn('sts', 106, [request('AssumeRoleWithOIDC', 106, 410)])
    const inLine = [
      idToken,
      sts,
      conn('sae', 412, [request('ListSecrets', 411, 720), request('CreateSecret', 722, 825, true)])
    ]
    const early = [
      idToken,
      sts,
      conn('sae', 101, [request('ListSecrets', 411, 515), request('CreateSecret', 517, 620, true)])
    ]
    expect(roundTripsOf(inLine, near)).toBe(7)
    expect(roundTripsOf(early, near)).toBe(5)
    // Counted with the token host as far as the others, the same runs take 3 more (its connection and request).
    expect(roundTripsOf(inLine)).toBe(10)
  })

  test('a connection opened ahead of its first request still costs its TCP + TLS, however the preload flags that request', () => {
    // Opened at 10, its first request made at 50, before the handshake is over (RTT 100): 2 + 1.
    // The preload flags such a request as reused (its socket no longer connecting on loopback).
    const ahead = (reused: boolean) => [conn('sae', 10, [request('ListSecrets', 50, 360, reused)])]
    expect(roundTripsOf(ahead(true))).toBe(3)
    expect(roundTripsOf(ahead(false))).toBe(3)
    // And a kept-alive request after it: 1 more.
    const twice = [conn('sae', 10, [request('ListSecrets', 50, 360), request('CreateSecret', 362, 465, true)])]
    expect(roundTripsOf(twice)).toBe(4)
  })

  test('GitHub OIDC with STS and SAE opened ahead, as the preload flags their first requests: 5', () => {
    const near = (host: string | undefined) => (host === 'id-token' ? 0 : 1)
    const run = [
      conn('sts', 100, [request('AssumeRoleWithOIDC', 120, 410, true)]),
      conn('sae', 101, [request('ListSecrets', 411, 515, true), request('CreateSecret', 517, 620, true)]),
      conn('id-token', 102, [request('GET token', 103, 110)])
    ]
    expect(roundTripsOf(run, near)).toBe(5)
  })

  test('a request without an answer counts nothing; no requests, no round trips', () => {
    expect(roundTripsOf([conn('sae', 100, [{ method: 'GET', path: 'ListSecrets', created: 99, reused: false }])])).toBe(
      0
    )
    expect(roundTripsOf([])).toBe(0)
  })
})

// A latency world on loopback, for `npm run bench`: each host name of the world gets a userspace
// relay standing for the long link between the runner and that host, then TLS 1.3 is terminated
// with a certificate for the real name (signed by a throwaway CA, certificates.mjs, handed to the
// client through NODE_EXTRA_CA_CERTS), then the bytes go to the host's upstream: a plain HTTP server
// on 127.0.0.1 (the SAE emulator, the fake registry). A preload (dns-preload.mjs, `node --import`)
// resolves the world's names to their relays after `dnsMs` and fails any other name with ENOTFOUND.
// Everything listens on loopback; nothing is sent anywhere else. README.md states the model.
//
// The link, per connection (t_a: the relay accepts it, i.e. the client's connect()):
// - client -> server: a chunk the client writes at t reaches the server side at
//   max(t, t_a + rtt) + rtt/2. The loopback kernel completes the TCP handshake at once, so the
//   ClientHello leaves at ~t_a; on a real link it could leave only once the SYN-ACK is back
//   (t_a + rtt). Holding every early byte until t_a + rtt is that round trip, paid where it shows.
// - server -> client: a chunk the server writes at t reaches the client at t + rtt/2.
// - FIN and resets travel the same queues, in order. No bandwidth limit, no loss, TCP_NODELAY.
// So a new HTTPS connection + one request costs 3 rtt (TCP, TLS 1.3, request), a kept-alive request 1.
//
// Listening: relays take 127.31.<block>.<i>:443 (one address per name; the first free block, so
// worlds can coexist). Port 443 needs root (or CAP_NET_BIND_SERVICE, or a low
// net.ipv4.ip_unprivileged_port_start), and 127.31.x.y needs Linux (macOS configures 127.0.0.1
// only): where either is refused, the relays listen on free high ports of 127.0.0.1 and the
// preload sends <name>:443 to its relay's port (`listen: 'auto'`, the default; 'port-443' fails
// instead, 'high-ports' never tries 443).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { clearImmediate, setImmediate } from 'node:timers'
import tls from 'node:tls'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { makeWorldCertificates } from './certificates.mjs'

export const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), 'dns-preload.mjs')
const hrtime = () => process.hrtime.bigint()
const nanoseconds = (ms) => BigInt(Math.round(ms * 1e6))

/**
 * The clock and timer a delay queue uses; a test passes its own.
 * `setTimer(fn, ms)` calls `fn` about `ms` later (early is fine: the queue looks at `now()` again)
 * and returns a function that cancels it.
 * @typedef {{now: () => bigint, setTimer: (fn: () => void, ms: number) => () => void}} Clock
 */
const systemClock = {
  now: hrtime,
  // Node's timers run on the loop's cached millisecond clock and may fire early: below 1 ms left,
  // the next turn of the loop looks again.
  setTimer(fn, ms) {
    if (ms >= 1) {
      const timer = setTimeout(fn, Math.floor(ms))
      return () => clearTimeout(timer)
    }
    const immediate = setImmediate(fn)
    return () => clearImmediate(immediate)
  }
}

/**
 * Delivers items to `deliver` each at its time (a bigint on `clock.now()`'s scale), in the order
 * pushed, never before its time: a later item pushed with an earlier time waits for the one before
 * it (a link does not reorder). `onDeliver(item, at, due)` is told of each delivery.
 * @param {(item: unknown) => void} deliver
 * @param {{clock?: Clock, onDeliver?: (item: unknown, at: bigint, due: bigint) => void}} [options]
 */
export function delayQueue(deliver, { clock = systemClock, onDeliver } = {}) {
  const queue = []
  let last = 0n
  let cancel
  const drain = () => {
    cancel = undefined
    while (queue.length > 0 && queue[0].due <= clock.now()) {
      const { item, due } = queue.shift()
      onDeliver?.(item, clock.now(), due)
      deliver(item)
    }
    schedule()
  }
  const schedule = () => {
    if (cancel !== undefined || queue.length === 0) return
    cancel = clock.setTimer(drain, Number(queue[0].due - clock.now()) / 1e6)
  }
  return {
    push(item, due) {
      if (due < last) due = last
      last = due
      queue.push({ item, due })
      if (queue.length === 1 && due <= clock.now()) drain()
      else schedule()
    },
    /** Items still waiting. */
    get pending() {
      return queue.length
    },
    stop() {
      cancel?.()
      cancel = undefined
      queue.length = 0
    }
  }
}

/**
 * @typedef {number | {port: number, rttMs?: number, dnsMs?: number}} Upstream
 *   a plain TCP port on 127.0.0.1, or that with this host's own round-trip and DNS times (a host
 *   near the runner, say)
 */

/**
 * Starts the relays, TLS terminators and certificates of a world.
 * @param {object} options
 * @param {Record<string, Upstream>} options.hosts the world's names and what answers for each
 * @param {number} [options.rttMs] round-trip time of every host's link (default 0)
 * @param {number} [options.dnsMs] time of each lookup of a world name (default 0)
 * @param {boolean} [options.dnsCache] model a caching resolver: the first lookup of a name costs
 *   dnsMs, later ones share it (default false: each lookup costs dnsMs, as Node alone does)
 * @param {'auto' | 'port-443' | 'high-ports'} [options.listen] see the file's comment
 */
export async function startLatencyWorld({ hosts, rttMs = 0, dnsMs = 0, dnsCache = false, listen = 'auto' } = {}) {
  const entries = Object.entries(hosts ?? {}).map(([name, value]) => {
    const upstream = typeof value === 'number' ? { port: value } : value
    return {
      name: name.toLowerCase(),
      upstreamPort: upstream.port,
      rttMs: upstream.rttMs ?? rttMs,
      dnsMs: upstream.dnsMs ?? dnsMs
    }
  })
  if (entries.length === 0 || entries.length > 250) throw new Error('a latency world needs 1 to 250 host names')
  if (!['auto', 'port-443', 'high-ports'].includes(listen)) throw new Error(`listen: ${listen}?`)
  const dir = mkdtempSync(join(tmpdir(), 'latency-world-'))
  const eventsFile = join(dir, 'events.jsonl')
  const caFile = join(dir, 'ca.pem')
  const certs = makeWorldCertificates(entries.map((entry) => entry.name))
  writeFileSync(eventsFile, '')
  writeFileSync(caFile, certs.ca)

  /** Relay- and server-side events, recorded in this process. */
  const events = []
  const record = (kind, fields, t = hrtime()) => events.push({ t, source: 'relay', kind, ...fields })
  const servers = []
  const sockets = new Set()
  const queues = new Set()
  const track = (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    return socket
  }
  let nextConnection = 0

  const listenOn = (server, host, port) =>
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject)
        resolve(server.address().port)
      })
    })

  // TLS terminators, one per name on 127.0.0.1, each in front of its plain upstream.
  for (const entry of entries) {
    /** The relay's port toward the terminator -> the relay connection it carries. */
    const connectionOfPort = new Map()
    const terminator = tls.createServer({ key: certs.key, cert: certs.cert }, (clear) => {
      track(clear)
      clear.setNoDelay(true)
      const conn = connectionOfPort.get(clear.remotePort)
      record('tls-server', { host: entry.name, conn, protocol: clear.getProtocol() })
      const upstream = track(
        net.connect({ host: '127.0.0.1', port: entry.upstreamPort, noDelay: true, allowHalfOpen: true })
      )
      clear.on('data', (chunk) => {
        // The request line of each HTTP request as the server side receives it (query left off).
        const line = /^([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/.exec(chunk.subarray(0, 8192).toString('latin1'))
        if (line) record('server-request', { host: entry.name, conn, method: line[1], path: line[2].split('?')[0] })
        upstream.write(chunk)
      })
      clear.on('end', () => upstream.end())
      upstream.on('data', (chunk) => clear.write(chunk))
      upstream.on('end', () => clear.end())
      const stop = () => {
        clear.destroy()
        upstream.destroy()
      }
      for (const socket of [clear, upstream]) {
        socket.on('error', stop)
        socket.on('close', stop)
      }
    })
    terminator.on('connection', (socket) => {
      track(socket)
      socket.setNoDelay(true)
    })
    terminator.on('tlsClientError', () => {})
    entry.connectionOfPort = connectionOfPort
    servers.push(terminator)
    entry.terminatorPort = await listenOn(terminator, '127.0.0.1', 0)
  }

  // Relays, one per name.
  const relayFor = (entry) =>
    net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
      track(client)
      const accepted = hrtime()
      const conn = ++nextConnection
      const rtt = nanoseconds(entry.rttMs)
      const half = nanoseconds(entry.rttMs / 2)
      const established = accepted + rtt
      record('accept', { host: entry.name, conn, clientPort: client.remotePort }, accepted)
      record('tcp-up', { host: entry.name, conn, modeled: true }, established)
      const server = track(
        net.connect({ host: '127.0.0.1', port: entry.terminatorPort, noDelay: true, allowHalfOpen: true })
      )
      server.once('connect', () => entry.connectionOfPort.set(server.localPort, conn))
      let firstUp = true
      const apply = (socket) => (item) => {
        if (socket.destroyed) return
        if (item === 'end') socket.end()
        else if (item === 'destroy') socket.destroy()
        else socket.write(item)
      }
      const up = delayQueue(apply(server), {
        onDeliver: (item, at, due) => {
          if (!firstUp || typeof item === 'string') return
          firstUp = false
          record('up-first-byte', { host: entry.name, conn, due: due.toString() }, at)
        }
      })
      const down = delayQueue(apply(client))
      // Kept until the world closes (a few per run), so that close() can stop what is in flight.
      queues.add(up).add(down)
      const upDue = () => {
        const t = hrtime()
        return (t > established ? t : established) + half
      }
      const downDue = () => hrtime() + half
      client.on('data', (chunk) => up.push(chunk, upDue()))
      client.on('end', () => up.push('end', upDue()))
      client.on('error', () => up.push('destroy', upDue()))
      client.on('close', () => {
        up.push('destroy', upDue())
        record('relay-close', { host: entry.name, conn })
      })

      server.on('data', (chunk) => down.push(chunk, downDue()))
      server.on('end', () => down.push('end', downDue()))
      server.on('error', () => down.push('destroy', downDue()))
      server.on('close', () => down.push('destroy', downDue()))
    })

  /** @type {Record<string, {address: string, port: number}>} name -> its relay */
  const relays = {}
  const closeAll = (list) => Promise.all(list.map((server) => new Promise((resolve) => server.close(resolve))))
  let mode = listen === 'high-ports' ? 'high-ports' : 'port-443'
  for (let block = 1; mode === 'port-443'; block++) {
    if (block > 250) throw new Error('no free block of loopback addresses 127.31.x.y')
    const started = []
    try {
      for (const [i, entry] of entries.entries()) {
        const relay = relayFor(entry)
        const address = `127.31.${block}.${i + 1}`
        await listenOn(relay, address, 443)
        started.push(relay)
        relays[entry.name] = { address, port: 443 }
      }
      servers.push(...started)
      break
    } catch (error) {
      await closeAll(started)
      if (error.code === 'EADDRINUSE') continue
      if (listen === 'auto' && (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL')) mode = 'high-ports'
      else {
        rmSync(dir, { recursive: true, force: true })
        await closeAll(servers)
        throw new Error(
          `a latency world could not listen on 127.31.${block}.x:443 (${error.code}): binding port 443 needs root ` +
            '(or CAP_NET_BIND_SERVICE); listen: "auto" falls back to high ports',
          { cause: error }
        )
      }
    }
  }
  if (mode === 'high-ports') {
    for (const entry of entries) {
      const relay = relayFor(entry)
      relays[entry.name] = { address: '127.0.0.1', port: await listenOn(relay, '127.0.0.1', 0) }
      servers.push(relay)
    }
  }

  const preloadConfig = {
    names: Object.fromEntries(entries.map((entry) => [entry.name, { ...relays[entry.name], dnsMs: entry.dnsMs }])),
    dnsCache,
    events: eventsFile
  }
  let closed = false

  return {
    rttMs,
    dnsMs,
    /** 'port-443' (127.31.x.y:443, one address per name) or 'high-ports' (127.0.0.1, the preload moves port 443). */
    mode,
    /** name -> { address, port } of its relay, for a client in this process. */
    relays,
    /** The CA that signed every name's certificate (PEM). */
    ca: certs.ca,
    /** For the child's environment: the CA's file and the preload's configuration. */
    env: { NODE_EXTRA_CA_CERTS: caFile, LATENCY_WORLD: JSON.stringify(preloadConfig) },
    /** For the child's arguments, before the script. */
    importArgs: ['--import', pathToFileURL(PRELOAD).href],
    /**
     * Every event so far (client side from the preload, relay and server side from here), in time
     * order, each with `ms` since `t0` (a process.hrtime.bigint(); default: the first event).
     * @param {{t0?: bigint}} [options]
     */
    timeline({ t0 } = {}) {
      const client = readFileSync(eventsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const event = JSON.parse(line)
          return { ...event, t: BigInt(event.t) }
        })
      const all = [...client, ...events].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0))
      const origin = t0 ?? all[0]?.t ?? 0n
      return all.map((event) => ({ ...event, ms: Number(event.t - origin) / 1e6 }))
    },
    /** Forgets every event (between runs). */
    clearTimeline() {
      events.length = 0
      writeFileSync(eventsFile, '')
    },
    async close() {
      if (closed) return
      closed = true
      for (const queue of queues) queue.stop()
      for (const socket of sockets) socket.destroy()
      await closeAll(servers)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

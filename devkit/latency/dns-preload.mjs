// Preloaded (`node --import`) into a program that runs inside a latency world (world.mjs).
// - Host names: each name of the world resolves, after its DNS delay, to its relay's loopback
//   address; loopback names resolve as usual; any other name fails at once with ENOTFOUND (as
//   devkit/harness/offline-dns.mjs does), so nothing is looked up, or sent, off this machine.
//   c-ares (dns.resolve*) is pointed at 127.0.0.1, where nothing answers DNS.
// - Ports: when the world's relays could not take port 443 (no root: they listen on high ports of
//   127.0.0.1), a connection to a world name on port 443 is sent to its relay's port instead.
// - Client-side timeline: DNS start/end, each client socket (created, TCP up on loopback, TLS done),
//   each HTTP request (created, sent, answered), appended as JSON lines stamped with
//   process.hrtime.bigint() (CLOCK_MONOTONIC, the clock of the world's process too) to the world's
//   events file.
// Configured by LATENCY_WORLD (JSON): { names: {name: {address, port, dnsMs}}, dnsCache, events }.
// Without it, it does nothing.
import dc from 'node:diagnostics_channel'
import dns from 'node:dns'
import fs from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import net from 'node:net'

const config = process.env.LATENCY_WORLD ? JSON.parse(process.env.LATENCY_WORLD) : undefined
if (config) install(config)

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i
const canonical = (hostname) => String(hostname).toLowerCase().replace(/\.$/, '')

function install({ names, dnsCache = false, events }) {
  const fd = events ? fs.openSync(events, 'a') : undefined
  const record = (kind, fields = {}) => {
    if (fd === undefined) return
    const line = { t: process.hrtime.bigint().toString(), pid: process.pid, source: 'client', kind, ...fields }
    try {
      fs.writeSync(fd, `${JSON.stringify(line)}\n`)
    } catch {
      // A timeline is worth less than the run it describes.
    }
  }
  record('preload')
  process.on('exit', (code) => record('exit', { code }))

  const originalLookup = dns.lookup
  /** name -> Promise of the answer, when dnsCache models a caching resolver. */
  const cache = new Map()
  const notFound = (hostname) =>
    Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
      errno: -3008,
      syscall: 'getaddrinfo',
      hostname
    })

  function resolveWorldName(name, entry, done) {
    const cached = dnsCache && cache.has(name)
    record('dns-start', { host: name, ...(cached ? { cached } : {}) })
    const answered = cached
      ? cache.get(name)
      : new Promise((resolve) => (entry.dnsMs > 0 ? setTimeout(resolve, entry.dnsMs) : process.nextTick(resolve)))
    if (dnsCache && !cached) cache.set(name, answered)
    answered.then(() => {
      record('dns-end', { host: name, address: entry.address })
      done(entry.address)
    })
  }

  dns.lookup = function latencyLookup(hostname, options, callback) {
    const done = typeof options === 'function' ? options : callback
    const opts =
      typeof options === 'function' || options === undefined
        ? {}
        : typeof options === 'number'
          ? { family: options }
          : options
    const name = canonical(hostname)
    if (LOOPBACK.test(name)) return originalLookup.call(this, hostname, options, callback)
    const entry = Object.hasOwn(names, name) ? names[name] : undefined
    // One A record per name: a lookup for IPv6 only finds nothing, as for any name outside the world.
    if (!entry || opts.family === 6 || opts.family === 'IPv6') {
      process.nextTick(() => done(notFound(hostname)))
      return {}
    }
    resolveWorldName(name, entry, (address) =>
      opts.all ? done(null, [{ address, family: 4 }]) : done(null, address, 4)
    )
    return {}
  }
  dns.promises.lookup = (hostname, options) =>
    new Promise((resolve, reject) =>
      dns.lookup(hostname, options ?? {}, (error, address, family) =>
        error ? reject(error) : resolve(Array.isArray(address) ? address : { address, family })
      )
    )
  try {
    dns.setServers(['127.0.0.1'])
  } catch {
    // Only a safety net: the action resolves through lookup.
  }

  // High ports: <world name>:443 -> its relay's port (every other connection untouched).
  const moved = Object.entries(names).filter(([, entry]) => entry.port !== undefined && entry.port !== 443)
  if (moved.length > 0) {
    const portOf = new Map(moved.map(([name, entry]) => [name, entry.port]))
    const connect = net.Socket.prototype.connect
    net.Socket.prototype.connect = function latencyConnect(...args) {
      // Node passes either normalized [options, callback] as one array, or (options, callback), or (port, host, callback).
      const options = Array.isArray(args[0]) ? args[0][0] : typeof args[0] === 'object' ? args[0] : undefined
      if (options && options.host !== undefined && Number(options.port) === 443) {
        const port = portOf.get(canonical(options.host))
        if (port !== undefined) options.port = port
      } else if (typeof args[0] !== 'object' && Number(args[0]) === 443 && typeof args[1] === 'string') {
        const port = portOf.get(canonical(args[1]))
        if (port !== undefined) args[0] = port
      }
      return connect.apply(this, args)
    }
  }
  syncBuiltinESMExports()

  let nextSocket = 0
  const socketIds = new WeakMap()
  dc.subscribe('net.client.socket', ({ socket }) => {
    const sid = ++nextSocket
    socketIds.set(socket, sid)
    record('socket', { sid })
    socket.once('lookup', (error, address, family, host) =>
      record('socket-lookup', { sid, host: canonical(host), address, error: error?.code })
    )
    socket.once('connect', () =>
      record('tcp-connect', { sid, localPort: socket.localPort, remotePort: socket.remotePort })
    )
    socket.once('secureConnect', () =>
      record('tls-done', { sid, servername: socket.servername, protocol: socket.getProtocol?.() })
    )
    socket.once('close', () => record('socket-close', { sid }))
  })

  let nextRequest = 0
  dc.subscribe('http.client.request.created', ({ request }) => {
    const rid = ++nextRequest
    record('request-created', {
      rid,
      method: request.method,
      host: request.host,
      path: String(request.path).split('?')[0]
    })
    request.once('socket', (socket) =>
      record('request-socket', { rid, sid: socketIds.get(socket), reused: !socket.connecting })
    )
    request.once('finish', () => record('request-sent', { rid }))
    request.once('response', (response) => {
      record('response', { rid, status: response.statusCode })
      response.once('end', () => record('response-end', { rid }))
    })
    request.once('error', (error) => record('request-error', { rid, code: error.code }))
  })
}

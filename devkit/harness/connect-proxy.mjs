// A forward proxy on loopback for the proxy tests, as a self-hosted runner's would be: CONNECT
// tunnels (HTTPS_PROXY) and absolute-form plain-HTTP requests (HTTP_PROXY). It records what each
// request asked for and the Proxy-Authorization it carried, can refuse (407, 403) or require
// credentials, and forwards to loopback targets only, so nothing a test sends leaves the machine.
import { createServer, request as httpRequest } from 'node:http'
import { connect as netConnect, isIP } from 'node:net'

/**
 * Names that are not loopback for the action (so it never goes to them direct: loopback always is)
 * but that this proxy, and the test squid, deliver to 127.0.0.1: the TLS emulator's certificate is
 * for them too (devkit/certs/self-signed-cert.pem). `.test` is reserved (RFC 6761): they resolve nowhere.
 */
export const PROXIED_NAMES = ['sae.proxied.test', 'sts.proxied.test']

/** Targets the proxy forwards to; anything else is answered 403 and never dialled. */
function isLoopback(hostname) {
  const host = hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))
}

/** Where the proxy dials a target it forwards: a proxied name at 127.0.0.1, a loopback one as it is. */
const dialHost = (hostname) => (PROXIED_NAMES.includes(hostname) ? '127.0.0.1' : hostname)

/** `host:port` of a CONNECT target (`host:port`, `[v6]:port`). */
function splitTarget(target) {
  const url = new URL(`http://${target}`)
  return { hostname: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443) }
}

/**
 * Starts the proxy on 127.0.0.1 and a free port.
 * @param {object} [options]
 * @param {407 | 403} [options.refuse] answer every request with this status (407 with `Proxy-Authenticate: Basic`)
 * @param {{username: string, password: string}} [options.credentials] require these as Proxy-Authorization (407 otherwise)
 * @param {Record<string, number>} [options.routes] CONNECT targets (`host:port`) that are not loopback but are
 *   delivered to this loopback port, as a runner's proxy reaches a public host (nothing leaves the machine)
 * @param {string[]} [options.unreachable] CONNECT targets (`host:port`) it answers 502, as a proxy that cannot
 *   reach them does (a VPC domain from outside the VPC, a public one from a VPC without egress); never dialled
 * @param {boolean} [options.keepOpen] after refusing a CONNECT, keep the client's connection open (keep-alive), as squid does,
 *   instead of closing it: a client that does not close it itself stays alive
 */
export async function startConnectProxy(options = {}) {
  let refuse = options.refuse
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}`
    : undefined
  /** @type {Array<{target: string, authorization: string | undefined, status: number}>} */
  const connects = []
  /** @type {Array<{method: string, url: string, authorization: string | undefined, status: number}>} */
  const requests = []
  const stats = { connections: 0, connects: 0, requests: 0 }
  const sockets = new Set()
  const track = (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    return socket
  }

  /** The status the proxy refuses this request with, or 0 to let it through. */
  const verdict = (authorization, hostname) => {
    if (refuse) return refuse
    if (expected && authorization !== expected) return 407
    return isLoopback(hostname) || PROXIED_NAMES.includes(hostname) ? 0 : 403
  }
  const refusalHead = (status) =>
    status === 407
      ? 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test-proxy"\r\n'
      : `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Bad Gateway'}\r\n`

  const server = createServer((req, res) => {
    // Absolute-form: `GET http://127.0.0.1:port/path HTTP/1.1`.
    stats.requests++
    const authorization = req.headers['proxy-authorization']
    const record = { method: req.method, url: req.url, authorization, status: 0 }
    requests.push(record)
    let target
    try {
      target = new URL(req.url)
    } catch {
      target = undefined
    }
    const status = target && target.protocol === 'http:' ? verdict(authorization, target.hostname) : 400
    if (status) {
      record.status = status
      res.writeHead(status, status === 407 ? { 'proxy-authenticate': 'Basic realm="test-proxy"' } : {})
      res.end()
      return
    }
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = httpRequest(
      {
        hostname: dialHost(target.hostname.replace(/^\[|\]$/g, '')),
        port: target.port || 80,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
        agent: false
      },
      (answer) => {
        record.status = answer.statusCode ?? 0
        res.writeHead(record.status, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('socket', track)
    upstream.on('error', () => {
      record.status = 502
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })

  server.on('connection', (socket) => {
    stats.connections++
    track(socket)
  })

  server.on('connect', (req, client, head) => {
    stats.connects++
    const authorization = req.headers['proxy-authorization']
    const record = { target: req.url ?? '', authorization, status: 0 }
    connects.push(record)
    client.on('error', () => {})
    let target
    try {
      target = splitTarget(record.target)
    } catch {
      target = undefined
    }
    const route = options.routes?.[record.target]
    const unreachable = options.unreachable?.includes(record.target) && !refuse ? 502 : 0
    const status = !target
      ? 400
      : unreachable || verdict(authorization, route === undefined ? target.hostname : '127.0.0.1')
    if (status) {
      record.status = status
      if (options.keepOpen) {
        // Open until the client closes its end (the HTTP server's sockets are half-open capable).
        client.on('end', () => client.destroy())
        client.write(`${refusalHead(status)}Content-Length: 0\r\nConnection: keep-alive\r\n\r\n`)
      } else client.end(`${refusalHead(status)}Content-Length: 0\r\nConnection: close\r\n\r\n`)
      return
    }
    const upstream = track(
      route === undefined ? netConnect(target.port, dialHost(target.hostname)) : netConnect(route, '127.0.0.1')
    )
    upstream.on('connect', () => {
      record.status = 200
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => {
      if (record.status === 0) {
        record.status = 502
        client.end(`${refusalHead(502)}Content-Length: 0\r\nConnection: close\r\n\r\n`)
      } else {
        client.destroy()
      }
    })
    client.on('close', () => upstream.destroy())
  })

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    port,
    /** `127.0.0.1:port`, as error messages name it. */
    host: `127.0.0.1:${port}`,
    /** `http://127.0.0.1:port`, for HTTPS_PROXY / HTTP_PROXY. */
    url: `http://127.0.0.1:${port}`,
    /** The same URL with credentials, as a runner's variable may carry them. */
    urlWith(username, password) {
      return `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${port}`
    },
    connects,
    requests,
    stats,
    /** Client connections still open at the proxy. */
    openConnections() {
      return [...sockets].filter((socket) => !socket.destroyed).length
    },
    /** Refuse from now on (407 or 403), or stop refusing (undefined). */
    refuse(status) {
      refuse = status
    },
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(() => resolve()))
    }
  }
}

/** A loopback port nothing listens on, for a proxy that is down. */
export { freePort as closedPort } from './ports.mjs'

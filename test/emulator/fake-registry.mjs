// Fake Docker registries on loopback, for the verify-login tests: the Docker Registry HTTP API V2
// login as real registries answer it (GET /v2/ -> 401 with a challenge, then a token service or
// Basic), plus the ways they misbehave. node:http only; every request is recorded.
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'

/**
 * - `bearer`: `/v2/` challenges with `Bearer realm=...,service=...`; the realm is a token service on
 *   another loopback port (as ACR's dockerauth host is another host); it checks Basic credentials
 *   and answers `{ token, access_token }`, or 401.
 * - `basic`: `/v2/` challenges with `Basic realm=...` and answers 200 to the right credentials.
 * - `silent`: accepts connections and requests, never answers.
 * - `token-forbidden`: a Bearer registry whose token service answers 403 whatever it is sent.
 * - `not-registry`: a web server that answers 404 to everything.
 * @typedef {'bearer' | 'basic' | 'silent' | 'token-forbidden' | 'not-registry'} RegistryKind
 */

/** A name that is not loopback and never resolves (RFC 6761 `.example`): only a routing agent reaches it. */
export const INSECURE_REALM_HOST = 'auth.registry.example'

/**
 * Starts one fake registry (and its token service, for the Bearer kinds) on 127.0.0.1.
 * @param {object} [options]
 * @param {RegistryKind} [options.kind]
 * @param {string} [options.username] the credentials it accepts
 * @param {string} [options.password]
 * @param {number} [options.latencyMs] added to every answer, of the registry and its token service
 * @param {boolean} [options.insecureRealm] the challenge names a plain-http realm on a non-loopback
 *   name (`http://auth.registry.example:<token port>/token`); a routing agent can still deliver to it
 * @param {boolean} [options.distinctTokens] answer `token`, `access_token` and `refresh_token` as three
 *   different values (the spec makes the first two aliases), to check that each is treated as a credential
 */
export async function startFakeRegistry(options = {}) {
  const kind = options.kind ?? 'bearer'
  const username = options.username ?? 'robot'
  const password = options.password ?? 'reg1stry-pa55'
  const latencyMs = options.latencyMs ?? 0
  const service = 'registry.fake:cn-test:4242'
  /** @type {Array<{server: 'registry' | 'token', method: string, path: string, query: Record<string, string>, authorization?: string, receivedAt: bigint, answeredAt?: bigint, status?: number}>} */
  const requests = []
  /** Every token it handed out (access and refresh tokens included), for leak scans. */
  const tokens = []
  const timers = new Set()
  const servers = []
  const sockets = new Set()

  const basicOk = (authorization) => authorization === `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`

  /** A server whose every answer waits `latencyMs` and is recorded. */
  async function serve(name, answer) {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake')
      const record = {
        server: name,
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        host: req.headers.host,
        receivedAt: process.hrtime.bigint()
      }
      requests.push(record)
      req.resume()
      if (kind === 'silent') return
      const send = (status, headers, body) => {
        record.status = status
        record.answeredAt = process.hrtime.bigint()
        res.writeHead(status, { 'content-type': 'application/json', ...headers })
        res.end(body)
      }
      const timer = setTimeout(() => {
        timers.delete(timer)
        answer(record, send)
      }, latencyMs)
      timers.add(timer)
    })
    server.on('connection', (socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
    return server.address().port
  }

  const bearer = kind === 'bearer' || kind === 'token-forbidden'
  let tokenPort
  let realm
  if (bearer) {
    tokenPort = await serve('token', (record, send) => {
      if (record.path !== '/token') return send(404, {}, '{"errors":[{"code":"NOT_FOUND"}]}')
      if (kind === 'token-forbidden') return send(403, {}, '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}')
      if (record.query.service !== service) return send(400, {}, '{"errors":[{"code":"UNSUPPORTED","message":"unknown service"}]}')
      if (!basicOk(record.authorization)) return send(401, {}, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
      const issue = () => `fake-token.${randomBytes(18).toString('base64url')}`
      const token = issue()
      const more = options.distinctTokens ? { access_token: issue(), refresh_token: issue() } : { access_token: token }
      tokens.push(token, ...Object.values(more).filter((value) => value !== token))
      send(200, {}, JSON.stringify({ token, ...more, expires_in: 300, issued_at: new Date().toISOString() }))
    })
    realm = `http://${options.insecureRealm ? INSECURE_REALM_HOST : '127.0.0.1'}:${tokenPort}/token`
  }

  const port = await serve('registry', (record, send) => {
    if (kind === 'not-registry' || !record.path.startsWith('/v2/')) {
      return send(404, { 'content-type': 'text/html' }, '<html><body><h1>404 Not Found</h1></body></html>')
    }
    const unauthorized = '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
    if (bearer) {
      // Like a real registry, it only ever points at its token service; the token is not checked here.
      return send(401, { 'www-authenticate': `Bearer realm="${realm}",service="${service}"`, 'docker-distribution-api-version': 'registry/2.0' }, unauthorized)
    }
    if (basicOk(record.authorization)) return send(200, { 'docker-distribution-api-version': 'registry/2.0' }, '{}')
    send(401, { 'www-authenticate': 'Basic realm="Registry Realm"', 'docker-distribution-api-version': 'registry/2.0' }, unauthorized)
  })

  return {
    kind,
    username,
    password,
    service,
    /** host:port, as `registry-domains` or an `extra-registries` item takes it. */
    host: `127.0.0.1:${port}`,
    port,
    tokenPort,
    realm,
    requests,
    tokens,
    /** Requests one of its servers received. */
    calls(server) {
      return requests.filter((request) => server === undefined || request.server === server)
    },
    /** Closes both servers, ends every connection and drops answers still waiting. */
    async stop() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      for (const socket of sockets) socket.destroy()
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))))
    }
  }
}

/** A loopback port where nothing listens (bound, then released). */
export async function closedPort() {
  const server = http.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(() => resolve()))
  return port
}

/**
 * Agents in the shape of the run's proxy agents that deliver every connection, whatever host it
 * names, to the same port on 127.0.0.1, and record `<scheme>://<host>:<port>` asked for. With `refuse`, they
 * record and refuse instead (ECONNREFUSED), so nothing leaves the machine. For checking where the
 * login would send credentials to a host that is not loopback, without contacting it.
 * @param {{refuse?: boolean}} [options]
 */
export function routingAgents(options = {}) {
  /** @type {string[]} */
  const connections = []
  const route = (agent, scheme, nodeOptions, callback) => {
    connections.push(`${scheme}://${nodeOptions.host}:${nodeOptions.port}`)
    if (options.refuse) {
      process.nextTick(() => callback(Object.assign(new Error(`connect ECONNREFUSED ${nodeOptions.host}:${nodeOptions.port}`), { code: 'ECONNREFUSED' })))
      return undefined
    }
    return http.Agent.prototype.createConnection.call(agent, { ...nodeOptions, host: '127.0.0.1', servername: undefined }, callback)
  }
  class RoutingHttpAgent extends http.Agent {
    createConnection(nodeOptions, callback) {
      return route(this, 'http', nodeOptions, callback)
    }
  }
  class RoutingHttpsAgent extends https.Agent {
    createConnection(nodeOptions, callback) {
      return route(this, 'https', nodeOptions, callback)
    }
  }
  const agents = { http: new RoutingHttpAgent(), https: new RoutingHttpsAgent() }
  return {
    ...agents,
    proxies: {},
    connections,
    destroy() {
      agents.http.destroy()
      agents.https.destroy()
    }
  }
}

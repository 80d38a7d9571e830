// Fake Docker registries on loopback, for the verify-login and image tests: the Docker Registry HTTP
// API V2 login as real registries answer it (GET /v2/ -> 401 with a challenge, then a token service
// or Basic), manifests per repository with pull rights per user, plus the ways registries misbehave
// that a real one will not play (devkit/harness/real-registry.mjs runs the real CNCF registry).
// node:http only; every request is recorded.
import { createHash, randomBytes } from 'node:crypto'
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

/** The media type of the manifests the fake serves. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'

/**
 * The manifest the fake serves for `<path>:<tag>`: an OCI image manifest that names its image, so
 * its digest is stable across runs and differs per image.
 */
export function fakeManifest(path, tag) {
  const blob = (text) => ({
    digest: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    size: Buffer.byteLength(text)
  })
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...blob(`config of ${path}:${tag}`) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(`layer of ${path}:${tag}`) }]
    })
  )
  return { bytes, mediaType: OCI_MANIFEST, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` }
}

/** `repository:shop/web:pull` → `{ name, actions }`; other scope types are ignored, as a registry's token service does. */
function repositoryScope(scope) {
  const match = /^repository:(.+):([a-z*,]+)$/.exec(scope)
  return match ? { name: match[1], actions: match[2].split(',') } : undefined
}

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
 * @param {string | ((host: string | undefined) => string)} [options.realm] the realm the challenges
 *   name instead (given the Host header the request came with, when a function): for a token service
 *   reached under another name, as ACR's `https://dockerauth.<region>.aliyuncs.com/auth` in a latency
 *   world (devkit/latency/). The token service then answers at that URL's path as well as `/token`.
 * @param {boolean} [options.distinctTokens] answer `token`, `access_token` and `refresh_token` as three
 *   different values (the spec makes the first two aliases), to check that each is treated as a credential
 * @param {Record<string, string>} [options.users] more accounts it accepts (username → password), beside `username`
 * @param {Record<string, {tags?: string[], pullers?: string[]}>} [options.repositories] the repositories
 *   it holds, each with its tags (a manifest each, see `fakeManifest`) and who may pull it (default:
 *   `username` only). A repository it does not hold may be asked for by `username` (so the answer is
 *   `NAME_UNKNOWN`), by no one else.
 *
 * Manifests (`HEAD` or `GET /v2/<path>/manifests/<tag or digest>`), for the Bearer kind: the token
 * service grants what the user may pull of each `scope=repository:<path>:pull` it is asked for and
 * answers 200 with a token holding just that, even when that is nothing (the token spec: "it must not
 * be considered an error"; distribution's own token servers do so); the registry answers a request
 * without a token, or with one it did not issue, 401 with `Bearer …,scope="repository:<path>:pull"`
 * (`error="invalid_token"` for the latter), and a token without the scope 401 with
 * `error="insufficient_scope"`, as distribution 2.8 does. For the Basic kind: wrong credentials 401
 * with the Basic challenge; an account that may not pull, 403 `DENIED` (distribution's htpasswd has no
 * rights per repository; Harbor, Nexus and Docker Hub answer a signed-in user without access so).
 * Then 404 `NAME_UNKNOWN` for a repository it does not hold (distribution 2.8 itself says
 * `MANIFEST_UNKNOWN` there; other registries `NAME_UNKNOWN`), 404 `MANIFEST_UNKNOWN` for a tag or
 * digest it does not hold, or for an OCI manifest when the request's Accept does not list OCI (as
 * distribution 2.8), else 200 with `Docker-Content-Digest`, `Content-Type` and `Content-Length`.
 */
export async function startFakeRegistry(options = {}) {
  const kind = options.kind ?? 'bearer'
  const username = options.username ?? 'robot'
  const password = options.password ?? 'reg1stry-pa55'
  const latencyMs = options.latencyMs ?? 0
  const service = 'registry.fake:cn-test:4242'
  const accounts = { ...options.users, [username]: password }
  const repositories = new Map(
    Object.entries(options.repositories ?? {}).map(([path, repository]) => [
      path,
      {
        pullers: repository.pullers ?? [username],
        manifests: new Map((repository.tags ?? []).map((tag) => [tag, fakeManifest(path, tag)]))
      }
    ])
  )
  /** @type {Map<string, {user: string, pull: Set<string>}>} what each token it issued may do */
  const grants = new Map()
  /**
   * @type {Array<{server: 'registry' | 'token', method: string, path: string, query: Record<string, string>, scopes: string[],
   *   authorization?: string, accept?: string, receivedAt: bigint, answeredAt?: bigint, status?: number, user?: string, granted?: string[]}>}
   */
  const requests = []
  /** Every token it handed out (access and refresh tokens included), for leak scans. */
  const tokens = []
  const timers = new Set()
  const servers = []
  const sockets = new Set()

  /** The account a Basic header signs in as, or undefined when it names none of them with its password. */
  const basicUser = (authorization) => {
    const match = /^Basic (.+)$/.exec(authorization ?? '')
    if (!match) return undefined
    const text = Buffer.from(match[1], 'base64').toString('utf8')
    const colon = text.indexOf(':')
    const user = text.slice(0, colon)
    return colon >= 0 && Object.hasOwn(accounts, user) && accounts[user] === text.slice(colon + 1) ? user : undefined
  }
  const basicOk = (authorization) => basicUser(authorization) === username
  const mayPull = (user, path) =>
    repositories.has(path) ? repositories.get(path).pullers.includes(user) : user === username

  /** A server whose every answer waits `latencyMs` and is recorded. */
  async function serve(name, answer) {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake')
      const record = {
        server: name,
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        scopes: url.searchParams
          .getAll('scope')
          .flatMap((scope) => scope.split(' '))
          .filter(Boolean),
        authorization: req.headers.authorization,
        accept: req.headers.accept,
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
  const tokenPaths = new Set(['/token'])
  /** The realm a challenge names, for a request that came with `host`. */
  const realmFor = (host) => {
    if (options.realm === undefined) return realm
    const named = typeof options.realm === 'function' ? options.realm(host) : options.realm
    tokenPaths.add(new URL(named).pathname)
    return named
  }
  if (bearer) {
    tokenPort = await serve('token', (record, send) => {
      if (!tokenPaths.has(record.path)) return send(404, {}, '{"errors":[{"code":"NOT_FOUND"}]}')
      if (kind === 'token-forbidden')
        return send(403, {}, '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}')
      if (record.query.service !== service)
        return send(400, {}, '{"errors":[{"code":"UNSUPPORTED","message":"unknown service"}]}')
      const user = basicUser(record.authorization)
      if (!user) return send(401, {}, '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
      record.user = user
      const pull = new Set(
        record.scopes
          .map(repositoryScope)
          .filter((scope) => scope && scope.actions.includes('pull') && mayPull(user, scope.name))
          .map((scope) => scope.name)
      )
      record.granted = [...pull].map((path) => `repository:${path}:pull`)
      const issue = () => `fake-token.${randomBytes(18).toString('base64url')}`
      const token = issue()
      const more = options.distinctTokens ? { access_token: issue(), refresh_token: issue() } : { access_token: token }
      tokens.push(token, ...Object.values(more).filter((value) => value !== token))
      for (const value of [token, more.access_token]) grants.set(value, { user, pull })
      send(200, {}, JSON.stringify({ token, ...more, expires_in: 300, issued_at: new Date().toISOString() }))
    })
    realm = `http://${options.insecureRealm ? INSECURE_REALM_HOST : '127.0.0.1'}:${tokenPort}/token`
  }

  const port = await serve('registry', (record, send) => {
    if (kind === 'not-registry' || !record.path.startsWith('/v2/')) {
      return send(404, { 'content-type': 'text/html' }, '<html><body><h1>404 Not Found</h1></body></html>')
    }
    const unauthorized = '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(record.path)
    if (manifest && (record.method === 'HEAD' || record.method === 'GET'))
      return answerManifest(record, send, manifest[1], manifest[2])
    if (bearer) {
      // Like a real registry, it only ever points at its token service; the token is not checked here.
      return send(
        401,
        {
          'www-authenticate': `Bearer realm="${realmFor(record.host)}",service="${service}"`,
          'docker-distribution-api-version': 'registry/2.0'
        },
        unauthorized
      )
    }
    if (basicOk(record.authorization)) return send(200, { 'docker-distribution-api-version': 'registry/2.0' }, '{}')
    send(
      401,
      { 'www-authenticate': 'Basic realm="Registry Realm"', 'docker-distribution-api-version': 'registry/2.0' },
      unauthorized
    )
  })

  /** A manifest request, after the rights of whoever asks (see the options' comment). */
  function answerManifest(record, send, path, reference) {
    const api = { 'docker-distribution-api-version': 'registry/2.0' }
    const errors = (code, message, detail) => JSON.stringify({ errors: [{ code, message, detail }] })
    const scope = `repository:${path}:pull`
    if (bearer) {
      const bearerToken = /^Bearer (.+)$/.exec(record.authorization ?? '')?.[1]
      const grant = bearerToken === undefined ? undefined : grants.get(bearerToken)
      if (!grant || !grant.pull.has(path)) {
        const error = bearerToken === undefined ? '' : grant ? ',error="insufficient_scope"' : ',error="invalid_token"'
        return send(
          401,
          {
            ...api,
            'www-authenticate': `Bearer realm="${realmFor(record.host)}",service="${service}",scope="${scope}"${error}`
          },
          errors('UNAUTHORIZED', 'authentication required', [
            { Type: 'repository', Class: '', Name: path, Action: 'pull' }
          ])
        )
      }
      record.user = grant.user
    } else {
      const user = basicUser(record.authorization)
      if (!user)
        return send(
          401,
          { ...api, 'www-authenticate': 'Basic realm="Registry Realm"' },
          errors('UNAUTHORIZED', 'authentication required', null)
        )
      record.user = user
      if (!mayPull(user, path))
        return send(403, api, errors('DENIED', 'requested access to the resource is denied', null))
    }
    const repository = repositories.get(path)
    if (!repository)
      return send(404, api, errors('NAME_UNKNOWN', 'repository name not known to registry', { name: path }))
    const found = reference.startsWith('sha256:')
      ? [...repository.manifests.values()].find((candidate) => candidate.digest === reference)
      : repository.manifests.get(reference)
    if (!found)
      return send(
        404,
        api,
        errors(
          'MANIFEST_UNKNOWN',
          'manifest unknown',
          reference.startsWith('sha256:') ? { Digest: reference } : { Tag: reference }
        )
      )
    const accepted = (record.accept ?? '').split(',').map((type) => type.split(';')[0].trim())
    if (!accepted.includes(found.mediaType)) {
      return send(
        404,
        api,
        errors('MANIFEST_UNKNOWN', 'OCI manifest found, but accept header does not support OCI manifests')
      )
    }
    send(
      200,
      {
        ...api,
        'content-type': found.mediaType,
        'content-length': String(found.bytes.length),
        'docker-content-digest': found.digest,
        etag: `"${found.digest}"`
      },
      record.method === 'HEAD' ? undefined : found.bytes
    )
  }

  return {
    kind,
    username,
    password,
    service,
    /** host:port, as `registry-domains` or an `extra-registries` item takes it. */
    host: `127.0.0.1:${port}`,
    port,
    tokenPort,
    /** The realm the challenges name (a function's answer depends on the request: see `options.realm`). */
    realm: typeof options.realm === 'string' ? options.realm : realm,
    requests,
    tokens,
    /** The digest and media type of the manifest it serves for `<path>:<tag>` (undefined when it holds none). */
    manifest(path, tag) {
      const found = repositories.get(path)?.manifests.get(tag)
      return found ? { digest: found.digest, mediaType: found.mediaType } : undefined
    },
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
export { freePort as closedPort } from '../harness/ports.mjs'

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
      process.nextTick(() =>
        callback(
          Object.assign(new Error(`connect ECONNREFUSED ${nodeOptions.host}:${nodeOptions.port}`), {
            code: 'ECONNREFUSED'
          })
        )
      )
      return undefined
    }
    return http.Agent.prototype.createConnection.call(
      agent,
      { ...nodeOptions, host: '127.0.0.1', servername: undefined },
      callback
    )
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

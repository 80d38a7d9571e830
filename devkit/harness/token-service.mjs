// A Bearer token service on loopback for the real registry's `auth: token` mode (no real token
// server can be had offline). It speaks the Docker token protocol (docs/spec/auth/token.md in
// distribution: GET <realm>?service=&scope=&account= with Basic credentials) and signs JWTs that
// distribution 2.8 verifies itself: ES256, the signing certificate in the `x5c` header, checked
// against the registry's `rootcertbundle` (registry/auth/token/token.go, VerifySigningKey).
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'certs')
/** The test-only signing key and its self-signed certificate (the registry's whole root bundle). */
export const SIGNING_CERT_FILE = join(FIXTURES, 'token-signing-test-only-cert.pem')
const SIGNING_KEY_FILE = join(FIXTURES, 'token-signing-test-only-key.pem')
const TOKEN_LIFETIME_SECONDS = 300

const base64url = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** `repository:shop/web:pull,push` → its parts; a scope the spec does not know is kept as null. */
export function parseScope(scope) {
  const match = /^([a-z0-9]+(?:\([a-z0-9]+\))?):(.+):([a-z*,]+)$/.exec(scope)
  if (!match) return null
  return { type: match[1], name: match[2], actions: match[3].split(',').filter(Boolean) }
}

/**
 * Starts the token service on 127.0.0.1 and a free port.
 * @param {object} options
 * @param {string} options.service the registry's service name (the token's `aud`)
 * @param {string} options.issuer the registry's trusted issuer (the token's `iss`)
 * @param {Record<string, {password: string, pull?: string[], push?: boolean}>} options.users
 *   who may log in; `pull` lists the repositories each may pull (absent: every one), `push` grants
 *   push on every repository (the harness's own pusher)
 */
export async function startTokenService({ service, issuer, users }) {
  const key = createPrivateKey(readFileSync(SIGNING_KEY_FILE, 'utf8'))
  const certificateDer = new X509Certificate(readFileSync(SIGNING_CERT_FILE, 'utf8')).raw.toString('base64')
  /** @type {Array<{user?: string, account?: string, service?: string, scopes: string[], status: number, granted: Array<{type: string, name: string, actions: string[]}>}>} */
  const requests = []
  /** Every token handed out, for leak scans. */
  const tokens = []
  const sockets = new Set()

  /** The user a Basic header names, when its password is right. */
  const authenticate = (authorization) => {
    const match = /^Basic (.+)$/i.exec(authorization ?? '')
    if (!match) return { user: undefined, ok: false }
    const text = Buffer.from(match[1], 'base64').toString('utf8')
    const colon = text.indexOf(':')
    const user = colon < 0 ? text : text.slice(0, colon)
    return { user, ok: colon >= 0 && users[user] !== undefined && users[user].password === text.slice(colon + 1) }
  }

  /** The spec's rule: the token holds the intersection of what was asked and what is granted, never an error. */
  const grant = (user, scopes) => {
    const rights = users[user]
    const granted = []
    for (const scope of scopes.map(parseScope)) {
      if (!scope || scope.type !== 'repository') continue
      const allowed = scope.actions.filter((action) => {
        if (action === 'pull') return rights.push || rights.pull === undefined || rights.pull.includes(scope.name)
        return action === 'push' && rights.push === true
      })
      if (allowed.length > 0) granted.push({ type: 'repository', name: scope.name, actions: allowed })
    }
    return granted
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token')
    const { user, ok } = authenticate(req.headers.authorization)
    const record = {
      user,
      account: url.searchParams.get('account') ?? undefined,
      service: url.searchParams.get('service') ?? undefined,
      scopes: url.searchParams
        .getAll('scope')
        .flatMap((scope) => scope.split(' '))
        .filter(Boolean),
      status: 0,
      granted: []
    }
    requests.push(record)
    req.resume()
    const answer = (status, body) => {
      record.status = status
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method !== 'GET' || url.pathname !== '/token')
      return answer(404, { errors: [{ code: 'NOT_FOUND', message: 'no such endpoint' }] })
    if (record.service !== service)
      return answer(400, { errors: [{ code: 'UNSUPPORTED', message: `unknown service ${record.service}` }] })
    // A private registry: no anonymous tokens.
    if (!ok) return answer(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] })
    record.granted = grant(user, record.scopes)
    const token = mintToken({ subject: user, access: record.granted })
    tokens.push(token)
    answer(200, { token, access_token: token, expires_in: TOKEN_LIFETIME_SECONDS, issued_at: new Date().toISOString() })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  /**
   * A JWT as distribution verifies it. `untrusted` signs with a fresh key, sent as `jwk` with no
   * certificate: the registry must refuse it (the check that it verifies at all).
   */
  function mintToken({ subject, access, untrusted = false, audience = service }) {
    const now = Math.floor(Date.now() / 1000)
    let signingKey = key
    let header = { typ: 'JWT', alg: 'ES256', x5c: [certificateDer] }
    if (untrusted) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      signingKey = pair.privateKey
      header = { typ: 'JWT', alg: 'ES256', jwk: pair.publicKey.export({ format: 'jwk' }) }
    }
    const claims = {
      iss: issuer,
      sub: subject,
      aud: audience,
      exp: now + TOKEN_LIFETIME_SECONDS,
      nbf: now - 1,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access
    }
    const signingInput = `${base64url(header)}.${base64url(claims)}`
    // JWS ES256 is r||s (RFC 7518 3.4), which is what libtrust checks, not DER.
    const signature = sign('sha256', Buffer.from(signingInput), { key: signingKey, dsaEncoding: 'ieee-p1363' })
    return `${signingInput}.${signature.toString('base64url')}`
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    port,
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    tokens,
    mintToken,
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(() => resolve()))
    }
  }
}

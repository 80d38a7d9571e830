// A local stand-in for SAE's Secret API, STS (AssumeRoleWithOIDC for GitHub OIDC and ACK's RRSA,
// AssumeRole for role chaining) and the runner's ID-token endpoint, on loopback. It checks every
// signature itself (signature.mjs: V3 for SAE, the RPC HMAC-SHA1 form for AssumeRole), keeps
// per-namespace state, answers with the documented shapes and codes, and lets a test script faults per call.
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import {
  canonicalRequest,
  headersToSign,
  parseAuthorization,
  RPC_SIGNATURE_METHOD,
  RPC_SIGNATURE_VERSION,
  rpcSignature,
  rpcStringToSign,
  sha256Hex,
  sign,
  signaturesEqual,
  stringToSign
} from './signature.mjs'

export const SAE_VERSION = '2019-05-06'
export const STS_VERSION = '2015-04-01'
const ID_TOKEN_PATH = '/_github/idtoken'
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'
/** The issuer of an ACK cluster's service-account tokens (RRSA), as ACK names it: an OSS bucket of the region. */
const RRSA_ISSUER = 'https://oidc-ack-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/c0ffee0123456789abcdef0123456789a'
/** What STS serves at `POST /`, by x-acs-action. */
const STS_ACTIONS = new Set(['AssumeRoleWithOIDC', 'AssumeRole'])
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000

/** Which query parameters each SAE action takes, and which it requires. */
const SAE_ACTIONS = {
  'POST /pop/v1/sam/secret/secret': {
    action: 'CreateSecret',
    params: ['NamespaceId', 'SecretName', 'SecretType', 'SecretData'],
    required: ['NamespaceId', 'SecretName', 'SecretType', 'SecretData']
  },
  'PUT /pop/v1/sam/secret/secret': {
    action: 'UpdateSecret',
    params: ['NamespaceId', 'SecretId', 'SecretData'],
    required: ['NamespaceId', 'SecretId', 'SecretData']
  },
  'GET /pop/v1/sam/secret/secret': {
    action: 'DescribeSecret',
    params: ['NamespaceId', 'SecretId'],
    required: ['NamespaceId', 'SecretId']
  },
  'DELETE /pop/v1/sam/secret/secret': {
    action: 'DeleteSecret',
    params: ['NamespaceId', 'SecretId'],
    required: ['NamespaceId', 'SecretId']
  },
  'GET /pop/v1/sam/secret/secrets': { action: 'ListSecrets', params: ['NamespaceId'], required: ['NamespaceId'] }
}

const SECRET_TYPES = new Set(['kubernetes.io/dockerconfigjson', 'Opaque'])

class Fault extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/**
 * Starts the emulator on 127.0.0.1 and a free port (or `options.port`).
 * @param {object} [options]
 * @param {number} [options.port] listen on this port (0 or absent: any free one); taken, the start fails with EADDRINUSE
 * @param {(call: {method: string, path: string, action?: string, query: Record<string, string>, status: number, code?: string}) => void} [options.onCall]
 *   told of each API call once it is answered (for a log; the query holds SecretData, so print names, not values)
 * @param {Array<{accessKeyId: string, accessKeySecret: string, securityToken?: string}>} [options.keys]
 * @param {string[]} [options.namespaces] namespace IDs that exist (`<region>:<name>` or `<region>`)
 * @param {number} [options.quota] Secrets allowed per namespace
 * @param {number} [options.dataKeyQuota] keys allowed in one Secret's data
 * @param {number} [options.latencyMs] added to every answer
 * @param {{key: string, cert: string}} [options.tls] serve HTTPS with this key and certificate
 * @param {{roleArn: string, oidcProviderArn: string, audience?: string, subject?: string, trustedSubject?: string, requestToken?: string}} [options.oidc]
 *   `subject` is the ID token's sub; the role trusts `trustedSubject` (default: the same)
 * @param {{roleArn: string, oidcProviderArn: string, subject?: string, trustedSubject?: string}} [options.rrsa]
 *   ACK's RRSA: a role that trusts the cluster's OIDC provider for a service account (`subject`,
 *   default `system:serviceaccount:arc-runners:arc-runner`); `serviceAccountToken()` mints its token
 * @param {Array<{roleArn: string, trusts?: string[]}>} [options.roles] roles AssumeRole may take, each
 *   trusting the AccessKey IDs in `trusts` (absent: any key the emulator knows)
 */
export async function startEmulator(options = {}) {
  const keys = new Map((options.keys ?? []).map((key) => [key.accessKeyId, { ...key }]))
  const namespaces = new Map((options.namespaces ?? []).map((id) => [id, new Map()]))
  const settings = {
    quota: options.quota ?? 50,
    dataKeyQuota: options.dataKeyQuota ?? 32,
    latencyMs: options.latencyMs ?? 0
  }
  const oidc = options.oidc
    ? {
        audience: 'sts.aliyuncs.com',
        subject: 'repo:octo-org/octo-repo:ref:refs/heads/main',
        requestToken: `runner-${randomBytes(12).toString('hex')}`,
        ...options.oidc
      }
    : undefined
  const rrsa = options.rrsa
    ? {
        subject: 'system:serviceaccount:arc-runners:arc-runner',
        audience: 'sts.aliyuncs.com',
        ...options.rrsa
      }
    : undefined
  const roles = new Map((options.roles ?? []).map((role) => [role.roleArn, role]))
  const tokenKey = randomBytes(32)
  const nonces = new Set()
  const faults = []
  const requests = []
  const issuedIdTokens = []
  const issuedKeys = []
  let nextSecretId = 16
  // Timers of answers still pending: stop() clears them, so a test's process is not kept alive.
  const timers = new Set()
  const later = (ms, fn) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
    return timer
  }
  const sleep = (ms) => new Promise((resolve) => later(ms, resolve))
  const stats = { connections: 0, tlsHandshakes: 0 }

  const listener = (req, res) => {
    // When the request reached us, on this process's monotonic clock (for the start-up benchmark).
    req.receivedAt = process.hrtime.bigint()
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      later(settings.latencyMs, () => {
        handle(req, res, body).catch((error) => {
          res.writeHead(500, { 'content-type': 'text/plain' })
          res.end(`emulator bug: ${error}`)
        })
      })
    })
  }
  // SAE takes SecretData in the query: accept long request lines, as its gateway does up to some limit.
  const serverOptions = { maxHeaderSize: 64 * 1024 }
  const server = options.tls
    ? createTlsServer({ ...options.tls, ...serverOptions }, listener)
    : createServer(serverOptions, listener)
  const sockets = new Set()
  server.on('connection', (socket) => {
    stats.connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('secureConnection', () => stats.tlsHandshakes++)

  async function handle(req, res, body) {
    const url = new URL(req.url, 'http://emulator')
    if (url.pathname === ID_TOKEN_PATH) return idToken(req, res, url)
    const record = {
      receivedAt: req.receivedAt,
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body: body.toString('utf8'),
      action: req.headers['x-acs-action'],
      status: 0,
      code: undefined
    }
    requests.push(record)
    if (options.onCall) res.on('close', () => options.onCall(record))
    const respond = (status, payload, raw) => {
      record.status = status
      record.code = payload?.Code
      if (raw !== undefined) {
        res.writeHead(status, { 'content-type': 'text/html' })
        res.end(raw)
        return
      }
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': payload.RequestId })
      res.end(JSON.stringify(payload))
    }
    try {
      const isSts = url.pathname === '/' && req.method === 'POST'
      const route = isSts ? undefined : SAE_ACTIONS[`${req.method} ${url.pathname}`]
      if (!isSts && !route) throw new Fault(404, 'InvalidAction.NotFound', `No API at ${req.method} ${url.pathname}`)
      const stsAction = STS_ACTIONS.has(req.headers['x-acs-action'])
        ? req.headers['x-acs-action']
        : 'AssumeRoleWithOIDC'
      const expected = isSts
        ? { action: stsAction, version: STS_VERSION }
        : { action: route.action, version: SAE_VERSION }
      if (req.headers['x-acs-action'] !== expected.action) {
        throw new Fault(400, 'InvalidAction.NotFound', `x-acs-action must be ${expected.action} for this path`)
      }
      if (req.headers['x-acs-version'] !== expected.version) {
        throw new Fault(400, 'InvalidVersion', `x-acs-version must be ${expected.version}`)
      }
      let signer
      if (isSts) {
        verifyRpcForm(req, url, stsAction)
        // AssumeRole is signed with the caller's key; AssumeRoleWithOIDC is anonymous (the token is the proof).
        if (stsAction === 'AssumeRole') signer = verifyRpcSignature(req, url, body)
      } else verifySignature(req, url, body)

      const serve = () =>
        !isSts ? dispatch(route, url, body) : signer ? assumeRoleWithKey(url, body, signer) : assumeRole(req, url, body)
      const fault = takeFault(expected.action)
      if (fault) {
        const handled = await injectFault(fault, req, res, record, serve)
        if (handled) return
      }
      const data = serve()
      respond(200, isSts ? { RequestId: requestId(), ...data } : envelope(data))
    } catch (error) {
      if (error instanceof Fault) {
        respond(error.status, {
          RequestId: requestId(),
          Code: error.code,
          Message: error.message,
          Success: false,
          TraceId: traceId(),
          ErrorCode: error.code
        })
      } else {
        respond(500, { RequestId: requestId(), Code: 'InternalError', Message: String(error), Success: false })
      }
    }
  }

  function verifySignature(req, url, body) {
    const auth = parseAuthorization(req.headers.authorization)
    if (!auth) throw new Fault(400, 'IncompleteSignature', 'The Authorization header is missing or malformed.')
    const key = keys.get(auth.credential)
    if (!key) throw new Fault(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.')
    const payloadHash = sha256Hex(body)
    if (req.headers['x-acs-content-sha256'] !== payloadHash) {
      throw new Fault(400, 'SignatureDoesNotMatch', 'x-acs-content-sha256 does not match the request body.')
    }
    const mustSign = headersToSign(req.headers)
    const missing = mustSign.filter((name) => !auth.signedHeaders.includes(name))
    if (missing.length > 0) throw new Fault(400, 'IncompleteSignature', `Headers not signed: ${missing.join(', ')}`)
    const canonical = canonicalRequest({
      method: req.method,
      path: url.pathname,
      searchParams: url.searchParams,
      headers: req.headers,
      signedHeaders: auth.signedHeaders,
      payloadHash
    })
    const expected = sign(key.accessKeySecret, stringToSign(canonical))
    if (!signaturesEqual(expected, auth.signature)) {
      throw new Fault(400, 'SignatureDoesNotMatch', 'The request signature does not conform to Aliyun standards.')
    }
    const date = Date.parse(req.headers['x-acs-date'] ?? '')
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(req.headers['x-acs-date'] ?? '') || Number.isNaN(date)) {
      throw new Fault(400, 'InvalidTimeStamp.Format', 'x-acs-date must be YYYY-MM-DDTHH:mm:ssZ.')
    }
    if (Math.abs(Date.now() - date) > MAX_CLOCK_SKEW_MS) {
      throw new Fault(400, 'InvalidTimeStamp.Expired', 'The x-acs-date is too far from the server time.')
    }
    const nonce = req.headers['x-acs-signature-nonce']
    if (!nonce) throw new Fault(400, 'MissingSignatureNonce', 'x-acs-signature-nonce is required.')
    if (nonces.has(nonce)) throw new Fault(400, 'SignatureNonceUsed', 'The x-acs-signature-nonce was used before.')
    nonces.add(nonce)
    const token = req.headers['x-acs-security-token']
    if (key.securityToken !== undefined) {
      if (!token) throw new Fault(400, 'InvalidSecurityToken.Malformed', 'An STS AccessKey needs x-acs-security-token.')
      if (token !== key.securityToken) {
        throw new Fault(
          400,
          'InvalidSecurityToken.MismatchWithAccessKey',
          'The security token does not match the AccessKey.'
        )
      }
      if (req.headers['x-acs-accesskey-id'] !== key.accessKeyId) {
        throw new Fault(
          400,
          'InvalidSecurityToken.MismatchWithAccessKey',
          'x-acs-accesskey-id does not match the credential.'
        )
      }
      if (key.expiresAt !== undefined && Date.now() > key.expiresAt) {
        throw new Fault(400, 'InvalidSecurityToken.Expired', 'The security token has expired.')
      }
    } else if (token) {
      throw new Fault(
        400,
        'InvalidSecurityToken.MismatchWithAccessKey',
        'A long-term AccessKey takes no security token.'
      )
    }
  }

  /**
   * STS takes its calls in the RPC form its official client sends: Action, Version, Format,
   * Timestamp and SignatureNonce in the query, none of the V3 signature headers.
   */
  function verifyRpcForm(req, url, action) {
    const query = Object.fromEntries(url.searchParams)
    if (query.Action !== action || query.Version !== STS_VERSION || query.Format !== 'json') {
      throw new Fault(400, 'MissingParameter', 'The RPC form needs Action, Version and Format=json in the query.')
    }
    const stamp = Date.parse(query.Timestamp ?? '')
    if (
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(query.Timestamp ?? '') ||
      Math.abs(Date.now() - stamp) > MAX_CLOCK_SKEW_MS
    ) {
      throw new Fault(400, 'InvalidTimeStamp.Format', 'Timestamp must be a recent YYYY-MM-DDTHH:mm:ssZ.')
    }
    if (!query.SignatureNonce) throw new Fault(400, 'MissingSignatureNonce', 'SignatureNonce is required.')
    if (nonces.has(query.SignatureNonce))
      throw new Fault(400, 'SignatureNonceUsed', 'The SignatureNonce was used before.')
    nonces.add(query.SignatureNonce)
    const v3 = ['x-acs-date', 'x-acs-content-sha256', 'x-acs-signature-nonce'].filter(
      (name) => req.headers[name] !== undefined
    )
    if (v3.length > 0)
      throw new Fault(400, 'InvalidParameter', `Unexpected V3 headers for an RPC call: ${v3.join(', ')}`)
  }

  /**
   * The RPC signature (HMAC-SHA1, signature.mjs): every parameter of the query and of a form body
   * but Signature, signed with the caller's secret; a temporary key must bring its SecurityToken
   * among them. Returns the key that signed.
   */
  function verifyRpcSignature(req, url, body) {
    const parameters = [...url.searchParams.entries()]
    if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      parameters.push(...new URLSearchParams(body.toString('utf8')).entries())
    const given = Object.fromEntries(parameters)
    if (given.SignatureMethod !== RPC_SIGNATURE_METHOD || given.SignatureVersion !== RPC_SIGNATURE_VERSION) {
      throw new Fault(400, 'IncompleteSignature', 'SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.')
    }
    if (!given.Signature) throw new Fault(400, 'IncompleteSignature', 'The Signature parameter is missing.')
    const key = keys.get(given.AccessKeyId)
    if (!key) throw new Fault(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.')
    const text = rpcStringToSign(
      req.method,
      parameters.filter(([name]) => name !== 'Signature')
    )
    if (!signaturesEqual(rpcSignature(key.accessKeySecret, text), given.Signature)) {
      throw new Fault(400, 'SignatureDoesNotMatch', 'The request signature does not conform to Aliyun standards.')
    }
    if (key.securityToken !== undefined) {
      if (!given.SecurityToken)
        throw new Fault(400, 'MissingSecurityToken', 'SecurityToken is mandatory for this action.')
      if (given.SecurityToken !== key.securityToken)
        throw new Fault(
          400,
          'InvalidSecurityToken.MismatchWithAccessKey',
          'The security token does not match the AccessKey.'
        )
      if (key.expiresAt !== undefined && Date.now() > key.expiresAt)
        throw new Fault(400, 'InvalidSecurityToken.Expired', 'The security token has expired.')
    } else if (given.SecurityToken) {
      throw new Fault(
        400,
        'InvalidSecurityToken.MismatchWithAccessKey',
        'A long-term AccessKey takes no security token.'
      )
    }
    return key
  }

  function dispatch(route, url, body) {
    if (body.length > 0)
      throw new Fault(400, 'InvalidParameter.WithMessage', 'This API takes its parameters in the query, not a body.')
    const query = Object.fromEntries(url.searchParams)
    for (const name of Object.keys(query)) {
      if (!route.params.includes(name))
        throw new Fault(400, 'InvalidParameter.Obviously', `${route.action} takes no parameter ${name}.`)
    }
    for (const name of route.required) {
      if (!query[name]) throw new Fault(400, 'InvalidParameter.NotEmpty', `${name} must not be empty.`)
    }
    const secrets = namespaces.get(query.NamespaceId)
    if (!secrets)
      throw new Fault(404, 'InvalidNamespaceId.NotFound', `The namespace ${query.NamespaceId} does not exist.`)
    const byId = () => {
      const secret = secrets.get(Number(query.SecretId))
      if (!/^\d+$/.test(query.SecretId) || !secret) {
        throw new Fault(400, 'InvalidParameter.WithMessage', `No Secret ${query.SecretId} in ${query.NamespaceId}.`)
      }
      return secret
    }
    switch (route.action) {
      case 'ListSecrets':
        return { Secrets: [...secrets.values()].map(listItem) }
      case 'DescribeSecret':
        return { ...listItem(byId()), SecretData: { ...byId().SecretData } }
      case 'CreateSecret': {
        if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(query.SecretName)) {
          throw new Fault(
            400,
            'InvalidParameter.Obviously',
            'SecretName must start with a letter and hold letters, digits, "_" or "-".'
          )
        }
        if (!SECRET_TYPES.has(query.SecretType))
          throw new Fault(400, 'InvalidSecretType.NotAvailable', `SecretType ${query.SecretType} is not supported.`)
        const data = parseSecretData(query.SecretData, query.SecretType)
        if ([...secrets.values()].some((secret) => secret.SecretName === query.SecretName)) {
          throw new Fault(400, 'SecretNameConflict.AlreadyExist', `The Secret name ${query.SecretName} already exists.`)
        }
        if (secrets.size >= settings.quota)
          throw new Fault(400, 'QuotaExceeded.SecretInNamespace', 'The namespace holds too many Secrets.')
        const now = Date.now()
        const secret = {
          SecretId: nextSecretId++,
          SecretName: query.SecretName,
          SecretType: query.SecretType,
          NamespaceId: query.NamespaceId,
          SecretData: data,
          CreateTime: now,
          UpdateTime: now,
          RelateApps: []
        }
        secrets.set(secret.SecretId, secret)
        return { SecretId: secret.SecretId }
      }
      case 'UpdateSecret': {
        const secret = byId()
        secret.SecretData = parseSecretData(query.SecretData, secret.SecretType)
        secret.UpdateTime = Date.now()
        return { SecretId: secret.SecretId }
      }
      case 'DeleteSecret': {
        const secret = byId()
        secrets.delete(secret.SecretId)
        return { SecretId: secret.SecretId }
      }
    }
    throw new Fault(404, 'InvalidAction.NotFound', route.action)
  }

  /** SecretData must be `{"SecretData":"<JSON string of a key -> value map>"}`, nothing else. */
  function parseSecretData(raw, type) {
    let outer
    try {
      outer = JSON.parse(raw)
    } catch {
      throw new Fault(400, 'InvalidParameter.WithMessage', 'SecretData is not JSON.')
    }
    if (
      !outer ||
      typeof outer !== 'object' ||
      Object.keys(outer).join() !== 'SecretData' ||
      typeof outer.SecretData !== 'string'
    ) {
      throw new Fault(400, 'InvalidParameter.WithMessage', 'SecretData must be {"SecretData": "<JSON string>"}.')
    }
    let map
    try {
      map = JSON.parse(outer.SecretData)
    } catch {
      throw new Fault(400, 'InvalidParameter.WithMessage', 'SecretData.SecretData is not a JSON string.')
    }
    if (
      !map ||
      typeof map !== 'object' ||
      Array.isArray(map) ||
      Object.values(map).some((v) => typeof v !== 'string')
    ) {
      throw new Fault(400, 'InvalidParameter.WithMessage', 'SecretData.SecretData must map keys to string values.')
    }
    if (Object.keys(map).length > settings.dataKeyQuota)
      throw new Fault(400, 'QuotaExceeded.SecretDataKey', 'Too many keys in SecretData.')
    if (type === 'kubernetes.io/dockerconfigjson') {
      const value = map['.dockerconfigjson']
      let config
      try {
        config =
          value !== undefined && /^[A-Za-z0-9+/]*={0,2}$/.test(value)
            ? JSON.parse(Buffer.from(value, 'base64').toString('utf8'))
            : undefined
      } catch {
        config = undefined
      }
      if (!config || typeof config.auths !== 'object') {
        throw new Fault(
          400,
          'InvalidSecretDataKey.NotFound',
          'A dockerconfigjson Secret needs .dockerconfigjson: base64 of {"auths": {...}}.'
        )
      }
    }
    return map
  }

  /** The parameters of an STS call: its query and, when it has one, its form body. */
  function stsParameters(url, body) {
    const params = Object.fromEntries(url.searchParams)
    if (body.length > 0) Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))))
    return params
  }

  /** RoleSessionName and DurationSeconds, as STS checks them for both calls. */
  function sessionOf(params) {
    if (!/^[\w.@-]{2,64}$/.test(params.RoleSessionName ?? ''))
      throw new Fault(400, 'InvalidParameter.RoleSessionName', 'RoleSessionName is invalid.')
    const duration = Number(params.DurationSeconds ?? 3600)
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw new Fault(400, 'InvalidParameter.DurationSeconds', 'DurationSeconds must be 900 to 43200.')
    }
    return { sessionName: params.RoleSessionName, duration }
  }

  /** A temporary key for a role's session, which SAE (and STS) then accept until it expires. */
  function issueKey(roleArn, { sessionName, duration }, extra = {}) {
    const key = {
      accessKeyId: `STS.${randomBytes(10).toString('hex')}`,
      accessKeySecret: randomBytes(20).toString('base64url'),
      securityToken: `CAIS${randomBytes(48).toString('base64')}`,
      expiresAt: Date.now() + duration * 1000,
      sessionName,
      roleArn
    }
    keys.set(key.accessKeyId, key)
    issuedKeys.push(key)
    return {
      Credentials: {
        AccessKeyId: key.accessKeyId,
        AccessKeySecret: key.accessKeySecret,
        SecurityToken: key.securityToken,
        Expiration: new Date(key.expiresAt).toISOString().replace(/\.\d+Z$/, 'Z')
      },
      AssumedRoleUser: {
        Arn: `${roleArn}/${sessionName}`,
        AssumedRoleId: `3${randomBytes(8).toString('hex')}:${sessionName}`
      },
      ...extra
    }
  }

  /** AssumeRoleWithOIDC: a GitHub ID token (`oidc`) or an ACK service-account token (`rrsa`) for a role that trusts its provider. */
  function assumeRole(req, url, body) {
    const trusting = [oidc && { ...oidc, issuer: GITHUB_ISSUER }, rrsa && { ...rrsa, issuer: RRSA_ISSUER }].filter(
      Boolean
    )
    if (trusting.length === 0) throw new Fault(404, 'InvalidAction.NotFound', 'STS is not configured in this emulator.')
    const params = stsParameters(url, body)
    for (const name of ['RoleArn', 'OIDCProviderArn', 'OIDCToken', 'RoleSessionName']) {
      if (!params[name]) throw new Fault(400, 'MissingParameter', `${name} is mandatory for this action.`)
    }
    const provider = trusting.find((candidate) => candidate.oidcProviderArn === params.OIDCProviderArn)
    if (!trusting.some((candidate) => candidate.roleArn === params.RoleArn))
      throw new Fault(404, 'EntityNotExist.Role', 'The specified Role not exists.')
    if (!provider) throw new Fault(404, 'EntityNotExist.OIDCProvider', 'The specified OIDC provider does not exist.')
    const session = sessionOf(params)
    const claims = verifyIdToken(params.OIDCToken)
    if (!claims || claims.iss !== provider.issuer)
      throw new Fault(400, 'AuthenticationFail.OIDCToken.Invalid', 'The OIDC token is invalid.')
    if (
      params.RoleArn !== provider.roleArn ||
      claims.aud !== provider.audience ||
      claims.sub !== (provider.trustedSubject ?? provider.subject)
    ) {
      throw new Fault(403, 'AuthenticationFail.NoPermission', 'The role trust policy does not allow this OIDC token.')
    }
    return issueKey(params.RoleArn, session, {
      OIDCTokenInfo: { Subject: claims.sub, Issuer: claims.iss, ClientIds: claims.aud }
    })
  }

  /** AssumeRole (role chaining): the signing key's identity takes a role that trusts it. */
  function assumeRoleWithKey(url, body, signer) {
    const params = stsParameters(url, body)
    for (const name of ['RoleArn', 'RoleSessionName']) {
      if (!params[name]) throw new Fault(400, 'MissingParameter', `${name} is mandatory for this action.`)
    }
    const role = roles.get(params.RoleArn)
    if (!role) throw new Fault(404, 'EntityNotExist.Role', 'The specified Role not exists.')
    const session = sessionOf(params)
    if (role.trusts && !role.trusts.includes(signer.accessKeyId)) {
      throw new Fault(
        403,
        'NoPermission',
        'No permission perform sts:AssumeRole on this Role. Maybe you are not authorized to use this role or the role trust policy does not allow you.'
      )
    }
    return issueKey(params.RoleArn, session)
  }

  /** The runner's token service: `GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=...` with the request token. */
  function idToken(req, res, url) {
    if (!oidc || req.headers.authorization !== `Bearer ${oidc.requestToken}`) {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: 'Unauthorized' }))
      return
    }
    const audience = url.searchParams.get('audience') ?? 'https://github.com/octo-org'
    const claims = {
      iss: GITHUB_ISSUER,
      aud: audience,
      sub: oidc.subject,
      exp: Math.floor(Date.now() / 1000) + 300
    }
    const token = mint(claims)
    issuedIdTokens.push(token)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ value: token }))
  }

  /** A JWT signed by the emulator for `claims` (the ID tokens and the RRSA tokens share the key). */
  function mint(claims) {
    const payload = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    return `${payload}.${createHmac('sha256', tokenKey).update(payload).digest('base64url')}`
  }

  function verifyIdToken(token) {
    const [header, payload, signature] = String(token).split('.')
    if (!header || !payload || !signature) return undefined
    const expected = createHmac('sha256', tokenKey).update(`${header}.${payload}`).digest('base64url')
    if (!signaturesEqual(expected, signature)) return undefined
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    return claims.exp * 1000 > Date.now() ? claims : undefined
  }

  function takeFault(action) {
    const index = faults.findIndex((fault) => fault.action === action || fault.action === '*')
    if (index < 0) return undefined
    const fault = faults[index]
    fault.times = (fault.times ?? 1) - 1
    if (fault.times <= 0) faults.splice(index, 1)
    return fault
  }

  /** Applies a scripted fault; returns false when the request should then be served normally. */
  async function injectFault(fault, req, res, record, apply) {
    const json = (status, code, message, extra = {}) => {
      const payload = {
        RequestId: fault.requestId ?? requestId(),
        Code: code,
        Message: fault.message ?? message,
        Success: false,
        TraceId: traceId(),
        ...extra
      }
      record.status = status
      record.code = code
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...fault.headers })
      res.end(JSON.stringify(payload))
    }
    record.fault = fault.kind
    if (fault.apply) {
      // The write is done, then the answer below is all the client gets (a gateway timing out after it, say).
      try {
        apply()
      } catch {
        // Applied or refused, the client never learns which.
      }
    }
    switch (fault.kind) {
      case 'throttle':
        // `headers` may carry SAE's `x-ratelimit-user-api: Limit:…,Remain:…,TimeLeft:<ms>`.
        json(fault.status ?? 503, fault.code ?? 'Throttling.User', 'Request was denied due to user flow control.')
        return true
      case 'service-unavailable':
        json(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.')
        return true
      case 'answer': {
        // Whatever a server other than SAE might answer: any status, headers and body (an object is sent as JSON).
        record.status = fault.status ?? 200
        const raw = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? {})
        res.writeHead(record.status, { 'content-type': 'application/json;charset=utf-8', ...fault.headers })
        res.end(raw)
        return true
      }
      case 'endless': {
        // A 200 whose body never ends: chunks of `{"Data":` padding for as long as the client reads.
        record.status = 200
        res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' })
        const chunk = Buffer.alloc(64 * 1024, ' ')
        res.write('{"Data":')
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump)
        }
        res.on('close', () => res.removeAllListeners('drain'))
        pump()
        return true
      }
      case 'rpc-error':
        json(500, 'OperationFailed.RPCError', 'RPC error.')
        return true
      case 'error':
        // echoQuery: a server that repeats the raw request in its message, as some gateways do.
        json(
          fault.status ?? 400,
          fault.code,
          fault.echoQuery
            ? `Bad SecretData: ${/[?&]SecretData=([^&]*)/.exec(req.url)?.[1]}`
            : (fault.message ?? 'Injected error.')
        )
        return true
      case 'pretend':
        // A lying server: the write is answered as done and nothing is applied, so only reading back can tell.
        record.status = 200
        res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' })
        res.end(JSON.stringify(envelope({ SecretId: Number(record.query.SecretId ?? nextSecretId++) })))
        return true
      case 'success-false':
        json(200, fault.code ?? 'OperationFailed.RPCError', 'The operation did not succeed.')
        return true
      case 'html-502':
      case 'html-504':
      case 'html-414': {
        const status = Number(fault.kind.slice(5))
        const title = { 502: 'Bad Gateway', 504: 'Gateway Time-out', 414: 'Request-URI Too Large' }[status]
        record.status = status
        res.writeHead(status, { 'content-type': 'text/html' })
        res.end(
          `<html><head><title>${status} ${title}</title></head><body><center><h1>${status} ${title}</h1></center></body></html>`
        )
        return true
      }
      case 'reset-before':
        record.status = -1
        req.socket.destroy()
        return true
      case 'reset-after':
        // The write is applied, then the connection dies before any answer: a lost response.
        try {
          apply()
        } catch {
          // Applied or refused, the client never learns which.
        }
        record.status = -1
        req.socket.destroy()
        return true
      case 'concurrent-create': {
        // Another workflow creates the same name a moment before this request is served.
        api.seedSecret(record.query.NamespaceId, { name: record.query.SecretName, data: fault.data })
        return false
      }
      case 'slow':
        await sleep(fault.delayMs ?? 1000)
        return false
      default:
        throw new Error(`unknown fault ${fault.kind}`)
    }
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address()
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`

  const api = {
    origin,
    port,
    settings,
    requests,
    issuedIdTokens,
    /** Temporary keys STS handed out (secret and token included), for leak scans. */
    issuedKeys,
    /**
     * A token as ACK's RRSA mounts it in the pod (ALIBABA_CLOUD_OIDC_TOKEN_FILE): the cluster's
     * issuer, the service account as sub, audience sts.aliyuncs.com. `claims` override (an expired
     * `exp`, another `sub`).
     */
    serviceAccountToken(claims = {}) {
      if (!rrsa) throw new Error('the emulator was started without rrsa')
      return mint({
        iss: RRSA_ISSUER,
        aud: rrsa.audience,
        sub: rrsa.subject,
        exp: Math.floor(Date.now() / 1000) + 3600,
        ...claims
      })
    },
    /** For ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN. */
    idTokenRequestUrl: `${origin}${ID_TOKEN_PATH}?api-version=2.0`,
    idTokenRequestToken: oidc?.requestToken,
    /** Connections accepted and TLS handshakes completed, for the proxy and keep-alive checks. */
    stats,
    /**
     * Script a fault: `{ action: 'CreateSecret' | '*', kind, times?, code?, status?, headers?, delayMs?, apply?,
     * requestId?, message?, body? }`; `apply: true` performs the request first, so the fault hides a write that
     * happened; `headers` go on a JSON fault's answer (a throttle's rate-limit headers, say); `requestId` and
     * `message` replace a JSON fault's RequestId and Message (text someone else chose). Kind `answer` sends
     * `status`, `headers` and `body` as they are (any answer a server that is not SAE might give); `endless`
     * a 200 whose body never ends.
     */
    inject(fault) {
      faults.push({ times: 1, ...fault })
    },
    addKey(key) {
      keys.set(key.accessKeyId, { ...key })
    },
    addNamespace(id) {
      if (!namespaces.has(id)) namespaces.set(id, new Map())
    },
    /**
     * Stores a Secret directly, as another tool would have; data is the key -> value map;
     * `relatedApps` are the applications that use it (`[{ AppId, AppName }]`, as ListSecrets shows them).
     * @param {string} namespaceId
     * @param {{name: string, type?: string, data: Record<string, string>, relatedApps?: Array<{AppId: string, AppName: string}>}} secret
     */
    seedSecret(namespaceId, { name, type = 'kubernetes.io/dockerconfigjson', data, relatedApps = [] }) {
      const secrets = namespaces.get(namespaceId)
      const now = Date.now()
      const secret = {
        SecretId: nextSecretId++,
        SecretName: name,
        SecretType: type,
        NamespaceId: namespaceId,
        SecretData: { ...data },
        CreateTime: now,
        UpdateTime: now,
        RelateApps: relatedApps.map((app) => ({ ...app }))
      }
      secrets.set(secret.SecretId, secret)
      return secret.SecretId
    },
    /** An application starts (or stops) using a Secret: ListSecrets' RelateApps lists it. */
    setRelatedApps(namespaceId, secretId, relatedApps) {
      const secret = namespaces.get(namespaceId)?.get(secretId)
      if (!secret) throw new Error(`no Secret ${secretId} in ${namespaceId}`)
      secret.RelateApps = relatedApps.map((app) => ({ ...app }))
    },
    secrets(namespaceId) {
      return [...(namespaces.get(namespaceId)?.values() ?? [])].map((secret) => structuredClone(secret))
    },
    /** The stored docker config of a Secret, decoded. */
    dockerConfig(namespaceId, name) {
      const secret = this.secrets(namespaceId).find((s) => s.SecretName === name)
      return secret
        ? JSON.parse(Buffer.from(secret.SecretData['.dockerconfigjson'], 'base64').toString('utf8'))
        : undefined
    },
    calls(action) {
      return requests.filter((request) => action === undefined || request.action === action)
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(() => resolve()))
    }
  }
  return api
}

function listItem(secret) {
  const item = { ...secret, RelateApps: [...secret.RelateApps] }
  delete item.SecretData
  return item
}

function envelope(data) {
  return { RequestId: requestId(), Code: '200', Message: 'success', Success: true, TraceId: traceId(), Data: data }
}

function requestId() {
  return randomUUID().toUpperCase()
}

function traceId() {
  return randomBytes(8).toString('hex')
}

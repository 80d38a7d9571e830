// Each of our requests beside the official client's request for the same call, both captured on
// loopback: method, path, query, x-acs-* headers, signed headers and body must be the same.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import * as OpenApiCore from '@alicloud/openapi-core'
import * as StsSdk from '@alicloud/sts20150401'
import * as Dara from '@darabonba/typescript'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildDockerConfig, encodeDockerConfig, secretDataParameter } from '../../../../src/secret/docker-config.js'
import type { AccessKey } from '../../../../src/domain/model.js'
import { ROLE } from '../../../fixtures/oidc-role.js'
import { OpenApiConnection } from '../../../../src/sae/sdk/openapi.js'
import type { RetrySettings } from '../../../../src/sae/sdk/retry.js'
import { SaeSecretsClient } from '../../../../src/sae/secrets-client.js'
import { assumeRole, assumeRoleWithOidc } from '../../../../src/sae/sts.js'
import {
  canonicalRequest,
  parseAuthorization,
  rpcSignature,
  rpcStringToSign,
  sha256Hex,
  sign,
  stringToSign
} from '../../../../devkit/emulator/signature.mjs'

interface CapturedRequest {
  method: string
  path: string
  /** Decoded; neither client sends a key twice. */
  query: Record<string, string>
  headers: Record<string, string>
  body: string
}

interface CaptureServer {
  host: string
  /** Runs one call and returns the one request it put on the wire. */
  capture(send: () => Promise<unknown>): Promise<CapturedRequest>
  close(): Promise<void>
}

const SECRET_ID = 16
const REQUEST_ID = 'C0FFEE00-0000-4000-8000-000000000000'

/** A valid answer for each action, so that both clients finish the call without complaint. */
function answerFor(action: string | undefined): object {
  switch (action) {
    case 'AssumeRoleWithOIDC':
    case 'AssumeRole':
      return {
        RequestId: REQUEST_ID,
        Credentials: {
          AccessKeyId: 'STS.parity',
          AccessKeySecret: 'parity-sts-secret',
          SecurityToken: 'parity-sts-token',
          Expiration: '2030-01-01T00:00:00Z'
        },
        AssumedRoleUser: {
          Arn: 'acs:ram::1:role/deploy/github-actions-7',
          AssumedRoleId: '300000000000000000:github-actions-7'
        }
      }
    case 'ListSecrets':
      return { RequestId: REQUEST_ID, Code: '200', Success: true, Data: { Secrets: [] } }
    case 'DescribeSecret':
      return {
        RequestId: REQUEST_ID,
        Code: '200',
        Success: true,
        Data: { SecretId: SECRET_ID, SecretName: 'x', SecretType: 'kubernetes.io/dockerconfigjson', SecretData: {} }
      }
    default:
      return { RequestId: REQUEST_ID, Code: '200', Success: true, Data: { SecretId: SECRET_ID } }
  }
}

async function startCaptureServer(): Promise<CaptureServer> {
  const captured: CapturedRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://capture.invalid')
      const headers = req.headers as Record<string, string>
      captured.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: Buffer.concat(chunks).toString('utf8')
      })
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' })
      res.end(JSON.stringify(answerFor(headers['x-acs-action'])))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${port}`,
    async capture(send) {
      const before = captured.length
      await send()
      expect(captured.length - before).toBe(1)
      return captured[captured.length - 1]
    },
    async close() {
      // Both SDK generations keep connections alive; Jest would wait on them.
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }
}

// The SDKs are CommonJS: an ESM namespace's `default` is module.exports, what require() gives them.
const core = OpenApiCore.default
const dara = Dara.default
const sts = StsSdk.default

// --- What changes with every request, compared by its form ------------------------------------

const UTC_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/
// openapi-core (official) makes a sha256-hex nonce, tea-util (ours) an md5-hex one: see 'known differences'.
const HEX_NONCE = /^(?:[0-9a-f]{32}|[0-9a-f]{64})$/
const PER_REQUEST: Record<string, RegExp> = {
  Timestamp: UTC_SECONDS,
  SignatureNonce: HEX_NONCE,
  'x-acs-date': UTC_SECONDS,
  'x-acs-signature-nonce': HEX_NONCE
}

function comparable(name: string, value: string): string {
  const form = PER_REQUEST[name]
  if (!form) return value
  return form.test(value) ? `<per request: ${form.source}>` : `<malformed ${name}: ${value}>`
}

function comparableEntries(entries: [string, string][]): Record<string, string> {
  return Object.fromEntries(
    entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => [name, comparable(name, value)])
  )
}

function acsHeaders(headers: Record<string, string>): Record<string, string> {
  return comparableEntries(Object.entries(headers).filter(([name]) => name.startsWith('x-acs-')))
}

/** The RPC form: no signature at all, since AssumeRoleWithOIDC is anonymous. */
function rpcShape(request: CapturedRequest) {
  return {
    method: request.method,
    path: request.path,
    query: comparableEntries(Object.entries(request.query)),
    acsHeaders: acsHeaders(request.headers),
    contentType: request.headers['content-type'] ?? '(none)',
    authorization: request.headers.authorization ?? '(none)',
    body: request.body
  }
}

/** Checked from the published algorithm (signature.mjs), never with either SDK's own signing code. */
function signatureVerdict(request: CapturedRequest, accessKeySecret: string): string {
  const authorization = parseAuthorization(request.headers.authorization)
  if (!authorization) return `no ACS3-HMAC-SHA256 Authorization: ${request.headers.authorization}`
  const canonical = canonicalRequest({
    method: request.method,
    path: request.path,
    searchParams: new URLSearchParams(request.query),
    headers: request.headers,
    signedHeaders: authorization.signedHeaders,
    payloadHash: sha256Hex(request.body)
  })
  return sign(accessKeySecret, stringToSign(canonical)) === authorization.signature ? 'verifies' : 'does not verify'
}

/**
 * The V3 (ROA) form. Nothing is left out of the signed-header list: x-acs-credentials-provider,
 * the one header that might come from only one SDK generation, comes from both, because both
 * resolve the key through the same @alicloud/credentials.
 */
function roaShape(request: CapturedRequest, accessKeySecret: string) {
  const authorization = parseAuthorization(request.headers.authorization)
  return {
    method: request.method,
    path: request.path,
    query: comparableEntries(Object.entries(request.query)),
    credential: authorization?.credential,
    signedHeaders: authorization?.signedHeaders,
    signature: signatureVerdict(request, accessKeySecret),
    acsHeaders: acsHeaders(request.headers),
    contentType: request.headers['content-type'] ?? '(none)',
    accept: request.headers.accept ?? '(none)',
    body: request.body
  }
}

const retry: RetrySettings = {
  policy: { maxAttempts: 1, deadline: Date.now() + 60_000 },
  clock: { now: () => Date.now(), sleep: async () => {}, random: () => 0 }
}

function ourConnection(host: string, input: 'endpoint' | 'sts-endpoint', key?: AccessKey): OpenApiConnection {
  return new OpenApiConnection({
    endpoint: { protocol: 'http', host, input },
    userAgent: 'test',
    redact: (text: string) => text,
    key
  })
}

function officialConfig(host: string, key?: AccessKey, extra: object = {}): OpenApiCore.$OpenApiUtil.Config {
  return new core.$OpenApiUtil.Config({ endpoint: host, protocol: 'http', ...key, ...extra })
}

let server: CaptureServer
beforeAll(async () => {
  server = await startCaptureServer()
})
afterAll(async () => server.close())

// --- STS AssumeRoleWithOIDC: the official @alicloud/sts20150401 1.2.0 client itself ------------

// Characters that query encoding could treat differently ('.', '-', '_', '=').
const ID_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWYiLCJhdWQiOiJzdHMifQ.c2ln-_bmF0dXJl=='

async function captureStsPair(): Promise<{ official: CapturedRequest; ours: CapturedRequest }> {
  const official = await server.capture(() =>
    new sts.default(officialConfig(server.host)).assumeRoleWithOIDC(
      new sts.AssumeRoleWithOIDCRequest({
        roleArn: ROLE.roleArn,
        OIDCProviderArn: ROLE.oidcProviderArn,
        OIDCToken: ID_TOKEN,
        roleSessionName: ROLE.roleSessionName,
        durationSeconds: ROLE.durationSeconds
      })
    )
  )
  const ours = await server.capture(() =>
    assumeRoleWithOidc(ourConnection(server.host, 'sts-endpoint'), ROLE, ID_TOKEN, retry)
  )
  return { official, ours }
}

describe('STS AssumeRoleWithOIDC, against @alicloud/sts20150401 1.2.0', () => {
  test('method, path, query, x-acs-* headers, content type and body are the official ones', async () => {
    const { official, ours } = await captureStsPair()
    expect(rpcShape(ours)).toEqual(rpcShape(official))
  })
})

// --- STS AssumeRole (role chaining): the official client with signatureAlgorithm 'v2' -----------

/**
 * The RPC signature's verdict, from the published algorithm (signature.mjs): every parameter of the
 * query (and of a form body) but Signature, HMAC-SHA1 with the secret and '&'.
 */
function rpcSignatureVerdict(request: CapturedRequest, accessKeySecret: string): string {
  const { Signature: signature, ...signed } = request.query
  const parameters = Object.entries(signed)
  if (String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
    parameters.push(...new URLSearchParams(request.body).entries())
  if (!signature) return 'unsigned'
  return rpcSignature(accessKeySecret, rpcStringToSign(request.method, parameters)) === signature
    ? 'verifies'
    : 'does not verify'
}

/** The signed RPC form: everything rpcShape compares, with the Signature judged instead of compared. */
function signedRpcShape(request: CapturedRequest, accessKeySecret: string) {
  const { Signature: _signature, ...query } = request.query
  void _signature
  return { ...rpcShape({ ...request, query }), signature: rpcSignatureVerdict(request, accessKeySecret) }
}

const CHAINED_ROLE = {
  roleArn: 'acs:ram::1234567890123456:role/sae-deployer',
  roleSessionName: 'github-actions-7',
  durationSeconds: 900
}

async function captureAssumeRolePair(key: AccessKey): Promise<{ official: CapturedRequest; ours: CapturedRequest }> {
  // 'v2' is the official client's RPC signature (HMAC-SHA1), which @alicloud/credentials' RAM-role provider also sends.
  const official = await server.capture(() =>
    new sts.default(officialConfig(server.host, key, { signatureAlgorithm: 'v2' })).assumeRole(
      new sts.AssumeRoleRequest({ ...CHAINED_ROLE })
    )
  )
  const ours = await server.capture(() =>
    assumeRole(ourConnection(server.host, 'sts-endpoint', key), CHAINED_ROLE, retry)
  )
  return { official, ours }
}

describe('STS AssumeRole, against @alicloud/sts20150401 1.2.0 with signatureAlgorithm v2', () => {
  test.each(['a long-term key', 'an STS key'])(
    'signed with %s: method, path, query (SecurityToken included), x-acs-* headers and body are the official ones, and both signatures verify',
    async (keyKind) => {
      const key = KEYS[keyKind]
      const { official, ours } = await captureAssumeRolePair(key)
      expect(signedRpcShape(ours, key.accessKeySecret)).toEqual(signedRpcShape(official, key.accessKeySecret))
    }
  )

  test('the comparison itself sees the documented request: HMAC-SHA1, the three parameters, the token of an STS key', async () => {
    const key = KEYS['an STS key']
    const { official } = await captureAssumeRolePair(key)
    expect(official.query).toMatchObject({
      Action: 'AssumeRole',
      Version: '2015-04-01',
      RoleArn: CHAINED_ROLE.roleArn,
      RoleSessionName: CHAINED_ROLE.roleSessionName,
      DurationSeconds: '900',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      AccessKeyId: key.accessKeyId,
      SecurityToken: key.securityToken
    })
    expect(rpcSignatureVerdict(official, key.accessKeySecret)).toBe('verifies')
    expect(rpcSignatureVerdict(official, 'another secret')).toBe('does not verify')
  })
})

// --- SAE: the official Params, sent through the official core ----------------------------------

/**
 * Transcribed from the official SAE client, which the npm registry here does not serve:
 * aliyun/alibabacloud-typescript-sdk, sae-20190506/src/client.ts at commit
 * 12f3fb0dff3c82c4fc25a1e20160e4d5d0d9b689 (@alicloud/sae20190506 2.12.4), the
 * `<action>WithOptions` methods. Each passes `headers: {}` and no body, and builds
 * `query: OpenApiUtil.query(query)` from these request fields; CreateSecret and UpdateSecret
 * first shrink their SecretData model with
 * `OpenApiUtil.arrayToStringWithSpecifiedStyle(tmpReq.secretData, "SecretData", "json")`.
 */
const OFFICIAL_SAE_OPERATIONS = {
  CreateSecret: {
    params: {
      action: 'CreateSecret',
      version: '2019-05-06',
      protocol: 'HTTPS',
      pathname: '/pop/v1/sam/secret/secret',
      method: 'POST',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json'
    },
    query: {
      NamespaceId: 'namespaceId',
      SecretData: 'secretDataShrink',
      SecretName: 'secretName',
      SecretType: 'secretType'
    }
  },
  UpdateSecret: {
    params: {
      action: 'UpdateSecret',
      version: '2019-05-06',
      protocol: 'HTTPS',
      pathname: '/pop/v1/sam/secret/secret',
      method: 'PUT',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json'
    },
    query: { NamespaceId: 'namespaceId', SecretData: 'secretDataShrink', SecretId: 'secretId' }
  },
  DescribeSecret: {
    params: {
      action: 'DescribeSecret',
      version: '2019-05-06',
      protocol: 'HTTPS',
      pathname: '/pop/v1/sam/secret/secret',
      method: 'GET',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json'
    },
    query: { NamespaceId: 'namespaceId', SecretId: 'secretId' }
  },
  DeleteSecret: {
    params: {
      action: 'DeleteSecret',
      version: '2019-05-06',
      protocol: 'HTTPS',
      pathname: '/pop/v1/sam/secret/secret',
      method: 'DELETE',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json'
    },
    query: { NamespaceId: 'namespaceId', SecretId: 'secretId' }
  },
  ListSecrets: {
    params: {
      action: 'ListSecrets',
      version: '2019-05-06',
      protocol: 'HTTPS',
      pathname: '/pop/v1/sam/secret/secrets',
      method: 'GET',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json'
    },
    query: { NamespaceId: 'namespaceId' }
  }
} as const

type SaeAction = keyof typeof OFFICIAL_SAE_OPERATIONS

/** CreateSecretRequestSecretData / UpdateSecretRequestSecretData, as the official models declare them. */
class SecretDataModel extends dara.Model {
  // `declare`: an ES2022 class field would reset what the Model constructor set from the map.
  declare secretData?: string
  static names(): Record<string, string> {
    return { secretData: 'SecretData' }
  }
  static types(): Record<string, string> {
    return { secretData: 'string' }
  }
}

const NAMESPACE_ID = 'cn-hangzhou:prod'
const SECRET_NAME = 'registry-auth'
const SECRET_TYPE = 'kubernetes.io/dockerconfigjson'
// SecretData nests a JSON string and its base64 ends in '=': both must cross the query as the official client's do.
const ENCODED_CONFIG = encodeDockerConfig(
  buildDockerConfig([
    {
      domains: ['registry-vpc.cn-hangzhou.aliyuncs.com', 'registry.cn-hangzhou.aliyuncs.com'],
      username: 'u@example',
      password: 'p"a:s\\s w+/='
    }
  ])
)

/** The official request's fields after `OpenApiUtil.convert` and the SecretData shrink. */
function officialRequestFields(): Record<string, string | number> {
  const secretData = new SecretDataModel({ secretData: JSON.stringify({ '.dockerconfigjson': ENCODED_CONFIG }) })
  return {
    namespaceId: NAMESPACE_ID,
    secretName: SECRET_NAME,
    secretType: SECRET_TYPE,
    secretId: SECRET_ID,
    secretDataShrink: core.OpenApiUtil.arrayToStringWithSpecifiedStyle(secretData, 'SecretData', 'json')
  }
}

/**
 * What `client.<action>WithOptions(request, {}, new RuntimeOptions({}))` does. The SAE Client
 * subclass adds only endpoint resolution, which an explicit endpoint skips, so the base Client
 * sends the same request.
 */
function sendOfficial(action: SaeAction, host: string, key: AccessKey): Promise<unknown> {
  const operation = OFFICIAL_SAE_OPERATIONS[action]
  const fields = officialRequestFields()
  const query = Object.fromEntries(Object.entries(operation.query).map(([name, field]) => [name, fields[field]]))
  const client = new core.default(officialConfig(host, key))
  return client.callApi(
    new core.$OpenApiUtil.Params({ ...operation.params }),
    new core.$OpenApiUtil.OpenApiRequest({ headers: {}, query: core.OpenApiUtil.query(query) }),
    new dara.RuntimeOptions({})
  )
}

/** The same call with the same inputs, through our client. */
function sendOurs(action: SaeAction, host: string, key: AccessKey): Promise<unknown> {
  const api = new SaeSecretsClient(ourConnection(host, 'endpoint', key), retry)
  const secretData = secretDataParameter(ENCODED_CONFIG)
  switch (action) {
    case 'CreateSecret':
      return api.createSecret(NAMESPACE_ID, SECRET_NAME, SECRET_TYPE, secretData)
    case 'UpdateSecret':
      return api.updateSecret(NAMESPACE_ID, SECRET_ID, secretData)
    case 'DescribeSecret':
      return api.describeSecret(NAMESPACE_ID, SECRET_ID)
    case 'DeleteSecret':
      return api.deleteSecret(NAMESPACE_ID, SECRET_ID)
    case 'ListSecrets':
      return api.listSecrets(NAMESPACE_ID)
  }
}

// A long-term key and an STS key (what OIDC gives): the token adds signed x-acs-* headers.
const KEYS: Record<string, AccessKey> = {
  'a long-term key': { accessKeyId: 'LTAI5tParity', accessKeySecret: 'parity-secret+/=' },
  'an STS key': {
    accessKeyId: 'STS.parity',
    accessKeySecret: 'parity-sts-secret',
    securityToken: 'parity-sts-token+/='
  }
}

async function captureSaePair(
  action: SaeAction,
  key: AccessKey
): Promise<{ official: CapturedRequest; ours: CapturedRequest }> {
  const official = await server.capture(() => sendOfficial(action, server.host, key))
  const ours = await server.capture(() => sendOurs(action, server.host, key))
  return { official, ours }
}

describe('SAE Secret API, against the official Params sent through @alicloud/openapi-core', () => {
  const cases = Object.keys(OFFICIAL_SAE_OPERATIONS).flatMap((action) =>
    Object.keys(KEYS).map((keyKind) => [action as SaeAction, keyKind] as const)
  )

  test.each(cases)(
    '%s with %s: method, path, query, signed headers, x-acs-* headers and body are the official ones',
    async (action, keyKind) => {
      const key = KEYS[keyKind]
      const { official, ours } = await captureSaePair(action, key)
      expect(roaShape(ours, key.accessKeySecret)).toEqual(roaShape(official, key.accessKeySecret))
    }
  )

  test('the comparison itself sees the documented request (CreateSecret)', async () => {
    // Guards against two equally wrong sides: the official request must be what docs/sae-api.md documents.
    const { official } = await captureSaePair('CreateSecret', KEYS['a long-term key'])
    expect(official.method).toBe('POST')
    expect(official.path).toBe('/pop/v1/sam/secret/secret')
    expect(JSON.parse(JSON.parse(official.query.SecretData).SecretData)).toEqual({
      '.dockerconfigjson': ENCODED_CONFIG
    })
    expect(signatureVerdict(official, KEYS['a long-term key'].accessKeySecret)).toBe('verifies')
  })
})

describe('known differences, pinned so that a change in either is noticed', () => {
  // The nonce only has to be unique per request; the two SDK generations make it differently.
  const nonceDigits = (value: string | undefined) =>
    value && /^[0-9a-f]+$/.test(value) ? value.length : `not hex: ${value}`

  test('signature nonce: 64 hex digits from the official core, 32 from ours', async () => {
    const stsPair = await captureStsPair()
    const saePair = await captureSaePair('ListSecrets', KEYS['an STS key'])
    expect({
      official: {
        sts: nonceDigits(stsPair.official.query.SignatureNonce),
        sae: nonceDigits(saePair.official.headers['x-acs-signature-nonce'])
      },
      ours: {
        sts: nonceDigits(stsPair.ours.query.SignatureNonce),
        sae: nonceDigits(saePair.ours.headers['x-acs-signature-nonce'])
      }
    }).toEqual({ official: { sts: 64, sae: 64 }, ours: { sts: 32, sae: 32 } })
  })
})

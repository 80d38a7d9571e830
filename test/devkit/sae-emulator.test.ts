import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { startEmulator } from '../../devkit/emulator/sae-emulator.mjs'
import {
  canonicalRequest,
  headersToSign,
  rpcSignature,
  rpcStringToSign,
  sha256Hex,
  sign,
  stringToSign
} from '../../devkit/emulator/signature.mjs'

type Emulator = Awaited<ReturnType<typeof startEmulator>>

const KEY = { accessKeyId: 'LTAIraw', accessKeySecret: 'raw-secret' }
const STS_KEY = { accessKeyId: 'STS.raw', accessKeySecret: 'sts-raw-secret', securityToken: 'CAIS-raw-token' }
const NS = 'cn-hangzhou:prod'

let sae: Emulator
beforeEach(async () => {
  sae = await startEmulator({ keys: [KEY, STS_KEY], namespaces: [NS], quota: 2 })
})
afterEach(async () => sae.stop())

interface RawRequest {
  method?: string
  path?: string
  action?: string
  query?: Record<string, string>
  key?: { accessKeyId: string; accessKeySecret: string; securityToken?: string }
  date?: Date
  nonce?: string
  body?: string
  /** Change the request after it was signed. */
  tamper?: (headers: Record<string, string>, url: URL) => void
  /** Another emulator than the suite's. */
  target?: Emulator
}

/** A hand-signed request, so each field can be made wrong on purpose. */
async function send(raw: RawRequest = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const method = raw.method ?? 'GET'
  const url = new URL(`${(raw.target ?? sae).origin}${raw.path ?? '/pop/v1/sam/secret/secrets'}`)
  for (const [name, value] of Object.entries(raw.query ?? { NamespaceId: NS })) url.searchParams.set(name, value)
  const key: NonNullable<RawRequest['key']> = raw.key ?? KEY
  const body = raw.body ?? ''
  const headers: Record<string, string> = {
    host: url.host,
    'x-acs-action': raw.action ?? 'ListSecrets',
    'x-acs-version': '2019-05-06',
    'x-acs-date': (raw.date ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': raw.nonce ?? randomUUID(),
    'x-acs-content-sha256': sha256Hex(body)
  }
  if (body !== '') headers['content-type'] = 'application/x-www-form-urlencoded'
  if (key.securityToken) {
    headers['x-acs-security-token'] = key.securityToken
    headers['x-acs-accesskey-id'] = key.accessKeyId
  }
  const signedHeaders = headersToSign(headers)
  const canonical = canonicalRequest({
    method,
    path: url.pathname,
    searchParams: url.searchParams,
    headers,
    signedHeaders,
    payloadHash: headers['x-acs-content-sha256']
  })
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${key.accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${sign(key.accessKeySecret, stringToSign(canonical))}`
  raw.tamper?.(headers, url)
  const sendable = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'host'))
  const response = await fetch(url, { method, headers: sendable, body: body === '' ? undefined : body })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const createQuery = (name: string, secretData?: string) => ({
  NamespaceId: NS,
  SecretName: name,
  SecretType: 'kubernetes.io/dockerconfigjson',
  SecretData:
    secretData ??
    JSON.stringify({
      SecretData: JSON.stringify({ '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') })
    })
})

describe('signature checks', () => {
  test('a correctly signed request is served with the documented envelope', async () => {
    const { status, body } = await send()
    expect(status).toBe(200)
    expect(body).toMatchObject({ Success: true, Code: '200', Data: { Secrets: [] } })
    expect(body.RequestId).toMatch(/^[0-9A-F-]{36}$/)
  })

  test.each<[string, RawRequest, number, string]>([
    ['a wrong secret', { key: { accessKeyId: 'LTAIraw', accessKeySecret: 'wrong' } }, 400, 'SignatureDoesNotMatch'],
    [
      'an unknown key',
      { key: { accessKeyId: 'LTAInobody', accessKeySecret: 'x' } },
      404,
      'InvalidAccessKeyId.NotFound'
    ],
    [
      'a query changed after signing',
      { tamper: (_h, url) => url.searchParams.set('NamespaceId', 'cn-hangzhou:other') },
      400,
      'SignatureDoesNotMatch'
    ],
    [
      'a wrong payload hash',
      { tamper: (h) => (h['x-acs-content-sha256'] = sha256Hex('x')) },
      400,
      'SignatureDoesNotMatch'
    ],
    ['an unsigned x-acs header', { tamper: (h) => (h['x-acs-extra'] = '1') }, 400, 'IncompleteSignature'],
    ['no Authorization', { tamper: (h) => delete h.authorization }, 400, 'IncompleteSignature'],
    ['a stale x-acs-date', { date: new Date(Date.now() - 20 * 60 * 1000) }, 400, 'InvalidTimeStamp.Expired'],
    [
      'an STS key whose signed token was removed',
      { key: STS_KEY, tamper: (h) => delete h['x-acs-security-token'] },
      400,
      'SignatureDoesNotMatch'
    ],
    [
      'an STS key with another token',
      { key: { ...STS_KEY, securityToken: 'CAIS-other' } },
      400,
      'InvalidSecurityToken.MismatchWithAccessKey'
    ]
  ])('refuses %s', async (_what, raw, status, code) => {
    const response = await send(raw)
    expect(response.status).toBe(status)
    expect(response.body).toMatchObject({ Code: code, Success: false })
  })

  test('refuses an STS key whose token is missing even when signed without it', async () => {
    const response = await send({ key: { accessKeyId: STS_KEY.accessKeyId, accessKeySecret: STS_KEY.accessKeySecret } })
    expect(response.body.Code).toBe('InvalidSecurityToken.Malformed')
  })

  test('refuses a reused nonce', async () => {
    expect((await send({ nonce: 'same-nonce' })).status).toBe(200)
    expect((await send({ nonce: 'same-nonce' })).body.Code).toBe('SignatureNonceUsed')
  })
})

describe('the Secret API', () => {
  const create = (name: string, secretData?: string) =>
    send({
      method: 'POST',
      path: '/pop/v1/sam/secret/secret',
      action: 'CreateSecret',
      query: createQuery(name, secretData)
    })

  test('creates, refuses a second of the same name, and enforces the quota', async () => {
    const first = await create('a')
    expect(first.body).toMatchObject({ Success: true, Data: { SecretId: 16 } })
    expect((await create('a')).body.Code).toBe('SecretNameConflict.AlreadyExist')
    await create('b')
    expect((await create('c')).body.Code).toBe('QuotaExceeded.SecretInNamespace')
  })

  test.each<[string, Record<string, string>, number, string]>([
    [
      'an unknown namespace',
      { ...createQuery('a'), NamespaceId: 'cn-hangzhou:nope' },
      404,
      'InvalidNamespaceId.NotFound'
    ],
    ['a parameter the API does not take', { ...createQuery('a'), Extra: '1' }, 400, 'InvalidParameter.Obviously'],
    ['an empty required parameter', { ...createQuery('a'), SecretName: '' }, 400, 'InvalidParameter.NotEmpty'],
    [
      'SecretData without the wrapper',
      { ...createQuery('a'), SecretData: JSON.stringify({ '.dockerconfigjson': 'e30=' }) },
      400,
      'InvalidParameter.WithMessage'
    ],
    [
      'a type SAE does not know',
      { ...createQuery('a'), SecretType: 'kubernetes.io/tls' },
      400,
      'InvalidSecretType.NotAvailable'
    ],
    [
      'a docker Secret without .dockerconfigjson',
      createQuery('a', JSON.stringify({ SecretData: JSON.stringify({ other: 'eA==' }) })),
      400,
      'InvalidSecretDataKey.NotFound'
    ]
  ])('refuses %s', async (_what, query, status, code) => {
    const response = await send({ method: 'POST', path: '/pop/v1/sam/secret/secret', action: 'CreateSecret', query })
    expect(response.status).toBe(status)
    expect(response.body.Code).toBe(code)
  })

  test('refuses an x-acs-action that does not match the path', async () => {
    const response = await send({ action: 'CreateSecret' })
    expect(response.status).toBe(400)
    expect(response.body.Code).toBe('InvalidAction.NotFound')
  })

  test('enforces the data-key quota', async () => {
    const small = await startEmulator({ keys: [KEY], namespaces: [NS], dataKeyQuota: 1 })
    try {
      const data = JSON.stringify({ SecretData: JSON.stringify({ a: 'eA==', b: 'eQ==' }) })
      const query = { ...createQuery('a'), SecretType: 'Opaque', SecretData: data }
      const response = await send({
        method: 'POST',
        path: '/pop/v1/sam/secret/secret',
        action: 'CreateSecret',
        query,
        target: small
      })
      expect(response.body.Code).toBe('QuotaExceeded.SecretDataKey')
    } finally {
      await small.stop()
    }
  })

  test('refuses a body: these calls take only query parameters', async () => {
    const response = await send({
      method: 'POST',
      path: '/pop/v1/sam/secret/secret',
      action: 'CreateSecret',
      query: createQuery('a'),
      body: 'NamespaceId=x'
    })
    expect(response.body.Code).toBe('InvalidParameter.WithMessage')
  })

  test('describes with data and lists without it', async () => {
    await create('a')
    const listed = await send()
    expect((listed.body.Data as { Secrets: object[] }).Secrets[0]).not.toHaveProperty('SecretData')
    const described = await send({
      path: '/pop/v1/sam/secret/secret',
      action: 'DescribeSecret',
      query: { NamespaceId: NS, SecretId: '16' }
    })
    expect(described.body.Data).toMatchObject({
      SecretId: 16,
      SecretName: 'a',
      SecretData: { '.dockerconfigjson': expect.any(String) }
    })
  })
})

describe('the runner ID-token endpoint', () => {
  test('issues a token only for the request token', async () => {
    const oidc = await startEmulator({
      oidc: { roleArn: 'acs:ram::1:role/r', oidcProviderArn: 'acs:ram::1:oidc-provider/gh' }
    })
    try {
      const denied = await fetch(`${oidc.idTokenRequestUrl}&audience=sts.aliyuncs.com`, {
        headers: { authorization: 'Bearer wrong' }
      })
      expect(denied.status).toBe(401)
      const granted = await fetch(`${oidc.idTokenRequestUrl}&audience=sts.aliyuncs.com`, {
        headers: { authorization: `Bearer ${oidc.idTokenRequestToken}` }
      })
      const { value } = (await granted.json()) as { value: string }
      expect(JSON.parse(Buffer.from(value.split('.')[1], 'base64url').toString()).aud).toBe('sts.aliyuncs.com')
    } finally {
      await oidc.stop()
    }
  })
})

describe('the RPC signature (HMAC-SHA1), written from the published description', () => {
  // A request @alicloud/credentials 2.4.7 signed (its RAM-role provider, temporary base key, dummy
  // secret "sts-secret+/="), captured on loopback: the parameters it sent and the Signature it sent.
  const parameters: Array<[string, string]> = [
    ['Version', '2015-04-01'],
    ['Action', 'AssumeRole'],
    ['Format', 'JSON'],
    ['Timestamp', '2026-12-06T19:30:43Z'],
    ['SignatureMethod', 'HMAC-SHA1'],
    ['SignatureVersion', '1.0'],
    ['SignatureNonce', 'bf937ac9751f490dc843ee1d965ba8b6'],
    ['AccessKeyId', 'STS.R28Temporary'],
    ['SecurityToken', 'sts-token+/=CAIS'],
    ['RoleArn', 'acs:ram::123456789012:role/ci-deploy'],
    ['RoleSessionName', 'github-actions-42'],
    ['DurationSeconds', '900']
  ]

  test('the string to sign: method, the encoded path, the sorted pairs encoded twice', () => {
    expect(rpcStringToSign('POST', parameters)).toBe(
      'POST&%2F&AccessKeyId%3DSTS.R28Temporary%26Action%3DAssumeRole%26DurationSeconds%3D900%26Format%3DJSON' +
        '%26RoleArn%3Dacs%253Aram%253A%253A123456789012%253Arole%252Fci-deploy%26RoleSessionName%3Dgithub-actions-42' +
        '%26SecurityToken%3Dsts-token%252B%252F%253DCAIS%26SignatureMethod%3DHMAC-SHA1' +
        '%26SignatureNonce%3Dbf937ac9751f490dc843ee1d965ba8b6%26SignatureVersion%3D1.0' +
        '%26Timestamp%3D2026-12-06T19%253A30%253A43Z%26Version%3D2015-04-01'
    )
  })

  test('the signature the official library sent', () => {
    expect(rpcSignature('sts-secret+/=', rpcStringToSign('POST', parameters))).toBe('DVUtcM/J+ZEGiItA8eG6m1CB+sc=')
  })
})

describe('STS AssumeRole (role chaining) and RRSA', () => {
  const ROLE_ARN = 'acs:ram::1:role/sae-deployer'
  const RRSA = { roleArn: 'acs:ram::1:role/ack-runner', oidcProviderArn: 'acs:ram::1:oidc-provider/ack-rrsa' }

  interface RpcCall {
    key?: { accessKeyId: string; accessKeySecret: string; securityToken?: string }
    action?: string
    params?: Record<string, string>
    /** Change a parameter after signing. */
    tamper?: (query: URLSearchParams) => void
    target?: Emulator
  }

  /** An RPC call signed by hand (signature.mjs), parameters in the query as the official client sends them. */
  async function rpc({ key, action = 'AssumeRole', params = {}, tamper, target = sae }: RpcCall) {
    const query = new URLSearchParams({
      Action: action,
      Format: 'json',
      Version: '2015-04-01',
      Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      SignatureNonce: randomUUID().replace(/-/g, ''),
      ...params
    })
    if (key) {
      if (key.securityToken) query.set('SecurityToken', key.securityToken)
      query.set('SignatureMethod', 'HMAC-SHA1')
      query.set('SignatureVersion', '1.0')
      query.set('AccessKeyId', key.accessKeyId)
      query.set('Signature', rpcSignature(key.accessKeySecret, rpcStringToSign('POST', [...query.entries()])))
    }
    tamper?.(query)
    const response = await fetch(`${target.origin}/?${query}`, {
      method: 'POST',
      headers: { 'x-acs-action': action, 'x-acs-version': '2015-04-01' }
    })
    type StsAnswer = {
      Code?: string
      Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string }
      AssumedRoleUser: { Arn: string }
      OIDCTokenInfo: { Subject: string }
    }
    return { status: response.status, body: (await response.json()) as StsAnswer }
  }

  const assume = { RoleArn: ROLE_ARN, RoleSessionName: 'github-actions-7', DurationSeconds: '900' }

  test('a key the role trusts gets a temporary key, which SAE then accepts', async () => {
    const sts = await startEmulator({
      keys: [KEY],
      namespaces: [NS],
      roles: [{ roleArn: ROLE_ARN, trusts: [KEY.accessKeyId] }]
    })
    try {
      const { status, body } = await rpc({ key: KEY, params: assume, target: sts })
      expect(status).toBe(200)
      expect(body.Credentials.AccessKeyId).toMatch(/^STS\./)
      expect(body.AssumedRoleUser.Arn).toBe(`${ROLE_ARN}/github-actions-7`)
      const chainedKey = {
        accessKeyId: body.Credentials.AccessKeyId,
        accessKeySecret: body.Credentials.AccessKeySecret,
        securityToken: body.Credentials.SecurityToken
      }
      expect((await send({ key: chainedKey, target: sts })).status).toBe(200)
    } finally {
      await sts.stop()
    }
  })

  test('a temporary key signs with its SecurityToken among the parameters', async () => {
    const sts = await startEmulator({ keys: [STS_KEY], roles: [{ roleArn: ROLE_ARN }] })
    try {
      expect((await rpc({ key: STS_KEY, params: assume, target: sts })).status).toBe(200)
      const withoutToken = { accessKeyId: STS_KEY.accessKeyId, accessKeySecret: STS_KEY.accessKeySecret }
      expect((await rpc({ key: withoutToken, params: assume, target: sts })).body.Code).toBe('MissingSecurityToken')
    } finally {
      await sts.stop()
    }
  })

  test.each<[string, RpcCall, number, string]>([
    ['unsigned', {}, 400, 'IncompleteSignature'],
    ['a wrong secret', { key: { ...KEY, accessKeySecret: 'wrong' } }, 400, 'SignatureDoesNotMatch'],
    [
      'a parameter changed after signing',
      { key: KEY, tamper: (query) => query.set('DurationSeconds', '3600') },
      400,
      'SignatureDoesNotMatch'
    ],
    [
      'an unknown key',
      { key: { accessKeyId: 'LTAInobody', accessKeySecret: 'x' } },
      404,
      'InvalidAccessKeyId.NotFound'
    ],
    ['a role that does not trust the key', { key: STS_KEY }, 403, 'NoPermission'],
    [
      'a role that does not exist',
      { key: KEY, params: { ...assume, RoleArn: 'acs:ram::1:role/none' } },
      404,
      'EntityNotExist.Role'
    ]
  ])('refuses %s', async (_what, call, status, code) => {
    const sts = await startEmulator({ keys: [KEY, STS_KEY], roles: [{ roleArn: ROLE_ARN, trusts: [KEY.accessKeyId] }] })
    try {
      const response = await rpc({ params: assume, ...call, target: sts })
      expect([response.status, response.body.Code]).toEqual([status, code])
    } finally {
      await sts.stop()
    }
  })

  test('RRSA: the cluster’s service-account token for a role that trusts its provider; GitHub’s ID token is not that', async () => {
    const sts = await startEmulator({
      rrsa: RRSA,
      oidc: { roleArn: 'acs:ram::1:role/github-deploy', oidcProviderArn: 'acs:ram::1:oidc-provider/github' }
    })
    try {
      const params = (token: string, provider = RRSA.oidcProviderArn) => ({
        RoleArn: RRSA.roleArn,
        OIDCProviderArn: provider,
        OIDCToken: token,
        RoleSessionName: 'arc-runner',
        DurationSeconds: '900'
      })
      const granted = await rpc({
        action: 'AssumeRoleWithOIDC',
        params: params(sts.serviceAccountToken()),
        target: sts
      })
      expect(granted.status).toBe(200)
      expect(granted.body.OIDCTokenInfo.Subject).toBe('system:serviceaccount:arc-runners:arc-runner')
      const otherAccount = await rpc({
        action: 'AssumeRoleWithOIDC',
        params: params(sts.serviceAccountToken({ sub: 'system:serviceaccount:default:default' })),
        target: sts
      })
      expect(otherAccount.body.Code).toBe('AuthenticationFail.NoPermission')
      const expired = await rpc({
        action: 'AssumeRoleWithOIDC',
        params: params(sts.serviceAccountToken({ exp: Math.floor(Date.now() / 1000) - 60 })),
        target: sts
      })
      expect(expired.body.Code).toBe('AuthenticationFail.OIDCToken.Invalid')
    } finally {
      await sts.stop()
    }
  })
})

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { buildDockerConfig, encodeDockerConfig, secretDataParameter } from '../../../src/secret/docker-config.js'
import { ApiError } from '../../../src/sae/sdk/api-errors.js'
import { OpenApiConnection } from '../../../src/sae/sdk/openapi.js'
import { Redactor } from '../../../src/report/redaction.js'
import type { RetryClock } from '../../../src/sae/sdk/retry.js'
import { SaeSecretsClient } from '../../../src/sae/secrets-client.js'
import { startEmulator } from '../../../devkit/emulator/sae-emulator.mjs'

type Emulator = Awaited<ReturnType<typeof startEmulator>>

const KEY = { accessKeyId: 'LTAI5tClientTest', accessKeySecret: 'client-secret+/=' }
const NS = 'cn-hangzhou:prod'
const PASSWORD = 'p"a:s\\s'

let sae: Emulator
let slept: number[]
let redactor: Redactor

/** Real time for requests, no time for backoff sleeps. */
const instantClock: RetryClock = {
  now: () => Date.now(),
  sleep: async (ms) => {
    slept.push(ms)
  },
  random: () => 0.5
}

function client(options: { maxAttempts?: number; key?: typeof KEY & { securityToken?: string } } = {}) {
  const connection = new OpenApiConnection({
    endpoint: { protocol: 'http', host: new URL(sae.origin).host, input: 'endpoint' },
    userAgent: 'sae-image-pull-secret/test',
    key: options.key ?? KEY,
    redact: (text) => redactor.redact(text)
  })
  return new SaeSecretsClient(connection, {
    policy: { maxAttempts: options.maxAttempts ?? 4, deadline: Date.now() + 30_000 },
    clock: instantClock
  })
}

const encoded = encodeDockerConfig(
  buildDockerConfig([{ domains: ['registry-vpc.cn-hangzhou.aliyuncs.com'], username: 'u', password: PASSWORD }])
)
const secretData = secretDataParameter(encoded)

beforeEach(async () => {
  slept = []
  redactor = new Redactor()
  redactor.register(PASSWORD)
  redactor.register(encoded)
  sae = await startEmulator({ keys: [KEY], namespaces: [NS] })
})
afterEach(async () => sae.stop())

describe('the request on the wire', () => {
  test('CreateSecret: POST, the four query parameters, the SecretData wrapper, no body, V3-signed', async () => {
    const id = await client().createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
    const [request] = sae.calls('CreateSecret')
    expect(request.method).toBe('POST')
    expect(request.path).toBe('/pop/v1/sam/secret/secret')
    expect(Object.keys(request.query).sort()).toEqual(['NamespaceId', 'SecretData', 'SecretName', 'SecretType'])
    expect(request.query.NamespaceId).toBe(NS)
    expect(request.query.SecretType).toBe('kubernetes.io/dockerconfigjson')
    expect(JSON.parse(JSON.parse(request.query.SecretData).SecretData)).toEqual({ '.dockerconfigjson': encoded })
    expect(request.body).toBe('')
    expect(request.headers['x-acs-version']).toBe('2019-05-06')
    expect(request.headers.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI5tClientTest,SignedHeaders=.*host.*x-acs-action.*,Signature=[0-9a-f]{64}$/
    )
    expect(request.headers['user-agent']).toContain('sae-image-pull-secret/test')
    expect(id).toBe(sae.secrets(NS)[0].SecretId)
  })

  test('UpdateSecret, DescribeSecret and ListSecrets use the documented methods, paths and queries', async () => {
    const api = client()
    const id = await api.createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
    await api.updateSecret(NS, id, secretData)
    const detail = await api.describeSecret(NS, id)
    const list = await api.listSecrets(NS)
    const shape = (action: string) => {
      const [call] = sae.calls(action)
      return `${call.method} ${call.path} ${Object.keys(call.query).sort().join(',')}`
    }
    expect(shape('UpdateSecret')).toBe('PUT /pop/v1/sam/secret/secret NamespaceId,SecretData,SecretId')
    expect(shape('DescribeSecret')).toBe('GET /pop/v1/sam/secret/secret NamespaceId,SecretId')
    expect(shape('ListSecrets')).toBe('GET /pop/v1/sam/secret/secrets NamespaceId')
    expect(detail).toMatchObject({ secretId: id, secretName: 'registry-auth', data: { '.dockerconfigjson': encoded } })
    expect(list).toEqual([
      { secretId: id, secretName: 'registry-auth', secretType: 'kubernetes.io/dockerconfigjson', relatedApps: [] }
    ])
  })

  test('an STS key sends and signs its security token', async () => {
    const stsKey = { accessKeyId: 'STS.client', accessKeySecret: 'sts-secret', securityToken: 'CAIStoken==' }
    sae.addKey(stsKey)
    await client({ key: stsKey }).listSecrets(NS)
    const [request] = sae.calls('ListSecrets')
    expect(request.status).toBe(200)
    expect(request.headers['x-acs-security-token']).toBe('CAIStoken==')
    expect(request.headers.authorization).toContain('x-acs-security-token')
  })
})

describe('errors', () => {
  test.each([
    [400, 'InvalidParameter.NotEmpty', 'a required parameter is empty'],
    [400, 'InvalidParameter.Obviously', 'a parameter is invalid'],
    [400, 'InvalidParameter.WithMessage', 'a parameter is invalid: Injected error.'],
    [400, 'SecretNameConflict.AlreadyExist', 'set if-exists to skip or update'],
    [400, 'QuotaExceeded.SecretInNamespace', 'delete unused Secrets'],
    [400, 'QuotaExceeded.SecretDataKey', 'more data keys than SAE allows'],
    [400, 'InvalidSecretType.NotAvailable', 'does not accept this SecretType'],
    [400, 'InvalidSecretDataKey.NotFound', 'a data key does not exist'],
    [404, 'InvalidNamespaceId.NotFound', 'the namespace does not exist'],
    [403, 'Forbidden.RAM', 'sae:CreateSecret, sae:UpdateSecret and sae:DeleteSecret'],
    [404, 'InvalidAccessKeyId.NotFound', 'check access-key-id'],
    [400, 'SignatureDoesNotMatch', 'check that access-key-secret belongs to access-key-id']
  ])('HTTP %i %s is explained once, not retried', async (status, code, advice) => {
    sae.inject({ action: 'CreateSecret', kind: 'error', status, code })
    const failure = client().createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
    await expect(failure).rejects.toThrow(
      new RegExp(
        `^CreateSecret failed: ${code.replace('.', '\\.')} \\(HTTP ${status}, RequestId [0-9A-F-]{36}\\): .*${advice.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`
      )
    )
    expect(sae.calls('CreateSecret')).toHaveLength(1)
  })

  test('OperationFailed.RPCError (500) is retried, then explained with its RequestId', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'rpc-error', times: 4 })
    const failure = client().listSecrets(NS)
    await expect(failure).rejects.toThrow(
      /ListSecrets failed: OperationFailed\.RPCError \(HTTP 500, RequestId [0-9A-F-]{36}\)/
    )
    expect(sae.calls('ListSecrets')).toHaveLength(4)
    expect(slept).toHaveLength(3)
  })

  test.each([
    ['rpc-error', 'OperationFailed.RPCError'],
    ['service-unavailable', 'ServiceUnavailable'],
    ['html-502', 'NonJsonResponse'],
    ['reset-after', 'NetworkError']
  ])(
    'a write answered by %s may have been applied: the client says so and does not send it again',
    async (kind, code) => {
      sae.inject({ action: 'CreateSecret', kind })
      const failure = client().createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
      await expect(failure).rejects.toMatchObject({ code, mayHaveBeenApplied: true })
      expect(sae.calls('CreateSecret')).toHaveLength(1)
      expect(slept).toEqual([])
    }
  )

  // A reset before the answer is ambiguous from the client's side (the request was sent), so only throttling here.
  test.each([['throttle', 'Throttling.User']])(
    'a write refused by %s was not applied, and is retried',
    async (kind, code) => {
      sae.inject({ action: 'UpdateSecret', kind, times: 4 })
      const id = sae.seedSecret(NS, { name: 'registry-auth', data: { '.dockerconfigjson': encoded } })
      const failure = client().updateSecret(NS, id, secretData)
      await expect(failure).rejects.toMatchObject({ code, mayHaveBeenApplied: false })
      expect(sae.calls('UpdateSecret')).toHaveLength(4)
    }
  )

  test.each([
    ['throttle', 503],
    ['service-unavailable', 503],
    ['rpc-error', 500],
    ['html-502', 502],
    ['reset-before', -1],
    ['success-false', 200]
  ])('a %s fault (answered %i) is retried and the call then succeeds', async (kind, status) => {
    sae.inject({ action: 'ListSecrets', kind, times: 2 })
    await expect(client().listSecrets(NS)).resolves.toEqual([])
    const calls = sae.calls('ListSecrets')
    expect(calls.map((call) => [call.fault, call.status])).toEqual([
      [kind, status],
      [kind, status],
      [undefined, 200]
    ])
    expect(slept).toHaveLength(2)
  })

  test('a 200 with Success: false is a failure, not a result', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'success-false', code: 'InvalidParameter.Obviously' })
    await expect(client().listSecrets(NS)).rejects.toThrow('ListSecrets failed: InvalidParameter.Obviously (HTTP 200')
  })

  test('a proxy HTML page is an ApiError, never a raw SyntaxError', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'html-502', times: 9 })
    const failure = client({ maxAttempts: 2 }).listSecrets(NS)
    await expect(failure).rejects.toBeInstanceOf(ApiError)
    await expect(client({ maxAttempts: 1 }).listSecrets(NS)).rejects.toThrow(/NonJsonResponse .*not the API/)
  })

  test('a reset after the write marks the error as maybe applied', async () => {
    sae.inject({ action: 'CreateSecret', kind: 'reset-after' })
    const failure = client({ maxAttempts: 1 }).createSecret(
      NS,
      'registry-auth',
      'kubernetes.io/dockerconfigjson',
      secretData
    )
    await expect(failure).rejects.toMatchObject({ code: 'NetworkError', mayHaveBeenApplied: true })
    expect(sae.secrets(NS)).toHaveLength(1)
  })

  test('a read that fails is never said to be applied', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'rpc-error' })
    await expect(client({ maxAttempts: 1 }).listSecrets(NS)).rejects.toMatchObject({
      code: 'OperationFailed.RPCError',
      mayHaveBeenApplied: false
    })
  })

  test('DeleteSecret: DELETE on the Secret path with NamespaceId and SecretId', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: { '.dockerconfigjson': encoded } })
    await client().deleteSecret(NS, id)
    const [call] = sae.calls('DeleteSecret')
    expect(`${call.method} ${call.path} ${Object.keys(call.query).sort().join(',')}`).toBe(
      'DELETE /pop/v1/sam/secret/secret NamespaceId,SecretId'
    )
    expect(sae.secrets(NS)).toEqual([])
  })

  test('no error message carries the password, its encodings or the docker config', async () => {
    sae.inject({
      action: 'CreateSecret',
      kind: 'error',
      status: 400,
      code: 'InvalidParameter.WithMessage',
      message: `bad SecretData ${secretData}`
    })
    const error = (await client()
      .createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
      .catch((e: unknown) => e)) as Error
    expect(error.message).toContain('InvalidParameter.WithMessage')
    for (const form of [PASSWORD, encoded, encodeURIComponent(encoded), JSON.stringify(PASSWORD).slice(1, -1)]) {
      expect(error.message).not.toContain(form)
    }
  })
})

describe('answers that are not the API are errors, never facts', () => {
  /** The error a call ends with, as `code (status, RequestId): applied?`. */
  async function failure(call: () => Promise<unknown>): Promise<string> {
    try {
      await call()
    } catch (error) {
      const e = error as ApiError
      return `${e.code} (HTTP ${e.status}, ${e.requestId ?? 'no RequestId'}): ${e.mayHaveBeenApplied ? 'may have been applied' : 'not applied'}, ${e.retryable ? 'retried' : 'final'}`
    }
    return 'no error'
  }
  const answer = (action: string, status: number, body: unknown) =>
    sae.inject({ action, kind: 'answer', status, body, times: 5 })

  test('a 302 with an empty JSON object to ListSecrets: the status as it was, not "no Secret"', async () => {
    answer('ListSecrets', 302, {})
    expect(await failure(() => client().listSecrets(NS))).toBe(
      'UnexpectedAnswer (HTTP 302, no RequestId): not applied, final'
    )
    expect(sae.calls('ListSecrets')).toHaveLength(1)
  })

  test('a 301 to CreateSecret, with a RequestId: kept, and the write may have landed', async () => {
    answer('CreateSecret', 301, { RequestId: 'RID-301', Data: { SecretId: 16 } })
    expect(
      await failure(() => client().createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData))
    ).toBe('UnexpectedAnswer (HTTP 301, RID-301): may have been applied, final')
  })

  test('a 200 without Data to ListSecrets names the RequestId it carried', async () => {
    answer('ListSecrets', 200, { RequestId: 'RID-1', Success: true })
    expect(await failure(() => client().listSecrets(NS))).toBe(
      'MalformedResponse (HTTP 200, RID-1): not applied, final'
    )
    const error = await client()
      .listSecrets(NS)
      .catch((e: ApiError) => e)
    expect((error as ApiError).message).toBe(
      'ListSecrets failed: MalformedResponse (HTTP 200, RequestId RID-1): the answer is not what the API documents (a proxy, a gateway or another service answering?); check endpoint and the runner network (no Data in the answer)'
    )
  })

  test('a ListSecrets whose Data has no Secrets list', async () => {
    answer('ListSecrets', 200, { RequestId: 'RID-2', Data: {} })
    expect(await failure(() => client().listSecrets(NS))).toBe(
      'MalformedResponse (HTTP 200, RID-2): not applied, final'
    )
  })

  test.each([
    ['0', 0],
    ['a negative one', -3],
    ['text', 'abc'],
    ['a fraction', 1.5],
    ['null', null]
  ])('a listed SecretId that is %s', async (_what, secretId) => {
    answer('ListSecrets', 200, { RequestId: 'RID-3', Data: { Secrets: [{ SecretId: secretId, SecretName: 'x' }] } })
    expect(await failure(() => client().listSecrets(NS))).toBe(
      'MalformedResponse (HTTP 200, RID-3): not applied, final'
    )
  })

  test.each([
    ['0', { SecretId: 0 }],
    ['"abc"', { SecretId: 'abc' }],
    ['missing', {}]
  ])('a CreateSecret answered with SecretId %s: an error that may hide an applied write', async (_what, data) => {
    answer('CreateSecret', 200, { RequestId: 'RID-4', Data: data })
    expect(
      await failure(() => client().createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData))
    ).toBe('MalformedResponse (HTTP 200, RID-4): may have been applied, final')
  })

  test('a SecretId given as its digits in text is read as the number', async () => {
    answer('CreateSecret', 200, { RequestId: 'RID-5', Data: { SecretId: '42' } })
    expect(await client().createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)).toBe(42)
  })

  test('an UpdateSecret answer without a SecretId stands for the Secret named; one with a bad SecretId is an error', async () => {
    const id = await client().createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
    sae.inject({ action: 'UpdateSecret', kind: 'answer', status: 200, body: { RequestId: 'RID-6', Data: {} } })
    expect(await client().updateSecret(NS, id, secretData)).toBe(id)
    sae.inject({
      action: 'UpdateSecret',
      kind: 'answer',
      status: 200,
      body: { RequestId: 'RID-7', Data: { SecretId: -1 } }
    })
    expect(await failure(() => client().updateSecret(NS, id, secretData))).toBe(
      'MalformedResponse (HTTP 200, RID-7): may have been applied, final'
    )
  })

  test('a DeleteSecret answer without Data', async () => {
    answer('DeleteSecret', 200, { RequestId: 'RID-8' })
    expect(await failure(() => client().deleteSecret(NS, 16))).toBe(
      'MalformedResponse (HTTP 200, RID-8): may have been applied, final'
    )
  })
})

describe('an answer is read up to 1 MiB', () => {
  /** A ListSecrets answer of exactly `bytes` bytes. */
  const sized = (bytes: number) => {
    const head = '{"RequestId":"RID-9","Data":{"Secrets":[]},"Pad":"'
    return `${head}${' '.repeat(bytes - head.length - 2)}"}`
  }

  test('1 MiB is read', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'answer', status: 200, body: sized(1024 * 1024) })
    expect(await client().listSecrets(NS)).toEqual([])
  })

  test('one byte more is an error naming the host, not retried', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'answer', status: 200, body: sized(1024 * 1024 + 1), times: 4 })
    const error = (await client()
      .listSecrets(NS)
      .catch((e: unknown) => e)) as ApiError
    expect([error.code, error.status, error.retryable]).toEqual(['AnswerTooLarge', 200, false])
    expect(error.message).toBe(
      `ListSecrets failed: AnswerTooLarge (HTTP 200, no RequestId): the answer from ${new URL(sae.origin).host} was larger than 1 MiB, more than any answer of the API: the answer was larger than any the API sends, so it was not read (another service answering, or one that never ends?); check endpoint and the runner network`
    )
  })

  test('an answer that never ends: the same error, and the write it answered may have landed', async () => {
    sae.inject({ action: 'CreateSecret', kind: 'endless' })
    const error = (await client()
      .createSecret(NS, 'registry-auth', 'kubernetes.io/dockerconfigjson', secretData)
      .catch((e: unknown) => e)) as ApiError
    expect([error.code, error.mayHaveBeenApplied]).toEqual(['AnswerTooLarge', true])
  })
})

// Existing Secrets, races, lost answers and fan-out, seen from outside the bundle.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import {
  authOf,
  emulator,
  PASSWORD,
  stepInputs,
  stored,
  storedCredentials,
  USERNAME,
  type Emulator
} from './fixtures.js'

let sae: Emulator
beforeEach(async () => {
  sae = await emulator()
})
afterEach(async () => sae.stop())

const NS = 'cn-hangzhou:prod'
const entry = (password: string) => ({ username: USERNAME, password, auth: authOf(USERNAME, password) })
const current = {
  auths: {
    'registry-vpc.cn-hangzhou.aliyuncs.com': entry(PASSWORD),
    'registry.cn-hangzhou.aliyuncs.com': entry(PASSWORD)
  }
}
const actions = () => sae.calls().map((call) => call.action)

describe('an existing Secret', () => {
  test('skip: ListSecrets and DescribeSecret, the existing id, nothing written, and a warning that its data differs', async () => {
    const old = { auths: { 'old.example.com': entry('old-registry-password') } }
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: stored(old) })
    // The credentials it read back are masked before anything else happens to them.
    const run = await runAction({ inputs: stepInputs(sae), expectMasked: storedCredentials(old) })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ 'secret-id': String(id), result: 'skipped' })
    expect(actions()).toEqual(['ListSecrets', 'DescribeSecret'])
    expect(sae.dockerConfig(NS, 'registry-auth')).toEqual(old)
    expect(run.stdout.split('\n').filter((line) => line.startsWith('::warning::'))).toEqual([
      `::warning::${NS}: Secret 'registry-auth' (SecretId ${id}) holds other registry credentials than this step computed (a rotated password?); it was left as it is because if-exists is skip. Set if-exists: update to write the new ones`
    ])
    expect(run.summary).toContain(`| ${NS} | registry-auth | ${id} | skipped (differs: see warning) |`)
  })

  test('skip: the same data, reordered, is no drift: no warning', async () => {
    const reordered = {
      auths: {
        'registry.cn-hangzhou.aliyuncs.com': entry(PASSWORD),
        'registry-vpc.cn-hangzhou.aliyuncs.com': entry(PASSWORD)
      }
    }
    sae.seedSecret(NS, { name: 'registry-auth', data: stored(reordered) })
    const run = await runAction({ inputs: stepInputs(sae) })
    expect(run.outputs.result).toBe('skipped')
    expect(run.stdout).not.toContain('::warning::')
  })

  test('update, changed: UpdateSecret in place (same id, new data), never a delete', async () => {
    const rotated = { auths: { 'registry.cn-hangzhou.aliyuncs.com': entry('rotated-away') } }
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: stored(rotated) })
    const run = await runAction({
      inputs: stepInputs(sae, { 'if-exists': 'update' }),
      expectMasked: storedCredentials(rotated)
    })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ 'secret-id': String(id), result: 'updated' })
    expect(actions()).toEqual(['ListSecrets', 'DescribeSecret', 'UpdateSecret'])
    expect(sae.secrets(NS)).toHaveLength(1)
    expect(sae.dockerConfig(NS, 'registry-auth')).toEqual(current)
  })

  test('update, unchanged: a reordered, re-indented stored config is recognised, with no write', async () => {
    const reordered = `{
        "auths": {
            "registry.cn-hangzhou.aliyuncs.com": ${JSON.stringify({ auth: authOf(USERNAME, PASSWORD), password: PASSWORD, username: USERNAME }, null, 4)},
            "registry-vpc.cn-hangzhou.aliyuncs.com": ${JSON.stringify({ password: PASSWORD, auth: authOf(USERNAME, PASSWORD), username: USERNAME })}
        }
    }`
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: stored(reordered) })
    const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': 'update' }) })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ 'secret-id': String(id), result: 'unchanged' })
    expect(actions()).toEqual(['ListSecrets', 'DescribeSecret'])
  })

  test('fail: the step fails with one line that names the Secret and what to do', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: stored(current) })
    const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': 'fail' }) })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::Secret 'registry-auth' already exists in namespace ${NS} (SecretId ${id}) and if-exists is 'fail'; set if-exists to skip or update, or choose another secret-name`
    ])
    expect(run.outputs['secret-id']).toBeUndefined()
  })
})

describe('races: another workflow creates the same name between our look and our write', () => {
  test.each([
    ['skip', 'skipped', ['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret']],
    ['update', 'updated', ['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret', 'UpdateSecret']]
  ])("if-exists %s ends %s with the winner's SecretId", async (ifExists, result, calls) => {
    sae.inject({
      action: 'CreateSecret',
      kind: 'concurrent-create',
      data: stored({ auths: { other: entry('other') } })
    })
    const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': ifExists }) })
    expect(run.code).toBe(0)
    const secrets = sae.secrets(NS)
    expect(secrets).toHaveLength(1)
    expect(run.outputs).toMatchObject({ 'secret-id': String(secrets[0].SecretId), result })
    expect(actions()).toEqual(calls)
  })
})

describe('two workflows at once, for real: two processes, one name', () => {
  test.each([
    ['skip', 'skipped'],
    ['update', 'unchanged']
  ])(
    'if-exists %s: exactly one Secret, one run created it, the other %s, both output its id',
    async (ifExists, other) => {
      const [a, b] = await Promise.all([
        runAction({ inputs: stepInputs(sae, { 'if-exists': ifExists }) }),
        runAction({ inputs: stepInputs(sae, { 'if-exists': ifExists }) })
      ])
      expect([a.code, b.code]).toEqual([0, 0])
      const secrets = sae.secrets(NS)
      expect(secrets).toHaveLength(1)
      expect([a.outputs['secret-id'], b.outputs['secret-id']]).toEqual([
        String(secrets[0].SecretId),
        String(secrets[0].SecretId)
      ])
      expect([a.outputs.result, b.outputs.result].sort()).toEqual(['created', other].sort())
    }
  )
})

describe('lost answers: the write landed, its response never arrived', () => {
  test('CreateSecret: not sent again blindly; a look finds our data, and the step says created, with exactly one Secret', async () => {
    sae.inject({ action: 'CreateSecret', kind: 'reset-after' })
    const run = await runAction({ inputs: stepInputs(sae) })
    expect(run.code).toBe(0)
    const secrets = sae.secrets(NS)
    expect(secrets).toHaveLength(1)
    expect(run.outputs).toMatchObject({ 'secret-id': String(secrets[0].SecretId), result: 'created' })
    expect(actions()).toEqual(['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret'])
  })

  test.each([
    ['a 504 HTML page', 'html-504'],
    ['a 503 JSON answer', 'service-unavailable']
  ])(
    'CreateSecret applied, then answered with %s: if-exists fail still says created, never a conflict with itself',
    async (_what, kind) => {
      sae.inject({ action: 'CreateSecret', kind, apply: true })
      const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': 'fail' }) })
      expect(run.errors).toEqual([])
      const secrets = sae.secrets(NS)
      expect(secrets).toHaveLength(1)
      expect(run.outputs).toMatchObject({ 'secret-id': String(secrets[0].SecretId), result: 'created' })
      expect(actions()).toEqual(['CreateSecret', 'ListSecrets', 'DescribeSecret'])
      expect(run.stdout).toMatch(
        new RegExp(`${NS}: CreateSecret: \\w+ \\(.*\\) may have hidden an applied write; looked: it was applied\n`)
      )
    }
  )

  test('CreateSecret applied, then a 504 page, with if-exists skip: created, not skipped', async () => {
    sae.inject({ action: 'CreateSecret', kind: 'html-504', apply: true })
    const run = await runAction({ inputs: stepInputs(sae) })
    expect(run.outputs.result).toBe('created')
    expect(run.stdout).not.toContain('::warning::')
    expect(sae.secrets(NS)).toHaveLength(1)
  })

  test('CreateSecret answered 503 without being applied: the look finds nothing, the write is sent again', async () => {
    sae.inject({ action: 'CreateSecret', kind: 'service-unavailable' })
    const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': 'fail' }) })
    expect(run.outputs.result).toBe('created')
    expect(actions()).toEqual(['CreateSecret', 'ListSecrets', 'CreateSecret'])
    expect(sae.secrets(NS)).toHaveLength(1)
    expect(run.stdout).toMatch(
      /cn-hangzhou:prod: CreateSecret: ServiceUnavailable \(HTTP 503, RequestId [0-9A-F-]{36}\) may have hidden an applied write; looked: it was not, sending it again \(attempt 2 of 4\)/
    )
  })

  test('UpdateSecret: retried, the Secret holds the new data, result updated', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: stored({ auths: { old: entry('old') } }) })
    sae.inject({ action: 'UpdateSecret', kind: 'reset-after' })
    const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': 'update' }) })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ 'secret-id': String(id), result: 'updated' })
    expect(sae.secrets(NS)).toHaveLength(1)
    expect(sae.dockerConfig(NS, 'registry-auth')).toEqual(current)
  })
})

describe('several namespaces in one step', () => {
  test('each gets the Secret, concurrently, with its own result and summary row; no single outputs', async () => {
    const namespaces = ['cn-hangzhou:dev', 'cn-hangzhou:staging', 'cn-beijing:prod']
    sae.seedSecret('cn-hangzhou:staging', { name: 'registry-auth', data: stored({ auths: {} }) })
    const run = await runAction({ inputs: stepInputs(sae, { 'namespace-id': namespaces.join('\n') }) })
    expect(run.code).toBe(0)
    const results = JSON.parse(run.outputs.results)
    expect(Object.keys(results)).toEqual(namespaces)
    expect(results['cn-hangzhou:dev'].result).toBe('created')
    expect(results['cn-hangzhou:staging'].result).toBe('skipped')
    expect(results['cn-beijing:prod']).toEqual({
      secretId: sae.secrets('cn-beijing:prod')[0].SecretId,
      result: 'created',
      relatedApps: []
    })
    expect(Object.keys(sae.dockerConfig('cn-beijing:prod', 'registry-auth').auths)).toEqual([
      'registry-vpc.cn-beijing.aliyuncs.com',
      'registry.cn-beijing.aliyuncs.com'
    ])
    expect(run.outputs['secret-id']).toBeUndefined()
    expect(run.outputs.result).toBeUndefined()
    // Said once, where a user looking for secret-id will see it.
    expect(run.stdout.split('\n').filter((line) => line.includes('secret-id and result are set only for one'))).toEqual(
      [
        "3 namespaces: secret-id and result are set only for one; read each namespace's SecretId from the results output"
      ]
    )
    for (const ns of namespaces) expect(run.summary).toContain(`| ${ns} | registry-auth |`)
  })

  test('one missing namespace fails the step, named with its code, without hiding the others', async () => {
    const run = await runAction({
      inputs: stepInputs(sae, { 'namespace-id': 'cn-hangzhou:dev, cn-hangzhou:missing, cn-hangzhou:prod' })
    })
    expect(run.code).toBe(1)
    const results = JSON.parse(run.outputs.results)
    expect(Object.keys(results)).toEqual(['cn-hangzhou:dev', 'cn-hangzhou:prod'])
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      /^::error::1 of 3 namespaces failed \(cn-hangzhou:missing InvalidNamespaceId\.NotFound\) — cn-hangzhou:missing: ListSecrets failed: InvalidNamespaceId\.NotFound \(HTTP 404, RequestId [0-9A-F-]{36}\): the namespace does not exist/
    )
    expect(run.summary).toContain('| cn-hangzhou:missing | registry-auth | – | failed: InvalidNamespaceId.NotFound |')
  })
})

// A dry run with credentials reads SAE as a real run does and says, per namespace, the result a real
// run would output and why, or the error it would end with. Each case: the dry run, then the real
// run on the same namespace; the dry run's word is the real run's `result`, its error the real run's
// error, and SAE saw nothing from the dry run but ListSecrets and DescribeSecret (the Secret as it was).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import {
  absentInputs,
  authOf,
  emulator,
  NAMESPACES,
  PASSWORD,
  stepInputs,
  stored,
  USERNAME,
  type Emulator
} from './fixtures.js'

const NS = 'cn-hangzhou:prod'
const SHOP = [
  { AppId: '7171a6ca-d1cd-4928-8642-7d5cfe69a3f8', AppName: 'shop-web' },
  { AppId: '0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f', AppName: 'shop-worker' }
]
const entry = (password: string) => ({ username: USERNAME, password, auth: authOf(USERNAME, password) })
const configFor = (password: string) => ({
  auths: {
    'registry-vpc.cn-hangzhou.aliyuncs.com': entry(password),
    'registry.cn-hangzhou.aliyuncs.com': entry(password)
  }
})
/** The Secret this step computes, and one that holds a password from before a rotation. */
const SAME = stored(configFor(PASSWORD))
const OLD = stored(configFor('the-password-before-rotation'))

let sae: Emulator
beforeEach(async () => {
  sae = await emulator({ namespaces: [...NAMESPACES, 'cn-hangzhou:preview'] })
})
afterEach(async () => sae.stop())

/** Runs the dry run of `inputs`, then the real one; what SAE saw of the dry run, and what it held before and after it. */
async function dryThenReal(inputs: Record<string, string>, expectMasked: Record<string, string> = {}) {
  const held = () => [...NAMESPACES, 'cn-hangzhou:preview'].map((namespace) => sae.secrets(namespace))
  const before = held()
  const dry = await runAction({ inputs: { ...inputs, 'dry-run': 'true' }, expectMasked })
  const seen = sae.calls().map((call) => call.action)
  expect(held()).toEqual(before)
  const real = await runAction({ inputs, expectMasked })
  return { dry, seen, real }
}

/** The dry run's line for the namespace, and its summary row's result. */
function said(run: { stdout: string; summary: string }, namespace = NS) {
  const line = run.stdout.split('\n').find((text) => text.startsWith(`${namespace}: `))
  const row = run.summary.split('\n').find((text) => text.startsWith(`| ${namespace} |`))
  return { line, result: row?.split(' | ')[3] }
}

const withoutRequestIds = (errors: string[]) =>
  errors.map((line) => line.replace(/RequestId [0-9A-F-]{36}/g, 'RequestId …'))

describe('a dry run with credentials says what the real run then does', () => {
  test('created: the namespace holds no Secret of that name', async () => {
    const { dry, seen, real } = await dryThenReal(stepInputs(sae))
    expect(seen).toEqual(['ListSecrets'])
    expect(said(dry)).toEqual({
      line: `${NS}: Secret 'registry-auth' would be created: ListSecrets lists no Secret of that name in the namespace`,
      result: 'would be created'
    })
    expect(real.outputs.result).toBe('created')
  })

  test('updated: it holds a password from before a rotation, and if-exists is update', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: OLD, relatedApps: SHOP })
    const masks = {
      'stored password': 'the-password-before-rotation',
      'stored auth': entry('the-password-before-rotation').auth
    }
    const { dry, seen, real } = await dryThenReal(stepInputs(sae, { 'if-exists': 'update' }), {
      ...masks,
      'stored .dockerconfigjson': OLD['.dockerconfigjson']
    })
    expect(seen).toEqual(['ListSecrets', 'DescribeSecret'])
    expect(said(dry)).toEqual({
      line: `${NS}: Secret 'registry-auth' would be updated (SecretId ${id}): it holds other data than this step computes (DescribeSecret), and if-exists is update`,
      result: 'would be updated'
    })
    expect(real.outputs.result).toBe('updated')
  })

  test('unchanged: it holds exactly this data', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: SAME })
    const { dry, seen, real } = await dryThenReal(stepInputs(sae, { 'if-exists': 'update' }))
    expect(seen).toEqual(['ListSecrets', 'DescribeSecret'])
    expect(said(dry).line).toBe(
      `${NS}: Secret 'registry-auth' would be unchanged (SecretId ${id}): it holds exactly the data this step computes (DescribeSecret)`
    )
    expect(real.outputs.result).toBe('unchanged')
  })

  test('skipped: it is there and if-exists is skip; with other credentials, the real run warns as the dry run said', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: OLD })
    const { dry, seen, real } = await dryThenReal(stepInputs(sae), {
      'stored password': 'the-password-before-rotation',
      'stored auth': entry('the-password-before-rotation').auth,
      'stored .dockerconfigjson': OLD['.dockerconfigjson']
    })
    expect(seen).toEqual(['ListSecrets', 'DescribeSecret'])
    expect(said(dry)).toEqual({
      line:
        `${NS}: Secret 'registry-auth' would be skipped (SecretId ${id}): it is there, and holds other registry credentials than ` +
        'this step computes (a rotated password?); if-exists is skip, so a real run leaves it as it is, with a warning; ' +
        'set if-exists: update to write the new ones',
      result: 'would be skipped (differs: see the plan)'
    })
    expect(real.outputs.result).toBe('skipped')
    expect(real.stdout).toMatch(
      /^::warning::cn-hangzhou:prod: Secret 'registry-auth' \(SecretId \d+\) holds other registry credentials/m
    )
  })

  test('deleted and absent: state absent, with the Secret there or not', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: SAME })
    const inputs = absentInputs(sae, { 'namespace-id': `${NS},cn-hangzhou:dev` })
    const { dry, seen, real } = await dryThenReal(inputs)
    expect(seen).toEqual(['ListSecrets', 'ListSecrets'])
    expect(said(dry).line).toBe(
      `${NS}: Secret 'registry-auth' would be deleted (SecretId ${id}): it is there, and no application uses it (ListSecrets' RelateApps)`
    )
    expect(said(dry, 'cn-hangzhou:dev').line).toBe(
      "cn-hangzhou:dev: Secret 'registry-auth' would be absent: ListSecrets lists no Secret of that name in the namespace: there is nothing to delete"
    )
    expect(JSON.parse(real.outputs.results)).toEqual({
      [NS]: { secretId: id, result: 'deleted', relatedApps: [] },
      'cn-hangzhou:dev': { result: 'absent', relatedApps: [] }
    })
  })
})

describe('a dry run with credentials fails as the real run then fails, having written nothing', () => {
  async function expectSameFailure(inputs: Record<string, string>, before?: () => void) {
    before?.()
    const { dry, seen, real } = await dryThenReal(inputs)
    expect(seen.filter((action) => action !== 'ListSecrets' && action !== 'DescribeSecret')).toEqual([])
    expect(dry.code).toBe(1)
    expect(real.code).toBe(1)
    expect(withoutRequestIds(dry.errors)).toEqual(withoutRequestIds(real.errors))
    return { dry, real }
  }

  test('a namespace that does not exist (cn-hangzhou:Dev): InvalidNamespaceId.NotFound, as the real run', async () => {
    const { dry } = await expectSameFailure(stepInputs(sae, { 'namespace-id': 'cn-hangzhou:Dev' }))
    expect(dry.errors[0]).toMatch(
      /^::error::ListSecrets failed: InvalidNamespaceId\.NotFound \(HTTP 404, RequestId [0-9A-F-]{36}\): the namespace does not exist; /
    )
    expect(said(dry, 'cn-hangzhou:Dev')).toEqual({
      line: 'cn-hangzhou:Dev: would fail: InvalidNamespaceId.NotFound (the error below)',
      result: 'failed: InvalidNamespaceId.NotFound'
    })
  })

  test('a RAM identity without sae:ListSecrets: the refusal, as the real run', async () => {
    const refuse = () =>
      sae.inject({
        action: 'ListSecrets',
        kind: 'error',
        status: 403,
        code: 'Forbidden.RAM',
        requestId: '5B6F2C7A-0D8E-4F3A-9B1C-2D3E4F5A6B7C',
        times: 2
      })
    const { dry } = await expectSameFailure(stepInputs(sae), refuse)
    expect(dry.errors).toEqual([
      '::error::ListSecrets failed: Forbidden.RAM (HTTP 403, RequestId 5B6F2C7A-0D8E-4F3A-9B1C-2D3E4F5A6B7C): the RAM identity lacks permission; ' +
        'grant sae:ListSecrets, sae:DescribeSecret, sae:CreateSecret, sae:UpdateSecret and sae:DeleteSecret (README, "RAM policy")'
    ])
  })

  test('if-exists: fail with the Secret there: SecretNameConflict.AlreadyExist, as the real run', async () => {
    sae.seedSecret(NS, { name: 'registry-auth', data: SAME })
    const { dry } = await expectSameFailure(stepInputs(sae, { 'if-exists': 'fail' }))
    expect(said(dry).result).toBe('failed: SecretNameConflict.AlreadyExist')
  })

  test('a Secret of that name but another type: SecretTypeMismatch, as the real run', async () => {
    sae.seedSecret(NS, { name: 'registry-auth', type: 'Opaque', data: { token: 'b3BhcXVl' } })
    const { dry } = await expectSameFailure(stepInputs(sae, { 'if-exists': 'update' }))
    expect(said(dry).result).toBe('failed: SecretTypeMismatch')
  })

  test('a teardown of a Secret applications use: SecretInUse, naming them in the row, as the real run', async () => {
    const id = sae.seedSecret('cn-hangzhou:preview', { name: 'pr-42-registry', data: SAME, relatedApps: SHOP })
    const { dry } = await expectSameFailure(
      absentInputs(sae, { 'namespace-id': 'cn-hangzhou:preview', 'secret-name': 'pr-42-registry' })
    )
    expect(dry.summary).toContain(
      `| cn-hangzhou:preview | pr-42-registry | ${id} | failed: SecretInUse | shop-web (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8)<br>shop-worker (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f) | – |`
    )
  })
})

// Applications that use the Secret (ListSecrets' RelateApps), from the bundle as the runner runs it:
// a delete that would break them is refused unless if-in-use says delete; an update says what
// happens to their instances; every entry of results names them, and so does the summary.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import {
  absentInputs,
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
const SHOP = [
  { AppId: '7171a6ca-d1cd-4928-8642-7d5cfe69a3f8', AppName: 'shop-web' },
  { AppId: '0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f', AppName: 'shop-worker' }
]
const entry = (password: string) => ({ username: USERNAME, password, auth: authOf(USERNAME, password) })
const current = stored({
  auths: {
    'registry-vpc.cn-hangzhou.aliyuncs.com': entry(PASSWORD),
    'registry.cn-hangzhou.aliyuncs.com': entry(PASSWORD)
  }
})
const actions = () => sae.calls().map((call) => call.action)
const warnings = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('::warning::'))

const absent = (extra: Record<string, string> = {}) => absentInputs(sae, extra)

describe('state: absent on a Secret that applications use', () => {
  test('if-in-use: fail (the default) deletes nothing and names the applications', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: current, relatedApps: SHOP })
    const run = await runAction({ inputs: absent() })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::Secret 'registry-auth' (SecretId ${id}) in namespace ${NS} is used by 2 applications: shop-web (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8), shop-worker (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f): ` +
        'their next instance start could not pull images without it, so nothing was deleted in this namespace. ' +
        'Point those applications at another Secret first, or set if-in-use: delete to delete it anyway'
    ])
    expect(actions()).toEqual(['ListSecrets'])
    expect(sae.secrets(NS)).toHaveLength(1)
    // A failed namespace sets neither secret-id nor result.
    expect(run.outputs).toEqual({ results: '{}' })
    // The row names the Secret left in place and who uses it.
    expect(run.summary).toContain(
      `| ${NS} | registry-auth | ${id} | failed: SecretInUse | shop-web (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8)<br>shop-worker (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f) | – |`
    )
  })

  test('if-in-use: delete deletes it and warns, naming them; results keeps them', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: current, relatedApps: SHOP })
    const run = await runAction({ inputs: absent({ 'if-in-use': 'delete' }) })
    expect(run.code).toBe(0)
    expect(actions()).toEqual(['ListSecrets', 'DeleteSecret'])
    expect(sae.secrets(NS)).toEqual([])
    expect(warnings(run.stdout)).toEqual([
      `::warning::${NS}: Secret 'registry-auth' (SecretId ${id}) was deleted although 2 applications: shop-web (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8), shop-worker (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f) use it (if-in-use: delete): ` +
        'their next instance start cannot pull images until they are given another Secret'
    ])
    expect(JSON.parse(run.outputs.results)).toEqual({
      [NS]: {
        secretId: id,
        result: 'deleted',
        relatedApps: [
          { appId: '7171a6ca-d1cd-4928-8642-7d5cfe69a3f8', appName: 'shop-web' },
          { appId: '0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f', appName: 'shop-worker' }
        ]
      }
    })
  })

  test('more than ten applications: ten are named, then how many more', async () => {
    const apps = Array.from({ length: 12 }, (_, i) => ({ AppId: `app-${i + 1}`, AppName: `svc-${i + 1}` }))
    sae.seedSecret(NS, { name: 'registry-auth', data: current, relatedApps: apps })
    const run = await runAction({ inputs: absent() })
    expect(run.errors[0]).toContain(
      'is used by 12 applications: svc-1 (app-1), svc-2 (app-2), svc-3 (app-3), svc-4 (app-4), svc-5 (app-5), svc-6 (app-6), svc-7 (app-7), svc-8 (app-8), svc-9 (app-9), svc-10 (app-10) and 2 more: '
    )
  })

  test('a Secret no application uses is deleted as before', async () => {
    sae.seedSecret(NS, { name: 'registry-auth', data: current })
    const run = await runAction({ inputs: absent() })
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('deleted')
  })

  test('with several namespaces, only the one in use is refused; the others are deleted', async () => {
    sae.seedSecret('cn-hangzhou:dev', { name: 'registry-auth', data: current })
    sae.seedSecret(NS, { name: 'registry-auth', data: current, relatedApps: SHOP.slice(0, 1) })
    const run = await runAction({ inputs: absent({ 'namespace-id': `cn-hangzhou:dev\n${NS}` }) })
    expect(run.code).toBe(1)
    expect(sae.secrets('cn-hangzhou:dev')).toEqual([])
    expect(sae.secrets(NS)).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      /^::error::1 of 2 namespaces failed \(cn-hangzhou:prod SecretInUse\) — cn-hangzhou:prod: Secret 'registry-auth'/
    )
  })

  test('an input other than fail or delete is an input error before any call', async () => {
    const run = await runAction({ inputs: absent({ 'if-in-use': 'force' }) })
    expect(run.errors).toEqual([`::error::Input 'if-in-use' must be fail or delete; got "force"`])
    expect(sae.calls()).toEqual([])
  })
})

describe('present', () => {
  test('an update names the applications and what happens to their running instances', async () => {
    const old = { auths: { 'old.example.com': entry('old-registry-password') } }
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: stored(old), relatedApps: SHOP })
    // The stored credentials it replaces are masked as soon as DescribeSecret returns them.
    const run = await runAction({
      inputs: stepInputs(sae, { 'if-exists': 'update' }),
      expectMasked: storedCredentials(old)
    })
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('updated')
    expect(run.stdout).toContain(
      `${NS}: 2 applications: shop-web (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8), shop-worker (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f) use this Secret: ` +
        'their new instances pull with the new credentials; running instances keep the images they pulled until they are restarted or redeployed'
    )
    expect(JSON.parse(run.outputs.results)[NS]).toEqual({
      secretId: id,
      result: 'updated',
      relatedApps: [
        { appId: '7171a6ca-d1cd-4928-8642-7d5cfe69a3f8', appName: 'shop-web' },
        { appId: '0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f', appName: 'shop-worker' }
      ]
    })
    expect(run.summary).toContain(
      `| ${NS} | registry-auth | ${id} | updated | shop-web (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8)<br>shop-worker (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f) |`
    )
  })

  test('a new Secret has no applications: relatedApps is there, empty', async () => {
    const run = await runAction({ inputs: stepInputs(sae) })
    expect(JSON.parse(run.outputs.results)[NS]).toEqual({
      secretId: sae.secrets(NS)[0].SecretId,
      result: 'created',
      relatedApps: []
    })
  })

  test('images cannot be combined with state: absent', async () => {
    const run = await runAction({ inputs: absent({ images: 'registry.cn-hangzhou.aliyuncs.com/shop/web:1.4.2' }) })
    expect(run.errors).toEqual([
      "::error::Input 'images' cannot be combined with state: absent (a deleted Secret pulls nothing); remove images from this step"
    ])
    expect(sae.calls()).toEqual([])
  })
})

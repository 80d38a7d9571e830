import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { startEmulator } from '../emulator/sae-emulator.mjs'
import { runAction } from '../harness/action-runner.mjs'

type Emulator = Awaited<ReturnType<typeof startEmulator>>

const KEY = { accessKeyId: 'LTAI5tExampleKeyId', accessKeySecret: 'k3y-s3cret/With+Base64=Chars' }

let sae: Emulator
beforeEach(async () => {
  sae = await startEmulator({ keys: [KEY], namespaces: ['cn-hangzhou:prod', 'cn-hangzhou'] })
})
afterEach(async () => sae.stop())

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'namespace-id': 'cn-hangzhou:prod',
    'secret-name': 'registry-auth',
    username: 'deploy@octo',
    password: 'pa55:"word\\ü',
    endpoint: sae.origin,
    'access-key-id': KEY.accessKeyId,
    'access-key-secret': KEY.accessKeySecret,
    ...extra
  }
}

describe('first run', () => {
  test('creates the Secret with one signed CreateSecret and outputs its id', async () => {
    const run = await runAction({ inputs: inputs({ 'if-exists': 'fail' }) })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    const [stored] = sae.secrets('cn-hangzhou:prod')
    expect(run.outputs['secret-id']).toBe(String(stored.SecretId))
    expect(run.outputs.result).toBe('created')
    expect(JSON.parse(run.outputs.results)).toEqual({ 'cn-hangzhou:prod': { secretId: stored.SecretId, result: 'created' } })
    const auth = Buffer.from('deploy@octo:pa55:"word\\ü').toString('base64')
    expect(sae.dockerConfig('cn-hangzhou:prod', 'registry-auth')).toEqual({
      auths: {
        'registry-vpc.cn-hangzhou.aliyuncs.com': { username: 'deploy@octo', password: 'pa55:"word\\ü', auth },
        'registry.cn-hangzhou.aliyuncs.com': { username: 'deploy@octo', password: 'pa55:"word\\ü', auth }
      }
    })
    expect(sae.calls().map((call) => `${call.method} ${call.path} ${call.action} ${call.status}`)).toEqual([
      'POST /pop/v1/sam/secret/secret CreateSecret 200'
    ])
    expect(run.summary).toContain(`| cn-hangzhou:prod | registry-auth | ${stored.SecretId} | created |`)
  })
})

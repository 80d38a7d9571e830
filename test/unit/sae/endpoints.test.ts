// endpoints.ts: which SAE and STS hosts a run connects to ahead, from its inputs and plans alone.
import { describe, expect, test } from '@jest/globals'
import { apiHostsToPreconnect } from '../../../src/sae/endpoints.js'
import type { CredentialSource, Endpoint } from '../../../src/domain/model.js'

const https = (host: string): Endpoint => ({ protocol: 'https', host, input: 'namespace-id' })
const STS = https('sts.aliyuncs.com')
const HANGZHOU = { endpoint: https('sae.cn-hangzhou.aliyuncs.com') }
const SHANGHAI = { endpoint: https('sae.cn-shanghai.aliyuncs.com') }
const KEYS: CredentialSource = { kind: 'keys', origin: 'inputs', accessKeyId: 'LTAI', accessKeySecret: 's' }
const role = { roleArn: 'acs:ram::1:role/r', roleSessionName: 's', durationSeconds: 3600 }
const OIDC: CredentialSource = {
  kind: 'oidc',
  ...role,
  oidcProviderArn: 'acs:ram::1:oidc-provider/gh',
  audience: 'sts.aliyuncs.com'
}
const RRSA: CredentialSource = {
  kind: 'rrsa',
  ...role,
  oidcProviderArn: 'acs:ram::1:oidc-provider/ack',
  tokenFile: '/t'
}
const hosts = (credentials: CredentialSource, plans = [HANGZHOU]) =>
  apiHostsToPreconnect({ credentials, stsEndpoint: STS }, plans)

describe('apiHostsToPreconnect', () => {
  test('keys: each namespace’s SAE endpoint, each once; no STS', () => {
    expect(hosts(KEYS, [HANGZHOU, SHANGHAI, HANGZHOU])).toEqual([
      'sae.cn-hangzhou.aliyuncs.com',
      'sae.cn-shanghai.aliyuncs.com'
    ])
    expect(hosts({ ...KEYS, origin: 'environment' })).toEqual(['sae.cn-hangzhou.aliyuncs.com'])
  })

  test('GitHub OIDC, RRSA and role chaining go through STS: STS first, then SAE', () => {
    for (const credentials of [OIDC, RRSA, { kind: 'chained', ...role, base: KEYS } as CredentialSource])
      expect(hosts(credentials)).toEqual(['sts.aliyuncs.com', 'sae.cn-hangzhou.aliyuncs.com'])
  })

  test('the ECS instance role: SAE (the metadata service is plain HTTP on its own agent)', () => {
    expect(hosts({ kind: 'instance-role' })).toEqual(['sae.cn-hangzhou.aliyuncs.com'])
  })

  test('with no credential source left the run ends (or a dry run plans offline) before any call: nothing', () => {
    expect(hosts({ kind: 'none' })).toEqual([])
    expect(hosts({ kind: 'chained', ...role, base: { kind: 'none' } })).toEqual([])
  })

  test('an http:// endpoint (a loopback emulator) is not opened ahead', () => {
    const emulator = { endpoint: { protocol: 'http', host: '127.0.0.1:8080', input: 'endpoint' } as Endpoint }
    expect(hosts(KEYS, [emulator])).toEqual([])
    expect(apiHostsToPreconnect({ credentials: OIDC, stsEndpoint: emulator.endpoint }, [HANGZHOU])).toEqual([
      'sae.cn-hangzhou.aliyuncs.com'
    ])
  })
})

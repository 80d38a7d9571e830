import { describe, expect, test } from '@jest/globals'
import { parseInputs } from '../../../src/inputs/parse-inputs.js'
import { planSecrets } from '../../../src/secret/plan.js'

const plan = (values: Record<string, string>) =>
  planSecrets(
    parseInputs((name) => ({ 'secret-name': 'registry-auth', username: 'u', password: 'p', ...values })[name] ?? '')
  )

describe('planSecrets', () => {
  test("each namespace gets its region's registry domains and SAE endpoint", () => {
    const [hangzhou, beijing] = plan({ 'namespace-id': 'cn-hangzhou:dev\ncn-beijing:prod' })
    expect(hangzhou).toMatchObject({
      namespaceId: 'cn-hangzhou:dev',
      endpoint: { protocol: 'https', host: 'sae.cn-hangzhou.aliyuncs.com' },
      domains: ['registry-vpc.cn-hangzhou.aliyuncs.com', 'registry.cn-hangzhou.aliyuncs.com']
    })
    expect(beijing).toMatchObject({
      endpoint: { host: 'sae.cn-beijing.aliyuncs.com' },
      domains: ['registry-vpc.cn-beijing.aliyuncs.com', 'registry.cn-beijing.aliyuncs.com']
    })
  })

  test('registry-region and endpoint apply to every namespace', () => {
    const plans = plan({
      'namespace-id': 'cn-hangzhou:dev,cn-beijing:prod',
      'registry-region': 'cn-shanghai',
      endpoint: 'sae-vpc.cn-hangzhou.aliyuncs.com'
    })
    for (const p of plans) {
      expect(p.domains).toEqual(['registry-vpc.cn-shanghai.aliyuncs.com', 'registry.cn-shanghai.aliyuncs.com'])
      expect(p.endpoint).toEqual({ protocol: 'https', host: 'sae-vpc.cn-hangzhou.aliyuncs.com', input: 'endpoint' })
    }
  })

  test('the SecretData carries the base64 config, and the type is the image-pull one', () => {
    const [p] = plan({ 'namespace-id': 'cn-hangzhou:dev' })
    expect(p.secretType).toBe('kubernetes.io/dockerconfigjson')
    expect(JSON.parse(JSON.parse(p.secretData).SecretData)['.dockerconfigjson']).toBe(p.encodedConfig)
    expect(JSON.parse(Buffer.from(p.encodedConfig, 'base64').toString())).toEqual(p.dockerConfig)
  })
})

describe('state: absent', () => {
  test('plans no registries, no auths and an empty SecretData: deleting needs no credentials and writes nothing', () => {
    const [p] = plan({ 'namespace-id': 'cn-hangzhou:dev', state: 'absent', username: '', password: '' })
    expect(p).toMatchObject({
      state: 'absent',
      registries: [],
      domains: [],
      dockerConfig: { auths: {} },
      encodedConfig: '',
      secretData: ''
    })
  })
})

describe('the SAE endpoint of a namespace', () => {
  test('without an endpoint input, it is https://sae.<region>.aliyuncs.com, read from namespace-id', () => {
    const [p] = plan({ 'namespace-id': 'cn-shenzhen:prod' })
    expect(p.endpoint).toEqual({
      protocol: 'https',
      host: 'sae.cn-shenzhen.aliyuncs.com',
      input: 'namespace-id',
      region: 'cn-shenzhen'
    })
  })
})

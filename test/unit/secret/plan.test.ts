import { describe, expect, test } from '@jest/globals'
import { parseInputs } from '../../../src/inputs/parse-inputs.js'
import { endpointWarnings, planSecrets, planWarnings } from '../../../src/secret/plan.js'

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

describe('network: vpc', () => {
  test('each namespace goes to its own region’s VPC endpoint, sae-vpc.<region>.aliyuncs.com', () => {
    const plans = plan({ 'namespace-id': 'cn-hangzhou:dev\ncn-shanghai:prod', network: 'vpc' })
    expect(plans.map((p) => p.endpoint)).toEqual([
      { protocol: 'https', host: 'sae-vpc.cn-hangzhou.aliyuncs.com', input: 'namespace-id', region: 'cn-hangzhou' },
      { protocol: 'https', host: 'sae-vpc.cn-shanghai.aliyuncs.com', input: 'namespace-id', region: 'cn-shanghai' }
    ])
  })

  test('an endpoint given still wins', () => {
    const plans = plan({ 'namespace-id': 'cn-hangzhou:dev', network: 'vpc', endpoint: 'sae.cn-hangzhou.aliyuncs.com' })
    expect(plans[0].endpoint.host).toBe('sae.cn-hangzhou.aliyuncs.com')
  })
})

describe('endpointWarnings: an endpoint given for namespaces of another region', () => {
  const warnings = (values: Record<string, string>) => {
    const given = parseInputs(
      (name) => ({ 'secret-name': 'registry-auth', username: 'u', password: 'p', ...values })[name] ?? ''
    )
    return endpointWarnings(planSecrets(given), given.endpoint)
  }

  test('a regional endpoint names each namespace of another region', () => {
    expect(
      warnings({
        'namespace-id': 'cn-hangzhou:dev, cn-shanghai:prod, cn-beijing',
        endpoint: 'sae-vpc.cn-hangzhou.aliyuncs.com'
      })
    ).toEqual([
      'endpoint sae-vpc.cn-hangzhou.aliyuncs.com is the endpoint of cn-hangzhou, and cn-shanghai:prod, cn-beijing are in another region; ' +
        "SAE answers for its own region's namespaces: remove endpoint so that each namespace goes to its own region (network: vpc for sae-vpc), or use one step per region"
    ])
  })

  test('one namespace of another region than a regional endpoint’s is named too', () => {
    expect(warnings({ 'namespace-id': 'cn-shanghai:prod', endpoint: 'sae.cn-hangzhou.aliyuncs.com' })).toEqual([
      "endpoint sae.cn-hangzhou.aliyuncs.com is the endpoint of cn-hangzhou, and cn-shanghai:prod is in another region; SAE answers for its own region's namespaces: " +
        'remove endpoint so that each namespace goes to its own region (network: vpc for sae-vpc), or use one step per region'
    ])
  })

  test('an endpoint that names no region (a gateway) gets the regions when there are several', () => {
    expect(
      warnings({ 'namespace-id': 'cn-hangzhou:dev, cn-shanghai:prod', endpoint: 'sae-gateway.corp.example.com' })
    ).toEqual([
      'endpoint sae-gateway.corp.example.com receives the namespaces of 2 regions (cn-hangzhou, cn-shanghai); unless it routes each to its region, ' +
        'remove endpoint so that each namespace goes to its own region (network: vpc for sae-vpc), or use one step per region'
    ])
    expect(warnings({ 'namespace-id': 'cn-hangzhou:dev', endpoint: 'sae-gateway.corp.example.com' })).toEqual([])
  })

  test("a host that only contains a regional endpoint's name is no regional endpoint", () => {
    for (const endpoint of ['mysae.cn-shanghai.aliyuncs.com', 'sae.cn-shanghai.aliyuncs.com.corp.example.com'])
      expect([endpoint, warnings({ 'namespace-id': 'cn-hangzhou:dev', endpoint })]).toEqual([endpoint, []])
  })

  test('no warning: the namespaces are the endpoint’s region’s, no endpoint given, or a loopback emulator', () => {
    expect(
      warnings({ 'namespace-id': 'cn-hangzhou:dev, cn-hangzhou:prod', endpoint: 'sae-vpc.cn-hangzhou.aliyuncs.com' })
    ).toEqual([])
    expect(warnings({ 'namespace-id': 'cn-hangzhou:dev, cn-shanghai:prod' })).toEqual([])
    expect(
      warnings({ 'namespace-id': 'cn-hangzhou:dev, cn-shanghai:prod', endpoint: 'http://127.0.0.1:8790' })
    ).toEqual([])
  })
})

describe('planWarnings: everything the plans warn of before a call, in one list', () => {
  test('an expiring password, an unknown region and an endpoint of another region, in that order', () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0)
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const token = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ exp: now / 1000 + 3600 })}.c2lnbmF0dXJl`
    const given = parseInputs(
      (name) =>
        ({
          'secret-name': 'registry-auth',
          username: 'u',
          password: token,
          'namespace-id': 'cn-hangzou:dev',
          endpoint: 'sae.cn-hangzhou.aliyuncs.com'
        })[name] ?? ''
    )
    const warnings = planWarnings(planSecrets(given), given.endpoint, now)
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toMatch(
      /^The password from the username and password inputs .* expires at 2026-12-01T13:00:00Z/
    )
    expect(warnings[1]).toMatch(/cn-hangzou/)
    expect(warnings[1]).not.toMatch(/^endpoint/)
    expect(warnings[2]).toMatch(
      /^endpoint sae\.cn-hangzhou\.aliyuncs\.com is the endpoint of cn-hangzhou, and cn-hangzou:dev is in another region/
    )
  })

  test('plain inputs: no warning', () => {
    expect(planWarnings(plan({ 'namespace-id': 'cn-hangzhou:dev' }), undefined, Date.now())).toEqual([])
  })
})

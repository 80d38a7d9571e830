import { describe, expect, test } from '@jest/globals'
import {
  basicAuth,
  buildDockerConfig,
  encodeDockerConfig,
  registryDomains,
  secretDataParameter
} from '../../../src/secret/docker-config.js'

describe('registryDomains', () => {
  test('ACR Personal Edition from the region: VPC and public', () => {
    expect(registryDomains({ region: 'cn-beijing' })).toEqual([
      'registry-vpc.cn-beijing.aliyuncs.com',
      'registry.cn-beijing.aliyuncs.com'
    ])
  })

  test('ACR Enterprise Edition from the instance name', () => {
    expect(registryDomains({ region: 'cn-shanghai', acrInstanceName: 'acme' })).toEqual([
      'acme-registry-vpc.cn-shanghai.cr.aliyuncs.com',
      'acme-registry.cn-shanghai.cr.aliyuncs.com'
    ])
  })

  test('exactly the hosts given, whatever else is set', () => {
    expect(
      registryDomains({
        region: 'cn-shanghai',
        acrInstanceName: 'acme',
        registryDomains: ['ghcr.io', 'r.example.com:5000']
      })
    ).toEqual(['ghcr.io', 'r.example.com:5000'])
  })

  test('an empty list of hosts is none given: the region decides', () => {
    expect(registryDomains({ region: 'cn-beijing', registryDomains: [] })).toEqual([
      'registry-vpc.cn-beijing.aliyuncs.com',
      'registry.cn-beijing.aliyuncs.com'
    ])
  })
})

describe('buildDockerConfig', () => {
  test('every domain gets username, password and auth = base64(user:pass)', () => {
    const config = buildDockerConfig([{ domains: ['a.example.com', 'b.example.com'], username: 'u', password: 'p' }])
    const entry = { username: 'u', password: 'p', auth: 'dTpw' }
    expect(config).toEqual({ auths: { 'a.example.com': entry, 'b.example.com': entry } })
  })

  test('auth encodes UTF-8 and keeps colons in the password', () => {
    const auth = basicAuth('user', 'pä:ss')
    expect(Buffer.from(auth, 'base64').toString('utf8')).toBe('user:pä:ss')
  })
})

describe('SecretData', () => {
  test('is the documented wrapper around a JSON string of the key map', () => {
    const encoded = encodeDockerConfig(
      buildDockerConfig([{ domains: ['r.example.com'], username: 'u', password: 'p' }])
    )
    const parameter = secretDataParameter(encoded)
    const outer = JSON.parse(parameter)
    expect(Object.keys(outer)).toEqual(['SecretData'])
    expect(typeof outer.SecretData).toBe('string')
    expect(JSON.parse(outer.SecretData)).toEqual({ '.dockerconfigjson': encoded })
    expect(JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'))).toEqual({
      auths: { 'r.example.com': { username: 'u', password: 'p', auth: 'dTpw' } }
    })
  })
})

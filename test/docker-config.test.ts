import { describe, expect, test } from '@jest/globals'
import {
  basicAuth,
  buildDockerConfig,
  encodeDockerConfig,
  registryDomains,
  sameDockerConfig,
  secretDataParameter
} from '../src/docker-config.js'

describe('registryDomains', () => {
  test('ACR Personal Edition from the region: VPC and public', () => {
    expect(registryDomains({ region: 'cn-beijing' })).toEqual(['registry-vpc.cn-beijing.aliyuncs.com', 'registry.cn-beijing.aliyuncs.com'])
  })

  test('ACR Enterprise Edition from the instance name', () => {
    expect(registryDomains({ region: 'cn-shanghai', acrInstanceName: 'acme' })).toEqual([
      'acme-registry-vpc.cn-shanghai.cr.aliyuncs.com',
      'acme-registry.cn-shanghai.cr.aliyuncs.com'
    ])
  })

  test('exactly the hosts given, whatever else is set', () => {
    expect(registryDomains({ region: 'cn-shanghai', acrInstanceName: 'acme', registryDomains: ['ghcr.io', 'r.example.com:5000'] })).toEqual([
      'ghcr.io',
      'r.example.com:5000'
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
    const encoded = encodeDockerConfig(buildDockerConfig([{ domains: ['r.example.com'], username: 'u', password: 'p' }]))
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

describe('sameDockerConfig', () => {
  const computed = buildDockerConfig([{ domains: ['vpc.example.com', 'public.example.com'], username: 'u', password: 'p' }])
  const stored = (json: string) => Buffer.from(json).toString('base64')

  test('ignores key order, whitespace and domain order', () => {
    const reordered = `{
      "auths": {
        "public.example.com": { "auth": "dTpw", "password": "p", "username": "u" },
        "vpc.example.com":    { "password": "p", "username": "u", "auth": "dTpw" }
      }
    }`
    expect(sameDockerConfig(stored(reordered), computed)).toBe(true)
  })

  test.each([
    ['another password', buildDockerConfig([{ domains: ['vpc.example.com', 'public.example.com'], username: 'u', password: 'q' }])],
    ['a missing domain', buildDockerConfig([{ domains: ['vpc.example.com'], username: 'u', password: 'p' }])],
    ['an extra domain', buildDockerConfig([{ domains: ['vpc.example.com', 'public.example.com', 'x.example.com'], username: 'u', password: 'p' }])]
  ])('sees %s', (_what, other) => {
    expect(sameDockerConfig(encodeDockerConfig(other), computed)).toBe(false)
  })

  test('reads a value that was base64-encoded once more', () => {
    const twice = Buffer.from(encodeDockerConfig(computed)).toString('base64')
    expect(sameDockerConfig(twice, computed)).toBe(true)
  })

  test('treats unreadable or absent data as different', () => {
    expect(sameDockerConfig(stored('not json'), computed)).toBe(false)
    expect(sameDockerConfig(undefined, computed)).toBe(false)
  })
})

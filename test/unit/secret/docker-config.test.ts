import { describe, expect, test } from '@jest/globals'
import {
  acrTwin,
  authKeyFor,
  basicAuth,
  buildDockerConfig,
  decodeStoredConfig,
  DOCKER_HUB_KEY,
  encodeDockerConfig,
  reachableHost,
  registryApiHost,
  registryDomains,
  sameDockerConfig,
  secretDataParameter,
  storedSecrets
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

describe('authKeyFor', () => {
  test.each(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'])(
    "Docker Hub host %s has Docker Hub's key",
    (host) => {
      expect(authKeyFor(host)).toBe('https://index.docker.io/v1/')
    }
  )

  test('any other host is its own key', () => {
    expect(authKeyFor('ghcr.io')).toBe('ghcr.io')
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

describe('sameDockerConfig', () => {
  const computed = buildDockerConfig([
    { domains: ['vpc.example.com', 'public.example.com'], username: 'u', password: 'p' }
  ])
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
    [
      'another password',
      buildDockerConfig([{ domains: ['vpc.example.com', 'public.example.com'], username: 'u', password: 'q' }])
    ],
    ['a missing domain', buildDockerConfig([{ domains: ['vpc.example.com'], username: 'u', password: 'p' }])],
    [
      'an extra domain',
      buildDockerConfig([
        { domains: ['vpc.example.com', 'public.example.com', 'x.example.com'], username: 'u', password: 'p' }
      ])
    ]
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

  test('decodes twice at most: a value base64-encoded twice more is unreadable', () => {
    const thrice = stored(stored(encodeDockerConfig(computed)))
    expect(sameDockerConfig(thrice, computed)).toBe(false)
  })

  test('a value encoded once more with a trailing newline (as `echo … | base64` makes it) is read', () => {
    expect(sameDockerConfig(stored(`${encodeDockerConfig(computed)}\n`), computed)).toBe(true)
  })

  test('what is decoded once must be base64 as a whole, not merely hold some', () => {
    expect(sameDockerConfig(stored(`%${encodeDockerConfig(computed)}`), computed)).toBe(false)
    expect(sameDockerConfig(stored(`${encodeDockerConfig(computed)}%`), computed)).toBe(false)
  })
})

describe('ACR twins', () => {
  test.each([
    [
      'registry-vpc.cn-hangzhou.aliyuncs.com',
      { vpc: 'registry-vpc.cn-hangzhou.aliyuncs.com', public: 'registry.cn-hangzhou.aliyuncs.com' }
    ],
    [
      'registry.ap-southeast-1.aliyuncs.com',
      { vpc: 'registry-vpc.ap-southeast-1.aliyuncs.com', public: 'registry.ap-southeast-1.aliyuncs.com' }
    ],
    [
      'acme-registry-vpc.cn-shanghai.cr.aliyuncs.com',
      { vpc: 'acme-registry-vpc.cn-shanghai.cr.aliyuncs.com', public: 'acme-registry.cn-shanghai.cr.aliyuncs.com' }
    ],
    [
      'my-team-registry.cn-beijing.cr.aliyuncs.com',
      { vpc: 'my-team-registry-vpc.cn-beijing.cr.aliyuncs.com', public: 'my-team-registry.cn-beijing.cr.aliyuncs.com' }
    ],
    ['ghcr.io', undefined],
    ['registry-vpc.cn-hangzhou.aliyuncs.com.evil.example', undefined],
    ['registry.cn-hangzhou.aliyuncs.com:5000', undefined],
    // Only the whole host: no twin for a name that merely contains or begins with an ACR domain.
    ['myregistry.cn-hangzhou.aliyuncs.com', undefined],
    ['acme-registry.cn-hangzhou.aliyuncs.com', undefined],
    ['evil.acme-registry-vpc.cn-shanghai.cr.aliyuncs.com', undefined],
    ['acme-registry.cn-shanghai.cr.aliyuncs.com.evil.example', undefined]
  ])('%s', (host, twin) => {
    expect(acrTwin(host)).toEqual(twin)
  })

  test('a VPC domain is reached through its public twin; any other host as it is', () => {
    expect(reachableHost('registry-vpc.cn-hangzhou.aliyuncs.com')).toBe('registry.cn-hangzhou.aliyuncs.com')
    expect(reachableHost('registry.cn-hangzhou.aliyuncs.com')).toBe('registry.cn-hangzhou.aliyuncs.com')
    expect(reachableHost('harbor.example.com:8443')).toBe('harbor.example.com:8443')
  })
})

describe('registryApiHost', () => {
  test.each([
    [DOCKER_HUB_KEY, 'registry-1.docker.io'],
    ['docker.io', 'registry-1.docker.io'],
    ['https://ghcr.io', 'ghcr.io'],
    ['http://harbor.example.com:8443/v2/', 'harbor.example.com:8443'],
    ['quay.io/coreos', 'quay.io'],
    ['index.docker.io', 'registry-1.docker.io'],
    ['registry.hub.docker.com', 'registry-1.docker.io'],
    ['*.example.com', undefined],
    // No host at all: nothing to ask.
    ['', undefined],
    ['https://', undefined],
    ['/v2/', undefined]
  ])('%s → %s', (key, host) => {
    expect(registryApiHost(key)).toBe(host)
  })
})

describe('a stored docker config', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64')

  test('decodes to each entry with its credentials, from username/password or else from auth', () => {
    const stored = b64(
      JSON.stringify({
        auths: {
          'a.example.com': { username: 'u', password: 'p:1', auth: b64('u:p:1') },
          'b.example.com': { auth: b64('bot:s3cret:x') }
        }
      })
    )
    expect(decodeStoredConfig(stored)).toEqual({
      auths: {
        'a.example.com': { username: 'u', password: 'p:1', auth: b64('u:p:1') },
        'b.example.com': { username: 'bot', password: 's3cret:x', auth: b64('bot:s3cret:x') }
      }
    })
  })

  test('is undefined when it is not a docker config', () => {
    for (const value of [
      undefined,
      '',
      b64('not json'),
      b64('{"auths": []}'),
      b64('{"other": {}}'),
      b64('null'),
      b64('42'),
      b64('"text"'),
      b64('{"auths": null}'),
      b64('{"auths": "x"}'),
      b64('{"auths": 5}')
    ])
      expect(decodeStoredConfig(value)).toBeUndefined()
  })

  test('username and password, when given, win over auth, and the stored auth is kept as it is', () => {
    const stored = b64(
      JSON.stringify({ auths: { 'a.example.com': { username: 'u', password: 'p', auth: 'Ym90OnB3' } } })
    )
    expect(decodeStoredConfig(stored)).toEqual({
      auths: { 'a.example.com': { username: 'u', password: 'p', auth: 'Ym90OnB3' } }
    })
  })

  test('an entry without auth gets auth = base64(user:pass)', () => {
    const stored = b64(JSON.stringify({ auths: { 'a.example.com': { username: 'u', password: 'p' } } }))
    expect(decodeStoredConfig(stored)).toEqual({
      auths: { 'a.example.com': { username: 'u', password: 'p', auth: 'dTpw' } }
    })
  })

  test('auth is read only when both username and password are missing', () => {
    const stored = b64(
      JSON.stringify({
        auths: {
          'u.example.com': { username: 'u', auth: 'Ym90OnB3' },
          'p.example.com': { password: 'p', auth: 'Ym90OnB3' }
        }
      })
    )
    expect(decodeStoredConfig(stored)).toEqual({
      auths: {
        'u.example.com': { username: 'u', password: '', auth: 'Ym90OnB3' },
        'p.example.com': { username: '', password: 'p', auth: 'Ym90OnB3' }
      }
    })
  })

  test('an auth with no user name before a colon gives no credentials', () => {
    const stored = b64(
      JSON.stringify({
        auths: { 'a.example.com': { auth: b64('nocolon') }, 'b.example.com': { auth: b64(':secret') } }
      })
    )
    expect(decodeStoredConfig(stored)).toEqual({
      auths: {
        'a.example.com': { username: '', password: '', auth: b64('nocolon') },
        'b.example.com': { username: '', password: '', auth: b64(':secret') }
      }
    })
  })

  test('nothing stored, nothing to mask', () => {
    expect(storedSecrets(undefined)).toEqual([])
    expect(storedSecrets('')).toEqual([])
  })

  test('a value that is no docker config is masked as it is and as its text', () => {
    expect(storedSecrets(b64('not json')).sort()).toEqual([b64('not json'), 'not json'].sort())
  })

  test('the password decoded from an auth is masked too', () => {
    const text = JSON.stringify({ auths: { 'a.example.com': { auth: 'Ym90OnB3' } } })
    expect(storedSecrets(b64(text)).sort()).toEqual([b64(text), text, 'Ym90OnB3', 'pw'].sort())
  })

  test('a user name alone, an empty password or an empty auth is nothing to mask', () => {
    const text = JSON.stringify({
      auths: {
        'a.example.com': { username: 'deploy' },
        'b.example.com': { username: 'deploy', password: '', auth: '' }
      }
    })
    expect(storedSecrets(b64(text)).sort()).toEqual([b64(text), text].sort())
  })

  test('every credential in it is a secret to mask: the value, its text, each password, auth and token; not user names', () => {
    const text = JSON.stringify({
      auths: {
        'a.example.com': {
          username: 'deploy',
          password: 'pw-1',
          auth: b64('deploy:pw-1'),
          identitytoken: 'tok-9',
          email: 'a@b.c'
        }
      }
    })
    expect(storedSecrets(b64(text)).sort()).toEqual([b64(text), text, 'pw-1', b64('deploy:pw-1'), 'tok-9'].sort())
  })
})

import { describe, expect, test } from '@jest/globals'
import { buildDockerConfig, encodeDockerConfig } from '../../../src/secret/docker-config.js'
import { decodeStoredConfig, sameDockerConfig, storedSecrets } from '../../../src/secret/stored-config.js'

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

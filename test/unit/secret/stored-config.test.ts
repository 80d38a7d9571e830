import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { buildDockerConfig, encodeDockerConfig } from '../../../src/secret/docker-config.js'
import {
  decodeStoredConfig,
  MAX_STORED_AUTHS,
  sameDockerConfig,
  storedConfigProblem,
  storedSecrets
} from '../../../src/secret/stored-config.js'

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

describe('a stored docker config is read with a bound: 32 entries', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64')
  /** A docker config of `n` entries, each its own registry, user and password. */
  const config = (n: number) => ({
    auths: Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        `r${i}.example.com`,
        { username: `u${i}`, password: `pw-${i}`, auth: b64(`u${i}:pw-${i}`) }
      ])
    )
  })

  test('the bound is 32', () => {
    expect(MAX_STORED_AUTHS).toBe(32)
  })

  test('32 entries are read, each with its credentials, and each password and auth is masked', () => {
    const stored = b64(JSON.stringify(config(32)))
    expect(Object.keys(decodeStoredConfig(stored)!.auths)).toHaveLength(32)
    expect(decodeStoredConfig(stored)!.auths['r31.example.com']).toEqual({
      username: 'u31',
      password: 'pw-31',
      auth: b64('u31:pw-31')
    })
    expect(storedSecrets(stored)).toHaveLength(2 + 2 * 32)
    expect(storedConfigProblem(stored)).toBeUndefined()
  })

  test('33 entries are not read: no registry, only the value and its text masked, and the problem names the count', () => {
    const text = JSON.stringify(config(33))
    expect(decodeStoredConfig(b64(text))).toBeUndefined()
    expect(storedSecrets(b64(text)).sort()).toEqual([b64(text), text].sort())
    expect(storedConfigProblem(b64(text))).toBe(
      'a docker config of 33 registries (auths entries), more than the 32 this step reads'
    )
  })

  test('33 entries differ from the computed config even when they are the same: it is not read', () => {
    const computed = buildDockerConfig(
      Array.from({ length: 33 }, (_, i) => ({ domains: [`r${i}.example.com`], username: `u${i}`, password: `pw-${i}` }))
    )
    expect(sameDockerConfig(encodeDockerConfig(computed), computed)).toBe(false)
    const one = buildDockerConfig([{ domains: ['r0.example.com'], username: 'u0', password: 'pw-0' }])
    expect(sameDockerConfig(encodeDockerConfig(one), one)).toBe(true)
  })

  test('a value that is no docker config is said to be so', () => {
    expect(storedConfigProblem(b64('not json'))).toBe('data that is not a readable docker config')
    expect(storedConfigProblem(b64('{"auths": []}'))).toBe('data that is not a readable docker config')
    expect(storedConfigProblem(undefined)).toBe('data that is not a readable docker config')
  })
})

test('an auths key `__proto__` is an entry like any other: its credentials are read and listed to mask', () => {
  const value = b64('{"auths":{"__proto__":{"username":"u","password":"proto-pa55"}}}')
  expect(Object.keys(decodeStoredConfig(value)!.auths)).toEqual(['__proto__'])
  expect(storedSecrets(value)).toContain(b64('u:proto-pa55'))
})

describe('for any stored docker config (property)', () => {
  /** Text someone else chose: any characters, and pieces the runner would act on. */
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom('##[stop-commands]x', '::error::x', '\r\n::add-mask::', '\u001b[2K', 'a:b', '')
  )
  const entry = fc.record(
    { username: text, password: text, auth: text, identitytoken: text, email: text },
    { requiredKeys: [] }
  )
  const stored = fc.dictionary(text, entry, { maxKeys: 40 })

  test('every password it holds, and its user:password in base64, is listed to mask; of more than 32 entries, the value and its text alone', () => {
    fc.assert(
      fc.property(stored, (auths) => {
        const value = b64(JSON.stringify({ auths }))
        const secrets = storedSecrets(value)
        expect(secrets).toContain(value)
        const entries = Object.keys(auths).length
        const config = decodeStoredConfig(value)
        if (entries > 32) {
          expect(config).toBeUndefined()
          expect(secrets).toHaveLength(new Set([value, JSON.stringify({ auths })].filter((s) => s !== '')).size)
          return
        }
        expect(Object.keys(config!.auths)).toEqual(Object.keys(auths))
        for (const { username, password } of Object.values(config!.auths)) {
          if (password === '') continue
          expect(secrets).toContain(password)
          expect(secrets).toContain(b64(`${username}:${password}`))
        }
        for (const fields of Object.values(auths))
          for (const [field, secret] of Object.entries(fields))
            if (!['username', 'email'].includes(field) && secret !== '') expect(secrets).toContain(secret)
      })
    )
  })
})

const b64 = (text: string) => Buffer.from(text).toString('base64')

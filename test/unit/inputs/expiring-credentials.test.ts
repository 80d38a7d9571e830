// expiring-credentials.ts: a password that is a token with an expiry warns with the time (UTC),
// never the token; one already expired is an input error before any call.
import { describe, expect, test } from '@jest/globals'
import { InputError } from '../../../src/domain/errors.js'
import { ecrExpiry, expiryWarnings, jwtExpiry } from '../../../src/inputs/expiring-credentials.js'
import type { RegistryCredential } from '../../../src/domain/model.js'

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (payload: unknown, header: unknown = { alg: 'RS256', typ: 'JWT' }) =>
  `${part(header)}.${part(payload)}.c2lnbmF0dXJl`
/** 2026-12-01T12:00:00Z */
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0)
const EXP = NOW / 1000 + 3600

const registry = (password: string, origin: RegistryCredential['origin'] = { kind: 'main' }): RegistryCredential => ({
  domains: ['registry-vpc.cn-hangzhou.aliyuncs.com', 'registry.cn-hangzhou.aliyuncs.com'],
  username: 'deploy',
  password,
  origin
})

describe('jwtExpiry', () => {
  test.each([
    ['a JWT with a numeric exp', jwt({ exp: 1796126400 }), 1796126400],
    ['no alg in the header', jwt({ exp: 1796126400 }, { typ: 'JWT' }), undefined],
    ['exp as a string', jwt({ exp: '1796126400' }), undefined],
    ['no exp', jwt({ sub: 'x' }), undefined],
    ['two parts', `${part({ alg: 'HS256' })}.${part({ exp: 1 })}`, undefined],
    ['a plain password with dots', 'my.pass.word', undefined],
    ['a header that is not JSON', `bm90LWpzb24.${part({ exp: 1 })}.c2ln`, undefined],
    ['exp 1e300, which no date holds: no expiry', jwt({ exp: 1e300 }), undefined],
    ['exp -1e300', jwt({ exp: -1e300 }), undefined],
    ['the last second a date holds', jwt({ exp: 8.64e12 }), 8.64e12],
    ['one past it', jwt({ exp: 8.64e12 + 1 }), undefined]
  ])('%s', (_name, password, expected) => {
    expect(jwtExpiry(password)).toBe(expected)
  })
})

/** An ECR-style token: base64 of a JSON object with a numeric `expiration` (epoch seconds). */
const ecr = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64')

describe('ecrExpiry', () => {
  test.each([
    [
      'base64 JSON with a numeric expiration',
      ecr({ payload: 'p', datakey: 'd', version: '2', expiration: 1796126400 }),
      1796126400
    ],
    ['expiration as text', ecr({ expiration: '1796126400' }), undefined],
    ['no expiration', ecr({ payload: 'p' }), undefined],
    ['a JSON list', ecr([1796126400]), undefined],
    ['JSON null', ecr(null), undefined],
    ['not base64', 'not base64!', undefined],
    ['base64 of text that is not JSON', Buffer.from('plain').toString('base64'), undefined],
    ['an expiration no date holds', ecr({ expiration: 1e300 }), undefined]
  ])('%s', (_name, password, expected) => {
    expect(ecrExpiry(password)).toBe(expected)
  })
})

describe('an ECR-style token password', () => {
  test('warns with its expiry in UTC, never the token', () => {
    expect(expiryWarnings([registry(ecr({ payload: 'p', expiration: EXP }))], NOW)).toEqual([
      'The password from the username and password inputs (for registry-vpc.cn-hangzhou.aliyuncs.com, registry.cn-hangzhou.aliyuncs.com) is a token that expires at 2026-12-01T13:00:00Z: SAE pulls again at every instance start, so the Secret stops working then. Use a credential that does not expire, or run this step again before that time'
    ])
  })

  test('already expired: an input error naming the password input', () => {
    expect(() => expiryWarnings([registry(ecr({ expiration: NOW / 1000 - 1 }))], NOW)).toThrow(
      "Input 'password' is a token that expired at 2026-12-01T11:59:59Z"
    )
  })
})

describe('expiryWarnings', () => {
  test('a token password warns with its expiry in UTC and the domains, never the token', () => {
    const token = jwt({ exp: EXP, sub: 'robot' })
    const warnings = expiryWarnings([registry(token)], NOW)
    expect(warnings).toEqual([
      'The password from the username and password inputs (for registry-vpc.cn-hangzhou.aliyuncs.com, registry.cn-hangzhou.aliyuncs.com) is a token that expires at 2026-12-01T13:00:00Z: ' +
        'SAE pulls again at every instance start, so the Secret stops working then. Use a credential that does not expire, or run this step again before that time'
    ])
    for (const piece of token.split('.')) expect(warnings[0]).not.toContain(piece)
  })

  test('a password that is not a token: no warning', () => {
    expect(expiryWarnings([registry('a-fixed-password')], NOW)).toEqual([])
  })

  test('an expired token is an input error naming the input and the time', () => {
    expect(() => expiryWarnings([registry(jwt({ exp: NOW / 1000 - 60 }))], NOW)).toThrow(
      new InputError(
        'password',
        'is a token that expired at 2026-12-01T11:59:00Z (for registry-vpc.cn-hangzhou.aliyuncs.com, registry.cn-hangzhou.aliyuncs.com); a Secret holding it could not pull. Use a credential that does not expire'
      )
    )
  })

  test('an expired token of extra-registries names its item', () => {
    expect(() => expiryWarnings([registry(jwt({ exp: NOW / 1000 }), { kind: 'extra', item: 2 })], NOW)).toThrow(
      /^Input 'extra-registries' item 2: password is a token that expired at 2026-12-01T12:00:00Z/
    )
  })
})

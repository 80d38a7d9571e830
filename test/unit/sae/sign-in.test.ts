import { describe, expect, test } from '@jest/globals'
import { describeClaims, NO_CREDENTIALS, resolveCredentials, type CredentialDeps } from '../../../src/sae/sign-in.js'
import { ApiError } from '../../../src/sae/sdk/api-errors.js'
import { CredentialsError } from '../../../src/domain/errors.js'
import type { OidcRole } from '../../../src/domain/model.js'

const ROLE: OidcRole = {
  kind: 'oidc',
  roleArn: 'acs:ram::1:role/deploy',
  oidcProviderArn: 'acs:ram::1:oidc-provider/github',
  audience: 'sts.aliyuncs.com',
  roleSessionName: 'github-actions-1',
  durationSeconds: 900
}

/** Records the order of events, so masking can be shown to come before use. */
function deps(overrides: Partial<CredentialDeps> = {}): CredentialDeps & { events: string[] } {
  const events: string[] = []
  return {
    events,
    mask: (value) => events.push(`mask ${value}`),
    idTokenAvailable: () => true,
    getIdToken: async (audience) => {
      events.push(`token for ${audience}`)
      return 'id-token'
    },
    assumeRole: async (_role, token) => {
      events.push(`assume with ${token}`)
      return { accessKeyId: 'STS.x', accessKeySecret: 'sts-secret', securityToken: 'sts-token' }
    },
    ...overrides
  }
}

describe('resolveCredentials', () => {
  test('static keys are masked and returned', async () => {
    const d = deps()
    const key = await resolveCredentials(
      { kind: 'keys', origin: 'inputs', accessKeyId: 'LTAI', accessKeySecret: 's', securityToken: 't' },
      d
    )
    expect(key).toEqual({ accessKeyId: 'LTAI', accessKeySecret: 's', securityToken: 't' })
    expect(d.events).toEqual(['mask s', 'mask t'])
  })

  test('OIDC: the ID token is masked before STS sees it, the temporary key before it is returned', async () => {
    const d = deps()
    await expect(resolveCredentials(ROLE, d)).resolves.toEqual({
      accessKeyId: 'STS.x',
      accessKeySecret: 'sts-secret',
      securityToken: 'sts-token'
    })
    expect(d.events).toEqual([
      'token for sts.aliyuncs.com',
      'mask id-token',
      'assume with id-token',
      'mask sts-secret',
      'mask sts-token'
    ])
  })

  test('no ID-token environment: permissions advice, and no token is requested', async () => {
    const d = deps({ idTokenAvailable: () => false })
    await expect(resolveCredentials(ROLE, d)).rejects.toThrow('add `permissions: id-token: write`')
    expect(d.events).toEqual([])
  })

  test('a refusal by STS names the role, the provider and the trust policy', async () => {
    const refusal = new ApiError({
      action: 'AssumeRoleWithOIDC',
      code: 'AuthenticationFail.NoPermission',
      status: 403,
      requestId: 'R'
    })
    const d = deps({
      assumeRole: async () => {
        throw refusal
      }
    })
    const failure = resolveCredentials(ROLE, d)
    await expect(failure).rejects.toBeInstanceOf(CredentialsError)
    await expect(failure).rejects.toThrow(
      /STS refused role acs:ram::1:role\/deploy for OIDC provider acs:ram::1:oidc-provider\/github: AssumeRoleWithOIDC failed: AuthenticationFail\.NoPermission \(HTTP 403, RequestId R\).*trust policy.*oidc:aud = sts\.aliyuncs\.com/
    )
  })

  test('a retryable STS fault that outlasted the retries is passed through as it is', async () => {
    const throttled = new ApiError({ action: 'AssumeRoleWithOIDC', code: 'Throttling.User', status: 503 })
    await expect(resolveCredentials(ROLE, deps({ assumeRole: async () => Promise.reject(throttled) }))).rejects.toBe(
      throttled
    )
  })

  test('no credentials at all lists the three ways', async () => {
    await expect(resolveCredentials({ kind: 'none' }, deps())).rejects.toThrow(NO_CREDENTIALS)
  })
})

describe('describeClaims: what a trust policy tests, from the ID token', () => {
  const jwt = (claims: object) =>
    `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJl`

  test('sub, aud and iss, quoted; the signature and other claims are left out', () => {
    const token = jwt({
      sub: 'repo:octo-org/octo-repo:environment:production',
      aud: 'sts.aliyuncs.com',
      iss: 'https://token.actions.githubusercontent.com',
      jti: 'x'
    })
    expect(describeClaims(token)).toBe(
      'sub="repo:octo-org/octo-repo:environment:production", aud="sts.aliyuncs.com", iss="https://token.actions.githubusercontent.com"'
    )
  })

  test('an audience list is joined; a missing claim says so; control characters stay escaped', () => {
    expect(describeClaims(jwt({ sub: 'a\nb', aud: ['x', 'y'] }))).toBe('sub="a\\nb", aud="x,y", iss=(none)')
  })

  test('a token that is not a JWT says its claims could not be read', () => {
    expect(describeClaims('not-a-jwt')).toBe('claims that could not be read')
  })
})

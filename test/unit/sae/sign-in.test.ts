import { describe, expect, test } from '@jest/globals'
import { describeClaims, resolveCredentials, type CredentialDeps } from '../../../src/sae/sign-in.js'
import { MetadataAbsent } from '../../../src/sae/credentials/instance-role.js'
import { ApiError } from '../../../src/sae/sdk/api-errors.js'
import { CredentialsError } from '../../../src/domain/errors.js'
import type { ChainedRole, OidcRole, RrsaRole, StaticKeys } from '../../../src/domain/model.js'

const ROLE: OidcRole = {
  kind: 'oidc',
  roleArn: 'acs:ram::1:role/deploy',
  oidcProviderArn: 'acs:ram::1:oidc-provider/github',
  audience: 'sts.aliyuncs.com',
  roleSessionName: 'github-actions-1',
  durationSeconds: 900
}
const RRSA: RrsaRole = {
  kind: 'rrsa',
  roleArn: 'acs:ram::1:role/ack-runner',
  oidcProviderArn: 'acs:ram::1:oidc-provider/ack-rrsa-c0ffee',
  tokenFile: '/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token',
  roleSessionName: 'github-actions-1',
  durationSeconds: 900
}
const KEYS: StaticKeys = { kind: 'keys', origin: 'inputs', accessKeyId: 'LTAI', accessKeySecret: 's' }
const chained = (base: ChainedRole['base']): ChainedRole => ({
  kind: 'chained',
  roleArn: 'acs:ram::2:role/sae-deployer',
  roleSessionName: 'github-actions-1',
  durationSeconds: 900,
  base
})
const STS_KEY = { accessKeyId: 'STS.x', accessKeySecret: 'sts-secret', securityToken: 'sts-token' }

/** Records the order of events, so masking can be shown to come before use. */
function deps(overrides: Partial<CredentialDeps> = {}): CredentialDeps & { events: string[] } {
  const events: string[] = []
  return {
    events,
    stsHost: 'sts.aliyuncs.com',
    mask: (value) => events.push(`mask ${value}`),
    idTokenAvailable: () => true,
    getIdToken: async (audience) => {
      events.push(`token for ${audience}`)
      return 'id-token'
    },
    readToken: async (path) => {
      events.push(`read ${path}`)
      return 'rrsa-token'
    },
    assumeRoleWithToken: async (role, token) => {
      events.push(`assume ${role.roleArn} with ${token}`)
      return STS_KEY
    },
    assumeRoleWithKey: async (role, base) => {
      events.push(`assume ${role.roleArn} signed by ${base.accessKeyId}`)
      return { accessKeyId: 'STS.chained', accessKeySecret: 'chained-secret', securityToken: 'chained-token' }
    },
    instanceRole: async (roleName) => {
      events.push(`metadata for ${roleName ?? 'the attached role'}`)
      return {
        roleName: roleName ?? 'ci-runner',
        key: { accessKeyId: 'STS.instance', accessKeySecret: 'instance-secret', securityToken: 'instance-token' }
      }
    },
    ...overrides
  }
}

const refusal = (action: string, code: string, status = 403) =>
  new ApiError({ action, code, status, requestId: 'R', detail: 'No permission perform sts:AssumeRole on this Role.' })
const unreachable = (action: string) =>
  new ApiError(
    {
      action,
      code: 'NetworkError',
      advice: 'could not reach sts.aliyuncs.com: ENOTFOUND (the host name does not resolve)'
    },
    { retryable: false }
  )

describe('resolveCredentials', () => {
  test('static keys are masked and returned', async () => {
    const d = deps()
    const key = await resolveCredentials({ ...KEYS, securityToken: 't' }, d)
    expect(key).toEqual({ accessKeyId: 'LTAI', accessKeySecret: 's', securityToken: 't' })
    expect(d.events).toEqual(['mask s', 'mask t'])
  })

  test('OIDC: the ID token is masked before STS sees it, the temporary key before it is returned', async () => {
    const d = deps()
    await expect(resolveCredentials(ROLE, d)).resolves.toEqual(STS_KEY)
    expect(d.events).toEqual([
      'token for sts.aliyuncs.com',
      'mask id-token',
      'assume acs:ram::1:role/deploy with id-token',
      'mask sts-secret',
      'mask sts-token'
    ])
  })

  test('RRSA: the token file is read, masked, and exchanged for the role of ALIBABA_CLOUD_ROLE_ARN', async () => {
    const d = deps()
    await expect(resolveCredentials(RRSA, d)).resolves.toEqual(STS_KEY)
    expect(d.events).toEqual([
      `read ${RRSA.tokenFile}`,
      'mask rrsa-token',
      'assume acs:ram::1:role/ack-runner with rrsa-token',
      'mask sts-secret',
      'mask sts-token'
    ])
  })

  test('the instance role: the key from the metadata service (which masks it as it arrives)', async () => {
    const d = deps()
    await expect(resolveCredentials({ kind: 'instance-role', roleName: 'named' }, d)).resolves.toEqual({
      accessKeyId: 'STS.instance',
      accessKeySecret: 'instance-secret',
      securityToken: 'instance-token'
    })
    expect(d.events).toEqual(['metadata for named'])
  })

  test('role chaining: the base credentials sign AssumeRole, and the role’s key is masked and returned', async () => {
    for (const [base, signer] of [
      [KEYS, 'LTAI'],
      [RRSA, 'STS.x'],
      [{ kind: 'instance-role' }, 'STS.instance']
    ] as const) {
      const d = deps()
      await expect(resolveCredentials(chained(base), d)).resolves.toEqual({
        accessKeyId: 'STS.chained',
        accessKeySecret: 'chained-secret',
        securityToken: 'chained-token'
      })
      expect(d.events.slice(-3)).toEqual([
        `assume acs:ram::2:role/sae-deployer signed by ${signer}`,
        'mask chained-secret',
        'mask chained-token'
      ])
    }
  })

  test('who the calls are signed as is told where the workflow file does not say it: RRSA, the instance role, a chained role', async () => {
    const told: string[] = []
    const d = deps({ signedIn: (identity) => told.push(identity) })
    await resolveCredentials(KEYS, d)
    await resolveCredentials(ROLE, d)
    await resolveCredentials(RRSA, d)
    await resolveCredentials({ kind: 'instance-role' }, d)
    await resolveCredentials(chained({ kind: 'instance-role' }), d)
    await resolveCredentials(chained(KEYS), d)
    expect(told).toEqual([
      `the RRSA role ${RRSA.roleArn} (ALIBABA_CLOUD_OIDC_TOKEN_FILE)`,
      "the ECS instance role 'ci-runner' (metadata service)",
      "role acs:ram::2:role/sae-deployer (STS AssumeRole, signed with the ECS instance role 'ci-runner' (metadata service))",
      'role acs:ram::2:role/sae-deployer (STS AssumeRole, signed with the AccessKey LTAI (access-key-id))'
    ])
  })

  test('no ID-token environment: permissions advice, and no token is requested', async () => {
    const d = deps({ idTokenAvailable: () => false })
    await expect(resolveCredentials(ROLE, d)).rejects.toThrow('add `permissions: id-token: write`')
    expect(d.events).toEqual([])
  })

  test('a refusal by STS names the role, the provider and the trust policy', async () => {
    const d = deps({
      assumeRoleWithToken: async () => {
        throw refusal('AssumeRoleWithOIDC', 'AuthenticationFail.NoPermission')
      }
    })
    const failure = resolveCredentials(ROLE, d)
    await expect(failure).rejects.toBeInstanceOf(CredentialsError)
    await expect(failure).rejects.toThrow(
      /STS refused role acs:ram::1:role\/deploy for OIDC provider acs:ram::1:oidc-provider\/github: AssumeRoleWithOIDC failed: AuthenticationFail\.NoPermission \(HTTP 403, RequestId R\).*trust policy.*oidc:aud = sts\.aliyuncs\.com/
    )
  })

  test('STS not reached (ENOTFOUND, final) is said as such, with no word of a trust policy', async () => {
    for (const source of [ROLE, RRSA, chained(KEYS)]) {
      const d = deps({
        assumeRoleWithToken: async () => Promise.reject(unreachable('AssumeRoleWithOIDC')),
        assumeRoleWithKey: async () => Promise.reject(unreachable('AssumeRole'))
      })
      const failure = resolveCredentials(source, d)
      await expect(failure).rejects.toThrow(
        /^STS could not be reached at sts\.aliyuncs\.com to assume role acs:ram::\d:role\/[\w-]+ (with GitHub OIDC|with RRSA|\(role chaining\)): AssumeRole(WithOIDC)? failed: NetworkError \(no HTTP response\): could not reach sts\.aliyuncs\.com: ENOTFOUND \(the host name does not resolve\)\. On a runner inside a VPC \(no public DNS or egress\), set network: vpc \(STS at sts-vpc\.<region>\.aliyuncs\.com\) or sts-endpoint$/
      )
      await expect(failure).rejects.not.toThrow(/trust policy/)
    }
  })

  test('a page that is not the API is not a refusal either', async () => {
    const page = new ApiError(
      { action: 'AssumeRoleWithOIDC', code: 'NonJsonResponse', status: 404 },
      { retryable: false }
    )
    const d = deps({
      stsHost: 'sts-vpc.cn-hangzhou.aliyuncs.com',
      assumeRoleWithToken: async () => Promise.reject(page)
    })
    await expect(resolveCredentials(RRSA, d)).rejects.toThrow(
      /^STS could not be reached at sts-vpc\.cn-hangzhou\.aliyuncs\.com to assume role acs:ram::1:role\/ack-runner with RRSA: AssumeRoleWithOIDC failed: NonJsonResponse \(HTTP 404, an answer that is not the API, no RequestId\)/
    )
  })

  test('RRSA refused: the role, the provider, the token file’s claims and the service-account trust policy', async () => {
    const jwt = `e30.${Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:arc:runner', aud: 'sts.aliyuncs.com', iss: 'https://oidc-ack' })).toString('base64url')}.c2ln`
    const d = deps({
      readToken: async () => jwt,
      assumeRoleWithToken: async () => Promise.reject(refusal('AssumeRoleWithOIDC', 'AuthenticationFail.NoPermission'))
    })
    await expect(resolveCredentials(RRSA, d)).rejects.toThrow(
      `STS refused role acs:ram::1:role/ack-runner (RRSA, ALIBABA_CLOUD_ROLE_ARN) for OIDC provider acs:ram::1:oidc-provider/ack-rrsa-c0ffee: ` +
        'AssumeRoleWithOIDC failed: AuthenticationFail.NoPermission (HTTP 403, RequestId R): the role refused this OIDC token; check the role trust policy (oidc:aud, oidc:iss, oidc:sub conditions) and the OIDC provider. ' +
        `The token of ${RRSA.tokenFile} carried sub="system:serviceaccount:arc:runner", aud="sts.aliyuncs.com", iss="https://oidc-ack". ` +
        "The usual cause is the role's trust policy: it must trust the cluster's OIDC provider, with oidc:aud = sts.aliyuncs.com and oidc:sub = system:serviceaccount:<namespace>:<service account> of the runner's pod (docs/self-hosted-runners.md, RRSA)"
    )
  })

  test('AssumeRole refused: the role, who asked, STS’s own words (not SAE’s RAM advice), and the two usual causes', async () => {
    const d = deps({ assumeRoleWithKey: async () => Promise.reject(refusal('AssumeRole', 'NoPermission')) })
    await expect(resolveCredentials(chained({ kind: 'instance-role' }), d)).rejects.toThrow(
      "STS refused role acs:ram::2:role/sae-deployer (role-to-assume) to the ECS instance role 'ci-runner' (metadata service): " +
        'AssumeRole failed: NoPermission (HTTP 403, RequestId R): No permission perform sts:AssumeRole on this Role. ' +
        "The usual causes: the role's trust policy does not trust that identity (its account, RAM user or role), " +
        'or the identity may not call sts:AssumeRole on the role (a RAM policy); docs/self-hosted-runners.md, "Role chaining"'
    )
  })

  test('a retryable STS fault that outlasted the retries is passed through as it is', async () => {
    const throttled = new ApiError({ action: 'AssumeRoleWithOIDC', code: 'Throttling.User', status: 503 })
    await expect(
      resolveCredentials(ROLE, deps({ assumeRoleWithToken: async () => Promise.reject(throttled) }))
    ).rejects.toBe(throttled)
  })
})

describe('no credentials: every source tried, in order, and what the instance role found', () => {
  const TRIED =
    'access-key-id and access-key-secret (from repository secrets): not given; ' +
    'role-to-assume and oidc-provider-arn (GitHub OIDC, no stored keys): not given; ' +
    'ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (run aliyun/configure-aliyun-credentials-action before this step to export them): not set; ' +
    "RRSA, an ACK pod's identity (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE): not set; " +
    "the ECS instance's RAM role (metadata service at http://100.100.100.200): "
  const ENDING = '. Give one of them (docs/self-hosted-runners.md shows RRSA and the instance role)'

  test('nothing answers at the metadata service', async () => {
    const d = deps({ instanceRole: async () => Promise.reject(new MetadataAbsent('connecting failed: ECONNREFUSED')) })
    await expect(resolveCredentials({ kind: 'instance-role' }, d)).rejects.toThrow(
      new CredentialsError(
        `No Alibaba Cloud credentials were found. Tried, in order: ${TRIED}connecting failed: ECONNREFUSED${ENDING}`
      )
    )
  })

  test('the metadata service switched off', async () => {
    const d = deps()
    await expect(resolveCredentials({ kind: 'none' }, d)).rejects.toThrow(
      `${TRIED}skipped, ALIBABA_CLOUD_ECS_METADATA_DISABLED is true${ENDING}`
    )
    expect(d.events).toEqual([])
  })

  test('role-to-assume alone with nothing to sign AssumeRole: says it is role chaining, and that GitHub OIDC needs oidc-provider-arn', async () => {
    const d = deps({ instanceRole: async () => Promise.reject(new MetadataAbsent('connecting failed: ENETUNREACH')) })
    const failure = resolveCredentials(chained({ kind: 'instance-role' }), d)
    await expect(failure).rejects.toThrow(
      /^role-to-assume is given without oidc-provider-arn, so acs:ram::2:role\/sae-deployer is assumed with STS AssumeRole \(role chaining\), signed with other Alibaba Cloud credentials, and none were found; for GitHub OIDC, give oidc-provider-arn too\. Tried, in order: access-key-id and access-key-secret \(from repository secrets\): not given; ALIBABA_CLOUD_ACCESS_KEY_ID/
    )
    await expect(failure).rejects.toThrow(/: connecting failed: ENETUNREACH\. Give one of them/)
  })

  test('a metadata service that answered wrongly is its own error, not "no credentials"', async () => {
    const wrong = new CredentialsError("the ECS instance role 'ci-runner': the metadata service answered HTTP 500")
    await expect(
      resolveCredentials({ kind: 'instance-role' }, deps({ instanceRole: async () => Promise.reject(wrong) }))
    ).rejects.toBe(wrong)
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

  test('a payload that is JSON but no object (null, a number, a list) says so too, never throws', () => {
    for (const payload of ['null', '42', '["sub"]']) {
      const token = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(payload).toString('base64url')}.c2ln`
      expect([payload, describeClaims(token)]).toEqual([payload, 'claims that could not be read'])
    }
  })
})

// STS, as the official client sends it (the RPC form; test/unit/sae/sdk/wire-parity.test.ts compares
// the two): AssumeRoleWithOIDC for an OIDC token (GitHub's ID token, or ACK's RRSA token), and
// AssumeRole for role chaining, signed with the base credentials.
import { ApiError } from './sdk/api-errors.js'
import type { AccessKey, RoleSession } from '../domain/model.js'
import { callWithRetries, OpenApiConnection, type ApiResponse } from './sdk/openapi.js'
import { stringField } from './sdk/transport-errors.js'
import type { RetrySettings } from './sdk/retry.js'

const ASSUME_ROLE_WITH_OIDC = {
  action: 'AssumeRoleWithOIDC',
  version: '2015-04-01',
  style: 'RPC',
  method: 'POST',
  pathname: '/',
  // The OIDC token is the proof; STS takes this call unsigned.
  anonymous: true
} as const

/** Signed with the caller's key: HMAC-SHA1 RPC, with the SecurityToken among the parameters when that key is temporary. */
const ASSUME_ROLE = {
  action: 'AssumeRole',
  version: '2015-04-01',
  style: 'RPC',
  method: 'POST',
  pathname: '/'
} as const

/**
 * Exchanges an OIDC token for temporary keys. Done through the OpenAPI client rather than
 * @alicloud/credentials' OIDC provider, which sends another form (the token in a form body, as
 * read, line break included) and echoes STS's answer in its errors.
 */
export async function assumeRoleWithOidc(
  connection: OpenApiConnection,
  role: RoleSession & { oidcProviderArn: string },
  token: string,
  retry: RetrySettings
): Promise<AccessKey> {
  const response = await callWithRetries(
    connection,
    ASSUME_ROLE_WITH_OIDC,
    {
      RoleArn: role.roleArn,
      OIDCProviderArn: role.oidcProviderArn,
      OIDCToken: token,
      RoleSessionName: role.roleSessionName,
      DurationSeconds: String(role.durationSeconds)
    },
    retry
  )
  return temporaryKey(response, ASSUME_ROLE_WITH_OIDC.action)
}

/**
 * Role chaining: the connection's key (long-term, or temporary with its token) assumes `role`. As
 * @alicloud/sts20150401 sends it with `signatureAlgorithm: 'v2'` (wire-parity.test.ts).
 */
export async function assumeRole(
  connection: OpenApiConnection,
  role: RoleSession,
  retry: RetrySettings
): Promise<AccessKey> {
  const response = await callWithRetries(
    connection,
    ASSUME_ROLE,
    { RoleArn: role.roleArn, RoleSessionName: role.roleSessionName, DurationSeconds: String(role.durationSeconds) },
    retry
  )
  return temporaryKey(response, ASSUME_ROLE.action)
}

/** `Credentials { AccessKeyId, AccessKeySecret, SecurityToken }` of an STS answer. */
function temporaryKey(response: ApiResponse, action: string): AccessKey {
  const credentials = (response.body.Credentials ?? {}) as Record<string, unknown>
  const accessKeyId = stringField(credentials, 'AccessKeyId')
  const accessKeySecret = stringField(credentials, 'AccessKeySecret')
  const securityToken = stringField(credentials, 'SecurityToken')
  if (!accessKeyId || !accessKeySecret || !securityToken) {
    throw new ApiError({
      action,
      code: 'MalformedResponse',
      status: response.statusCode,
      requestId: stringField(response.body, 'RequestId'),
      detail: 'no Credentials in the answer'
    })
  }
  return { accessKeyId, accessKeySecret, securityToken }
}

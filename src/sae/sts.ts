import { ApiError } from './sdk/api-errors.js'
import type { AccessKey, OidcRole } from '../domain/model.js'
import { callWithRetries, OpenApiConnection } from './sdk/openapi.js'
import { stringField } from './sdk/transport-errors.js'
import type { RetrySettings } from './sdk/retry.js'

const ASSUME_ROLE_WITH_OIDC = {
  action: 'AssumeRoleWithOIDC',
  version: '2015-04-01',
  style: 'RPC',
  method: 'POST',
  pathname: '/',
  // The ID token is the proof; STS takes this call unsigned.
  anonymous: true
} as const

/**
 * Exchanges a GitHub ID token for temporary keys, sent as the official STS client sends it (the
 * RPC form, parameters in the query; test/unit/sae/sdk/wire-parity.test.ts compares the two). Done through the
 * OpenAPI client rather than @alicloud/credentials' OIDC provider, which reads the token only from
 * a file: the token never touches the disk this way.
 */
export async function assumeRoleWithOidc(
  connection: OpenApiConnection,
  role: OidcRole,
  idToken: string,
  retry: RetrySettings
): Promise<AccessKey> {
  const response = await callWithRetries(
    connection,
    ASSUME_ROLE_WITH_OIDC,
    {
      RoleArn: role.roleArn,
      OIDCProviderArn: role.oidcProviderArn,
      OIDCToken: idToken,
      RoleSessionName: role.roleSessionName,
      DurationSeconds: String(role.durationSeconds)
    },
    retry
  )
  const credentials = (response.body.Credentials ?? {}) as Record<string, unknown>
  const accessKeyId = stringField(credentials, 'AccessKeyId')
  const accessKeySecret = stringField(credentials, 'AccessKeySecret')
  const securityToken = stringField(credentials, 'SecurityToken')
  if (!accessKeyId || !accessKeySecret || !securityToken) {
    throw new ApiError({
      action: 'AssumeRoleWithOIDC',
      code: 'MalformedResponse',
      status: response.statusCode,
      requestId: stringField(response.body, 'RequestId'),
      detail: 'no Credentials in the answer'
    })
  }
  return { accessKeyId, accessKeySecret, securityToken }
}

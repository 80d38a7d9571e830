import { ApiError, CredentialsError } from './errors.js'
import type { CredentialSource, OidcRole } from './inputs.js'
import type { AccessKey } from './openapi.js'

export interface CredentialDeps {
  /** Registers a secret with the runner (and our redactor) before anything can print it. */
  mask(value: string): void
  /** Whether the runner offers ID tokens (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN are set). */
  idTokenAvailable(): boolean
  getIdToken(audience: string): Promise<string>
  assumeRole(role: OidcRole, idToken: string): Promise<AccessKey>
}

export const NO_CREDENTIALS =
  'No Alibaba Cloud credentials were found. Give one of: access-key-id and access-key-secret ' +
  '(from repository secrets); role-to-assume and oidc-provider-arn (GitHub OIDC, no stored keys); ' +
  'or run aliyun/configure-aliyun-credentials-action before this step to export ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET'

/** Turns the chosen credential source into a key that can sign SAE calls; every secret is masked first. */
export async function resolveCredentials(source: CredentialSource, deps: CredentialDeps): Promise<AccessKey> {
  if (source.kind === 'none') throw new CredentialsError(NO_CREDENTIALS)
  if (source.kind === 'keys') {
    deps.mask(source.accessKeySecret)
    if (source.securityToken) deps.mask(source.securityToken)
    return { accessKeyId: source.accessKeyId, accessKeySecret: source.accessKeySecret, securityToken: source.securityToken }
  }
  if (!deps.idTokenAvailable()) {
    throw new CredentialsError(
      'role-to-assume needs a GitHub ID token, but the runner offers none: add `permissions: id-token: write` ' +
        'to the job (or workflow); pull requests from forks never get one'
    )
  }
  const idToken = await deps.getIdToken(source.audience)
  deps.mask(idToken)
  let key: AccessKey
  try {
    key = await deps.assumeRole(source, idToken)
  } catch (error) {
    if (!(error instanceof ApiError) || error.retryable) throw error
    throw new CredentialsError(
      `STS refused role ${source.roleArn} for OIDC provider ${source.oidcProviderArn}: ${error.message}. ` +
        `The usual cause is the role's trust policy: it must trust that provider, with oidc:aud = ${source.audience} ` +
        `and an oidc:sub condition that matches this repository (repo:<owner>/<repo>:...)`
    )
  }
  deps.mask(key.accessKeySecret)
  if (key.securityToken) deps.mask(key.securityToken)
  return key
}

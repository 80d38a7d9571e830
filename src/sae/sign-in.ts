// Signing in: the run's credential source becomes a key that signs SAE calls (GitHub OIDC through
// STS when asked), every secret masked first, and the SAE clients that sign with it.
import { ApiError } from './sdk/api-errors.js'
import { CredentialsError } from '../domain/errors.js'
import type { AccessKey, CredentialSource, Endpoint, OidcRole } from '../domain/model.js'
import { assumeRole, saeClientFactory, type ClientSettings } from './clients.js'
import { beforeDeadline } from './sdk/retry.js'
import type { SaeSecretsClient } from './secrets-client.js'

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
    return {
      accessKeyId: source.accessKeyId,
      accessKeySecret: source.accessKeySecret,
      securityToken: source.securityToken
    }
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
        `The ID token carried ${describeClaims(idToken)}. ` +
        `The usual cause is the role's trust policy: it must trust that provider, with oidc:aud = ${source.audience} ` +
        `and an oidc:sub condition that matches the sub above (README, "GitHub OIDC")`
    )
  }
  deps.mask(key.accessKeySecret)
  if (key.securityToken) deps.mask(key.securityToken)
  return key
}

/**
 * The ID token's claims that a trust policy tests: sub, aud and iss. They name the repository,
 * ref and audience, not a secret; the token itself (its signature) stays masked.
 */
export function describeClaims(idToken: string): string {
  let claims: Record<string, unknown> = {}
  try {
    claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >
  } catch {
    return 'claims that could not be read'
  }
  const show = (name: string) => {
    const value = claims[name]
    const text = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : undefined
    return `${name}=${text === undefined ? '(none)' : JSON.stringify(text.slice(0, 200))}`
  }
  return ['sub', 'aud', 'iss'].map(show).join(', ')
}

/** Names the runner's token service (host only: its URL carries a query of the runner's) that did not answer. */
function idTokenLate(): string {
  let host = '(ACTIONS_ID_TOKEN_REQUEST_URL)'
  try {
    host = new URL(process.env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '').host
  } catch {
    // Not a URL: the variable's name says where to look.
  }
  return `the runner's ID token service ${host} did not answer within timeout-seconds`
}

export interface SignInDeps {
  settings: ClientSettings
  mask(value: string): void
  /** The runner's ID token for an audience (`core.getIDToken`). */
  getIdToken(audience: string): Promise<string>
}

/** Turns the run's credentials into a key (GitHub OIDC through STS when asked) and the SAE clients that sign with it. */
export async function signIn(
  credentials: CredentialSource,
  stsEndpoint: Endpoint,
  { settings, mask, getIdToken }: SignInDeps
): Promise<(endpoint: Endpoint) => SaeSecretsClient> {
  const key = await resolveCredentials(credentials, {
    mask,
    idTokenAvailable: () =>
      Boolean(process.env.ACTIONS_ID_TOKEN_REQUEST_URL && process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN),
    getIdToken: (audience) =>
      // The runner's token request has no timeout of its own: timeout-seconds bounds it like every call.
      beforeDeadline(getIdToken(audience), settings.retry, () => new Error(idTokenLate())).catch((error: unknown) => {
        throw new CredentialsError(
          `Could not get a GitHub ID token for audience ${audience}: ${error instanceof Error ? error.message : String(error)}`
        )
      }),
    assumeRole: (role, idToken) => assumeRole(stsEndpoint, role, idToken, settings)
  })
  return saeClientFactory(key, settings)
}

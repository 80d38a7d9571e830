// Signing in: the run's credential source becomes a key that signs SAE calls, every secret masked
// first (SPEC, Release 4, "Credentials on a runner inside Alibaba Cloud"): keys as they are; GitHub
// OIDC and RRSA through STS AssumeRoleWithOIDC; the ECS instance role from the metadata service;
// role-to-assume alone through STS AssumeRole signed with whichever of those was found.
import http from 'node:http'
import { ApiError } from './sdk/api-errors.js'
import { CredentialsError, NoCredentialsError } from '../domain/errors.js'
import { METADATA_SERVICE_ADDRESS } from '../domain/hosts.js'
import { decodedObject } from '../inputs/expiring-credentials.js'
import type { AccessKey, BaseSource, ChainedRole, CredentialSource, Endpoint, RoleSession } from '../domain/model.js'
import { assumeRoleWithKey, assumeRoleWithToken, saeClientFactory, type ClientSettings } from './clients.js'
import { fetchInstanceRole, MetadataAbsent, type InstanceRoleKey } from './credentials/instance-role.js'
import { readTokenFile } from './credentials/token-file.js'
import { beforeDeadline } from './sdk/retry.js'
import type { SaeSecretsClient } from './secrets-client.js'

export interface CredentialDeps {
  /** Registers a secret with the runner (and our redactor) before anything can print it. */
  mask(value: string): void
  /** Whether the runner offers ID tokens (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN are set). */
  idTokenAvailable(): boolean
  getIdToken(audience: string): Promise<string>
  /** RRSA's token file, read bounded and trimmed. */
  readToken(path: string): Promise<string>
  /** STS AssumeRoleWithOIDC with an OIDC token (GitHub's, or RRSA's). */
  assumeRoleWithToken(role: RoleSession & { oidcProviderArn: string }, token: string): Promise<AccessKey>
  /** STS AssumeRole signed with a base key (role chaining). */
  assumeRoleWithKey(role: RoleSession, base: AccessKey): Promise<AccessKey>
  /** The ECS instance role's key (masked as it arrives); MetadataAbsent when nothing is there. */
  instanceRole(roleName: string | undefined): Promise<InstanceRoleKey>
  /** The STS endpoint's host, for messages. */
  stsHost: string
  /** Told who the calls are signed as, where the workflow file does not say it. */
  signedIn?(identity: string): void
}

const SOURCES = [
  'access-key-id and access-key-secret (from repository secrets): not given',
  'role-to-assume and oidc-provider-arn (GitHub OIDC, no stored keys): not given',
  'ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (run aliyun/configure-aliyun-credentials-action before this step to export them): not set',
  "RRSA, an ACK pod's identity (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE): not set"
]

/**
 * The "no credentials" error: every source tried, in order, and what the last one (the ECS
 * instance role) found. With role-to-assume alone, it says that this is role chaining, which needs
 * those credentials, and that GitHub OIDC needs oidc-provider-arn.
 */
export function noCredentials(instanceRole: string, chained?: ChainedRole): NoCredentialsError {
  const [keyInputs, oidc, ...rest] = SOURCES
  const tried = chained ? [keyInputs, ...rest] : [keyInputs, oidc, ...rest]
  const opening = chained
    ? `role-to-assume is given without oidc-provider-arn, so ${chained.roleArn} is assumed with STS AssumeRole (role chaining), ` +
      'signed with other Alibaba Cloud credentials, and none were found; for GitHub OIDC, give oidc-provider-arn too. Tried, in order: '
    : 'No Alibaba Cloud credentials were found. Tried, in order: '
  return new NoCredentialsError(
    `${opening}${[...tried, `the ECS instance's RAM role (metadata service at http://${METADATA_SERVICE_ADDRESS}): ${instanceRole}`].join('; ')}. ` +
      'Give one of them (docs/self-hosted-runners.md shows RRSA and the instance role)'
  )
}

/** Turns the chosen credential source into a key that can sign SAE calls; every secret is masked first. */
export async function resolveCredentials(source: CredentialSource, deps: CredentialDeps): Promise<AccessKey> {
  if (source.kind === 'oidc') {
    if (!deps.idTokenAvailable()) {
      throw new CredentialsError(
        'role-to-assume needs a GitHub ID token, but the runner offers none: add `permissions: id-token: write` ' +
          'to the job (or workflow); pull requests from forks never get one'
      )
    }
    const idToken = await deps.getIdToken(source.audience)
    deps.mask(idToken)
    const key = await fromSts(deps, `assume role ${source.roleArn} with GitHub OIDC`, {
      call: () => deps.assumeRoleWithToken(source, idToken),
      refused: (refusal) =>
        `STS refused role ${source.roleArn} for OIDC provider ${source.oidcProviderArn}: ${refusal}. ` +
        `The ID token carried ${describeClaims(idToken)}. ` +
        `The usual cause is the role's trust policy: it must trust that provider, with oidc:aud = ${source.audience} ` +
        `and an oidc:sub condition that matches the sub above (README, "GitHub OIDC")`
    })
    return masked(key, deps)
  }
  if (source.kind !== 'chained') {
    const { key, identity } = await baseKey(source, deps)
    if (source.kind === 'rrsa' || source.kind === 'instance-role') deps.signedIn?.(identity)
    return key
  }
  const base = await baseKey(source.base, deps, source)
  const key = await fromSts(deps, `assume role ${source.roleArn} (role chaining)`, {
    call: () => deps.assumeRoleWithKey(source, base.key),
    refused: (refusal) =>
      `STS refused role ${source.roleArn} (role-to-assume) to ${base.identity}: ${refusal}. ` +
      "The usual causes: the role's trust policy does not trust that identity (its account, RAM user or role), " +
      'or the identity may not call sts:AssumeRole on the role (a RAM policy); docs/self-hosted-runners.md, "Role chaining"'
  })
  deps.signedIn?.(`role ${source.roleArn} (STS AssumeRole, signed with ${base.identity})`)
  return masked(key, deps)
}

/** A base source's key and who it is, for messages. */
async function baseKey(
  source: BaseSource,
  deps: CredentialDeps,
  chained?: ChainedRole
): Promise<{ key: AccessKey; identity: string }> {
  switch (source.kind) {
    case 'none':
      throw noCredentials('skipped, ALIBABA_CLOUD_ECS_METADATA_DISABLED is true', chained)
    case 'keys': {
      const key = masked(source, deps)
      const where = source.origin === 'inputs' ? 'access-key-id' : 'ALIBABA_CLOUD_ACCESS_KEY_ID'
      return {
        key: { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, securityToken: key.securityToken },
        identity: `the AccessKey ${source.accessKeyId} (${where})`
      }
    }
    case 'rrsa': {
      const token = await deps.readToken(source.tokenFile)
      deps.mask(token)
      const key = await fromSts(deps, `assume role ${source.roleArn} with RRSA`, {
        call: () => deps.assumeRoleWithToken(source, token),
        refused: (refusal) =>
          `STS refused role ${source.roleArn} (RRSA, ALIBABA_CLOUD_ROLE_ARN) for OIDC provider ${source.oidcProviderArn}: ${refusal}. ` +
          `The token of ${source.tokenFile} carried ${describeClaims(token)}. ` +
          "The usual cause is the role's trust policy: it must trust the cluster's OIDC provider, with oidc:aud = sts.aliyuncs.com " +
          "and oidc:sub = system:serviceaccount:<namespace>:<service account> of the runner's pod (docs/self-hosted-runners.md, RRSA)"
      })
      return { key: masked(key, deps), identity: `the RRSA role ${source.roleArn} (ALIBABA_CLOUD_OIDC_TOKEN_FILE)` }
    }
    case 'instance-role': {
      let found: InstanceRoleKey
      try {
        found = await deps.instanceRole(source.roleName)
      } catch (error) {
        if (error instanceof MetadataAbsent) throw noCredentials(error.reason, chained)
        throw error
      }
      return { key: found.key, identity: `the ECS instance role '${found.roleName}' (metadata service)` }
    }
  }
}

function masked(key: AccessKey, deps: CredentialDeps): AccessKey {
  deps.mask(key.accessKeySecret)
  if (key.securityToken) deps.mask(key.securityToken)
  return key
}

/**
 * An STS call, its failures told apart: STS refused (an answer of the API that retrying cannot
 * change: `refused` says why, with the trust-policy hint), STS could not be reached (no answer, or
 * a page that is not the API: the endpoint and the network are the question, never the trust policy),
 * or STS's own fault that outlasted the retries (as it is).
 */
async function fromSts(
  deps: CredentialDeps,
  what: string,
  { call, refused }: { call: () => Promise<AccessKey>; refused: (refusal: string) => string }
): Promise<AccessKey> {
  try {
    return await call()
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    const answered = error.status !== undefined && error.code !== 'NonJsonResponse'
    // The refusal's own words end a sentence of ours: no doubled full stop.
    if (answered && error.status! >= 400 && !error.retryable)
      throw new CredentialsError(refused(error.message.replace(/\.$/, '')))
    if (answered) throw error
    const vpc =
      deps.stsHost === 'sts.aliyuncs.com'
        ? '. On a runner inside a VPC (no public DNS or egress), set network: vpc (STS at sts-vpc.<region>.aliyuncs.com) or sts-endpoint'
        : ''
    throw new CredentialsError(`STS could not be reached at ${deps.stsHost} to ${what}: ${error.message}${vpc}`)
  }
}

/**
 * The OIDC token's claims that a trust policy tests: sub, aud and iss. They name the repository,
 * ref and audience (or the pod's service account), not a secret; the token itself (its signature) stays masked.
 */
export function describeClaims(idToken: string): string {
  const claims = decodedObject(idToken.split('.')[1] ?? '', 'base64url')
  if (!claims) return 'claims that could not be read'
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

/** Turns the run's credentials into a key (through STS or the metadata service when asked) and the SAE clients that sign with it. */
export async function signIn(
  credentials: CredentialSource,
  stsEndpoint: Endpoint,
  { settings, mask, getIdToken }: SignInDeps
): Promise<(endpoint: Endpoint) => SaeSecretsClient> {
  const key = await resolveCredentials(credentials, {
    mask,
    stsHost: stsEndpoint.host,
    signedIn: settings.onSignedIn,
    idTokenAvailable: () =>
      Boolean(process.env.ACTIONS_ID_TOKEN_REQUEST_URL && process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN),
    getIdToken: (audience) =>
      // The runner's token request has no timeout of its own: timeout-seconds bounds it like every call.
      beforeDeadline(getIdToken(audience), settings.retry, () => new Error(idTokenLate())).catch((error: unknown) => {
        throw new CredentialsError(
          `Could not get a GitHub ID token for audience ${audience}: ${error instanceof Error ? error.message : String(error)}`
        )
      }),
    readToken: readTokenFile,
    assumeRoleWithToken: (role, token) => assumeRoleWithToken(stsEndpoint, role, token, settings),
    assumeRoleWithKey: (role, base) => assumeRoleWithKey(stsEndpoint, role, base, settings),
    instanceRole: (roleName) =>
      fetchInstanceRole(roleName, {
        // The run's direct agent, closed with its connections (a fresh one without keep-alive otherwise).
        agent: settings.connections?.metadata ?? new http.Agent(),
        deadline: settings.retry.policy.deadline,
        now: () => settings.retry.clock.now(),
        mask
      })
  })
  return saeClientFactory(key, settings)
}

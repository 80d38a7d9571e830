/** A value the user gave (or left out) is wrong; `input` names it as the workflow spells it. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly problem: string
  ) {
    super(`Input '${input}' ${problem}`)
    this.name = 'InputError'
  }
}

/** What the user can do about an API error code; the code itself is always shown too. */
const EXPLANATIONS: Record<string, string> = {
  'InvalidParameter.NotEmpty': 'a required parameter is empty; check namespace-id and secret-name',
  'InvalidParameter.Obviously': 'a parameter is invalid; check namespace-id and secret-name',
  'InvalidParameter.WithMessage': 'a parameter is invalid',
  'SecretNameConflict.AlreadyExist':
    'a Secret with this name already exists in the namespace; set if-exists to skip or update to reuse it',
  'QuotaExceeded.SecretInNamespace':
    'the namespace holds as many Secrets as SAE allows; delete unused Secrets or use another namespace',
  'QuotaExceeded.SecretDataKey': 'the Secret has more data keys than SAE allows',
  'InvalidSecretType.NotAvailable': 'SAE does not accept this SecretType in this region',
  'InvalidSecretDataKey.NotFound': 'a data key does not exist in the Secret',
  'OperationFailed.RPCError': 'SAE had an internal error; it was retried, run the job again later',
  'InvalidNamespaceId.NotFound':
    'the namespace does not exist; check namespace-id (<region>:<name>) and that the credentials belong to its account',
  Throttling: 'the API throttled the requests; it was retried, run the job again later or raise max-attempts',
  'Throttling.User': 'the API throttled this account; it was retried, run the job again later or raise max-attempts',
  'Throttling.Api': 'the API throttled this operation; it was retried, run the job again later or raise max-attempts',
  ServiceUnavailable: 'the service was unavailable; it was retried, run the job again later',
  'InvalidAccessKeyId.NotFound':
    'the AccessKey ID does not exist; check access-key-id or ALIBABA_CLOUD_ACCESS_KEY_ID',
  'InvalidAccessKeyId.Inactive': 'the AccessKey is disabled; enable it or use another',
  SignatureDoesNotMatch:
    'the request signature was refused; check that access-key-secret belongs to access-key-id (and security-token, for STS keys)',
  'InvalidSecurityToken.Expired': 'the STS security token has expired; obtain a fresh one',
  'InvalidSecurityToken.Malformed': 'the STS security token is malformed; check security-token',
  'InvalidSecurityToken.MismatchWithAccessKey': 'the STS security token does not belong to this AccessKey ID',
  'Forbidden.RAM':
    'the RAM identity lacks permission; grant sae:CreateSecret, sae:UpdateSecret, sae:DescribeSecret and sae:ListSecrets',
  NoPermission:
    'the RAM identity lacks permission; grant sae:CreateSecret, sae:UpdateSecret, sae:DescribeSecret and sae:ListSecrets',
  'Forbidden.NoPermission':
    'the RAM identity lacks permission; grant sae:CreateSecret, sae:UpdateSecret, sae:DescribeSecret and sae:ListSecrets',
  'EntityNotExist.Role': 'the RAM role does not exist; check role-to-assume',
  'AuthenticationFail.NoPermission':
    'the role refused this OIDC token; check the role trust policy (oidc:aud, oidc:iss, oidc:sub conditions) and the OIDC provider',
  'AuthenticationFail.OIDCToken.Expired': 'the GitHub ID token expired before STS saw it; run the job again',
  'AuthenticationFail.OIDCToken.Invalid':
    'STS refused the GitHub ID token; check oidc-provider-arn and that the provider trusts https://token.actions.githubusercontent.com',
  'InvalidParameter.OIDCProviderArn': 'the OIDC provider ARN is invalid or unknown; check oidc-provider-arn',
  'InvalidParameter.RoleArn': 'the role ARN is invalid; check role-to-assume',
  NonJsonResponse: 'the endpoint answered with something that is not the API (a proxy page?); check endpoint',
  NetworkError: 'the endpoint could not be reached; check endpoint and the runner network',
  Timeout: 'the API did not answer within timeout-seconds',
  TlsCertificateError:
    "the endpoint's TLS certificate is not trusted (verification is never disabled); check endpoint, or NODE_EXTRA_CA_CERTS for a corporate CA"
}

const RETRYABLE_CODES = new Set([
  'OperationFailed.RPCError',
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'ServiceUnavailable',
  'InternalError',
  'NonJsonResponse',
  'NetworkError',
  'Timeout'
])

/** Retry throttling, the service's own faults and transport faults; never a request the API judged wrong. */
export function isRetryableFault(code: string, status: number | undefined): boolean {
  if (RETRYABLE_CODES.has(code) || code.startsWith('Throttling')) return true
  return status !== undefined && status >= 500
}

export function explainApiCode(code: string): string | undefined {
  return EXPLANATIONS[code]
}

export interface ApiFault {
  action: string
  code: string
  status?: number
  requestId?: string
  /** The API's own message, already redacted. */
  detail?: string
}

/** A call to SAE or STS failed after retries (or at once, when retrying could not help). */
export class ApiError extends Error {
  readonly action: string
  readonly code: string
  readonly status?: number
  readonly requestId?: string
  readonly retryable: boolean
  /** True when the request may have been applied although no answer arrived (lost response). */
  readonly maybeApplied: boolean
  /** `<action>: <code> (HTTP <status>, RequestId <id>)`, for the line that announces a retry. */
  readonly brief: string
  /** Set by the retry loop: an earlier attempt of this call may have been applied (so AlreadyExist may be our own write). */
  priorAttemptMaybeApplied = false

  constructor(fault: ApiFault, options: { maybeApplied?: boolean } = {}) {
    const where = describeWhere(fault)
    const known = explainApiCode(fault.code)
    // The API's own words help where our explanation is generic or missing.
    const advice = known
      ? fault.code.endsWith('WithMessage') && fault.detail
        ? `${known}: ${fault.detail}`
        : known
      : (fault.detail ?? 'the API gave no message')
    super(`${fault.action} failed: ${fault.code} (${where}): ${advice}`)
    this.name = 'ApiError'
    this.brief = `${fault.action}: ${fault.code} (${where})`
    this.action = fault.action
    this.code = fault.code
    this.status = fault.status
    this.requestId = fault.requestId
    this.retryable = isRetryableFault(fault.code, fault.status)
    this.maybeApplied = options.maybeApplied ?? false
  }
}

function describeWhere(fault: ApiFault): string {
  const status =
    fault.status !== undefined ? `HTTP ${fault.status}` : fault.code === 'NonJsonResponse' ? 'HTTP status unreadable' : 'no HTTP response'
  return `${status}, RequestId ${fault.requestId ?? 'none'}`
}

/** The Secret exists and `if-exists: fail` says that is an error. */
export class SecretExistsError extends Error {
  readonly code = 'SecretNameConflict.AlreadyExist'
  constructor(secretName: string, namespaceId: string, secretId?: number) {
    super(
      `Secret '${secretName}' already exists in namespace ${namespaceId}` +
        (secretId === undefined ? '' : ` (SecretId ${secretId})`) +
        ` and if-exists is 'fail'; set if-exists to skip or update, or choose another secret-name`
    )
    this.name = 'SecretExistsError'
  }
}

/** A Secret of this name exists but is not an image-pull Secret, so SAE could not use it for pulls. */
export class SecretTypeMismatchError extends Error {
  readonly code = 'SecretTypeMismatch'
  constructor(secretName: string, namespaceId: string, secretId: number, actualType: string) {
    super(
      `Secret '${secretName}' (SecretId ${secretId}) in namespace ${namespaceId} has type ${actualType}, ` +
        `not kubernetes.io/dockerconfigjson; choose another secret-name`
    )
    this.name = 'SecretTypeMismatchError'
  }
}

/** Credentials could not be obtained (OIDC environment missing, no credentials at all). */
export class CredentialsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CredentialsError'
  }
}

/** A short code for a failure, for the per-namespace line and the summary. */
export function failureCode(error: unknown): string {
  if (error instanceof ApiError || error instanceof SecretExistsError || error instanceof SecretTypeMismatchError) {
    return error.code
  }
  return error instanceof Error ? error.name : 'Error'
}

// What the action knows about the codes SAE, STS and the transport report: what each means for
// the user, and which are worth retrying (docs/sae-api.md lists where they come from); and the one
// error type of a failed call, ApiError.
import { ActionError } from '../../domain/errors.js'

const RAM_ADVICE =
  'the RAM identity lacks permission; grant sae:ListSecrets, sae:DescribeSecret, sae:CreateSecret, sae:UpdateSecret and sae:DeleteSecret (README, "RAM policy")'
const THROTTLED = 'it was retried; run the job again later or raise max-attempts'

/** What the user can do about a code; the code itself is always shown too. */
const EXPLANATIONS: Record<string, string> = {
  // SAE's documented codes for the Secret API.
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
  // Codes every Alibaba Cloud API may answer.
  Throttling: `the API throttled the requests; ${THROTTLED}`,
  'Throttling.User': `the API throttled this account; ${THROTTLED}`,
  'Throttling.Api': `the API throttled this operation; ${THROTTLED}`,
  ServiceUnavailable: 'the service was unavailable; it was retried, run the job again later',
  'InvalidAccessKeyId.NotFound': 'the AccessKey ID does not exist; check access-key-id or ALIBABA_CLOUD_ACCESS_KEY_ID',
  'InvalidAccessKeyId.Inactive': 'the AccessKey is disabled; enable it or use another',
  SignatureDoesNotMatch:
    'the request signature was refused; check that access-key-secret belongs to access-key-id (and security-token, for STS keys)',
  'InvalidSecurityToken.Expired': 'the STS security token has expired; obtain a fresh one',
  'InvalidSecurityToken.Malformed': 'the STS security token is malformed; check security-token',
  'InvalidSecurityToken.MismatchWithAccessKey': 'the STS security token does not belong to this AccessKey ID',
  'Forbidden.RAM': RAM_ADVICE,
  NoPermission: RAM_ADVICE,
  'Forbidden.NoPermission': RAM_ADVICE,
  // STS AssumeRoleWithOIDC.
  'EntityNotExist.Role': 'the RAM role does not exist; check role-to-assume',
  'EntityNotExist.OIDCProvider': 'the OIDC provider does not exist in this account; check oidc-provider-arn',
  'AuthenticationFail.NoPermission':
    'the role refused this OIDC token; check the role trust policy (oidc:aud, oidc:iss, oidc:sub conditions) and the OIDC provider',
  'AuthenticationFail.OIDCToken.Expired': 'the GitHub ID token expired before STS saw it; run the job again',
  'AuthenticationFail.OIDCToken.Invalid':
    'STS refused the GitHub ID token; check oidc-provider-arn and that the provider trusts https://token.actions.githubusercontent.com',
  'InvalidParameter.OIDCProviderArn': 'the OIDC provider ARN is invalid or unknown; check oidc-provider-arn',
  'InvalidParameter.RoleArn': 'the role ARN is invalid; check role-to-assume',
  // Answers that came, but are not what the API documents: errors, never facts.
  MalformedResponse:
    'the answer is not what the API documents (a proxy, a gateway or another service answering?); check endpoint and the runner network',
  UnexpectedAnswer:
    'the endpoint answered with a status the API never sends (a redirect is never followed: a proxy or a login page in the way?); check endpoint and the runner network',
  AnswerTooLarge:
    'the answer was larger than any the API sends, so it was not read (another service answering, or one that never ends?); check endpoint and the runner network',
  // The transport's own codes: no API answer to read.
  NonJsonResponse:
    'the endpoint answered with something that is not the API (a proxy or gateway page?); check endpoint and the runner network',
  NetworkError: 'the endpoint could not be reached; check endpoint and the runner network',
  Timeout: 'the API did not answer within timeout-seconds',
  TlsCertificateError:
    "the endpoint's TLS certificate is not trusted (verification is never disabled); check endpoint, or NODE_EXTRA_CA_CERTS for a corporate CA",
  ProxyRefused:
    'the proxy refused to connect to the endpoint; check the proxy URL and its credentials in HTTPS_PROXY, or add the host to NO_PROXY'
}

/** Faults of the moment: throttling, the service's own errors, and transport faults. */
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

/** Throttling refuses a request before the service handles it: such an answer proves nothing was applied. */
export function isThrottling(code: string): boolean {
  return code.startsWith('Throttling')
}

/** STS's calls: a RAM refusal there is about assuming the role, not about SAE's actions, and STS's own words say which. */
const STS_ACTIONS = new Set(['AssumeRole', 'AssumeRoleWithOIDC'])

export function explainApiCode(code: string, action?: string): string | undefined {
  if (action !== undefined && STS_ACTIONS.has(action) && EXPLANATIONS[code] === RAM_ADVICE) return undefined
  return EXPLANATIONS[code]
}

export interface ApiFault {
  action: string
  code: string
  status?: number
  requestId?: string
  /** The API's own message, already redacted. */
  detail?: string
  /** What to do, when the transport knows better than the code's general explanation. */
  advice?: string
}

/** A call to SAE or STS failed after retries (or at once, when retrying could not help). */
export class ApiError extends ActionError {
  readonly action: string
  readonly code: string
  readonly status?: number
  readonly requestId?: string
  readonly retryable: boolean
  /**
   * The transport's verdict on a write: its request may have reached the service and been applied
   * although no definite answer came back (a 5xx, a page that is not the API, a lost connection).
   */
  readonly mayHaveBeenApplied: boolean
  /** How long to wait before asking again, when the answer said so (a throttled call's `TimeLeft`). */
  readonly retryAfterMs?: number
  /** `<action>: <code> (HTTP <status>, RequestId <id>)`, for the line that announces a retry. */
  readonly brief: string

  constructor(
    fault: ApiFault,
    options: { mayHaveBeenApplied?: boolean; retryable?: boolean; retryAfterMs?: number } = {}
  ) {
    const where = describeWhere(fault)
    const known = explainApiCode(fault.code, fault.action)
    // The API's own words help where our explanation is generic or missing.
    const advice =
      fault.advice ??
      (known
        ? fault.code.endsWith('WithMessage') && fault.detail
          ? `${known}: ${fault.detail}`
          : known
        : (fault.detail ?? 'the API gave no message'))
    super(`${fault.action} failed: ${fault.code} (${where}): ${advice}`)
    this.name = 'ApiError'
    this.brief = `${fault.action}: ${fault.code} (${where})`
    this.action = fault.action
    this.code = fault.code
    this.status = fault.status
    this.requestId = fault.requestId
    this.retryable = options.retryable ?? isRetryableFault(fault.code, fault.status)
    this.mayHaveBeenApplied = options.mayHaveBeenApplied ?? false
    this.retryAfterMs = options.retryAfterMs
  }
}

function describeWhere(fault: ApiFault): string {
  if (fault.code === 'NonJsonResponse' && fault.status !== undefined)
    return `HTTP ${fault.status}, an answer that is not the API, no RequestId`
  if (fault.status === undefined) {
    if (fault.code === 'NonJsonResponse') return 'an answer that is not the API, no RequestId'
    return fault.code === 'ProxyRefused' ? 'the proxy answered, the API was not reached' : 'no HTTP response'
  }
  return `HTTP ${fault.status}, ${fault.requestId ? `RequestId ${fault.requestId}` : 'no RequestId'}`
}

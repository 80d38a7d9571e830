// What the action knows about the codes SAE, STS and the transport report: what each means for
// the user, and which are worth retrying. docs/sae-api.md lists where they come from.

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

export function explainApiCode(code: string): string | undefined {
  return EXPLANATIONS[code]
}

/** What the system errors of a failed connection mean, in a few words. */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS did not answer)',
  ECONNREFUSED: 'nothing listens there',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the connection was closed while sending'
}

/** Node's codes for a TLS certificate that could not be verified: never retried, never worked around. */
export function isCertificateError(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code)
}

/** `ENOTFOUND (the host name does not resolve)`; an unknown code as it is. */
export function describeSystemError(code: string): string {
  return SYSTEM_ERRORS[code] ? `${code} (${SYSTEM_ERRORS[code]})` : code
}

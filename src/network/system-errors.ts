// What Node's system errors of a failed connection mean, in a few words, for any client that
// connects (the SDK's transport and the registry checks).

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

import { describe, expect, test } from '@jest/globals'
import { describeSystemError, isCertificateError } from '../../../src/network/system-errors.js'

describe('system errors, in a few words', () => {
  test.each([
    ['ENOTFOUND', 'ENOTFOUND (the host name does not resolve)'],
    ['ECONNREFUSED', 'ECONNREFUSED (nothing listens there)'],
    ['ETIMEDOUT', 'ETIMEDOUT (the connection timed out)'],
    ['EWHATEVER', 'EWHATEVER']
  ])('%s', (code, said) => expect(describeSystemError(code)).toBe(said))

  test.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', true],
    ['CERT_HAS_EXPIRED', true],
    ['ERR_TLS_CERT_ALTNAME_INVALID', true],
    ['ERR_SSL_WRONG_VERSION_NUMBER', true],
    ['ECONNRESET', false]
  ])('%s is a certificate error: %s', (code, certificate) => expect(isCertificateError(code)).toBe(certificate))
})

import { describe, expect, test } from '@jest/globals'
import { ApiError, explainApiCode, isRetryableFault } from '../../../../src/sae/sdk/api-errors.js'

const SEED_CODES = [
  'InvalidParameter.NotEmpty',
  'InvalidParameter.Obviously',
  'InvalidParameter.WithMessage',
  'SecretNameConflict.AlreadyExist',
  'QuotaExceeded.SecretInNamespace',
  'QuotaExceeded.SecretDataKey',
  'InvalidSecretType.NotAvailable',
  'InvalidSecretDataKey.NotFound',
  'OperationFailed.RPCError',
  'InvalidNamespaceId.NotFound'
]

describe('API error codes', () => {
  test.each(SEED_CODES)('the seed code %s has an explanation', (code) => {
    expect(explainApiCode(code)).toEqual(expect.any(String))
  })

  test.each([
    ['Throttling', 400, true],
    ['Throttling.User', 503, true],
    ['Throttling.Api', 400, true],
    ['ServiceUnavailable', 503, true],
    ['OperationFailed.RPCError', 500, true],
    ['SomethingNew', 502, true],
    ['NetworkError', undefined, true],
    ['NonJsonResponse', undefined, true],
    ['InvalidParameter.Obviously', 400, false],
    ['SignatureDoesNotMatch', 400, false],
    ['InvalidAccessKeyId.NotFound', 404, false],
    ['Forbidden.RAM', 403, false],
    ['InvalidNamespaceId.NotFound', 404, false],
    ['TlsCertificateError', undefined, false]
  ])('%s (HTTP %s) retryable: %s', (code, status, retryable) => {
    expect(isRetryableFault(code, status)).toBe(retryable)
  })
})

describe('ApiError', () => {
  test('one line: action, code, status, RequestId, advice', () => {
    const error = new ApiError({ action: 'CreateSecret', code: 'Forbidden.RAM', status: 403, requestId: 'R-1' })
    expect(error.message).toBe(
      'CreateSecret failed: Forbidden.RAM (HTTP 403, RequestId R-1): the RAM identity lacks permission; grant sae:ListSecrets, sae:DescribeSecret, sae:CreateSecret, sae:UpdateSecret and sae:DeleteSecret (README, "RAM policy")'
    )
    expect(error.brief).toBe('CreateSecret: Forbidden.RAM (HTTP 403, RequestId R-1)')
  })

  test('an unknown code shows the API message; a known WithMessage code adds it to the advice', () => {
    expect(new ApiError({ action: 'A', code: 'New.Code', status: 400, detail: 'what went wrong' }).message).toBe(
      'A failed: New.Code (HTTP 400, no RequestId): what went wrong'
    )
    expect(
      new ApiError({ action: 'A', code: 'InvalidParameter.WithMessage', status: 400, detail: 'SecretName too long' })
        .message
    ).toContain('a parameter is invalid: SecretName too long')
  })

  test('says when no response came, and never "RequestId none"', () => {
    expect(new ApiError({ action: 'A', code: 'NetworkError' }).message).toContain('(no HTTP response)')
    expect(new ApiError({ action: 'A', code: 'NonJsonResponse' }).message).toContain(
      '(an answer that is not the API, no RequestId)'
    )
    for (const fault of [{ code: 'NetworkError' }, { code: 'X', status: 502 }, { code: 'NonJsonResponse' }]) {
      expect(new ApiError({ action: 'A', ...fault }).message).not.toContain('RequestId none')
    }
  })
})

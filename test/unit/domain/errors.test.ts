import { expect, test } from '@jest/globals'
import { ActionError, InputError } from '../../../src/domain/errors.js'
import { failureCode } from '../../../src/report/results.js'

class NamedFailure extends ActionError {
  readonly code = 'Named.Code'
}

test('errors name what the user must fix', () => {
  expect(new InputError('if-exists', 'must be skip, update or fail').message).toBe(
    "Input 'if-exists' must be skip, update or fail"
  )
  expect(failureCode(new NamedFailure('x'))).toBe('Named.Code')
  expect(failureCode(new TypeError('x'))).toBe('TypeError')
})

import { describe, expect, test } from '@jest/globals'
import { Redactor, secretForms } from '../src/redaction.js'

describe('Redactor', () => {
  const secret = 'p@ss "w/ord"+ü'

  test.each([
    ['raw', secret],
    ['URL-encoded', encodeURIComponent(secret)],
    ['double URL-encoded', encodeURIComponent(encodeURIComponent(secret))],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['double JSON-escaped', JSON.stringify(JSON.stringify(secret).slice(1, -1)).slice(1, -1)],
    ['base64', Buffer.from(secret).toString('base64')]
  ])('removes the %s form', (_form, text) => {
    const redactor = new Redactor()
    redactor.register(secret)
    expect(redactor.redact(`before ${text} after`)).toBe('before *** after')
  })

  test('returns only new forms, for the runner mask list', () => {
    const redactor = new Redactor()
    expect(redactor.register(secret)).toEqual(secretForms(secret))
    expect(redactor.register(secret)).toEqual([])
    expect(redactor.register('')).toEqual([])
  })

  test('leaves text without secrets alone', () => {
    const redactor = new Redactor()
    redactor.register('hunter2')
    expect(redactor.redact('CreateSecret failed: Throttling.User (HTTP 503)')).toBe('CreateSecret failed: Throttling.User (HTTP 503)')
  })
})

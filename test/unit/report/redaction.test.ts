import { describe, expect, test } from '@jest/globals'
import { Redactor, secretForms } from '../../../src/report/redaction.js'

// Every expected form is written out (worked out by hand and with Python's urllib, json and base64),
// never produced by secretForms itself.
const SECRET = 'p@ss "w/ord"+ü'
const FORMS = [
  'p@ss "w/ord"+ü',
  'p%40ss%20%22w%2Ford%22%2B%C3%BC',
  'p%2540ss%2520%2522w%252Ford%2522%252B%25C3%25BC',
  'p%40ss+%22w%2Ford%22%2B%C3%BC',
  'p@ss \\"w/ord\\"+ü',
  'p@ss \\\\\\"w/ord\\\\\\"+ü',
  'p%40ss%20%5C%22w%2Ford%5C%22%2B%C3%BC',
  'p%40ss%20%5C%5C%5C%22w%2Ford%5C%5C%5C%22%2B%C3%BC',
  'cEBzcyAidy9vcmQiK8O8'
]

describe('secretForms', () => {
  test('every form a secret travels in: raw, URL-encoded (once, twice, with + for spaces), JSON-escaped (once, twice, and URL-encoded), base64 of its UTF-8', () => {
    expect(secretForms(SECRET)).toEqual(FORMS)
  })

  test('forms that coincide are given once', () => {
    expect(secretForms('pass')).toEqual(['pass', 'cGFzcw=='])
  })

  test('an empty secret has no forms: an empty mask would star every character', () => {
    expect(secretForms('')).toEqual([])
  })
})

describe('Redactor', () => {
  test.each([
    ['raw', FORMS[0]],
    ['URL-encoded', FORMS[1]],
    ['double URL-encoded', FORMS[2]],
    ['URL-encoded with + for spaces', FORMS[3]],
    ['JSON-escaped', FORMS[4]],
    ['double JSON-escaped', FORMS[5]],
    ['JSON-escaped, then URL-encoded', FORMS[6]],
    ['double JSON-escaped, then URL-encoded', FORMS[7]],
    ['base64', FORMS[8]]
  ])('removes the %s form', (_form, text) => {
    const redactor = new Redactor()
    redactor.register(SECRET)
    expect(redactor.redact(`before ${text} after`)).toBe('before *** after')
  })

  test('a secret that contains another, registered after it, is removed whole, in every form: no fragment of either is left', () => {
    const redactor = new Redactor()
    redactor.register('p@ss')
    redactor.register('old p@ss')
    const text =
      'raw=old p@ss url=old%20p%40ss plus=old+p%40ss twice=old%2520p%2540ss b64=b2xkIHBAc3M= short=p@ss p%40ss p%2540ss cEBzcw=='
    expect(redactor.redact(text)).toBe('raw=*** url=*** plus=*** twice=*** b64=*** short=*** *** *** ***')
  })

  test('returns only new forms, for the runner mask list', () => {
    const redactor = new Redactor()
    expect(redactor.register(SECRET)).toEqual(FORMS)
    expect(redactor.register(SECRET)).toEqual([])
  })

  test('a form that another secret already registered is not returned again', () => {
    const redactor = new Redactor()
    expect(redactor.register('a+b')).toEqual(['a+b', 'a%2Bb', 'a%252Bb', 'YSti'])
    // 'a b' URL-encoded with + for its space is 'a+b', already masked.
    expect(redactor.register('a b')).toEqual(['a b', 'a%20b', 'a%2520b', 'YSBi'])
  })

  test.each([[''], [undefined]])('registering %j adds nothing and removes nothing', (value) => {
    const redactor = new Redactor()
    expect(redactor.register(value)).toEqual([])
    expect(redactor.redact('CreateSecret failed')).toBe('CreateSecret failed')
  })

  test('a secret of white space is registered only in the forms that show something (the runner refuses a blank mask)', () => {
    const redactor = new Redactor()
    expect(redactor.register('\n')).toEqual(['%0A', '%250A', '\\n', '\\\\n', '%5Cn', '%5C%5Cn', 'Cg=='])
    expect(redactor.redact('line one\nline two')).toBe('line one\nline two')
  })

  test('leaves text without secrets alone', () => {
    const redactor = new Redactor()
    redactor.register('hunter2')
    expect(redactor.redact('CreateSecret failed: Throttling.User (HTTP 503)')).toBe(
      'CreateSecret failed: Throttling.User (HTTP 503)'
    )
  })
})

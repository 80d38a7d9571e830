import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { readAsRunner } from '../../../devkit/harness/runner-model.mjs'
import { inert } from '../../../src/report/inert.js'

// Each expected line is written out by hand.
describe('inert: what the runner could read as a command is shown as text', () => {
  test.each([
    [
      'a legacy command inside a line',
      'key 127.0.0.1:5000/##[stop-commands]pwn',
      'key 127.0.0.1:5000/## [stop-commands]pwn'
    ],
    ['every legacy marker', '##[error]a ##[warning]b', '## [error]a ## [warning]b'],
    ['a marker after a #', '###[x', '### [x'],
    ['a V2 command at the start', '::stop-commands::x', ': :stop-commands::x'],
    ['a V2 command after leading spaces', '  ::error::x', '  : :error::x'],
    ['after a no-break space and an ideographic space', '\u00a0\u3000::add-mask::x', '\u00a0\u3000: :add-mask::x'],
    ['a LF that would start a line of its own', 'a\n::stop-commands::x', 'a\\n::stop-commands::x'],
    ['a lone CR, which also ends a line for the runner', 'a\r::x::', 'a\\r::x::'],
    ['a tab', 'a\tb', 'a\\tb'],
    ['an ANSI escape', '\u001b[1A\u001b[2K\u001b[32mok\u001b[0m', '\\u001b[1A\\u001b[2K\\u001b[32mok\\u001b[0m'],
    ['a C1 control: CSI, and NEL', 'a\u009b2Kb\u0085c', 'a\\u009b2Kb\\u0085c'],
    ['NUL and DEL', 'a\u0000b\u007f', 'a\\u0000b\\u007f'],
    ['the line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['a soft hyphen between the #s, which a culture-sensitive search skips', '#\u00ad#[error]x', '#\\u00ad#[error]x'],
    [
      'ignorable marks that are not format characters: a grapheme joiner, a variation selector, a Hangul filler',
      '#\u034f#[x#\ufe0f#[y\u3164',
      '#\\u034f#[x#\\ufe0f#[y\\u3164'
    ],
    ['zero-width and byte-order marks', '\u200b::\ufeff', '\\u200b::\\ufeff'],
    ['a format character beyond the first plane', 'a\u{e0001}b', 'a\\u{e0001}b'],
    ['a lone surrogate', 'a\ud800b', 'a\\ud800b'],
    ['an escaped marker at the start of a line with a CR inside it', '\r::x', '\\r::x']
  ])('%s', (_what, text, shown) => {
    expect(inert(text)).toBe(shown)
  })

  test.each([
    ['a line of our own', "cn-hangzhou:prod: Secret 'registry-auth' created (SecretId 16)"],
    ['`::` inside a line', 'Registry login accepted by [::1]:5000 (Basic)'],
    ['a # and a [ apart', '# [x] ## x [y'],
    ['non-ASCII letters and emoji', 'Bücher ✓ 🚀 名前'],
    ['an empty line', '']
  ])('leaves %s as it is', (_what, text) => {
    expect(inert(text)).toBe(text)
  })
})

/** Pieces that make the runner act, mixed with any text: the search finds more than random strings would. */
const PIECES = [
  '##[',
  '#',
  '[',
  ']',
  '::',
  ':',
  ' ',
  '\u00a0',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\u0085',
  '\u2028',
  '\u001b[',
  '\u009b',
  '\u00ad',
  '\u200b',
  '%0A',
  '%25',
  'stop-commands',
  'add-mask',
  'error',
  'warning',
  'set-output name=x',
  'echo',
  'on'
]
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 24 })
  .map((parts) => parts.join(''))

describe('for any text (property)', () => {
  test('the runner reads no command in it, it stays one line, and the line it shows holds no control character', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const read = readAsRunner(`${inert(text)}\n`)
        expect(read.commands).toEqual([])
        expect(read.stops).toEqual([])
        expect(read.lines).toHaveLength(1)
        expect(read.visible).toHaveLength(1)
        expect(read.visible[0]).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u)
      }),
      { numRuns: 2000 }
    )
  })

  test('the runner reads no command even after commands were stopped with a token the text spells', () => {
    fc.assert(
      fc.property(hostile, fc.stringMatching(/^[a-z]{7,12}$/), (text, token) => {
        const read = readAsRunner(`::stop-commands::${token}\n${inert(`##[${token}]${text}::${token}::`)}\n`)
        expect(read.commands.map((command) => command.command)).toEqual(['stop-commands'])
      })
    )
  })

  test('it is idempotent: inert text is left as it is', () => {
    fc.assert(fc.property(hostile, (text) => expect(inert(inert(text))).toBe(inert(text))))
  })

  test('text without anything the runner or a terminal acts on is unchanged', () => {
    const plain = fc
      .string({ unit: 'grapheme', maxLength: 40 })
      .filter((text) => !/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]|##\[|^\p{Zs}*::/u.test(text))
    fc.assert(fc.property(plain, (text) => expect(inert(text)).toBe(text)))
  })
})

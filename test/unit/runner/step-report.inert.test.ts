// The step's one way out to the runner, read back as the runner reads it (the harness's runner
// model): whatever text from outside a line carries, and whatever a stored Secret holds, the runner
// sees only the action's own commands and no secret after masking.
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals'
import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readAsRunner } from '../../../devkit/harness/runner-model.mjs'
import { StepReport } from '../../../src/runner/step-report.js'

let written: string[]
let work: string
beforeEach(() => {
  written = []
  // Outputs go to their file, as on a runner; no summary.
  work = mkdtempSync(join(tmpdir(), 'step-report-'))
  writeFileSync(join(work, 'output'), '')
  process.env.GITHUB_OUTPUT = join(work, 'output')
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk))
    return true
  })
})
afterEach(() => {
  jest.restoreAllMocks()
  process.exitCode = undefined
  delete process.env.GITHUB_OUTPUT
  rmSync(work, { recursive: true, force: true })
})

/** What the runner made of everything written since the test began (debug lines shown; the runner's own echo of commands, `::add-mask::***`, left out). */
function runnerRead() {
  const read = readAsRunner(written.join(''), { stepDebug: true, echo: false })
  return { ...read, names: read.commands.map((command) => `${command.form} ${command.command}`) }
}

const PIECES = [
  '##[',
  '##[stop-commands]',
  '::',
  '::stop-commands::',
  '::add-mask::',
  '\r',
  '\n',
  '\u001b[2K',
  '%0A',
  ' '
]
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'binary', maxLength: 10 })), { maxLength: 12 })
  .map((parts) => parts.join(''))
/** A secret the runner can mask: not blank (the runner refuses a blank mask). */
const secret = hostile.filter((value) => value.trim() !== '')

describe('every line goes out inert and redacted', () => {
  test('a stored key that commands the runner is shown as text, and the masks after it still work', () => {
    const report = new StepReport()
    report.say([
      {
        level: 'info',
        text: 'Registry login accepted by 127.0.0.1:5000 (Basic) (it stands for 127.0.0.1:5000/##[stop-commands]pwn)'
      }
    ])
    report.mask('later-s3cret')
    report.say([{ level: 'warning', text: 'drift: later-s3cret\n::stop-commands::x' }])
    expect(written.join('')).toBe(
      'Registry login accepted by 127.0.0.1:5000 (Basic) (it stands for 127.0.0.1:5000/## [stop-commands]pwn)\n' +
        '::add-mask::later-s3cret\n' +
        '::add-mask::bGF0ZXItczNjcmV0\n' +
        '::warning::drift: ***\\n::stop-commands::x\n'
    )
    expect(runnerRead().names).toEqual(['v2 add-mask', 'v2 add-mask', 'v2 warning'])
  })

  test('debug lines and the error line too', async () => {
    const report = new StepReport()
    report.clientHooks(4).debug('RequestId ##[stop-commands]rid')
    await report.failure(new Error('\u001b[31m::error::forged'))
    expect(written.filter((line) => !line.startsWith('::add-mask::'))).toEqual([
      '::debug::RequestId ## [stop-commands]rid\n',
      '::error::Unexpected error (please report it): \\u001b[31m::error::forged\n'
    ])
  })
})

describe('for any text from outside and any secrets (property)', () => {
  test('the runner reads only the add-masks, debug, warning and error lines it was given, and shows no secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(secret, { maxLength: 4 }),
        fc.array(fc.tuple(fc.constantFrom('info', 'warning', 'debug'), hostile, fc.nat()), { maxLength: 6 }),
        hostile,
        async (secrets, lines, failure) => {
          written = []
          const report = new StepReport()
          for (const value of secrets) report.mask(value)
          const debug = report.clientHooks(4).debug
          for (const [level, text, at] of lines) {
            // Outside text that carries a secret somewhere in it.
            const withSecret = secrets.length > 0 ? `${text}${secrets[at % secrets.length]}${text}` : text
            if (level === 'debug') debug(withSecret)
            else report.say([{ level: level as 'info' | 'warning', text: withSecret }])
          }
          await report.failure(new Error(`${failure}${secrets[0] ?? ''}`))
          const read = runnerRead()
          expect(read.stops).toEqual([])
          expect(read.ignored).toEqual([])
          expect(read.commands.every((command) => command.form === 'v2')).toBe(true)
          expect(new Set(read.commands.map((command) => command.command))).toEqual(
            new Set([
              ...(secrets.length > 0 ? ['add-mask'] : []),
              ...(lines.some(([l]) => l === 'debug') ? ['debug'] : []),
              ...(lines.some(([l]) => l === 'warning') ? ['warning'] : []),
              'error'
            ])
          )
          for (const value of secrets) expect(read.visible.filter((line) => line.includes(value))).toEqual([])
        }
      ),
      { numRuns: 300 }
    )
  })

  test('a stored Secret of any content: masked first, then its keys and user names in lines, and none of its credentials shows', () => {
    const entry = fc.record({ username: hostile, password: secret, auth: hostile }, { requiredKeys: ['password'] })
    fc.assert(
      fc.property(fc.dictionary(hostile, entry, { maxKeys: 6 }), (auths) => {
        written = []
        const report = new StepReport()
        const stored = Buffer.from(JSON.stringify({ auths })).toString('base64')
        report.maskStored(stored)
        for (const [key, fields] of Object.entries(auths))
          report.say([
            { level: 'info', text: `Registry login accepted by ${key} as ${fields.username ?? ''}` },
            { level: 'warning', text: `Could not verify ${key}: ${fields.password}` }
          ])
        const read = runnerRead()
        expect(read.stops).toEqual([])
        expect(read.ignored).toEqual([])
        expect(new Set(read.commands.map((command) => `${command.form} ${command.command}`))).toEqual(
          new Set(Object.keys(auths).length > 0 ? ['v2 add-mask', 'v2 warning'] : ['v2 add-mask'])
        )
        for (const { password } of Object.values(auths))
          expect(read.visible.filter((line) => line.includes(password))).toEqual([])
      }),
      { numRuns: 300 }
    )
  })
})

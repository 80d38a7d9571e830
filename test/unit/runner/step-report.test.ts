// step-report.ts, the adapter that writes what the step says to the runner: the exact lines
// @actions/core puts on stdout (info lines raw, warnings and masks as workflow commands), each
// redacted once a secret is masked; nothing from the registry checks after the step has finished;
// and a step output the runner cannot take named as the runner's fault. What the lines say is
// report/'s, tested in test/unit/report/.
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { EOL, tmpdir } from 'node:os'
import { join } from 'node:path'
import { RunnerEnvironmentError } from '../../../src/domain/errors.js'
import { RegistryCheckError, type CheckVerdicts } from '../../../src/registry/checks.js'
import { setOutput, StepReport } from '../../../src/runner/step-report.js'
import type { NamespacePlan } from '../../../src/secret/plan.js'
import { inputsOf } from '../report/support/outcomes.js'

const SECRET = 'open sesame'
/** A real run's inputs (not a dry run), for outcomes(). */
const RUN = inputsOf()
/** What the runner is told to mask for it: each form, `%` escaped as workflow commands escape it. */
const SECRET_MASKS = [
  '::add-mask::open sesame',
  '::add-mask::open%2520sesame',
  '::add-mask::open%252520sesame',
  '::add-mask::open+sesame',
  '::add-mask::b3BlbiBzZXNhbWU='
]

let written: string[]
let work: string
const saved = { GITHUB_OUTPUT: process.env.GITHUB_OUTPUT, GITHUB_STEP_SUMMARY: process.env.GITHUB_STEP_SUMMARY }

beforeEach(() => {
  written = []
  work = mkdtempSync(join(tmpdir(), 'step-report-'))
  process.env.GITHUB_OUTPUT = join(work, 'output')
  writeFileSync(process.env.GITHUB_OUTPUT, '')
  delete process.env.GITHUB_STEP_SUMMARY
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk))
    return true
  })
})

afterEach(() => {
  jest.restoreAllMocks()
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  rmSync(work, { recursive: true, force: true })
})

/** What reached stdout, line by line. */
const printed = () => written.join('').split(EOL).slice(0, -1)

describe('say', () => {
  test('info lines are written as they are, warnings as ::warning:: commands, in their order', () => {
    new StepReport().say([
      { level: 'info', text: 'Registry login accepted by r (Basic)' },
      { level: 'warning', text: 'Could not verify the registry login for s' },
      { level: 'info', text: 'cn-hangzhou:prod: created' }
    ])
    expect(printed()).toEqual([
      'Registry login accepted by r (Basic)',
      '::warning::Could not verify the registry login for s',
      'cn-hangzhou:prod: created'
    ])
  })
})

describe('mask', () => {
  test('registers each form a secret could take in a log with ::add-mask::', () => {
    new StepReport().mask(SECRET)
    expect(printed()).toEqual(SECRET_MASKS)
  })

  test('a secret masked again adds no line; an empty or absent one none at all', () => {
    const report = new StepReport()
    report.mask(SECRET)
    written = []
    report.mask(SECRET)
    report.mask('')
    report.mask(undefined)
    expect(printed()).toEqual([])
  })

  test('every line written after mask is redacted, whatever form the secret takes in it', () => {
    const report = new StepReport()
    report.mask(SECRET)
    written = []
    report.say([
      { level: 'info', text: 'logging in with open sesame' },
      { level: 'warning', text: 'sent as open%20sesame in the query' }
    ])
    report.clientHooks(4).debug('Authorization: Basic b3BlbiBzZXNhbWU=')
    expect(printed()).toEqual([
      'logging in with ***',
      '::warning::sent as *** in the query',
      '::debug::Authorization: Basic ***'
    ])
  })
})

describe('checks', () => {
  const verdicts = { passed: ['Registry login accepted by r (Basic)'], warnings: ['Could not verify s'] }

  test('while the step runs: what was proved, then what could not be checked; the verdicts are handed on', () => {
    expect(new StepReport().checks(verdicts)).toBe(verdicts)
    expect(printed()).toEqual(['Registry login accepted by r (Basic)', '::warning::Could not verify s'])
  })

  test('once the step has finished: nothing is said, the verdicts are still handed on', async () => {
    const report = new StepReport()
    await report.outcomes(RUN, [], [], { passed: [], warnings: [] })
    written = []
    expect(report.checks(verdicts)).toBe(verdicts)
    expect(printed()).toEqual([])
  })
})

describe("a namespace's outcome line", () => {
  const plan = {
    namespaceId: 'cn-a:x',
    secretName: 'registry-auth',
    state: 'present',
    domains: ['r']
  } as unknown as NamespacePlan
  const left = { secretId: 16, result: 'skipped' as const, relatedApps: [] }

  test('waits for the registry checks to say their verdict, then follows it', async () => {
    let verdict!: (verdicts: CheckVerdicts) => void
    const report = new StepReport()
    const checks = new Promise<CheckVerdicts>((resolve) => (verdict = resolve)).then(report.checks)
    report.provisioned(checks)(plan, left)
    await new Promise((resolve) => setImmediate(resolve))
    expect(printed()).toEqual([])
    verdict({ passed: ['Image r/shop/web:1 can be pulled'], warnings: [] })
    await report.outcomes(RUN, [plan], [{ namespaceId: 'cn-a:x', outcome: { ok: true, value: left } }], await checks)
    expect(printed()).toEqual([
      'Image r/shop/web:1 can be pulled',
      "cn-a:x: Secret 'registry-auth' skipped (SecretId 16)"
    ])
  })

  test("with a refusal: the error line first, then what it did to the namespace; nothing of the namespace's own success", async () => {
    const refusal = new RegistryCheckError([{ kind: 'missing', image: 'r/shop/web:9', host: 'r', how: 'HTTP 404' }])
    const report = new StepReport()
    const checks = Promise.resolve<CheckVerdicts>({ passed: [], warnings: [], error: refusal }).then(report.checks)
    report.provisioned(checks)(plan, left)
    await report.outcomes(RUN, [plan], [{ namespaceId: 'cn-a:x', outcome: { ok: true, value: left } }], await checks)
    expect(printed()).toEqual([
      `::error::${refusal.message}`,
      "cn-a:x: failed: ImageNotPullable (the error above); Secret 'registry-auth' (SecretId 16) was left as it is"
    ])
    process.exitCode = undefined
  })
})

describe('the job summary', () => {
  test('lists every warning the step wrote, as the log shows it (redacted and inert), and nothing else it said', async () => {
    process.env.GITHUB_STEP_SUMMARY = join(work, 'summary')
    writeFileSync(process.env.GITHUB_STEP_SUMMARY, '')
    const report = new StepReport()
    report.mask(SECRET)
    report.say([
      { level: 'info', text: 'Registry login accepted by r (Basic)' },
      { level: 'warning', text: 'Could not check image r/shop/web:1 with open sesame' },
      { level: 'warning', text: '::stop-commands::x' }
    ])
    report.checks({ passed: [], warnings: ['Could not verify the registry login for s'] })
    await report.outcomes(RUN, [], [], { passed: [], warnings: [] })
    const summary = readFileSync(process.env.GITHUB_STEP_SUMMARY, 'utf8')
    expect(summary).not.toContain('Registry login accepted')
    expect(summary.split('\n').slice(-6)).toEqual([
      '3 warnings of this run (also in the log):',
      '',
      '- Could not check image r/shop/web:1 with \\*\\*\\*',
      '- : :stop-commands::x',
      '- Could not verify the registry login for s',
      ''
    ])
  })
})

describe('setOutput', () => {
  test('appends the output to the file GITHUB_OUTPUT names, and prints nothing', () => {
    setOutput('secret-id', '16')
    expect(readFileSync(join(work, 'output'), 'utf8')).toMatch(
      /^secret-id<<(ghadelimiter_[0-9a-f-]{36})\r?\n16\r?\n\1\r?\n$/
    )
    expect(printed()).toEqual([])
  })

  test('a GITHUB_OUTPUT in a directory that does not exist: a RunnerEnvironmentError naming the output and GITHUB_OUTPUT', () => {
    const missing = join(work, 'no-such-directory', 'output')
    process.env.GITHUB_OUTPUT = missing
    let failure: unknown
    try {
      setOutput('results', '{}')
    } catch (error) {
      failure = error
    }
    expect(failure).toBeInstanceOf(RunnerEnvironmentError)
    expect((failure as RunnerEnvironmentError).message).toBe(
      `Could not set the step output results: Missing file at path: ${missing} (GITHUB_OUTPUT must name a writable file)`
    )
    expect(printed()).toEqual([])
  })
})

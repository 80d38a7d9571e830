// The harness's model of how the GitHub Actions runner reads a step's output
// (devkit/harness/runner-model.mjs), held to the runner's own test cases, carried as data with the
// commit they come from (test/fixtures/runner-cases.json): command parsing (V2 and legacy),
// ValidateLinesAndColumns, the command manager (stop-commands, echo, add-mask, set-output...), the
// secret masker with the runner's encodings, the output manager; and cases derived from the runner's
// code, each citing it. runAction reads every run's stdout through this model.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../devkit/harness/action-runner.mjs'
import {
  readAsRunner,
  RUNNER_COMMIT,
  SecretMasker,
  StepModel,
  tryParseLegacy,
  tryParseV2,
  validateLinesAndColumns
} from '../../devkit/harness/runner-model.mjs'

interface Cases {
  runner: { repository: string; commit: string }
  parse: Array<{
    source: string
    fn: 'v2' | 'legacy'
    registered: string[]
    message: string
    expect: null | { command: string; properties: Record<string, string>; data: string }
  }>
  validateLinesAndColumns: Array<{
    message: string
    registered: string[]
    before: Expectation
    after: Expectation
  }>
  manager: Array<{
    source: string
    options?: Record<string, unknown>
    steps: Array<{
      op?: 'enablePluginInternalCommand' | 'disablePluginInternalCommand'
      line?: string
      throws?: boolean
      processed?: boolean
      echo?: boolean
      failed?: boolean
      mask?: string
      expect?: string
      outputs?: Record<string, string>
      state?: Record<string, string>
    }>
  }>
  masker: Array<{ source: string; add: string[]; masked: Array<[string, string]> }>
  outputManager: Array<{
    source: string
    lines: string[]
    visibleCount: number
    contains?: string[]
    lacks?: string[]
    equals?: string[]
  }>
  derived: Array<{ what: string; stdout: string; options?: Record<string, unknown>; expect: Record<string, unknown> }>
  excluded: Array<{ source: string; why: string }>
}
interface PropertyMap {
  get(key: string): unknown
  has(key: string): boolean
}
interface Annotation {
  type: string
  message: string
  properties: unknown
  kept: boolean
}
interface Expectation {
  has?: Record<string, string>
  lacks?: string[]
  same?: Array<[string, string]>
}

const cases = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'runner-cases.json'), 'utf8')) as Cases
const sorted = (object: Record<string, string>) => Object.fromEntries(Object.entries(object).sort())

test('the cases and the model come from the same runner commit, and every case group is there', () => {
  expect(cases.runner).toMatchObject({ repository: 'actions/runner', commit: RUNNER_COMMIT })
  expect(
    [cases.parse, cases.validateLinesAndColumns, cases.manager, cases.masker, cases.outputManager, cases.derived].map(
      (group) => group.length
    )
  ).toEqual([14, 9, 20, 9, 4, 15])
  expect(cases.excluded.map((excluded) => excluded.why.length > 0)).toEqual([true, true, true, true])
})

describe('parsing (ActionCommandL0 CommandParserTest, CommandParserV2Test)', () => {
  test.each(cases.parse.map((c) => [`${c.fn} ${JSON.stringify(c.message)}`, c] as const))('%s', (_name, c) => {
    const parsed = (c.fn === 'v2' ? tryParseV2 : tryParseLegacy)(c.message, new Set(c.registered))
    if (c.expect === null) expect(parsed).toBeNull()
    else
      expect(parsed && { command: parsed.command, properties: sorted(parsed.properties), data: parsed.data }).toEqual({
        ...c.expect,
        properties: sorted(c.expect.properties)
      })
  })
})

describe('ValidateLinesAndColumns (ActionCommandManagerL0 IssueCommandInvalidColumns)', () => {
  const check = (properties: PropertyMap, expectation: Expectation) => {
    for (const [key, value] of Object.entries(expectation.has ?? {}))
      expect([key, properties.get(key)]).toEqual([key, value])
    for (const key of expectation.lacks ?? []) expect([key, properties.has(key)]).toEqual([key, false])
    for (const [a, b] of expectation.same ?? []) expect(properties.get(a)).toBe(properties.get(b))
  }
  test.each(cases.validateLinesAndColumns.map((c) => [c.message, c] as const))('%s', (_name, c) => {
    const parsed = tryParseV2(c.message, new Set(c.registered)) as unknown as { propertyMap: PropertyMap }
    check(parsed.propertyMap, c.before)
    validateLinesAndColumns(parsed.propertyMap)
    check(parsed.propertyMap, c.after)
  })
})

describe('the command manager (ActionCommandManagerL0)', () => {
  test.each(cases.manager.map((c, index) => [`${index + 1}: ${c.source}`, c] as const))('%s', (_name, c) => {
    const step = new StepModel(c.options ?? {})
    c.steps.forEach((s, index) => {
      if (s.op) step[s.op]()
      if (s.line !== undefined) {
        step.lineNo++
        let processed: boolean | undefined
        let threw = false
        try {
          processed = step.tryProcessCommand(s.line)
        } catch {
          threw = true
        }
        expect([index, threw]).toEqual([index, Boolean(s.throws)])
        if (s.processed !== undefined) expect([index, processed]).toEqual([index, s.processed])
      }
      if (s.echo !== undefined) expect([index, step.echo]).toEqual([index, s.echo])
      if (s.failed !== undefined) expect([index, step.failed]).toEqual([index, s.failed])
      if (s.mask !== undefined) expect([index, step.masker.mask(s.mask)]).toEqual([index, s.expect])
      if (s.outputs) expect(step.outputs).toEqual(s.outputs)
      if (s.state) expect(step.state).toEqual(s.state)
    })
  })
})

describe('the secret masker and its encodings (HostContextL0)', () => {
  test.each(cases.masker.map((c, index) => [`${index + 1}: ${c.source}`, c] as const))('%s', (_name, c) => {
    const masker = new SecretMasker()
    for (const value of c.add) masker.addValue(value)
    expect(c.masked.map(([input]) => [input, masker.mask(input)])).toEqual(c.masked)
  })
})

describe('the output manager (OutputManagerL0)', () => {
  test.each(cases.outputManager.map((c) => [c.source, c] as const))('%s', (_name, c) => {
    const { visible } = readAsRunner(`${c.lines.join('\n')}\n`)
    expect(visible.length).toBe(c.visibleCount)
    for (const text of c.contains ?? []) expect(visible[0]).toContain(text)
    for (const text of c.lacks ?? []) expect(visible[0]).not.toContain(text)
    if (c.equals) expect(visible).toEqual(c.equals)
  })
})

describe("derived from the runner's code", () => {
  test.each(cases.derived.map((c) => [c.what, c] as const))('%s', (_name, c) => {
    const read = readAsRunner(c.stdout, c.options)
    const got = { ...read, annotations: read.annotations as Annotation[] }
    const e = c.expect as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    if (e.lines) expect(got.lines).toEqual(e.lines)
    if (e.stoppedAt !== undefined) expect(got.stoppedAt).toBe(e.stoppedAt)
    if (e.stoppedAtEnd !== undefined) expect(got.stoppedAtEnd).toBe(e.stoppedAtEnd)
    if (e.noStop) expect(got.stops).toEqual([])
    if (e.visible) expect(got.visible).toEqual(e.visible)
    for (const text of e.visibleIncludes ?? []) expect(got.visible).toContain(text)
    for (const text of e.visibleNotIncludes ?? [])
      expect(got.visible.filter((line: string) => line.includes(text))).toEqual([])
    if (e.visibleCount !== undefined) expect(got.visible.length).toBe(e.visibleCount)
    if (e.annotations) expect(got.annotations.map((a) => a.message)).toEqual(e.annotations)
    if (e.annotationProperties) expect(got.annotations.map((a) => a.properties)).toEqual(e.annotationProperties)
    if (e.keptErrors !== undefined)
      expect(got.annotations.filter((a) => a.type === 'error' && a.kept).length).toBe(e.keptErrors)
    if (e.masks) expect(got.masks).toEqual(e.masks)
    if (e.fatalAt !== undefined) expect(got.fatal?.line).toBe(e.fatalAt)
    if (e.failed !== undefined) expect(got.failed).toBe(e.failed)
    if (e.env) expect(got.env).toEqual(e.env)
  })
})

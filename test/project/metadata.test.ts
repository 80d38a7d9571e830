// The README is the user's first contact: its tables must say exactly what action.yml declares, and
// action.yml exactly what the table of inputs (src/inputs/table.ts) holds.
import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { INPUTS, type InputSpec } from '../../src/inputs/table.js'

interface Metadata {
  inputs: Record<string, { description: string; required?: boolean; default?: string | number | boolean }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
  branding?: { icon: string; color: string }
}

const action = parse(readFileSync('action.yml', 'utf8')) as Metadata
const readme = readFileSync('README.md', 'utf8')

/** Rows of the README table under `## <heading>`: first cell (a `code` name) -> the other cells. */
function table(heading: string): Map<string, string[]> {
  const section = readme.split(/^## /m).find((part) => part.startsWith(`${heading}\n`))
  if (!section) throw new Error(`README has no "## ${heading}" section`)
  const rows = new Map<string, string[]>()
  for (const line of section.split('\n')) {
    const cells = line.split(' | ').map((cell) => cell.replace(/^\|\s*|\s*\|$/g, '').trim())
    const name = /^`([a-z-]+)`$/.exec(cells[0] ?? '')
    if (name) rows.set(name[1], cells.slice(1))
  }
  return rows
}

describe('README tables match action.yml', () => {
  const inputs = table('Inputs')
  const outputs = table('Outputs')

  test('every input is documented, and nothing documented is gone', () => {
    expect([...inputs.keys()].sort()).toEqual(Object.keys(action.inputs).sort())
  })

  test('every output is documented, and nothing documented is gone', () => {
    expect([...outputs.keys()].sort()).toEqual(Object.keys(action.outputs).sort())
  })

  test.each(Object.entries(action.inputs))("%s: the README default is action.yml's", (name, input) => {
    const documented = inputs.get(name)?.[0]
    if (input.default !== undefined) expect(documented).toBe(`\`${String(input.default)}\``)
    else if (input.required) expect(documented).toBe('required')
    // Without a default in action.yml, the README must not claim a literal one: a dash, or a derived value in italics.
    else expect(documented).toMatch(/^(–|_.+_)$/)
  })
})

describe('action.yml', () => {
  test('runs the bundle on node24 and is branded for the Marketplace', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect(action.branding).toEqual({ icon: expect.any(String), color: expect.any(String) })
  })

  test('every input and output has a description; required ones have no default', () => {
    for (const input of Object.values(action.inputs)) {
      expect(input.description.length).toBeGreaterThan(10)
      if (input.required) expect(input.default).toBeUndefined()
    }
    for (const output of Object.values(action.outputs)) expect(output.description.length).toBeGreaterThan(10)
  })

  test('declares exactly the inputs of the table (src/inputs/table.ts), each required and defaulted as the table says', () => {
    const declared = Object.fromEntries(
      Object.entries(action.inputs).map(([name, input]) => [
        name,
        { required: Boolean(input.required), default: input.default === undefined ? undefined : String(input.default) }
      ])
    )
    const tabled = Object.fromEntries(
      Object.entries(INPUTS).map(([name, spec]) => [
        name,
        { required: spec.required, default: 'default' in spec ? spec.default : undefined }
      ])
    )
    expect(declared).toEqual(tabled)
  })

  test('an input required unless another is set says so, and the waiver is a value of that input', () => {
    for (const [name, spec] of Object.entries(INPUTS)) {
      if (!('requiredUnless' in spec)) continue
      const { input, value } = spec.requiredUnless
      expect(action.inputs[name].description).toContain(`unless ${input} is ${value}`)
      expect((INPUTS as Record<string, { values?: readonly string[] }>)[input].values).toContain(value)
    }
  })

  test('a default lies within the values or the range the table allows', () => {
    for (const spec of Object.values(INPUTS) as InputSpec[]) {
      if (spec.default === undefined) continue
      if (spec.values) expect(spec.values).toContain(spec.default)
      if (spec.range) {
        expect(Number(spec.default)).toBeGreaterThanOrEqual(spec.range.min)
        expect(Number(spec.default)).toBeLessThanOrEqual(spec.range.max)
      }
    }
  })
})

describe('the user agent', () => {
  test('carries the package version and names the repository and run', async () => {
    const { userAgent } = await import('../../src/sae/clients.js')
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    expect(userAgent({ repository: 'octo-org/octo-repo', runId: 42 })).toBe(
      `sae-image-pull-secret/${version} (octo-org/octo-repo; run 42)`
    )
  })
})

describe('README "Versions"', () => {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Versions\n')) ?? ''

  test('names one release, its major tag, and pins with that release in the comment', () => {
    const releases = new Set(section.match(/\bv\d+\.\d+\.\d+\b/g))
    expect(releases.size).toBe(1)
    const [release] = [...releases]
    const majors = new Set(section.match(/\bv\d+\b(?![.\d])/g))
    expect([...majors]).toEqual([release.split('.')[0]])
    expect(section).toMatch(
      new RegExp(
        `uses: sae-image-pull-secret/sae-image-pull-secret@<40-character commit SHA> # ${release.replace(/\./g, '\\.')}\\n`
      )
    )
  })

  test('verifies against the workflow that signs the attestations', () => {
    const signer = /--signer-workflow "\$repo\/(\.github\/workflows\/[\w-]+\.yml)"/.exec(section)?.[1]
    expect(signer).toBe('.github/workflows/release.yml')
    expect(readFileSync(signer!, 'utf8')).toContain('actions/attest-build-provenance@')
    expect(section).toContain('repo=sae-image-pull-secret/sae-image-pull-secret\n')
  })
})

// The README is the user's first contact: its tables must say exactly what action.yml declares, and
// action.yml exactly what the table of inputs (src/inputs/table.ts) holds.
import { describe, expect, test } from '@jest/globals'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
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

describe('README first screen', () => {
  const firstScreen = readme.split('\n').slice(0, 45).join('\n')

  test('says what the action does, shows the step to copy with a deliberate if-exists, and the two commands to try it', () => {
    expect(firstScreen).toMatch(/SAE[\s\S]*image-pull Secret[\s\S]*SecretId/)
    expect(firstScreen).toMatch(/```yaml\n[\s\S]*uses: sae-image-pull-secret\/sae-image-pull-secret@v3\n[\s\S]*```/)
    // The quick start names if-exists and says why, instead of inheriting skip without a word.
    expect(firstScreen).toMatch(/^ +if-exists: update +# .*rotat.*\bskip\b/m)
    expect(firstScreen).toContain('npm ci && npm run demo')
    expect(firstScreen).toMatch(/^npm test\b/m)
  })

  test('the commands it names exist', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }
    for (const script of ['demo', 'test', 'emulator']) expect(scripts[script]).toBeDefined()
  })
})

describe('links between the README, docs/ and CONTRIBUTING resolve', () => {
  /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
  function anchors(markdown: string): Set<string> {
    const seen = new Map<string, number>()
    const result = new Set<string>()
    for (const [, heading] of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} +(.+?) *$/gm)) {
      const slug = heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-')
      const count = seen.get(slug) ?? 0
      seen.set(slug, count + 1)
      result.add(count === 0 ? slug : `${slug}-${count}`)
    }
    return result
  }
  const pages = [
    'README.md',
    'SECURITY.md',
    ...readdirSync('docs')
      .filter((file) => file.endsWith('.md'))
      .map((file) => join('docs', file))
  ]

  test.each(pages)('%s: every relative link names a file that exists, and a heading in it', (page) => {
    const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '')
    const broken: string[] = []
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue
      const [path, anchor] = target.split('#')
      const file = path === '' ? page : normalize(join(dirname(page), path))
      if (!existsSync(file)) broken.push(`${target}: no file ${file}`)
      else if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${target}: no heading #${anchor} in ${file}`)
    }
    expect(broken).toEqual([])
  })

  test("the anchors are GitHub's", () => {
    expect([
      ...anchors(
        '## Tearing down a preview environment: `state: absent` and `if-in-use`\n## Chained after aliyun/configure-aliyun-credentials-action\n## Which `sub` a job has\n## Which `sub` a job has'
      )
    ]).toEqual([
      'tearing-down-a-preview-environment-state-absent-and-if-in-use',
      'chained-after-aliyunconfigure-aliyun-credentials-action',
      'which-sub-a-job-has',
      'which-sub-a-job-has-1'
    ])
  })

  test("the README sections the action's own error messages point at are there", () => {
    const pointers = readdirSync('src', { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        [...readFileSync(join('src', file), 'utf8').matchAll(/\(README, "([^"]+)"\)/g)].map((match) => match[1])
      )
    expect(pointers.length).toBeGreaterThanOrEqual(2)
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((match) => match[1])
    for (const section of pointers)
      expect([section, headings.some((heading) => heading.startsWith(section))]).toEqual([section, true])
  })
})

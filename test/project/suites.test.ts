// Two suites, split by folder. test/peers/ holds every test that runs Debian's peers (the CNCF
// registry, squid, htpasswd): they run where .ci/run installs them, on this machine and on GitHub's
// Ubuntu runner. Every other test is the portable suite (`npm run test:portable`), which CI runs on
// macOS and Windows, where there is no apt, no unshare and no root. `npm test` runs both. Held here:
// each test file jest finds is in exactly one suite, no portable test reaches a peer's launcher (or
// runs unshare or sudo), and ci.yml runs each suite where it can pass.
import { describe, expect, test } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import ts from 'typescript'
import { parse } from 'yaml'

const JEST = join('node_modules', 'jest', 'bin', 'jest.js')
/** The programs' launchers (devkit/harness/peers.mjs finds the programs): what no portable test may import. */
const LAUNCHERS = [
  'devkit/harness/peers.mjs',
  'devkit/harness/real-registry.mjs',
  'devkit/harness/squid.mjs',
  'devkit/harness/token-service.mjs'
]

const posixPath = (path: string) => path.split(sep).join('/')

/** The test files jest runs with `config` (none: `npm test`'s), relative to the project, sorted. */
function listTests(config?: string): string[] {
  const args = [JEST, '--listTests', '--json', ...(config ? ['--config', config] : [])]
  const listed = spawnSync(process.execPath, args, { encoding: 'utf8' })
  if (listed.status !== 0) throw new Error(`jest --listTests ${config ?? ''} failed: ${listed.stderr}`)
  return (JSON.parse(listed.stdout) as string[]).map((file) => posixPath(relative(process.cwd(), file))).sort()
}

/** The file a relative import lands on, as jest resolves it (`./x.js` is `./x.ts` when that exists). */
function resolveImport(from: string, specifier: string): string | undefined {
  const base = posixPath(join(dirname(from), specifier))
  const candidates = specifier.endsWith('.js')
    ? [base.replace(/\.js$/, '.ts'), base]
    : [base, `${base}.ts`, `${base}.mjs`, `${base}.js`]
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile())
}

/**
 * Every project file `file` reaches through relative imports (static, dynamic, re-exports), each
 * with the chain of imports that reaches it. Packages are not followed; an import that resolves to
 * no file is reported, so a typo cannot hide a launcher.
 */
function reachableFrom(file: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[file, [file]]])
  const queue = [file]
  while (queue.length > 0) {
    const current = queue.shift()!
    if (!/\.(ts|mjs|js|cjs)$/.test(current)) continue
    const { importedFiles } = ts.preProcessFile(readFileSync(current, 'utf8'), true, true)
    for (const { fileName } of importedFiles.filter(({ fileName }) => fileName.startsWith('.'))) {
      const target = resolveImport(current, fileName) ?? `unresolved: ${fileName}`
      if (chains.has(target)) continue
      chains.set(target, [...chains.get(current)!, target])
      if (!target.startsWith('unresolved: ')) queue.push(target)
    }
  }
  return chains
}

/** What in `file`'s imports a machine without Debian, unshare or root cannot run, each with its chain. */
function unportable(file: string): string[] {
  const found: string[] = []
  for (const [target, chain] of reachableFrom(file)) {
    const via = chain.join(' -> ')
    if (LAUNCHERS.includes(target)) found.push(`imports a Debian peer's launcher: ${via}`)
    else if (target.startsWith('unresolved: ')) found.push(`an import that resolves to no file: ${via}`)
    // The program's name as a whole string, or as a command line's first word.
    else if (/(['"`])(?:unshare|sudo)(?:\1|\s)/.test(readFileSync(target, 'utf8')))
      found.push(`runs unshare or sudo (Linux and root only): ${via}`)
  }
  return found
}

describe('every test file is in exactly one suite', () => {
  const all = listTests()
  const portable = listTests('jest.portable.config.js')
  const peers = listTests('jest.peers.config.js')

  test('npm test runs the portable suite and the peers suite, and nothing else; no file is in both', () => {
    const suitesOf = (file: string) => [
      ...(portable.includes(file) ? ['portable'] : []),
      ...(peers.includes(file) ? ['peers'] : [])
    ]
    expect(all.map((file) => [file, suitesOf(file)]).filter(([, suites]) => suites.length !== 1)).toEqual([])
    expect([...portable, ...peers].filter((file) => !all.includes(file))).toEqual([])
    // Written out, so an empty listing cannot pass: a file of each kind, in its suite.
    expect(peers).toEqual(expect.arrayContaining(['test/peers/squid.test.ts', 'test/peers/e2e/squid.test.ts']))
    expect(portable).toEqual(
      expect.arrayContaining([
        'test/unit/inputs/parse-inputs.test.ts',
        'test/e2e/create.test.ts',
        'test/e2e/clean-exit.test.ts',
        'test/devkit/sae-emulator.test.ts',
        'test/project/suites.test.ts'
      ])
    )
  })

  test('the suites are folders: the peers suite is test/peers/, the portable suite everything else', () => {
    expect(peers.filter((file) => !file.startsWith('test/peers/'))).toEqual([])
    expect(portable.filter((file) => file.startsWith('test/peers/'))).toEqual([])
  })

  test("no portable test reaches a Debian peer's launcher, nor runs unshare or sudo", () => {
    expect(portable.flatMap((file) => unportable(file))).toEqual([])
  })

  test('the scan follows imports: it finds each launcher where the peers suite uses it, through helpers too', () => {
    expect(unportable('test/peers/e2e/squid.test.ts')).toContain(
      "imports a Debian peer's launcher: test/peers/e2e/squid.test.ts -> devkit/harness/squid.mjs"
    )
    expect(unportable('test/peers/e2e/real-registry.test.ts')).toEqual(
      expect.arrayContaining([
        "imports a Debian peer's launcher: test/peers/e2e/real-registry.test.ts -> devkit/harness/real-registry.mjs -> devkit/harness/peers.mjs",
        "imports a Debian peer's launcher: test/peers/e2e/real-registry.test.ts -> devkit/harness/real-registry.mjs -> devkit/harness/token-service.mjs"
      ])
    )
  })
})

interface Step {
  uses?: string
  run?: string
  if?: string
  'continue-on-error'?: unknown
}
interface Job {
  'runs-on': string
  if?: string
  'continue-on-error'?: unknown
  strategy?: { matrix?: { os?: string[] } }
  steps: Step[]
}

describe('CI runs each suite where it can pass', () => {
  const ci = parse(readFileSync(join('.github', 'workflows', 'ci.yml'), 'utf8'))
  const jobs: Record<string, Job> = ci.jobs
  const runs = (job: Job) => job.steps.filter((step) => step.run !== undefined).map((step) => step.run!.trim())
  const actions = (job: Job) => job.steps.filter((step) => step.uses).map((step) => step.uses!.split('@')[0])
  const unconditional = (job: Job) =>
    [job, ...job.steps].filter((part) => part.if !== undefined || part['continue-on-error'] !== undefined)

  test('on every push to main and every pull request', () => {
    expect(ci.on.push.branches).toEqual(['main'])
    expect(Object.keys(ci.on)).toContain('pull_request')
  })

  test("the Linux job runs .ci/run, this machine's gate, and nothing beside it", () => {
    const { gate } = jobs
    expect(gate['runs-on']).toBe('ubuntu-latest')
    expect(actions(gate)).toEqual(['actions/checkout', 'actions/setup-node'])
    expect(runs(gate)).toEqual(['.ci/run'])
    expect(unconditional(gate)).toEqual([])
  })

  test('.ci/run installs the peers when missing and runs the whole suite, npm test, last', () => {
    const lines = readFileSync(join('.ci', 'run'), 'utf8').split('\n')
    const commands = lines.filter((line) => /^npm /.test(line))
    expect(commands.at(-1)).toBe('npm test')
    expect(lines.some((line) => line.includes('apt-get install') && line.includes('"${missing[@]}"'))).toBe(true)
  })

  test('macOS and Windows run the portable suite, after installing, type-checking and linting', () => {
    const { portable } = jobs
    expect(portable['runs-on']).toBe('${{ matrix.os }}')
    expect(portable.strategy?.matrix?.os).toEqual(['macos-latest', 'windows-latest'])
    expect(actions(portable)).toEqual(['actions/checkout', 'actions/setup-node'])
    expect(runs(portable)).toEqual(['npm ci', 'npm run typecheck', 'npm run lint', 'npm run test:portable'])
    expect(unconditional(portable)).toEqual([])
  })

  test('no other job of ci.yml runs tests: the two suites run where the jobs above say', () => {
    const others = Object.entries(jobs).filter(([name]) => name !== 'gate' && name !== 'portable')
    const testing = others.flatMap(([name, job]) =>
      runs(job)
        .filter((run) => /\bnpm (test|t|run test\b|run test:)|\bjest\b|\.ci\/run/.test(run))
        .map((run) => `${name}: ${run}`)
    )
    expect(testing).toEqual([])
  })

  test("the npm scripts are npm test's command with each suite's config", () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8'))
    expect(scripts.test).toBe('node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js')
    expect(scripts['test:portable']).toBe(`${scripts.test} --config jest.portable.config.js`)
    expect(scripts['test:peers']).toBe(`${scripts.test} --config jest.peers.config.js`)
  })
})

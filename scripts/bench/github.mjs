// What @actions/github costs, and where: `node scripts/bench/github.mjs [runs]` builds the libraries
// floor and three scratch bundles beside it (scripts/bench/github/: (a) a static import, (b)
// `await import()` before the first request, (c) `await import()` after the outputs are written),
// each as dist/ is built, and measures them side by side to the first request; for (b) and (c) also
// the import itself, timed inside the process. The runner's variables and a push event's payload
// (GITHUB_EVENT_PATH, which github.context reads as it loads) are set as on a runner.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundle } from '../build.mjs'
import { measureStartup, median } from './startup.mjs'

const RUNS = Number(process.argv[2] ?? 15)
const BUNDLES = [
  { name: 'libraries floor (no @actions/github)', entry: 'scripts/bench/libraries-floor.js' },
  { name: '(a) static import', entry: 'scripts/bench/github/static.js' },
  { name: '(b) await import() before the first request', entry: 'scripts/bench/github/import-at-start.js' },
  { name: '(c) await import() after the outputs', entry: 'scripts/bench/github/import-after-outputs.js' }
]

/** A push event of the usual size: the runner writes one to GITHUB_EVENT_PATH for every run. */
function pushEvent() {
  const user = { login: 'octocat', id: 1, type: 'User', html_url: 'https://github.com/octocat' }
  const commit = (i) => ({
    id: `${i}`.padStart(40, 'a'),
    message: `Change ${i}: a commit message of a usual length, with a body line or two`,
    timestamp: '2026-01-01T00:00:00Z',
    author: { name: 'Octo Cat', email: 'octocat@example.com', username: 'octocat' },
    added: [],
    removed: [],
    modified: ['src/main.ts', 'dist/index.js']
  })
  return {
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: 'a'.repeat(40),
    repository: {
      id: 42,
      name: 'octo-repo',
      full_name: 'octo-org/octo-repo',
      owner: user,
      private: false,
      html_url: 'https://github.com/octo-org/octo-repo',
      default_branch: 'main'
    },
    pusher: { name: 'octocat', email: 'octocat@example.com' },
    sender: user,
    commits: Array.from({ length: 5 }, (_, i) => commit(i)),
    head_commit: commit(4)
  }
}

const work = mkdtempSync(join(tmpdir(), 'bench-github-'))
try {
  const eventPath = join(work, 'event.json')
  writeFileSync(eventPath, JSON.stringify(pushEvent()))
  const cases = [{ name: 'bare', bare: true }]
  for (const [i, { name, entry }] of BUNDLES.entries()) {
    await bundle(entry, join(work, `bundle-${i}`))
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: join(work, `output-${i}`),
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_WORKFLOW: 'deploy',
      BENCH_GITHUB_FILE: join(work, `import-${i}.jsonl`)
    }
    writeFileSync(env.GITHUB_OUTPUT, '')
    cases.push({ name, script: join(work, `bundle-${i}`, 'index.js'), env })
  }
  const result = await measureStartup(cases, { runs: RUNS })
  const floor = BUNDLES[0].name
  const base = result.medians[floor]
  console.log(
    `@actions/github, medians of ${RUNS} interleaved runs (start → first request; the import itself timed in the process)\n`
  )
  console.log(
    '| placement | bundle: entry + chunks | start → first request, wall | main-thread CPU | over the floor, CPU (run by run) | the import itself: wall, main-thread CPU |'
  )
  console.log('| --- | --- | --- | --- | --- | --- |')
  for (const [i, { name }] of BUNDLES.entries()) {
    const m = result.medians[name]
    let imported = '—'
    try {
      const lines = readFileSync(join(work, `import-${i}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
      imported = `${median(lines.map((l) => l.wallMs)).toFixed(1)} ms, ${median(lines.map((l) => l.threadCpuMs)).toFixed(1)} ms`
    } catch {
      // (a) and the floor time no import of their own.
    }
    const over =
      i === 0
        ? ''
        : `${(m.threadCpuMs - base.threadCpuMs >= 0 ? '+' : '') + (m.threadCpuMs - base.threadCpuMs).toFixed(1)} ms (${result.paired(name, floor, 'threadCpuMs').toFixed(3)}×)`
    const dir = join(work, `bundle-${i}`)
    const kib = (file) => `${(statSync(join(dir, file)).size / 1024).toFixed(0)} KiB`
    const chunks = readdirSync(dir).filter((file) => file.endsWith('.js') && file !== 'index.js')
    const size = `${kib('index.js')}${chunks.length ? ` + ${chunks.map(kib).join(' + ')}` : ''}`
    console.log(
      `| ${name} | ${size} | ${m.wallMs.toFixed(1)} ms | ${m.threadCpuMs.toFixed(1)} ms | ${over} | ${imported} |`
    )
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

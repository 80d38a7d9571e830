// `npm run bench`: the action's figures, each beside its target and a pass/fail mark, measured
// against floors built in the same run. The bundle runs on Node 24, as on a runner, against the
// local emulator and fake registries on loopback. Figures, not a test: these machines are shared
// and noisy, so medians of several runs are given, and a target near its bound may flip.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeRegistry } from '../test/emulator/fake-registry.mjs'
import { startEmulator } from '../test/emulator/sae-emulator.mjs'
import { node24, ROOT, runAction } from '../test/harness/action-runner.mjs'
import { bundle } from './build.mjs'
import { actionInputs as inputs, KEY, measureStartup, median, startupRows } from './bench/startup.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 21)
const LATENCY_MS = 200
const ms = (value) => `${value.toFixed(1)} ms`
const rows = []
/** One row of the table; `pass` undefined for a figure without a target. */
const row = (measure, value, target = '', pass = undefined) => rows.push({ measure, value, target, pass })

async function withEmulator(options, body) {
  const sae = await startEmulator({ keys: [KEY], ...options })
  try {
    return await body(sae)
  } finally {
    await sae.stop()
  }
}

/** Runs the bundle as the runner does, without the tests' DNS preload or debug logging: the bare bundle. */
async function run(actionInputs) {
  const result = await runAction({ inputs: actionInputs, offline: false, env: { RUNNER_DEBUG: '' } })
  if (result.code !== 0) throw new Error(`bench run failed:\n${result.stdout}`)
  return result
}

// The floors: the SDK alone, and the SDK with @actions/core, each sending one signed call, built by
// the same bundle() as dist/ (ncc, minified, factories re-wrapped), so only the code differs.
const floorDir = mkdtempSync(join(tmpdir(), 'bench-floors-'))
await bundle('scripts/bench/sdk-floor.js', join(floorDir, 'sdk'))
await bundle('scripts/bench/libraries-floor.js', join(floorDir, 'libraries'))

// 1. Start-up: process start -> first request at the emulator, wall and main-thread CPU, the four
// side by side and interleaved (scripts/bench/startup.mjs says how each figure is taken).
const SDK = 'SDK floor: @alicloud/openapi-client alone, one signed call'
const LIBRARIES = 'libraries floor: the SDK + @actions/core'
const ACTION = 'the action (dist/index.js), first run'
const BARE = 'bare Node 24 `node -e 0` (to exit)'
const startup = await measureStartup(
  [
    { name: BARE, bare: true },
    { name: SDK, script: join(floorDir, 'sdk', 'index.js') },
    { name: LIBRARIES, script: join(floorDir, 'libraries', 'index.js') },
    { name: ACTION, action: join(ROOT, 'dist', 'index.js') }
  ],
  { runs: RUNS }
)
for (const { name, wall, cpu } of startupRows(startup, BARE)) row(`start → first request, ${name}`, `wall ${wall} · main-thread CPU ${cpu}`)
for (const [figure, label] of [
  ['wallMs', 'wall'],
  ['threadCpuMs', 'main-thread CPU']
]) {
  const ratio = startup.medians[ACTION][figure] / startup.medians[LIBRARIES][figure]
  const paired = startup.paired(ACTION, LIBRARIES, figure)
  row(`start-up, the action over the libraries floor (${label})`, `${ratio.toFixed(3)}× (run by run: ${paired.toFixed(3)}×)`, '≤ 1.10× (run by run)', paired <= 1.1)
}
row('whole step, first run (ListSecrets + CreateSecret), start to exit', ms(startup.medians[ACTION].stepMs))
row('connections per run (ListSecrets + CreateSecret)', String(startup.medians[ACTION].connections), '1 (keep-alive)', startup.medians[ACTION].connections === 1)

// 2. The registry login beside the look-ups: a first run with 200 ms on every answer of SAE and the registry.
const loginRuns = Math.max(3, Math.floor(RUNS / 3))
const loginCost = await withEmulator({ namespaces: ['cn-hangzhou:bench'], latencyMs: LATENCY_MS }, async (sae) => {
  const registry = await startFakeRegistry({ kind: 'bearer', username: 'bench', password: 'bench-password', latencyMs: LATENCY_MS })
  try {
    const times = { off: [], on: [] }
    for (let i = 0; i < loginRuns; i++) {
      times.off.push((await run(inputs(sae, { 'secret-name': `off${i}`, 'registry-domains': registry.host }))).elapsedMs)
      times.on.push((await run(inputs(sae, { 'secret-name': `on${i}`, 'registry-domains': registry.host, 'verify-login': 'true' }))).elapsedMs)
    }
    return { off: median(times.off), on: median(times.on) }
  } finally {
    await registry.stop()
  }
})
const extra = loginCost.on - loginCost.off
row(`first run, ${LATENCY_MS} ms per answer, verify-login off`, ms(loginCost.off), '2 round trips (ListSecrets, CreateSecret)')
row(
  `first run, ${LATENCY_MS} ms per answer, verify-login on`,
  `${ms(loginCost.on)} (+${ms(extra)}, ${(extra / LATENCY_MS).toFixed(2)} round trips)`,
  `≤ +1.5 round trips (${ms(1.5 * LATENCY_MS)}): beside the look-up, not 2-3 after it`,
  extra <= 1.5 * LATENCY_MS
)

// 3. Fan-out: 10 namespaces against 1, each answer delayed 200 ms.
const fanOut = async (count) =>
  withEmulator({ namespaces: Array.from({ length: count }, (_, i) => `cn-hangzhou:ns${i}`), latencyMs: LATENCY_MS }, async (sae) => {
    const times = []
    for (let i = 0; i < loginRuns; i++) {
      const namespaceIds = Array.from({ length: count }, (_, n) => `cn-hangzhou:ns${n}`).join('\n')
      times.push((await run(inputs(sae, { 'namespace-id': namespaceIds, 'secret-name': `fan${i}` }))).elapsedMs)
    }
    return median(times)
  })
const one = await fanOut(1)
const ten = await fanOut(10)
row(`1 namespace at ${LATENCY_MS} ms per answer`, ms(one))
row(`10 namespaces at ${LATENCY_MS} ms per answer`, `${ms(ten)} (${(ten / one).toFixed(2)}× one)`, '≤ 1.5× one', ten / one <= 1.5)

// 4. SAE calls per path.
await withEmulator({ namespaces: ['cn-hangzhou:bench'] }, async (sae) => {
  const count = async (path, target, extraInputs) => {
    const before = sae.calls().length
    const result = await run(inputs(sae, extraInputs))
    const calls = sae.calls().slice(before)
    row(`SAE calls: ${path}`, `${calls.length} (${calls.map((c) => c.action).join(' + ')} → ${result.outputs.result})`, String(target), calls.length === target)
  }
  await count('first run, if-exists fail', 1, { 'secret-name': 'calls-fail', 'if-exists': 'fail' })
  await count('first run, if-exists skip (look first)', 2, { 'secret-name': 'calls' })
  await count('existing Secret, skip (drift check)', 2, { 'secret-name': 'calls' })
  await count('existing, unchanged Secret, update', 2, { 'secret-name': 'calls', 'if-exists': 'update' })
  await count('existing, changed Secret, update', 3, { 'secret-name': 'calls', 'if-exists': 'update', password: 'rotated' })
  await count('state: absent, Secret there', 2, { 'secret-name': 'calls', state: 'absent' })
  await count('state: absent, no Secret', 1, { 'secret-name': 'calls', state: 'absent' })
})

// 5. Bundle size: the entry is read and compiled on every run; a chunk only on its path.
const distFiles = readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.js'))
const sizes = Object.fromEntries(distFiles.map((f) => [f, statSync(join(ROOT, 'dist', f)).size]))
row(
  'entry bundle size (dist/index.js)',
  `${(sizes['index.js'] / 1024).toFixed(0)} KiB (chunks: ${Object.entries(sizes).filter(([f]) => f !== 'index.js').map(([f, s]) => `${f} ${(s / 1024).toFixed(0)} KiB`).join(', ') || 'none'})`,
  '≤ 2048 KiB',
  sizes['index.js'] <= 2048 * 1024
)

rmSync(floorDir, { recursive: true, force: true })
const mark = (pass) => (pass === undefined ? '' : pass ? '✓' : '✗ over')
console.log(`sae-image-pull-secret benchmark — Node ${execFileSync(node24(), ['--version']).toString().trim()}, ${RUNS} runs (${loginRuns} at ${LATENCY_MS} ms latency), medians; × is the ratio to bare Node\n`)
console.log('| measure | value | target | |')
console.log('| --- | --- | --- | --- |')
for (const { measure, value, target, pass } of rows) console.log(`| ${measure} | ${value} | ${target} | ${mark(pass)} |`)
const missed = rows.filter((r) => r.pass === false).length
console.log(`\n${rows.filter((r) => r.pass !== undefined).length - missed} targets met, ${missed} missed`)

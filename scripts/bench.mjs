// `npm run bench`: the action's figures, each beside its target and a pass/fail mark, measured
// against floors built in the same run. The bundle runs on Node 24, as on a runner, against the
// local emulator and fake registries on loopback. Figures, not a test: these machines are shared
// and noisy, so medians of several runs are given, and a target near its bound may flip.
// The last section (scripts/bench/latency.mjs) measures the round trips of each path through a
// latency world; `npm run bench -- --baseline <a dist/index.js>` (or BENCH_BASELINE) measures that
// bundle beside this tree's, interleaved, and the other BENCH_LATENCY_* variables set its runs.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeRegistry } from '../devkit/emulator/fake-registry.mjs'
import { startEmulator } from '../devkit/emulator/sae-emulator.mjs'
import { node24, ROOT, runAction } from '../devkit/harness/action-runner.mjs'
import { bundle } from './build.mjs'
import { formatLatencyReport, latencyOptions, latencyTargets, measureLatency } from './bench/latency.mjs'
import { actionInputs as inputs, KEY, measureStartup, median, startupRows } from './bench/startup.mjs'

const benchStarted = Date.now()
// Read (and refused when wrong) before anything runs.
const { baseline, json: latencyJson, ...latencySettings } = latencyOptions(process.argv.slice(2))
const latencyBundles = latencyTargets({ baseline })

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
for (const { name, wall, cpu } of startupRows(startup, BARE))
  row(`start → first request, ${name}`, `wall ${wall} · main-thread CPU ${cpu}`)
for (const [figure, label] of [
  ['wallMs', 'wall'],
  ['threadCpuMs', 'main-thread CPU']
]) {
  const ratio = startup.medians[ACTION][figure] / startup.medians[LIBRARIES][figure]
  const paired = startup.paired(ACTION, LIBRARIES, figure)
  row(
    `start-up, the action over the libraries floor (${label})`,
    `${ratio.toFixed(3)}× (run by run: ${paired.toFixed(3)}×)`,
    '≤ 1.10× (run by run)',
    paired <= 1.1
  )
}
row('whole step, first run (ListSecrets + CreateSecret), start to exit', ms(startup.medians[ACTION].stepMs))
row(
  'connections per run (ListSecrets + CreateSecret)',
  String(startup.medians[ACTION].connections),
  '1 (keep-alive)',
  startup.medians[ACTION].connections === 1
)

// 2. The registry checks beside the look-ups: a first run with 200 ms on every answer of SAE, the
// registry and its token service. No check: ListSecrets + CreateSecret (2 round trips). A login
// (GET /v2/, token) beside ListSecrets: +1. An image (GET /v2/, token for the pull scope, HEAD of
// the manifest) instead of the login: +1 more at most, never the 3 after the look-up it would cost in line.
const loginRuns = Math.max(3, Math.floor(RUNS / 3))
const IMAGE = 'shop/web:1.4.2'
const checkCost = await withEmulator({ namespaces: ['cn-hangzhou:bench'], latencyMs: LATENCY_MS }, async (sae) => {
  const registry = await startFakeRegistry({
    kind: 'bearer',
    username: 'bench',
    password: 'bench-password',
    latencyMs: LATENCY_MS,
    repositories: { 'shop/web': { tags: ['1.4.2'] } }
  })
  try {
    const times = { off: [], login: [], images: [] }
    for (let i = 0; i < loginRuns; i++) {
      times.off.push(
        (await run(inputs(sae, { 'secret-name': `off${i}`, 'registry-domains': registry.host }))).elapsedMs
      )
      times.login.push(
        (
          await run(
            inputs(sae, { 'secret-name': `login${i}`, 'registry-domains': registry.host, 'verify-login': 'true' })
          )
        ).elapsedMs
      )
      const images = await run(
        inputs(sae, {
          'secret-name': `images${i}`,
          'registry-domains': registry.host,
          'verify-login': 'true',
          images: `${registry.host}/${IMAGE}`
        })
      )
      if (!images.stdout.includes(`Image ${registry.host}/${IMAGE} can be pulled`))
        throw new Error(`the image check did not pass:\n${images.stdout}`)
      times.images.push(images.elapsedMs)
    }
    return { off: median(times.off), login: median(times.login), images: median(times.images) }
  } finally {
    await registry.stop()
  }
})
const trips = (value) => `${(value / LATENCY_MS).toFixed(2)} round trips`
row(
  `first run, ${LATENCY_MS} ms per answer, no registry check (verify-login off, no images)`,
  ms(checkCost.off),
  '2 round trips (ListSecrets, CreateSecret)'
)
row(
  `first run, ${LATENCY_MS} ms per answer, verify-login on`,
  `${ms(checkCost.login)} (+${ms(checkCost.login - checkCost.off)}, ${trips(checkCost.login - checkCost.off)})`,
  `≤ +1.5 round trips (${ms(1.5 * LATENCY_MS)}): beside the look-up, not 2 after it`,
  checkCost.login - checkCost.off <= 1.5 * LATENCY_MS
)
row(
  `first run, ${LATENCY_MS} ms per answer, verify-login on and images: ${IMAGE}`,
  `${ms(checkCost.images)} (+${ms(checkCost.images - checkCost.login)} over verify-login alone, ${trips(checkCost.images - checkCost.login)})`,
  `≤ +1.25 round trips over verify-login (${ms(1.25 * LATENCY_MS)}): the pull check replaces the login, one request longer`,
  checkCost.images - checkCost.login <= 1.25 * LATENCY_MS
)

// 3. Fan-out: 10 namespaces against 1, each answer delayed 200 ms.
const fanOut = async (count) =>
  withEmulator(
    { namespaces: Array.from({ length: count }, (_, i) => `cn-hangzhou:ns${i}`), latencyMs: LATENCY_MS },
    async (sae) => {
      const times = []
      for (let i = 0; i < loginRuns; i++) {
        const namespaceIds = Array.from({ length: count }, (_, n) => `cn-hangzhou:ns${n}`).join('\n')
        times.push((await run(inputs(sae, { 'namespace-id': namespaceIds, 'secret-name': `fan${i}` }))).elapsedMs)
      }
      return median(times)
    }
  )
const one = await fanOut(1)
const ten = await fanOut(10)
row(`1 namespace at ${LATENCY_MS} ms per answer`, ms(one))
row(
  `10 namespaces at ${LATENCY_MS} ms per answer`,
  `${ms(ten)} (${(ten / one).toFixed(2)}× one)`,
  '≤ 1.5× one',
  ten / one <= 1.5
)

// 4. SAE calls and registry requests per path (the registry's token service counted with it).
await withEmulator({ namespaces: ['cn-hangzhou:bench'] }, async (sae) => {
  const registry = await startFakeRegistry({
    kind: 'bearer',
    username: 'bench',
    password: 'bench-password',
    users: { other: 'bench-password' },
    repositories: { 'shop/web': { tags: ['1.4.2'], pullers: ['bench', 'other'] } }
  })
  try {
    const image = `${registry.host}/${IMAGE}`
    const count = async (path, target, extraInputs, expectCode = 0) => {
      const before = { sae: sae.calls().length, registry: registry.requests.length }
      const result = await runAction({
        inputs: inputs(sae, { 'registry-domains': registry.host, ...extraInputs }),
        offline: false,
        env: { RUNNER_DEBUG: '' }
      })
      if (result.code !== expectCode) throw new Error(`bench run (${path}) exited ${result.code}:\n${result.stdout}`)
      const calls = sae.calls().slice(before.sae)
      const asked = registry.requests
        .slice(before.registry)
        .map((r) => `${r.method} ${r.server === 'token' ? 'token' : r.path.replace(/manifests\/.*/, 'manifests/…')}`)
      const outcome =
        result.outputs.result ?? (result.code === 0 ? 'no result (a dry run)' : `failed (exit ${result.code})`)
      row(
        `calls: ${path}`,
        `SAE ${calls.length} (${calls.map((c) => c.action).join(' + ') || 'none'}) · registry ${asked.length} (${asked.join(', ') || 'none'}) → ${outcome}`,
        `SAE ${target.sae} · registry ${target.registry}`,
        calls.length === target.sae && asked.length === target.registry
      )
    }
    await count(
      'first run, if-exists fail',
      { sae: 1, registry: 0 },
      { 'secret-name': 'calls-fail', 'if-exists': 'fail' }
    )
    await count('first run, skip (look first)', { sae: 2, registry: 0 }, { 'secret-name': 'calls' })
    await count(
      'first run, verify-login',
      { sae: 2, registry: 2 },
      { 'secret-name': 'calls-login', 'verify-login': 'true' }
    )
    await count(
      'first run, images (the image check covers the login)',
      { sae: 2, registry: 3 },
      { 'secret-name': 'calls-image', 'verify-login': 'true', images: image }
    )
    await count('existing Secret, skip, same data', { sae: 2, registry: 0 }, { 'secret-name': 'calls' })
    await count(
      'existing Secret, skip, stored data differs: its credentials checked too',
      { sae: 2, registry: 6 },
      { 'secret-name': 'calls-image', username: 'other', images: image }
    )
    await count(
      'existing, unchanged Secret, update',
      { sae: 2, registry: 0 },
      { 'secret-name': 'calls', 'if-exists': 'update' }
    )
    await count(
      'existing, changed Secret, update',
      { sae: 3, registry: 0 },
      { 'secret-name': 'calls', 'if-exists': 'update', password: 'rotated' }
    )
    await count(
      'dry run with images (look-ups only: ListSecrets, no Secret there)',
      { sae: 1, registry: 3 },
      { 'secret-name': 'calls-dry', 'dry-run': 'true', images: image }
    )
    await count(
      'state: absent, Secret there',
      { sae: 2, registry: 0 },
      { 'secret-name': 'calls', state: 'absent', 'registry-domains': '' }
    )
    await count(
      'state: absent, no Secret',
      { sae: 1, registry: 0 },
      { 'secret-name': 'calls', state: 'absent', 'registry-domains': '' }
    )
  } finally {
    await registry.stop()
  }
})

// 5. Bundle size: every run reads the entry and the chunk that holds main.ts (index.ts loads it at
// once, once the first handshakes have started); the other chunks only on their paths. ncc names
// chunks by number, so the bound is on them all.
const distFiles = readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.js'))
const sizes = Object.fromEntries(distFiles.map((f) => [f, statSync(join(ROOT, 'dist', f)).size]))
const bundleBytes = Object.values(sizes).reduce((sum, size) => sum + size, 0)
row(
  'bundle size (dist/*.js)',
  `${(bundleBytes / 1024).toFixed(0)} KiB in all: entry ${(sizes['index.js'] / 1024).toFixed(0)} KiB, chunks ${
    Object.entries(sizes)
      .filter(([f]) => f !== 'index.js')
      .map(([f, s]) => `${f} ${(s / 1024).toFixed(0)} KiB`)
      .join(', ') || 'none'
  }`,
  '≤ 2048 KiB',
  bundleBytes <= 2048 * 1024
)

rmSync(floorDir, { recursive: true, force: true })
const mark = (pass) => (pass === undefined ? '' : pass ? '✓' : '✗ over')
console.log(
  `sae-image-pull-secret benchmark — Node ${execFileSync(node24(), ['--version']).toString().trim()}, ${RUNS} runs (${loginRuns} at ${LATENCY_MS} ms latency), medians; × is the ratio to bare Node\n`
)
console.log('| measure | value | target | |')
console.log('| --- | --- | --- | --- |')
for (const { measure, value, target, pass } of rows)
  console.log(`| ${measure} | ${value} | ${target} | ${mark(pass)} |`)
const missed = rows.filter((r) => r.pass === false).length
console.log(`\n${rows.filter((r) => r.pass !== undefined).length - missed} targets met, ${missed} missed`)

// 6. Round trips per path through a latency world, this tree beside the baseline when one is given.
const latencyStarted = Date.now()
const latency = await measureLatency({
  runs: 3,
  ...latencySettings,
  bundles: latencyBundles,
  log: (line) => console.error(`latency: ${line}`)
})
console.log(`\n${formatLatencyReport(latency)}`)
if (latencyJson) writeFileSync(latencyJson, JSON.stringify(latency, null, 1))
console.log(
  `\nThe latency section took ${((Date.now() - latencyStarted) / 1000).toFixed(0)} s; the whole bench ${((Date.now() - benchStarted) / 1000).toFixed(0)} s.`
)

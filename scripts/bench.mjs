// `npm run bench`: start-up, whole-step time, fan-out and API calls of the bundle under Node 24,
// against the local emulator. Figures, not a pass/fail test: these machines are shared and noisy.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmulator } from '../test/emulator/sae-emulator.mjs'
import { node24, ROOT, runAction } from '../test/harness/action-runner.mjs'
import { ncc } from './build.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const KEY = { accessKeyId: 'LTAI5tBench', accessKeySecret: 'bench-secret' }
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const ms = (value) => `${value.toFixed(1)} ms`

/** Spawns Node 24; resolves with the start time and the time to exit, in ms. */
function spawnNode(args, env = {}) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint()
    spawn(node24(), args, { stdio: 'ignore', env: { ...process.env, ...env } }).on('close', () =>
      resolve({ started, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 })
    )
  })
}

// The SDK floor: a bundle of @alicloud/openapi-client alone, sending one signed call.
const floorDir = mkdtempSync(join(tmpdir(), 'sdk-floor-'))
ncc('scripts/bench/sdk-floor.js', floorDir)

async function withEmulator(options, body) {
  const sae = await startEmulator({ keys: [KEY], ...options })
  try {
    return await body(sae)
  } finally {
    await sae.stop()
  }
}

const inputs = (sae, extra = {}) => ({
  'namespace-id': 'cn-hangzhou:bench',
  'secret-name': 'registry-auth',
  username: 'bench',
  password: 'bench-password',
  'access-key-id': KEY.accessKeyId,
  'access-key-secret': KEY.accessKeySecret,
  endpoint: sae.origin,
  ...extra
})

// 1. Start-up: process start -> first request at the emulator, against a bare `node -e 0`.
const bare = []
const toFirstRequest = []
const sdkFloor = []
const wholeStep = []
await withEmulator({ namespaces: ['cn-hangzhou:bench'] }, async (sae) => {
  for (let i = 0; i < RUNS; i++) {
    bare.push((await spawnNode(['-e', '0'])).elapsedMs)
    const floorStart = sae.calls().length
    const floor = await spawnNode([join(floorDir, 'index.js')], {
      FLOOR_ENDPOINT: new URL(sae.origin).host,
      FLOOR_KEY_ID: KEY.accessKeyId,
      FLOOR_KEY_SECRET: KEY.accessKeySecret
    })
    sdkFloor.push(Number(sae.calls()[floorStart].receivedAt - floor.started) / 1e6)
    const before = sae.calls().length
    const run = await runAction({ inputs: inputs(sae, { 'secret-name': `start${i}`, 'if-exists': 'fail' }) })
    if (run.code !== 0) throw new Error(`bench run failed: ${run.stdout}`)
    toFirstRequest.push(Number(sae.calls()[before].receivedAt - run.startedAt) / 1e6)
    wholeStep.push(run.elapsedMs)
  }
})

// 2. Fan-out: 10 namespaces against 1, each answer delayed 200 ms.
const fanOut = async (count) =>
  withEmulator({ namespaces: Array.from({ length: count }, (_, i) => `cn-hangzhou:ns${i}`), latencyMs: 200 }, async (sae) => {
    const times = []
    for (let i = 0; i < Math.max(3, Math.floor(RUNS / 3)); i++) {
      const namespaceIds = Array.from({ length: count }, (_, n) => `cn-hangzhou:ns${n}`).join('\n')
      const run = await runAction({ inputs: inputs(sae, { 'namespace-id': namespaceIds, 'secret-name': `fan${i}` }) })
      if (run.code !== 0) throw new Error(`fan-out run failed: ${run.stdout}`)
      times.push(run.elapsedMs)
    }
    return median(times)
  })
const one = await fanOut(1)
const ten = await fanOut(10)

// 3. SAE calls per path.
const calls = await withEmulator({ namespaces: ['cn-hangzhou:bench'] }, async (sae) => {
  const count = async (extra) => {
    const before = sae.calls().length
    const run = await runAction({ inputs: inputs(sae, extra) })
    if (run.code !== 0) throw new Error(`calls run failed: ${run.stdout}`)
    return { n: sae.calls().length - before, actions: sae.calls().slice(before).map((c) => c.action).join(' + '), result: run.outputs.result }
  }
  return {
    'first run, if-exists fail': await count({ 'secret-name': 'calls-fail', 'if-exists': 'fail' }),
    'first run, if-exists skip (default)': await count({ 'secret-name': 'calls' }),
    'existing Secret, skip': await count({ 'secret-name': 'calls' }),
    'existing, unchanged Secret, update': await count({ 'secret-name': 'calls', 'if-exists': 'update' }),
    'existing, changed Secret, update': await count({ 'secret-name': 'calls', 'if-exists': 'update', password: 'rotated' })
  }
})

// 4. Bundle size.
const distFiles = readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.js'))
const sizes = Object.fromEntries(distFiles.map((f) => [f, statSync(join(ROOT, 'dist', f)).size]))
const total = Object.values(sizes).reduce((a, b) => a + b, 0)

rmSync(floorDir, { recursive: true, force: true })
const startRatio = median(toFirstRequest) / median(bare)
console.log(`sae-image-pull-secret benchmark — Node ${execFileSync(node24(), ['--version']).toString().trim()}, ${RUNS} runs, medians\n`)
console.log('| measure | value | target |')
console.log('| --- | --- | --- |')
console.log(`| bare \`node -e 0\` (start to exit) | ${ms(median(bare))} | |`)
console.log(`| bundle: process start → first request | ${ms(median(toFirstRequest))} | |`)
console.log(`| start-up ratio (first request / bare node) | ${startRatio.toFixed(2)}× | ≤ 1.5× |`)
console.log(`| SDK floor: openapi-client alone, process start → first request | ${ms(median(sdkFloor))} (${(median(sdkFloor) / median(bare)).toFixed(2)}×) | |`)
console.log(`| whole step, first run (1 call) | ${ms(median(wholeStep))} | |`)
console.log(`| 1 namespace at 200 ms latency (default skip: 2 calls) | ${ms(one)} | |`)
console.log(`| 10 namespaces at 200 ms latency | ${ms(ten)} | |`)
console.log(`| fan-out ratio (10 / 1) | ${(ten / one).toFixed(2)}× | ≤ 1.5× |`)
for (const [path, { n, actions, result }] of Object.entries(calls)) console.log(`| SAE calls: ${path} | ${n} (${actions} → ${result}) | |`)
console.log(`| bundle size (dist/*.js) | ${(total / 1024).toFixed(0)} KiB (${Object.entries(sizes).map(([f, s]) => `${f} ${(s / 1024).toFixed(0)}`).join(', ')}) | ≤ 1 MB |`)

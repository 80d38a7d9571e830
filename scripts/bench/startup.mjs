// Start-up figures, process start -> first request at the SAE emulator, for several programs side by
// side: each round runs every case once (the order rotated each round, after one warm-up round), so
// the machine's drift touches all alike. Wall time is the spawn, in this process, to the emulator
// receiving the request, on one monotonic clock. CPU time is read inside the child by
// first-request-probe.cjs, preloaded into every case alike through NODE_OPTIONS: the main thread's
// own (RUSAGE_THREAD) and the whole process's (RUSAGE_SELF), at the moment the first connection to
// the emulator is up. A case that never connects (bare `node -e 0`) is measured to its exit.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmulator } from '../../devkit/emulator/sae-emulator.mjs'
import { node24, runAction } from '../../devkit/harness/action-runner.mjs'

const PROBE = join(dirname(fileURLToPath(import.meta.url)), 'first-request-probe.cjs')
export const KEY = { accessKeyId: 'LTAI5tBench', accessKeySecret: 'bench-secret' }
export const NAMESPACE = 'cn-hangzhou:bench'

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The action's inputs for one first run (ListSecrets + CreateSecret) against the emulator. */
export const actionInputs = (sae, extra = {}) => ({
  'namespace-id': NAMESPACE,
  'secret-name': 'registry-auth',
  username: 'bench',
  password: 'bench-password',
  'access-key-id': KEY.accessKeyId,
  'access-key-secret': KEY.accessKeySecret,
  endpoint: sae.origin,
  'verify-login': 'false',
  'registry-domains': 'registry.bench.invalid',
  ...extra
})

function spawnUntilExit(args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(node24(), args, { stdio: ['ignore', 'ignore', 'pipe'], env })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0
        ? resolve({ started, exited: process.hrtime.bigint() })
        : reject(new Error(`${args.join(' ')} exited ${code}:\n${stderr}`))
    )
  })
}

/**
 * One run of a case; returns { wallMs, threadCpuMs, processCpuMs }, and for the action the whole
 * step's time to exit and the connections it opened: { stepMs, connections }.
 * A case is { name, bare: true } (`node -e 0`), { name, script } (a bundle sending one signed call
 * to FLOOR_ENDPOINT with FLOOR_KEY_*), or { name, action } (a bundle run as the runner runs the
 * action, on its first run of one namespace).
 */
async function runOnce(testCase, sae, workDir, round) {
  const probeFile = join(workDir, `${round}-${testCase.name.replace(/\W+/g, '_')}.json`)
  const probeEnv = {
    NODE_OPTIONS: `--require ${PROBE}`,
    BENCH_PROBE_FILE: probeFile,
    BENCH_PROBE_PORT: String(new URL(sae.origin).port),
    ...(testCase.env ?? {})
  }
  const before = sae.calls().length
  const connections = sae.stats.connections
  let wallNs
  let step = {}
  if (testCase.bare) {
    const { started, exited } = await spawnUntilExit(['-e', '0'], { PATH: process.env.PATH ?? '', ...probeEnv })
    wallNs = exited - started
  } else if (testCase.script) {
    const env = {
      PATH: process.env.PATH ?? '',
      FLOOR_ENDPOINT: new URL(sae.origin).host,
      FLOOR_KEY_ID: KEY.accessKeyId,
      FLOOR_KEY_SECRET: KEY.accessKeySecret,
      ...probeEnv
    }
    const { started } = await spawnUntilExit([testCase.script], env)
    wallNs = sae.calls()[before].receivedAt - started
  } else {
    const result = await runAction({
      bundle: testCase.action,
      inputs: actionInputs(sae, { 'secret-name': `start${round}` }),
      offline: false,
      env: { RUNNER_DEBUG: '', ...probeEnv }
    })
    if (result.code !== 0) throw new Error(`${testCase.name} failed:\n${result.stdout}`)
    wallNs = sae.calls()[before].receivedAt - result.startedAt
    step = { stepMs: result.elapsedMs, connections: sae.stats.connections - connections }
  }
  const probe = JSON.parse(readFileSync(probeFile, 'utf8'))
  if (!testCase.bare && probe.point !== 'first connection')
    throw new Error(`${testCase.name}: the probe saw no connection to the emulator`)
  return { wallMs: Number(wallNs) / 1e6, threadCpuMs: probe.threadCpuMs, processCpuMs: probe.processCpuMs, ...step }
}

/**
 * Measures every case `runs` times, interleaved; returns, per case name, the runs and their
 * medians, and `paired(a, b)`: the median over rounds of a's figure over b's in the same round.
 */
export async function measureStartup(cases, { runs = 15, warmup = 1 } = {}) {
  const workDir = mkdtempSync(join(tmpdir(), 'bench-startup-'))
  const samples = Object.fromEntries(cases.map((c) => [c.name, []]))
  const sae = await startEmulator({ keys: [KEY], namespaces: [NAMESPACE] })
  try {
    for (let round = 0; round < warmup + runs; round++) {
      for (let i = 0; i < cases.length; i++) {
        const testCase = cases[(round + i) % cases.length]
        const sample = await runOnce(testCase, sae, workDir, round)
        if (round >= warmup) samples[testCase.name].push(sample)
      }
    }
  } finally {
    await sae.stop()
    rmSync(workDir, { recursive: true, force: true })
  }
  const figures = ['wallMs', 'threadCpuMs', 'processCpuMs', 'stepMs', 'connections']
  const medians = Object.fromEntries(
    Object.entries(samples).map(([name, list]) => [
      name,
      Object.fromEntries(
        figures.filter((figure) => figure in list[0]).map((figure) => [figure, median(list.map((s) => s[figure]))])
      )
    ])
  )
  const paired = (a, b, figure) => median(samples[a].map((s, i) => s[figure] / samples[b][i][figure]))
  return { samples, medians, paired }
}

/** Markdown rows: each case's wall and main-thread CPU, each beside its ratio to `bare`. */
export function startupRows(result, bare) {
  const base = result.medians[bare]
  const cell = (value, baseline) => `${value.toFixed(1)} ms (${(value / baseline).toFixed(2)}×)`
  return Object.entries(result.medians).map(([name, m]) => ({
    name,
    wall: cell(m.wallMs, base.wallMs),
    cpu: cell(m.threadCpuMs, base.threadCpuMs),
    processCpu: cell(m.processCpuMs, base.processCpuMs)
  }))
}

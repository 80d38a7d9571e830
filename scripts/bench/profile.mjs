// Where start-up goes: `node scripts/bench/profile.mjs [runs]` builds the action and the libraries
// floor unminified (so that every line of the bundle names its module), runs each under V8's
// sampling profiler (--cpu-prof) until its first connection to the emulator (the probe ends the
// process there), and charges every sample of the main thread to the innermost bundled module on
// its stack, else to what V8 or Node was doing. Prints, per package, the median milliseconds of
// each, and their difference: what the action costs beyond the two libraries it must load.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEmulator } from '../../devkit/emulator/sae-emulator.mjs'
import { node24, runAction } from '../../devkit/harness/action-runner.mjs'
import { ncc } from '../build.mjs'
import { actionInputs, KEY, median, NAMESPACE } from './startup.mjs'

const RUNS = Number(process.argv[2] ?? 5)
const HERE = dirname(fileURLToPath(import.meta.url))
const PROBE = join(HERE, 'first-request-probe.cjs')
const INTERVAL_US = 100

/** Line ranges of an unminified ncc bundle: each line's module path, or '(webpack runtime)'. */
function moduleOfLine(bundlePath, statsPath) {
  const names = new Map(
    JSON.parse(readFileSync(statsPath, 'utf8'))
      .modules.filter((m) => m.id !== null)
      .map((m) => [String(m.id), m.name])
  )
  const lines = readFileSync(bundlePath, 'utf8').split('\n')
  const owner = []
  let current = '(webpack runtime)'
  for (const line of lines) {
    const start = /^\/\*\*\*\/ (\d+):$/.exec(line)
    const concatenated = /^;\/\/ CONCATENATED MODULE: (.+)$/.exec(line)
    // A group webpack concatenated (ES modules) starts with the imports of all its members, hoisted.
    if (start)
      current = (names.get(start[1]) ?? `module ${start[1]}`).replace(
        /^(.+) \+ (\d+) modules$/,
        'imports hoisted for $1 and its $2 concatenated modules'
      )
    else if (concatenated) current = concatenated[1]
    else if (line.startsWith('/******/')) current = '(webpack runtime)'
    owner.push(current)
  }
  return owner
}

const packageOf = (modulePath) => {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(modulePath)
  if (inPackage) return inPackage[1]
  if (modulePath.startsWith('imports hoisted')) return modulePath.replace('./', '')
  if (modulePath.startsWith('./src/')) return `the action: ${modulePath.slice(2)}`
  if (modulePath.startsWith('./scripts/')) return 'the floor script'
  return modulePath
}

/**
 * Milliseconds per label, up to `cutUs`, from one .cpuprofile: samples counted, each worth the
 * sampling interval (on a busy machine the time between samples includes time the thread was not
 * running; the count does not). A Node built-in is charged to the bundled module that required it.
 */
function charge(profile, cutUs, bundleUrl, owner) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const labelOf = new Map()
  const label = (id) => {
    if (labelOf.has(id)) return labelOf.get(id)
    const leaf = nodes.get(id).callFrame
    let result
    if (leaf.functionName === '(garbage collector)') result = 'V8: garbage collection'
    else if (leaf.functionName === '(program)') result = 'V8/Node native, no JS on the stack'
    else if (leaf.functionName === '(idle)') result = '(idle)'
    else {
      // Up the stack to the first bundled module that is neither a built-in's stub nor webpack's require.
      let builtin
      let inRuntime = false
      for (let at = id; at !== undefined && !result; at = parent.get(at)) {
        const frame = nodes.get(at).callFrame
        if (frame.url === bundleUrl) {
          const module = owner[frame.lineNumber] ?? '?'
          const external = /^external "(?:node:)?(.+)"$/.exec(module)
          if (external) builtin ??= external[1]
          else if (module === '(webpack runtime)') inRuntime = true
          else result = builtin ? `${packageOf(module)} → node:${builtin}` : packageOf(module)
        } else if (frame.url.endsWith('first-request-probe.cjs')) result = '(the probe)'
      }
      if (!result && inRuntime) result = builtin ? `(webpack runtime) → node:${builtin}` : '(webpack runtime)'
      result ??= leaf.url.startsWith('node:internal/modules')
        ? `Node: module loaders (${leaf.functionName || 'top level'})`
        : 'Node: bootstrap'
    }
    labelOf.set(id, result)
    return result
  }
  const totals = {}
  let t = profile.startTime
  const times = profile.timeDeltas.map((delta) => (t += delta))
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i] > cutUs) break
    const name = label(profile.samples[i])
    totals[name] = (totals[name] ?? 0) + INTERVAL_US / 1000
  }
  return totals
}

const work = mkdtempSync(join(tmpdir(), 'bench-profile-'))
const subjects = [
  { name: 'action', entry: 'src/index.ts' },
  { name: 'libraries floor', entry: 'scripts/bench/libraries-floor.js' }
]
for (const subject of subjects) {
  subject.dir = join(work, subject.name.replace(/\W/g, '-'))
  subject.stats = join(work, `${subject.name.replace(/\W/g, '-')}.json`)
  ncc(subject.entry, subject.dir, ['--stats-out', subject.stats])
  subject.owner = moduleOfLine(join(subject.dir, 'index.js'), subject.stats)
  subject.runs = []
}

const sae = await startEmulator({ keys: [KEY], namespaces: [NAMESPACE] })
try {
  for (let round = 0; round < RUNS; round++) {
    for (const subject of subjects) {
      const profileDir = join(work, `prof-${round}-${subject.dir.split('/').pop()}`)
      const probeFile = `${profileDir}.json`
      const bundle = join(subject.dir, 'index.js')
      const env = {
        NODE_OPTIONS: `--require ${PROBE} --cpu-prof --cpu-prof-dir=${profileDir} --cpu-prof-interval=${INTERVAL_US}`,
        BENCH_PROBE_FILE: probeFile,
        BENCH_PROBE_PORT: String(new URL(sae.origin).port),
        BENCH_PROBE_EXIT: '1'
      }
      if (subject.entry.endsWith('.ts')) {
        await runAction({
          bundle,
          inputs: actionInputs(sae, { 'secret-name': `profile${round}` }),
          offline: false,
          env: { RUNNER_DEBUG: '', ...env }
        })
      } else {
        const floorEnv = {
          PATH: process.env.PATH ?? '',
          FLOOR_ENDPOINT: new URL(sae.origin).host,
          FLOOR_KEY_ID: KEY.accessKeyId,
          FLOOR_KEY_SECRET: KEY.accessKeySecret,
          ...env
        }
        await new Promise((resolve) =>
          spawn(node24(), [bundle], { env: floorEnv, stdio: 'ignore' }).on('close', resolve)
        )
      }
      const probe = JSON.parse(readFileSync(probeFile, 'utf8'))
      if (probe.point !== 'first connection') throw new Error(`${subject.name}: no connection to the emulator`)
      const [file] = readdirSync(profileDir)
      const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8'))
      subject.runs.push(charge(profile, probe.monotonicUs, `file://${bundle}`, subject.owner))
    }
  }
} finally {
  await sae.stop()
}

const [action, floor] = subjects
const labels = [...new Set(subjects.flatMap((s) => s.runs.flatMap((r) => Object.keys(r))))].filter(
  (l) => l !== '(idle)'
)
const med = (subject, label) => median(subject.runs.map((r) => r[label] ?? 0))
const sumOf = (subject, pick) =>
  median(subject.runs.map((r) => Object.entries(r).reduce((sum, [l, v]) => (pick(l) ? sum + v : sum), 0)))
const print = (title, rows) => {
  console.log(`\n${title}\n\n| charged to | the action | libraries floor | difference |\n| --- | --- | --- | --- |`)
  for (const { l, a, f } of rows.sort((x, y) => y.a - y.f - (x.a - x.f) || y.a - x.a))
    if (a >= 0.5 || f >= 0.5)
      console.log(`| ${l} | ${a.toFixed(1)} | ${f.toFixed(1)} | ${(a - f >= 0 ? '+' : '') + (a - f).toFixed(1)} |`)
}
console.log(
  `Main-thread CPU samples to the first request, unminified builds, medians of ${RUNS} runs, in ms (samples × ${INTERVAL_US} µs)`
)
// By package, with the Node built-ins each was the first to require.
const packages = [...new Set(labels.map((l) => l.split(' → ')[0]))]
print(
  'By package (Node built-ins it loaded included):',
  packages.map((p) => ({
    l: p,
    a: sumOf(action, (l) => l.split(' → ')[0] === p),
    f: sumOf(floor, (l) => l.split(' → ')[0] === p)
  }))
)
print(
  'In detail:',
  labels.map((l) => ({ l, a: med(action, l), f: med(floor, l) }))
)
const all = (l) => l !== '(idle)'
console.log(
  `| total (idle excluded) | ${sumOf(action, all).toFixed(1)} | ${sumOf(floor, all).toFixed(1)} | ${(sumOf(action, all) - sumOf(floor, all)).toFixed(1)} |`
)
rmSync(work, { recursive: true, force: true })

// Which build of dist/ starts fastest: `node scripts/bench/builds.mjs [runs]` builds the action and
// the libraries floor three ways (ncc --minify alone, as dist/ was built before; unminified; minified
// with the module factories wrapped in parentheses again, as dist/ is built now) and measures all six
// side by side, to the first request (scripts/bench/startup.mjs), with the entry bundle's size.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundle } from '../build.mjs'
import { measureStartup } from './startup.mjs'

const RUNS = Number(process.argv[2] ?? 15)
const BUILDS = [
  { build: 'ncc --minify (before)', options: { rewrap: false } },
  { build: 'unminified', options: { minify: false } },
  { build: 'minified, factories re-wrapped (dist/ now)', options: {} }
]

const work = mkdtempSync(join(tmpdir(), 'bench-builds-'))
try {
  const cases = [{ name: 'bare', bare: true }]
  for (const [i, { build, options }] of BUILDS.entries()) {
    await bundle('src/index.ts', join(work, `action-${i}`), options)
    await bundle('scripts/bench/libraries-floor.js', join(work, `floor-${i}`), options)
    cases.push(
      { name: `floor ${build}`, script: join(work, `floor-${i}`, 'index.js') },
      { name: `action ${build}`, action: join(work, `action-${i}`, 'index.js') }
    )
  }
  const result = await measureStartup(cases, { runs: RUNS })
  const bare = result.medians.bare
  const cell = (value, base) => `${value.toFixed(1)} ms (${(value / base).toFixed(2)}×)`
  console.log(
    `Start → first request, medians of ${RUNS} interleaved runs; × is the ratio to bare Node (wall ${bare.wallMs.toFixed(1)} ms, main-thread CPU ${bare.threadCpuMs.toFixed(1)} ms)\n`
  )
  console.log(
    '| build | entry size | floor wall | floor CPU | action wall | action CPU | action / floor, CPU (run by run) | action CPU / before |'
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const [i, { build }] of BUILDS.entries()) {
    const floor = result.medians[`floor ${build}`]
    const action = result.medians[`action ${build}`]
    const size = statSync(join(work, `action-${i}`, 'index.js')).size
    console.log(
      `| ${build} | ${(size / 1024).toFixed(0)} KiB | ${cell(floor.wallMs, bare.wallMs)} | ${cell(floor.threadCpuMs, bare.threadCpuMs)} | ${cell(action.wallMs, bare.wallMs)} | ${cell(action.threadCpuMs, bare.threadCpuMs)} | ${result.paired(`action ${build}`, `floor ${build}`, 'threadCpuMs').toFixed(3)}× | ${result.paired(`action ${build}`, `action ${BUILDS[0].build}`, 'threadCpuMs').toFixed(3)}× |`
    )
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

// The latency section of `npm run bench` (scripts/bench/latency.mjs): its arithmetic, its options,
// and one real run of the bundle through a latency world at RTT 0, judged by what was asked of whom
// and in which order, never by how long it took.
import { describe, expect, test } from '@jest/globals'
import { join } from 'node:path'
import { ROOT } from '../../devkit/harness/action-runner.mjs'
import {
  fit,
  formatLatencyReport,
  latencyOptions,
  latencyTargets,
  measureLatency,
  NAMES
} from '../../scripts/bench/latency.mjs'

describe('round trips', () => {
  test('the least-squares slope of points on a line is its slope, and of noisy points the best line', () => {
    // 4 round trips + 120 ms of start-up, at the bench's RTTs.
    expect(
      fit([
        [0, 120],
        [50, 320],
        [100, 520],
        [200, 920]
      ])
    ).toEqual({ slope: 4, intercept: 120 })
    // Mean x 100, mean y 605; Sxy = (-100)(-505) + 0 + 0 + 100·495 = 100000, Sxx = 20000: slope 5, intercept 105.
    expect(
      fit([
        [0, 100],
        [100, 580],
        [100, 640],
        [200, 1100]
      ])
    ).toEqual({ slope: 5, intercept: 105 })
    expect(fit([[200, 900]])).toEqual({ slope: 0, intercept: 900 })
  })
})

describe('options', () => {
  test('flags win over BENCH_* variables; a baseline comes from either', () => {
    expect(
      latencyOptions(['--runs', '7', '--rtts=0,100', '--paths', 'image', '--json', 'out.json'], {
        BENCH_BASELINE: '/r3/dist/index.js',
        BENCH_LATENCY_RUNS: '2',
        BENCH_LATENCY_RTTS: '0,50'
      })
    ).toEqual({ baseline: '/r3/dist/index.js', runs: 7, rtts: [0, 100], paths: ['image'], json: 'out.json' })
    expect(latencyOptions([], {})).toEqual({})
    expect(latencyOptions(['--baseline', 'x.js', '--dns', '100'], {})).toEqual({ baseline: 'x.js', dnsMs: 100 })
  })

  test('an unknown flag, a count that is not a number and zero runs are refused', () => {
    expect(() => latencyOptions(['--rounds', '3'], {})).toThrow('unknown option --rounds')
    expect(() => latencyOptions(['--runs', 'many'], {})).toThrow('--runs: a number ≥ 0, not NaN')
    expect(() => latencyOptions(['--runs', '0'], {})).toThrow('--runs: at least 1')
  })

  test("the bundles: this tree's dist/index.js, then the baseline; a baseline that is not there is refused", () => {
    expect(latencyTargets({}).map(({ label, bundle }) => [label, bundle])).toEqual([
      ['this tree', join(ROOT, 'dist', 'index.js')]
    ])
    expect(() => latencyTargets({ baseline: join(ROOT, 'no', 'such', 'index.js') })).toThrow(
      `no bundle at ${join(ROOT, 'no', 'such', 'index.js')} (build it first)`
    )
  })
})

test('one run of the image path through a latency world: the calls the path expects, each on a connection to its real name', async () => {
  const bundles = latencyTargets({})
  const result = await measureLatency({
    bundles,
    rtts: [0],
    runs: 1,
    warmup: 0,
    paths: ['image'],
    timelineRtt: 0
  })
  const [row] = result.rows
  const connections = row.timeline.connections
  expect(
    connections
      .map((c: { host: string; requests: Array<{ method: string; path: string; status: number }> }) =>
        c.requests.map((r) => `${c.host} ${r.method} ${r.path} ${r.status}`)
      )
      .flat()
      .sort()
  ).toEqual(
    [
      `${NAMES.registry} GET /v2/ 401`,
      `${NAMES.registry} HEAD /v2/shop/web/manifests/1.4.2 200`,
      `${NAMES.auth} GET /auth 200`,
      `${NAMES.sae} GET /pop/v1/sam/secret/secrets 200`,
      `${NAMES.sae} POST /pop/v1/sam/secret/secret 200`
    ].sort()
  )
  // Each connection went through its relay: accepted, then TLS done, before its first request left.
  for (const c of connections) {
    expect(c.accept).toBeDefined()
    expect(c.tlsDone).toBeGreaterThanOrEqual(c.accept)
    expect(c.requests[0].sent).toBeGreaterThanOrEqual(c.tlsDone)
  }
  const report = formatLatencyReport(result)
  expect(report).toContain(
    '| path | bundle | RTT 0 | round trips: counted | slope | fastest runs | minimum | intercept |'
  )
  expect(report).toContain('| 3. first run with images (ACR, Bearer realm on another host) | this tree |')
})

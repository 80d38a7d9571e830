// The action's round trips, measured: dist/index.js (and a baseline bundle, interleaved) run as the
// runner runs it, per path, inside a latency world (devkit/latency/): SAE, STS, ACR's registry and
// token host and the runner's ID-token host under their real names on loopback, behind relays that
// add the round-trip time, with TLS 1.3 and a throwaway CA. Per path: the median wall time (spawn ->
// exit) at each RTT, the least-squares slope over the RTTs (the round trips) beside the physical
// minimum, start-up (spawn -> first request at RTT 0), how much of the first handshake hides behind
// start-up, and the timeline of one run per path. `npm run bench` runs it as its last section;
//
//   node scripts/bench/latency.mjs [--baseline path/to/dist/index.js] [--runs 3] [--rtts 0,50,100,200]
//     [--paths first-run,existing-skip,image,oidc] [--dns 0] [--timeline-rtt 200] [--json out.json]
//
// (run with Node 24: `npm exec -- node scripts/bench/latency.mjs …`). In `npm run bench`, the same
// flags after `--`, or BENCH_BASELINE, BENCH_LATENCY_RUNS, BENCH_LATENCY_RTTS, BENCH_LATENCY_PATHS.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { startEmulator } from '../../devkit/emulator/sae-emulator.mjs'
import { node24, parseOutputFile, ROOT, stepEnvironment } from '../../devkit/harness/action-runner.mjs'
import { connectionsOf, roundTripsOf } from '../../devkit/latency/timeline.mjs'
import { startLatencyWorld } from '../../devkit/latency/world.mjs'

export const NAMES = {
  sae: 'sae.cn-hangzhou.aliyuncs.com',
  sts: 'sts.aliyuncs.com',
  registry: 'registry.cn-hangzhou.aliyuncs.com',
  auth: 'dockerauth.cn-hangzhou.aliyuncs.com',
  // ACTIONS_ID_TOKEN_REQUEST_URL's host on a GitHub-hosted runner.
  idToken: 'pipelines.actions.githubusercontent.com'
}
/** ACR's token service, as its registries' challenges name it. */
export const REALM = `https://${NAMES.auth}/auth`
const KEY = { accessKeyId: 'LTAI5tLatencyBench', accessKeySecret: 'latency-bench-secret' }
const NAMESPACE = 'cn-hangzhou:bench'
const REGISTRY_USER = { username: 'bench', password: 'bench-password' }
const ROLE = {
  roleArn: 'acs:ram::123456789012:role/github-deploy',
  oidcProviderArn: 'acs:ram::123456789012:oidc-provider/github'
}
const IMAGE = `${NAMES.registry}/shop/web:1.4.2`
const base = (secretName) => ({ 'namespace-id': NAMESPACE, 'secret-name': secretName, ...REGISTRY_USER })
const keys = { 'access-key-id': KEY.accessKeyId, 'access-key-secret': KEY.accessKeySecret }
const oidcInputs = { 'role-to-assume': ROLE.roleArn, 'oidc-provider-arn': ROLE.oidcProviderArn }

/**
 * Each path: its inputs, what SAE/STS and the registry must have been asked (in order), the
 * `result` output, the fewest round trips it can take and why. `oidc`: the ID-token host `near`
 * the runner (RTT 0, no DNS time: GitHub's token service is close to its runners) or `far` (at the
 * world's RTT: the worst case).
 */
export const PATHS = {
  'first-run': {
    title: '1. first run, keys, no registry check',
    detail: 'AccessKey inputs, verify-login false: ListSecrets + CreateSecret',
    inputs: (name) => ({ ...base(name), ...keys, 'verify-login': 'false' }),
    calls: ['ListSecrets', 'CreateSecret'],
    result: 'created',
    minimum: 4,
    why: 'one connection (TCP 1 + TLS 1.3 1), then ListSecrets 1 and CreateSecret 1, which needs its answer (skip looks first)'
  },
  'existing-skip': {
    title: '2. existing Secret, skip',
    detail: 'the same docker config stored, if-exists skip, verify-login false: ListSecrets + DescribeSecret',
    inputs: () => ({ ...base('existing'), ...keys, 'verify-login': 'false', 'if-exists': 'skip' }),
    calls: ['ListSecrets', 'DescribeSecret'],
    result: 'skipped',
    minimum: 4,
    why: "one connection 2, ListSecrets 1, DescribeSecret 1 (it needs the listing's SecretId)"
  },
  image: {
    title: '3. first run with images (ACR, Bearer realm on another host)',
    detail: `images ${IMAGE}, verify-login default; realm ${REALM}: GET /v2/, token, HEAD of the manifest, then CreateSecret`,
    inputs: (name) => ({ ...base(name), ...keys, images: IMAGE }),
    calls: ['ListSecrets', 'CreateSecret'],
    registry: ['registry GET /v2/', 'token GET /auth', 'registry HEAD /v2/shop/web/manifests/1.4.2'],
    stdout: `Image ${IMAGE} can be pulled`,
    result: 'created',
    minimum: 6,
    why:
      "every connection opened at once, the realm's too (ACR's is known from the registry's name): 2; GET /v2/ 1 " +
      '(the challenge), token 1, HEAD of the manifest 1, CreateSecret 1 (the write waits for the verdict)'
  },
  oidc: {
    title: '4. GitHub OIDC, then first run',
    detail: 'ID token from a host near the runner (RTT 0), AssumeRoleWithOIDC at STS, then ListSecrets + CreateSecret',
    inputs: (name) => ({ ...base(name), ...oidcInputs, 'verify-login': 'false' }),
    oidc: 'near',
    calls: ['AssumeRoleWithOIDC', 'ListSecrets', 'CreateSecret'],
    result: 'created',
    minimum: 5,
    why:
      "ID token ~0; STS's connection 2 and AssumeRoleWithOIDC 1, with SAE's connection opened beside it " +
      '(its host is an input); ListSecrets 1, CreateSecret 1'
  },
  'oidc-far': {
    title: '4f. GitHub OIDC, ID-token host far',
    detail: 'as 4, the ID-token host at the same RTT as Hangzhou (the worst case)',
    inputs: (name) => ({ ...base(name), ...oidcInputs, 'verify-login': 'false' }),
    oidc: 'far',
    calls: ['AssumeRoleWithOIDC', 'ListSecrets', 'CreateSecret'],
    result: 'created',
    minimum: 6,
    why: 'every connection opened at once: 2; ID token 1, AssumeRoleWithOIDC 1, ListSecrets 1, CreateSecret 1'
  }
}
export const DEFAULT_PATHS = ['first-run', 'existing-skip', 'image', 'oidc']

/** The model and where it differs from a real link, for the report's header (devkit/latency/README.md says more). */
export const MODEL = [
  'Model: per connection, the first byte the client sends leaves 1 RTT after connect() (the SYN/SYN-ACK), each',
  'chunk takes RTT/2 each way, TLS 1.3 ends at the far side with a certificate for the real name: a new HTTPS',
  'connection + request = DNS + 3 RTT, a kept-alive request = 1 RTT. Every name resolves, after the DNS time, to',
  'a relay on loopback; any other name is ENOTFOUND: nothing leaves the machine.',
  'Deviations: no bandwidth, congestion window, loss or jitter; servers answer in ~1 ms (real SAE/STS/ACR take',
  'tens of ms per call); the client sees its own TCP connect at once (only connect timeouts could tell); DNS is a',
  'fixed delay, IPv4 only; the preload and NODE_EXTRA_CA_CERTS add to start-up (measured below); timers are ~1 ms coarse;',
  "the relays, emulator and bundle share this machine's cores: RTT 0 is a little high, and other work on the machine",
  'adds to the timed figures (never to the counted round trips).'
]

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Least squares y = intercept + slope·x over [[x, y]]. */
export function fit(points) {
  const n = points.length
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0)
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0)
  const slope = sxx === 0 ? 0 : sxy / sxx
  return { slope, intercept: my - slope * mx }
}

/**
 * A bundle to measure, with the defaults of the action.yml beside its dist/ (the runner passes
 * those), or this tree's when it has none.
 * @param {string} bundle
 * @param {string} label
 */
export function bundleUnderTest(bundle, label) {
  const path = resolve(bundle)
  if (!existsSync(path)) throw new Error(`no bundle at ${path} (build it first)`)
  const own = join(dirname(path), '..', 'action.yml')
  const action = parse(readFileSync(existsSync(own) ? own : join(ROOT, 'action.yml'), 'utf8'))
  const defaults = Object.fromEntries(
    Object.entries(action.inputs ?? {})
      .filter(([, input]) => input.default !== undefined)
      .map(([name, input]) => [name, String(input.default)])
  )
  return { label, bundle: path, defaults }
}

/** The emulator (SAE, STS, the ID token) and the fake registry, one set for the whole measurement. */
async function startUpstreams() {
  const sae = await startEmulator({ keys: [KEY], namespaces: [NAMESPACE], quota: 1_000_000, oidc: ROLE })
  const registry = await startFakeRegistry({
    kind: 'bearer',
    ...REGISTRY_USER,
    realm: REALM,
    repositories: { 'shop/web': { tags: ['1.4.2'] } }
  })
  // Path 2's Secret holds the very docker config the action computes (ACR's VPC and public domains).
  const entry = {
    ...REGISTRY_USER,
    auth: Buffer.from(`${REGISTRY_USER.username}:${REGISTRY_USER.password}`).toString('base64')
  }
  const config = { auths: { 'registry-vpc.cn-hangzhou.aliyuncs.com': entry, [NAMES.registry]: entry } }
  sae.seedSecret(NAMESPACE, {
    name: 'existing',
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') }
  })
  return {
    sae,
    registry,
    async stop() {
      await registry.stop()
      await sae.stop()
    }
  }
}

/** The world of one path at one RTT. */
function worldOptions(upstreams, path, rttMs, dnsMs) {
  const sae = upstreams.sae.port
  return {
    rttMs,
    dnsMs,
    hosts: {
      [NAMES.sae]: sae,
      [NAMES.sts]: sae,
      [NAMES.registry]: upstreams.registry.port,
      [NAMES.auth]: upstreams.registry.tokenPort,
      [NAMES.idToken]: PATHS[path].oidc === 'near' ? { port: sae, rttMs: 0, dnsMs: 0 } : sae
    }
  }
}

/**
 * Runs a bundle once in `world` for `path` and checks that it did what the path expects (exit 0,
 * the result, the exact calls and registry requests); returns its figures and timeline.
 */
async function runOnce({ target, world, upstreams, path, secretName }) {
  const spec = PATHS[path]
  const oidcEnv = spec.oidc
    ? {
        ACTIONS_ID_TOKEN_REQUEST_URL: `https://${NAMES.idToken}/_github/idtoken?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: upstreams.sae.idTokenRequestToken
      }
    : {}
  const step = stepEnvironment(
    { ...target.defaults, ...spec.inputs(secretName) },
    { RUNNER_DEBUG: '', ...oidcEnv, ...world.env },
    { defaults: false, prefix: 'latency-run-' }
  )
  const saeBefore = upstreams.sae.calls().length
  const registryBefore = upstreams.registry.requests.length
  world.clearTimeline()
  const started = process.hrtime.bigint()
  const child = spawn(node24(), [...world.importArgs, target.bundle], {
    env: step.env,
    cwd: step.work,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  let exited = 0n
  child.on('exit', () => (exited = process.hrtime.bigint()))
  const code = await new Promise((done) => child.on('close', done))
  const { outputText } = step.collect()
  const fail = (why) => {
    throw new Error(`${target.label}, ${path} (${secretName}): ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`)
  }
  if (code !== 0) fail(`exited ${code}`)
  const result = parseOutputFile(outputText).result
  if (result !== spec.result) fail(`result ${result}, expected ${spec.result}`)
  const calls = upstreams.sae
    .calls()
    .slice(saeBefore)
    .map((call) => call.action)
  if (calls.join() !== spec.calls.join()) fail(`calls ${calls.join(' + ')}, expected ${spec.calls.join(' + ')}`)
  const asked = upstreams.registry.requests.slice(registryBefore).map((r) => `${r.server} ${r.method} ${r.path}`)
  const expected = spec.registry ?? []
  if (asked.join() !== expected.join())
    fail(`registry: ${asked.join(', ') || 'none'}, expected ${expected.join(', ') || 'none'}`)
  if (spec.stdout && !stdout.includes(spec.stdout)) fail(`stdout lacks "${spec.stdout}"`)

  const timeline = world.timeline({ t0: started })
  const connections = connectionsOf(timeline)
  const first = connections[0]
  // The first connection over the long link (path 4's ID-token host is near the runner).
  const far = connections.find((c) => !(spec.oidc === 'near' && c.host === NAMES.idToken))
  const handshake = far && far.tlsDone - far.socketAt
  const farRequest = far?.requests[0]
  return {
    wallMs: Number(exited - started) / 1e6,
    preloadMs: timeline.find((e) => e.kind === 'preload')?.ms,
    firstConnectionMs: first?.socketAt,
    firstRequestMadeMs: timeline.find((e) => e.kind === 'request-created')?.ms,
    firstRequestReceivedMs: timeline.find((e) => e.kind === 'server-request')?.ms,
    handshakeHost: far?.host,
    handshakeMs: handshake,
    // How long that connection had been opening before its first request was made (at most its handshake).
    hiddenMs: farRequest ? Math.min(Math.max(farRequest.created - far.socketAt, 0), handshake) : undefined,
    // Counted on the timeline, the ID-token host costing nothing when it is near.
    roundTrips: roundTripsOf(connections, (host) => (spec.oidc === 'near' && host === NAMES.idToken ? 0 : 1)),
    connections
  }
}

/** Spawn -> exit of `node -e 0`, bare and with the world's preload and CA, interleaved: what the world adds to start-up. */
async function preloadCost(world, runs = 7) {
  const once = (args, env) =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint()
      spawn(node24(), args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' })
        .on('error', reject)
        .on('exit', () => resolve(Number(process.hrtime.bigint() - started) / 1e6))
    })
  const bare = []
  const preloaded = []
  for (let i = 0; i < runs + 1; i++) {
    const pair = [await once(['-e', '0'], {}), await once([...world.importArgs, '-e', '0'], world.env)]
    if (i > 0) {
      bare.push(pair[0])
      preloaded.push(pair[1])
    }
  }
  return { bare: median(bare), preloaded: median(preloaded) }
}

/**
 * Measures every bundle on every path at every RTT: per path, `warmup` rounds thrown away, then
 * `runs` rounds, each running every (RTT, bundle) pair once in an order rotated round by round, so
 * the machine's drift touches all alike. Returns per path and bundle the samples by RTT, the fit,
 * and the median run at `timelineRtt`.
 */
export async function measureLatency({
  bundles,
  rtts = [0, 50, 100, 200],
  runs = 3,
  warmup = 1,
  paths = DEFAULT_PATHS,
  dnsMs = 0,
  timelineRtt = 200,
  log = () => {}
}) {
  for (const path of paths) if (!PATHS[path]) throw new Error(`unknown path ${path} (${Object.keys(PATHS).join(', ')})`)
  const loadBefore = loadavg()[0]
  const upstreams = await startUpstreams()
  const rows = []
  let serial = 0
  let mode
  let startCost
  try {
    for (const path of paths) {
      const worlds = []
      try {
        for (const rttMs of rtts) worlds.push(await startLatencyWorld(worldOptions(upstreams, path, rttMs, dnsMs)))
        mode = worlds[0].mode
        startCost ??= await preloadCost(worlds[0])
        const samples = bundles.map(() => rtts.map(() => []))
        for (let round = 0; round < warmup + runs; round++) {
          for (let k = 0; k < rtts.length; k++) {
            const r = (round + k) % rtts.length
            for (let j = 0; j < bundles.length; j++) {
              const b = (round + k + j) % bundles.length
              const sample = await runOnce({
                target: bundles[b],
                world: worlds[r],
                upstreams,
                path,
                secretName: `lat-${path}-${++serial}`
              })
              if (round >= warmup) samples[b][r].push(sample)
            }
          }
        }
        bundles.forEach((target, b) => {
          const byRtt = Object.fromEntries(rtts.map((rtt, r) => [rtt, samples[b][r]]))
          const medians = Object.fromEntries(rtts.map((rtt) => [rtt, median(byRtt[rtt].map((s) => s.wallMs))]))
          const chosen = byRtt[timelineRtt]
            ? [...byRtt[timelineRtt]].sort((a, c) => a.wallMs - c.wallMs)[Math.floor(byRtt[timelineRtt].length / 2)]
            : undefined
          const row = {
            path,
            bundle: target.label,
            byRtt,
            medians,
            ...fit(rtts.map((rtt) => [rtt, medians[rtt]])),
            // At RTT 0 every answer is in at once and nothing orders them: counted at the other RTTs.
            counted: rtts.filter((rtt) => rtt > 0).flatMap((rtt) => byRtt[rtt].map((s) => s.roundTrips)),
            // Load only ever adds time: the fastest run at each RTT, its start-up taken out (exit - first connection).
            fastest: fit(rtts.map((rtt) => [rtt, Math.min(...byRtt[rtt].map((s) => s.wallMs - s.firstConnectionMs))])),
            timeline: chosen
          }
          log(
            `${path}, ${target.label}: ${rtts.map((rtt) => `RTT ${rtt} ${medians[rtt].toFixed(0)} ms [${byRtt[rtt].map((s) => s.wallMs.toFixed(0)).join(' ')}]`).join(', ')}; round trips counted ${countedCell(row.counted)}, slope ${row.slope.toFixed(2)}, fastest runs ${row.fastest.slope.toFixed(2)}`
          )
          rows.push(row)
        })
      } finally {
        for (const world of worlds) await world.close()
      }
    }
  } finally {
    await upstreams.stop()
  }
  return {
    bundles: bundles.map(({ label, bundle }) => ({ label, bundle })),
    rtts,
    runs,
    warmup,
    dnsMs,
    timelineRtt,
    mode,
    startCost,
    machine: { cores: availableParallelism(), loadBefore, loadAfter: loadavg()[0] },
    paths,
    rows
  }
}

/** One count when every run agrees, else the range and the median. */
const countedCell = (counts) => {
  if (counts.length === 0) return '—'
  const low = Math.min(...counts)
  const high = Math.max(...counts)
  return low === high ? String(low) : `${low}–${high} (median ${median(counts)})`
}

const fixed = (value, digits = 0) => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits))

/** The report, Markdown: header (model), the table, the minimum's reasons, start-up, the first handshake, the model check, timelines. */
export function formatLatencyReport(result) {
  const { rtts, rows, timelineRtt } = result
  const out = []
  out.push(
    `### Round trips per path (latency world: ${result.mode === 'port-443' ? '127.31.x.y:443' : 'high ports of 127.0.0.1, port 443 moved by the preload'}; DNS ${result.dnsMs} ms)`
  )
  out.push('')
  for (const line of MODEL) out.push(`> ${line}`)
  out.push('')
  out.push(
    `Wall time = spawn -> exit, median of ${result.runs} runs per cell (after ${result.warmup} warm-up round; RTTs and bundles interleaved). ` +
      'Round trips: "counted" walks each run\'s timeline (at RTT > 0) along its critical path: a new connection 2 round ' +
      'trips, a request 1, each request and connection after the answers that came in before it was made; load cannot move ' +
      'it (a range shows runs that disagree). "Slope": the least-squares slope of the medians over the RTTs. "Fastest runs" fits, at each RTT, the fastest run\'s ' +
      'exit - first connection instead: load on a shared machine only ever adds time, and start-up is taken out, so on a busy ' +
      'machine it is the steadier count.'
  )
  out.push(
    `- this machine: ${result.machine.cores} cores, load average (1 min) ${result.machine.loadBefore.toFixed(1)} at the start, ${result.machine.loadAfter.toFixed(1)} at the end`
  )
  for (const { label, bundle } of result.bundles) out.push(`- ${label}: \`${displayPath(bundle)}\``)
  if (result.startCost)
    out.push(
      `- what the world adds to start-up: \`node -e 0\` spawn -> exit ${result.startCost.bare.toFixed(1)} ms bare, ${result.startCost.preloaded.toFixed(1)} ms with the preload and NODE_EXTRA_CA_CERTS (medians of 7)`
    )
  out.push('')
  out.push(
    `| path | bundle | ${rtts.map((rtt) => `RTT ${rtt}`).join(' | ')} | round trips: counted | slope | fastest runs | minimum | intercept |`
  )
  out.push(`| --- | --- | ${rtts.map(() => '---:').join(' | ')} | ---: | ---: | ---: | ---: | ---: |`)
  for (const row of rows) {
    const spec = PATHS[row.path]
    out.push(
      `| ${spec.title} | ${row.bundle} | ${rtts.map((rtt) => `${fixed(row.medians[rtt])} ms`).join(' | ')} | ${countedCell(row.counted)} | ${row.slope.toFixed(2)} | ${row.fastest.slope.toFixed(2)} | ${spec.minimum} | ${row.intercept.toFixed(0)} ms |`
    )
  }
  out.push('')
  out.push(
    'The paths, and why each minimum is the least a run can take (a new connection costs TCP 1 + TLS 1.3 1 before its first request):'
  )
  for (const path of result.paths)
    out.push(`- ${PATHS[path].title} (${PATHS[path].detail}): minimum ${PATHS[path].minimum} = ${PATHS[path].why}.`)
  out.push('')

  const zero = rtts.includes(0) ? 0 : undefined
  out.push(
    `Start-up and the first handshake. At RTT ${zero ?? '—'}: spawn -> first connection opened, -> first request made (http.request), ` +
      `-> first request received by its server (start-up). At RTT ${timelineRtt}: the handshake of the first connection over the ` +
      "long link (socket -> TLS done: DNS + TCP + TLS; in path 4 STS's, the ID-token host being near) and how much of it " +
      'passed before its first request was made, i.e. hid behind the work before that request. Medians.'
  )
  out.push('')
  out.push(
    `| path | bundle | first connection | first request made | start-up (first request received) | first handshake at RTT ${timelineRtt} | of it hidden |`
  )
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
  for (const row of rows) {
    const at0 = zero === undefined ? [] : row.byRtt[0]
    const far = row.byRtt[timelineRtt] ?? []
    const handshake = median(far.map((s) => s.handshakeMs))
    const hidden = median(far.map((s) => s.hiddenMs))
    out.push(
      `| ${PATHS[row.path].title} | ${row.bundle} | ${fixed(median(at0.map((s) => s.firstConnectionMs)), 1)} ms | ${fixed(median(at0.map((s) => s.firstRequestMadeMs)), 1)} ms | ${fixed(median(at0.map((s) => s.firstRequestReceivedMs)), 1)} ms | ${fixed(handshake)} ms | ${fixed(hidden)} ms (${fixed((100 * hidden) / handshake)} %) |`
    )
  }
  out.push('')
  for (const { label } of result.bundles) {
    const mine = rows.filter((row) => row.bundle === label)
    const all = (figure) => median(mine.flatMap((row) => (row.byRtt[0] ?? []).map((s) => s[figure])))
    out.push(
      `- ${label}, all paths at RTT 0: first connection ${fixed(all('firstConnectionMs'), 1)} ms, first request made ${fixed(all('firstRequestMadeMs'), 1)} ms, received ${fixed(all('firstRequestReceivedMs'), 1)} ms after spawn (the preload ran at ${fixed(all('preloadMs'), 1)} ms).`
    )
  }
  out.push('')

  // The model checked on the runs themselves: every new connection's TCP + TLS, and every kept-alive request.
  const farRuns = rows.flatMap((row) => (row.byRtt[timelineRtt] ?? []).map((sample) => ({ row, sample })))
  const nearHost = (row, host) => PATHS[row.path].oidc === 'near' && host === NAMES.idToken
  const handshakes = farRuns.flatMap(({ row, sample }) =>
    sample.connections
      .filter((c) => !nearHost(row, c.host) && c.tlsDone !== undefined)
      .map((c) => (c.tlsDone - c.dnsEnd) / timelineRtt)
  )
  const keptAlive = farRuns.flatMap(({ row, sample }) =>
    sample.connections
      .filter((c) => !nearHost(row, c.host))
      .flatMap((c) =>
        c.requests.filter((r) => r.reused && r.answered !== undefined).map((r) => (r.answered - r.sent) / timelineRtt)
      )
  )
  if (timelineRtt > 0 && handshakes.length > 0)
    out.push(
      `Model check at RTT ${timelineRtt}, on these runs: a new connection's TCP + TLS took ${median(handshakes).toFixed(3)} RTT (model: 2; ${handshakes.length} connections), ` +
        `a request on a kept-alive connection ${median(keptAlive).toFixed(3)} RTT (model: 1, plus the server's time; ${keptAlive.length} requests).`
    )
  out.push('')
  out.push(formatTimelines(result))
  return out.join('\n')
}

/** Per path and bundle, the median run at the timeline RTT, connection by connection. */
export function formatTimelines({ rows, timelineRtt }) {
  const out = [
    `#### Timelines at RTT ${timelineRtt}: the median run of each path; ms since spawn, and (in brackets) RTTs since the first connection opened`,
    '',
    '"TCP up" is when the relay lets the first byte go (accept + 1 RTT, the modeled SYN/SYN-ACK); "TLS done" is the',
    "client's secureConnect; a request is sent when its last byte is written, answered when its headers arrive.",
    ''
  ]
  for (const row of rows) {
    const t = row.timeline
    if (!t) continue
    const origin = t.firstConnectionMs
    const rtts = (value) => (timelineRtt > 0 ? ((value - origin) / timelineRtt).toFixed(2) : '—')
    const at = (value) => (value === undefined ? '—' : `${value.toFixed(0)} (${rtts(value)})`)
    out.push(
      `${PATHS[row.path].title} — ${row.bundle}: exit at ${t.wallMs.toFixed(0)} ms = ${rtts(t.wallMs)} RTT after the first connection at ${fixed(origin)} ms (preload at ${fixed(t.preloadMs)} ms)`
    )
    out.push('')
    out.push('| conn | host | opened | DNS start → end | TCP up | TLS done | request | sent | answered |')
    out.push('| ---: | --- | ---: | --- | ---: | ---: | --- | ---: | ---: |')
    for (const [n, c] of t.connections.entries()) {
      const requests = c.requests.length > 0 ? c.requests : [undefined]
      requests.forEach((r, i) => {
        const head = i === 0
        out.push(
          `| ${head ? n + 1 : ''} | ${head ? c.host : ''} | ${head ? at(c.socketAt) : ''} | ${head ? `${at(c.dnsStart)} → ${at(c.dnsEnd)}` : ''} | ${head ? at(c.tcpModeled) : ''} | ${head ? at(c.tlsDone) : ''} | ${r ? `${r.method} ${r.path}${r.reused ? ' (kept alive)' : ''}` : '—'} | ${r ? at(r.sent) : '—'} | ${r?.answered === undefined ? '—' : `${at(r.answered)} → ${r.status}`} |`
        )
      })
    }
    out.push('')
  }
  return out.join('\n')
}

const displayPath = (path) => {
  const inTree = relative(ROOT, path)
  return inTree.startsWith('..') ? path : inTree
}

/** The options of the command line, or of BENCH_* variables for `npm run bench`. */
export function latencyOptions(argv = [], env = process.env) {
  const options = {
    baseline: env.BENCH_BASELINE || undefined,
    runs: env.BENCH_LATENCY_RUNS ? Number(env.BENCH_LATENCY_RUNS) : undefined,
    rtts: env.BENCH_LATENCY_RTTS ? env.BENCH_LATENCY_RTTS.split(',').map(Number) : undefined,
    paths: env.BENCH_LATENCY_PATHS ? env.BENCH_LATENCY_PATHS.split(',') : undefined
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2)
    const value = () => inline ?? argv[++i]
    if (flag === '--baseline') options.baseline = value()
    else if (flag === '--runs') options.runs = Number(value())
    else if (flag === '--warmup') options.warmup = Number(value())
    else if (flag === '--rtts') options.rtts = value().split(',').map(Number)
    else if (flag === '--paths') options.paths = value().split(',')
    else if (flag === '--dns') options.dnsMs = Number(value())
    else if (flag === '--timeline-rtt') options.timelineRtt = Number(value())
    else if (flag === '--json') options.json = value()
    else throw new Error(`unknown option ${argv[i]}`)
  }
  for (const [name, value] of Object.entries(options))
    if (typeof value === 'number' && !(value >= 0)) throw new Error(`--${name}: a number ≥ 0, not ${value}`)
  if (options.runs === 0) throw new Error('--runs: at least 1')
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
}

/**
 * This tree's dist/index.js, and the baseline when one is given.
 * @param {{baseline?: string}} options
 */
export function latencyTargets({ baseline } = {}) {
  return [
    bundleUnderTest(join(ROOT, 'dist', 'index.js'), 'this tree'),
    ...(baseline ? [bundleUnderTest(baseline, 'baseline')] : [])
  ]
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { json, baseline, ...options } = latencyOptions(process.argv.slice(2))
  const started = Date.now()
  const result = await measureLatency({
    ...options,
    bundles: latencyTargets({ baseline }),
    log: (line) => console.error(line)
  })
  console.log(`sae-image-pull-secret latency bench — Node ${process.versions.node} (runner) / bundles on ${node24()}\n`)
  console.log(formatLatencyReport(result))
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`)
  if (json) writeFileSync(json, JSON.stringify(result, null, 1))
}

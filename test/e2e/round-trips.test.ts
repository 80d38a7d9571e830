// The connections a run opens ahead (#31), seen from the wire: dist/index.js run as the runner runs
// it inside a latency world (devkit/latency/: a relay per real host name on loopback, TLS under a
// throwaway CA, RTT 100 ms), judged by the order of events on its timeline and by what each
// connection carried, never by how long anything took.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { BUNDLE, node24, parseOutputFile, ROOT, stepEnvironment } from '../../devkit/harness/action-runner.mjs'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { startEmulator } from '../../devkit/emulator/sae-emulator.mjs'
import { connectionsOf, roundTripsOf } from '../../devkit/latency/timeline.mjs'
import { startLatencyWorld } from '../../devkit/latency/world.mjs'

const RTT = 100
const NAMES = {
  sae: 'sae.cn-hangzhou.aliyuncs.com',
  sts: 'sts.aliyuncs.com',
  registry: 'registry.cn-hangzhou.aliyuncs.com',
  auth: 'dockerauth.cn-hangzhou.aliyuncs.com',
  elsewhere: 'token.elsewhere.test',
  idToken: 'pipelines.actions.githubusercontent.com'
}
const KEY = { accessKeyId: 'LTAI5tRoundTrips', accessKeySecret: 'round-trips-secret' }
const NAMESPACE = 'cn-hangzhou:rt'
const USER = { username: 'rt', password: 'rt-registry-password' }
const ROLE = {
  roleArn: 'acs:ram::123456789012:role/github-deploy',
  oidcProviderArn: 'acs:ram::123456789012:oidc-provider/github'
}
const IMAGE = `${NAMES.registry}/shop/web:1.4.2`
/** Records when each file of dist/ is read, on the world's clock and into its events file. */
const MODULE_LOADS = pathToFileURL(join(ROOT, 'test', 'support', 'module-loads.mjs')).href

type World = Awaited<ReturnType<typeof startLatencyWorld>>
type Event = { kind: string; source: string; ms: number; [field: string]: unknown }
type Connection = ReturnType<typeof connectionsOf>[number]

let sae: Awaited<ReturnType<typeof startEmulator>>
let registry: Awaited<ReturnType<typeof startFakeRegistry>>
/** ACR's challenge names another realm than the documented one: a registry whose token service is elsewhere. */
let wayward: Awaited<ReturnType<typeof startFakeRegistry>>
/** Stands for ACR's token host where the challenge names another: whatever reaches it, it records. */
let unused: { server: http.Server; requests: string[]; port: number }
let world: World
let waywardWorld: World

beforeAll(async () => {
  sae = await startEmulator({ keys: [KEY], namespaces: [NAMESPACE], quota: 1000, oidc: ROLE })
  const repositories = { 'shop/web': { tags: ['1.4.2'] } }
  registry = await startFakeRegistry({ kind: 'bearer', ...USER, realm: `https://${NAMES.auth}/auth`, repositories })
  wayward = await startFakeRegistry({ kind: 'bearer', ...USER, realm: `https://${NAMES.elsewhere}/auth`, repositories })
  const requests: string[] = []
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`)
    response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  unused = { server, requests, port: (server.address() as AddressInfo).port }
  const near = { port: sae.port, rttMs: 0, dnsMs: 0 }
  world = await startLatencyWorld({
    rttMs: RTT,
    hosts: {
      [NAMES.sae]: sae.port,
      [NAMES.sts]: sae.port,
      [NAMES.registry]: registry.port,
      [NAMES.auth]: registry.tokenPort,
      [NAMES.idToken]: near
    }
  })
  waywardWorld = await startLatencyWorld({
    rttMs: RTT,
    hosts: {
      [NAMES.sae]: sae.port,
      [NAMES.registry]: wayward.port,
      [NAMES.auth]: unused.port,
      [NAMES.elsewhere]: wayward.tokenPort
    }
  })
})

afterAll(async () => {
  await world?.close()
  await waywardWorld?.close()
  await registry?.stop()
  await wayward?.stop()
  await new Promise((resolve) => unused?.server.close(resolve))
  await sae?.stop()
})

let serial = 0

/** Runs the bundle once in `where`; its exit code, log, outputs, the timeline's events and connections. */
async function runInWorld(where: World, inputs: Record<string, string>, env: Record<string, string> = {}) {
  const step = stepEnvironment(
    { 'namespace-id': NAMESPACE, 'secret-name': `rt-${++serial}`, ...USER, ...inputs },
    { RUNNER_DEBUG: '', ...env, ...where.env }
  )
  where.clearTimeline()
  const started = process.hrtime.bigint()
  const child = spawn(node24(), [...where.importArgs, '--import', MODULE_LOADS, BUNDLE], {
    env: step.env,
    cwd: step.work,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stdout += chunk))
  const code = await new Promise((resolve) => child.on('close', resolve))
  const { outputText } = step.collect()
  const events = where.timeline({ t0: started }) as Event[]
  const connections = connectionsOf(events)
  return { code, stdout, outputs: parseOutputFile(outputText), events, connections }
}

const keys = { 'access-key-id': KEY.accessKeyId, 'access-key-secret': KEY.accessKeySecret }
const only = (connections: Connection[], host: string) => {
  const found = connections.filter((connection) => connection.host === host)
  expect(found).toHaveLength(1)
  return found[0]
}

describe('opened ahead, in the order the protocol allows', () => {
  test("images on ACR: the token host's connection opens beside the registry's, before the 401 names it, and carries only the token request: 6 round trips", async () => {
    const run = await runInWorld(world, { ...keys, images: IMAGE })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`Image ${IMAGE} can be pulled`)
    const challenge = only(run.connections, NAMES.registry).requests[0]
    expect(`${challenge.method} ${challenge.path} ${challenge.status}`).toBe('GET /v2/ 401')
    const realm = only(run.connections, NAMES.auth)
    expect(realm.socketAt).toBeLessThan(challenge.answered!)
    // The token request, made once the 401 was in, is the first and only thing the token host got.
    expect(realm.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /auth'])
    expect(realm.requests[0].created).toBeGreaterThan(challenge.answered!)
    const received = run.events.filter((e) => e.kind === 'server-request' && e.host === NAMES.auth)
    expect(received.map((e) => `${e.method} ${e.path}`)).toEqual(['GET /auth'])
    expect(run.connections.map((connection) => connection.host).sort()).toEqual(
      [NAMES.auth, NAMES.registry, NAMES.sae].sort()
    )
    expect(roundTripsOf(run.connections)).toBe(6)
  })

  test("GitHub OIDC: SAE's connection opens before STS answers, and SAE's calls go over it: 5 round trips", async () => {
    const run = await runInWorld(
      world,
      { 'role-to-assume': ROLE.roleArn, 'oidc-provider-arn': ROLE.oidcProviderArn, 'verify-login': 'false' },
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: `https://${NAMES.idToken}/_github/idtoken?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: sae.idTokenRequestToken!
      }
    )
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('created')
    const assumed = only(run.connections, NAMES.sts).requests[0]
    const saeConnection = only(run.connections, NAMES.sae)
    expect(saeConnection.socketAt).toBeLessThan(assumed.answered!)
    expect(saeConnection.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /pop/v1/sam/secret/secrets',
      'POST /pop/v1/sam/secret/secret'
    ])
    // The ID-token host is next to the runner: its leg costs nothing.
    expect(roundTripsOf(run.connections, (host?: string) => (host === NAMES.idToken ? 0 : 1))).toBe(4 + 1)
  })

  test('the first connection is dialled (its name looked up) before the rest of the bundle is read', async () => {
    const run = await runInWorld(world, { ...keys, 'verify-login': 'false' })
    expect(run.code).toBe(0)
    const loads = run.events.filter((e) => e.kind === 'module-load').map((e) => String(e.url).split('/').pop())
    // index.js first; then the chunk that holds main.ts, the rest of the run.
    expect(loads[0]).toBe('index.js')
    const rest = run.events.find((e) => e.kind === 'module-load' && !String(e.url).endsWith('/index.js'))!
    const dialled = run.events.find((e) => e.kind === 'socket-lookup' && e.host === NAMES.sae)!
    expect(dialled.ms).toBeLessThan(rest.ms)
    expect(only(run.connections, NAMES.sae).requests).toHaveLength(2)
  })
})

describe('nothing opened for inputs that fail their checks', () => {
  test.each([
    ['an image that no registry of the Secret holds', { images: 'ghcr.io/acme/web:1' }, 'images'],
    ['a malformed max-attempts', { 'max-attempts': 'many' }, 'max-attempts'],
    ['a malformed endpoint', { endpoint: 'https://sae.cn-hangzhou.aliyuncs.com/path' }, 'endpoint']
  ])('%s: no connection at all, and the input named', async (_what, bad, input) => {
    const run = await runInWorld(world, { ...keys, ...bad })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(new RegExp(`^::error::.*\\b${input}\\b`, 'm'))
    expect(run.events.filter((e) => e.source === 'client' && e.kind === 'socket')).toEqual([])
  })
})

describe('a guess that was wrong', () => {
  test("a challenge that names another realm: the connection opened to ACR's token host carries nothing, and closes with the run", async () => {
    const run = await runInWorld(waywardWorld, { ...keys, images: IMAGE })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`Image ${IMAGE} can be pulled`)
    expect(only(run.connections, NAMES.elsewhere).requests.map((request) => request.path)).toEqual(['/auth'])
    expect(only(run.connections, NAMES.auth).requests).toEqual([])
    expect(unused.requests).toEqual([])
    const lookup = run.events.find((e) => e.kind === 'socket-lookup' && e.host === NAMES.auth)!
    const closed = run.events.find((e) => e.kind === 'socket-close' && e.sid === lookup.sid)
    const exit = run.events.find((e) => e.source === 'client' && e.kind === 'exit')!
    expect(closed).toBeDefined()
    expect(closed!.ms).toBeLessThanOrEqual(exit.ms)
  })
})

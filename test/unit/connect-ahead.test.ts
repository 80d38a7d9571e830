// connect-ahead.ts: the first handshakes, started from the inputs alone before the rest of the bundle
// loads, and only once every input check has passed. Servers on loopback; every other name is
// refused by the offline DNS (test/fixtures/tls.ts loads it), or held by a lookup of the test's own.
import { afterEach, describe, expect, test } from '@jest/globals'
import * as core from '@actions/core'
import dc from 'node:diagnostics_channel'
import dns from 'node:dns'
import tls from 'node:tls'
import type { AddressInfo, Socket } from 'node:net'
import { connectAhead, runnerInput, type Ahead } from '../../src/connect-ahead.js'
import { actionDefaults, inputVariable } from '../../devkit/harness/action-runner.mjs'
import { TLS, trustTestCertificate } from '../fixtures/tls.js'

trustTestCertificate()

const opened: Ahead[] = []
const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const ahead of opened.splice(0)) ahead.connections.close()
  for (const stop of stops.splice(0)) await stop()
})

/** The step's environment as the runner sets it: INPUT_* for each input, action.yml's defaults where none is given. */
function stepEnv(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const all = {
    ...actionDefaults(),
    'namespace-id': 'cn-hangzhou:prod',
    'secret-name': 'registry-auth',
    username: 'deploy',
    password: 'registry-password',
    'access-key-id': 'LTAI5tAhead',
    'access-key-secret': 'ahead-secret',
    'verify-login': 'false',
    ...inputs
  }
  return { ...Object.fromEntries(Object.entries(all).map(([name, value]) => [inputVariable(name), value])), ...env }
}

/** A TLS server on 127.0.0.1; `accepted()` settles once it has a connection (TLS done). */
async function serve() {
  const sockets: tls.TLSSocket[] = []
  let accepted: () => void = () => {}
  const first = new Promise<void>((resolve) => (accepted = resolve))
  const server = tls.createServer(TLS, (socket) => {
    sockets.push(socket)
    socket.on('error', () => {})
    accepted()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, sockets, accepted: () => first }
}

/** Every client socket opened while `body` runs. */
function socketsOpenedBy<T>(body: () => T): { result: T; sockets: Socket[] } {
  const sockets: Socket[] = []
  const track = (message: unknown) => sockets.push((message as { socket: Socket }).socket)
  dc.subscribe('net.client.socket', track)
  try {
    return { result: body(), sockets }
  } finally {
    dc.unsubscribe('net.client.socket', track)
  }
}

function ahead(env: NodeJS.ProcessEnv, waitMs?: number): { result: Ahead | undefined; sockets: Socket[] } {
  const made = socketsOpenedBy(() => connectAhead(env, waitMs))
  if (made.result) opened.push(made.result)
  return made
}

describe('runnerInput', () => {
  test('reads an input as @actions/core does: INPUT_ with spaces as _, upper case, trimmed; absent is empty', () => {
    const env = { 'INPUT_NAMESPACE-ID': '  cn-hangzhou:prod \n', INPUT_DRY_RUN: 'true' }
    const saved = { ...process.env }
    Object.assign(process.env, env)
    try {
      for (const name of ['namespace-id', 'dry run', 'Dry Run', 'secret-name'])
        expect([name, runnerInput(env)(name)]).toEqual([name, core.getInput(name)])
      expect(runnerInput(env)('namespace-id')).toBe('cn-hangzhou:prod')
    } finally {
      for (const name of Object.keys(env)) if (!(name in saved)) delete process.env[name]
    }
  })
})

describe('connectAhead', () => {
  test('valid inputs: the SAE endpoint is connected to (TLS done) before anything asks, and dialled settles', async () => {
    const server = await serve()
    const { result } = ahead(stepEnv({ endpoint: `https://${server.host}` }))
    expect(result).toBeDefined()
    await result!.dialled
    await server.accepted()
    expect(server.sockets).toHaveLength(1)
  })

  test.each([
    ['a namespace-id that is not one', { 'namespace-id': 'hangzhou prod' }],
    ['an image no registry of the Secret holds', { images: 'ghcr.io/acme/web:1' }],
    [
      'extra-registries (its parser loads with the rest, and its checks come first)',
      { 'extra-registries': '- registry: ghcr.io' }
    ],
    ['an http:// emulator endpoint and no registry check', { endpoint: 'http://127.0.0.1:9' }]
  ])('%s: nothing is opened, main.ts decides', (_what, inputs) => {
    const { result, sockets } = ahead(stepEnv({ endpoint: 'https://127.0.0.1:9', ...inputs }))
    expect(result).toBeUndefined()
    expect(sockets).toEqual([])
  })

  test('a dry run signs in and reads SAE as a real run does: its endpoint is connected to ahead as well', async () => {
    const server = await serve()
    const { result } = ahead(stepEnv({ endpoint: `https://${server.host}`, 'dry-run': 'true' }))
    expect(result).toBeDefined()
    await result!.dialled
    await server.accepted()
    expect(server.sockets).toHaveLength(1)
  })

  test('a proxy variable that is not a proxy URL: nothing is opened, and nothing thrown (main.ts says what is wrong)', () => {
    const { result, sockets } = ahead(stepEnv({ endpoint: 'https://127.0.0.1:9' }, { HTTPS_PROXY: 'not a url' }))
    expect(result).toBeUndefined()
    expect(sockets).toEqual([])
  })

  test('a lookup that does not answer is not waited for past the bound: dialled settles all the same', async () => {
    const lookup = dns.lookup
    // This name's lookup never answers; every other goes on as before.
    dns.lookup = ((hostname: string, ...rest: unknown[]) =>
      hostname === 'sae.slow.example'
        ? {}
        : (lookup as (...args: unknown[]) => unknown)(hostname, ...rest)) as unknown as typeof dns.lookup
    try {
      const { result, sockets } = ahead(stepEnv({ endpoint: 'https://sae.slow.example' }), 5)
      expect(sockets).toHaveLength(1)
      await result!.dialled
    } finally {
      dns.lookup = lookup
    }
  })
})

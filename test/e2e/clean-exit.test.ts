// A step ends when it has said its last word: from the bundle's last line on stdout to its
// process's exit, at most 1 s, whatever its peers do with their connections. Squid keeps a client
// connection open for 2 minutes after a 407 (client_idle_pconn_timeout); a fake registry that
// never answers keeps its socket open forever. The runner waits for the process, so a step that
// lingers holds the job. This file runs the bundle itself, to time each line (runAction times
// only the whole run); a run still alive CAP_MS after its last line is killed and fails.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { BUNDLE, checkMasks, findLeaks, node24, ROOT, stepEnvironment } from '../../devkit/harness/action-runner.mjs'
import { PROXIED_NAMES } from '../../devkit/harness/connect-proxy.mjs'
import { startSquid } from '../../devkit/harness/squid.mjs'
import { emulator, stepInputs, type Emulator } from './fixtures.js'

type Squid = Awaited<ReturnType<typeof startSquid>>

const CERT = join(ROOT, 'devkit', 'certs', 'self-signed-cert.pem')
const tls = {
  key: readFileSync(join(ROOT, 'devkit', 'certs', 'self-signed-key.pem'), 'utf8'),
  cert: readFileSync(CERT, 'utf8')
}
const OFFLINE_DNS = pathToFileURL(join(ROOT, 'devkit', 'harness', 'offline-dns.mjs')).href
const PROXY_USER = 'runner-svc'
const PROXY_PASSWORD = 'Pr0xy:p@ss/w0rd'
/** How long after its last line a run may live before it is killed (and its test fails). */
const CAP_MS = 10_000
const EXIT_AFTER_LAST_LINE_MS = 1000

interface TimedRun {
  code: number | null
  stdout: string
  stderr: string
  /** The log as the action printed it, before the runner's masks (what findLeaks scans). */
  printed: string
  outputText: string
  summary: string
  errors: string[]
  /** From the last stdout chunk to the process's exit (or to its kill, CAP_MS later). */
  lastLineToExitMs: number
  killed: boolean
}

/** dist/index.js as the runner runs it (as runAction does), with the time of every stdout chunk and of the exit. */
async function runTimed(inputs: Record<string, string>, env: Record<string, string>): Promise<TimedRun> {
  const step = stepEnvironment(inputs, env, { prefix: 'sae-exit-' })
  const child = spawn(node24(), ['--import', OFFLINE_DNS, BUNDLE], {
    cwd: step.work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: step.env
  })
  let stdout = ''
  let stderr = ''
  let lastLineAt = process.hrtime.bigint()
  let killed = false
  let cap: NodeJS.Timeout | undefined
  const armCap = () => {
    if (cap) clearTimeout(cap)
    cap = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, CAP_MS)
  }
  armCap()
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk
    lastLineAt = process.hrtime.bigint()
    armCap()
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)))
  const exitedAt = process.hrtime.bigint()
  clearTimeout(cap)
  await new Promise((resolve) => (child.stdout.readableEnded ? resolve(undefined) : child.stdout.once('end', resolve)))
  const { outputText, summary } = step.collect()
  // As runAction does: every secret masked in time for the runner to hide it.
  const { printed } = checkMasks(stdout, { inputs: step.all, env })
  return {
    code,
    stdout,
    stderr,
    printed,
    outputText,
    summary,
    errors: stdout.split(/\r?\n/).filter((line) => line.startsWith('::error')),
    lastLineToExitMs: Number(exitedAt - lastLineAt) / 1e6,
    killed
  }
}

/** Printed for the record: what each case measures today, pass or fail. */
function report(name: string, run: TimedRun) {
  process.stderr.write(
    `clean-exit: ${name}: last line -> exit ${run.killed ? `> ${CAP_MS} ms (killed)` : `${run.lastLineToExitMs.toFixed(0)} ms`}\n`
  )
}

let squid: Squid
let sae: Emulator
beforeAll(async () => {
  // Squid as installed: it keeps an idle client connection for its default 2 minutes.
  squid = await startSquid({ users: { [PROXY_USER]: PROXY_PASSWORD } })
})
afterAll(async () => squid.stop())
afterEach(async () => sae.stop())

async function tlsEmulator() {
  sae = await emulator({ tls })
  // A name that is not loopback (loopback is always direct), which squid sends to the emulator.
  return { endpoint: sae.origin.replace('127.0.0.1', PROXIED_NAMES[0]), env: { NODE_EXTRA_CA_CERTS: CERT } }
}

describe('the process exits within 1 s of its last line', () => {
  test('a normal run, direct', async () => {
    sae = await emulator()
    const run = await runTimed(stepInputs(sae), {})
    report('normal run, direct', run)
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(run.lastLineToExitMs).toBeLessThan(EXIT_AFTER_LAST_LINE_MS)
  })

  test('a normal run through squid', async () => {
    const { endpoint, env } = await tlsEmulator()
    const run = await runTimed(stepInputs(sae, { endpoint }), {
      ...env,
      HTTPS_PROXY: squid.url(PROXY_USER, PROXY_PASSWORD)
    })
    report('normal run through squid', run)
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(run.lastLineToExitMs).toBeLessThan(EXIT_AFTER_LAST_LINE_MS)
  })

  test('a run whose registry never answers (verify-login): a warning, the Secret written, then the exit', async () => {
    sae = await emulator()
    const silent = await startFakeRegistry({ kind: 'silent' })
    try {
      const run = await runTimed(stepInputs(sae, { 'verify-login': 'true', 'registry-domains': silent.host }), {})
      report('registry never answers', run)
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`::warning::Could not verify the registry login for ${silent.host}`)
      expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
      expect(run.lastLineToExitMs).toBeLessThan(EXIT_AFTER_LAST_LINE_MS)
    } finally {
      await silent.stop()
    }
  })

  // Squid keeps the refused client connection open; the bundle must close it itself.
  test('a wrong proxy password at squid: one error naming the proxy, the password nowhere, and the exit', async () => {
    const { endpoint, env } = await tlsEmulator()
    const run = await runTimed(stepInputs(sae, { endpoint }), {
      ...env,
      HTTPS_PROXY: squid.url(PROXY_USER, 'not-the-proxy-pa55')
    })
    report('wrong proxy password at squid', run)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(`the proxy ${squid.host} answered HTTP 407`)
    expect(findLeaks([['wrong proxy password', 'not-the-proxy-pa55']], run).leaks).toEqual([])
    expect(run.lastLineToExitMs).toBeLessThan(EXIT_AFTER_LAST_LINE_MS)
    expect(run.code).toBe(1)
  })

  test('a 403 from squid’s ACL: one error naming the proxy, and the exit', async () => {
    const { endpoint, env } = await tlsEmulator()
    const guarded = await startSquid({ users: { [PROXY_USER]: PROXY_PASSWORD }, deniedPorts: [sae.port] })
    try {
      const run = await runTimed(stepInputs(sae, { endpoint }), {
        ...env,
        HTTPS_PROXY: guarded.url(PROXY_USER, PROXY_PASSWORD)
      })
      report('403 from squid ACL', run)
      expect(run.errors).toHaveLength(1)
      expect(run.errors[0]).toContain(`the proxy ${guarded.host} answered HTTP 403`)
      expect(run.lastLineToExitMs).toBeLessThan(EXIT_AFTER_LAST_LINE_MS)
      expect(run.code).toBe(1)
    } finally {
      await guarded.stop()
    }
  })
})

// A step ends when it has said its last word: from the bundle's last line on stdout to its
// process's exit, at most 1 s, whatever its peers do with their connections. Squid keeps a client
// connection open for 2 minutes after a 407 (client_idle_pconn_timeout). The runner waits for the
// process, so a step that lingers holds the job. The same bound direct and against a registry that
// never answers: test/e2e/clean-exit.test.ts. Each run is timed line by line (test/e2e/timed-run.ts);
// a run still alive CAP_MS after its last line is killed and fails.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { findLeaks } from '../../../devkit/harness/action-runner.mjs'
import { PROXIED_NAMES } from '../../../devkit/harness/connect-proxy.mjs'
import { startSquid } from '../../../devkit/harness/squid.mjs'
import { emulator, stepInputs, type Emulator } from '../../e2e/fixtures.js'
import { EXIT_AFTER_LAST_LINE_MS, report, runTimed } from '../../e2e/timed-run.js'
import { CERT_FILE as CERT, TLS as tls } from '../../fixtures/tls.js'

type Squid = Awaited<ReturnType<typeof startSquid>>

const PROXY_USER = 'runner-svc'
const PROXY_PASSWORD = 'Pr0xy:p@ss/w0rd'

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

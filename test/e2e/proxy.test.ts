// Proxies, as a self-hosted runner sets them: the bundle, run as the runner runs it, reaches the
// TLS emulator through a CONNECT proxy on loopback (devkit/harness/connect-proxy.mjs). What a user
// sees (outputs, the one error line, no credential anywhere) and what the proxy and the endpoint
// saw (CONNECTs, Proxy-Authorization, connections, TLS handshakes).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import { findLeaks, runAction } from '../../devkit/harness/action-runner.mjs'
import { closedPort, PROXIED_NAMES, startConnectProxy } from '../../devkit/harness/connect-proxy.mjs'
import { emulator, PASSWORD, stepInputs, USERNAME, type Emulator } from './fixtures.js'
import { CERT_FILE as CERT, TLS as tls } from '../fixtures/tls.js'

type Proxy = Awaited<ReturnType<typeof startConnectProxy>>
type Run = Awaited<ReturnType<typeof runAction>>

const PROXY_USER = 'runner-svc'
const PROXY_PASSWORD = 'Pr0xy:p@ss/w0rd'

let sae: Emulator
let proxy: Proxy
beforeEach(async () => {
  proxy = await startConnectProxy()
})
afterEach(async () => {
  await proxy.stop()
  await sae.stop()
})

/**
 * The TLS emulator, trusted as a runner's extra CA would be, under a name its certificate is for: by
 * default one that is not loopback (loopback is always direct), which the test proxy delivers to it
 * and which resolves nowhere for the bundle (offline DNS), so only a run through the proxy reaches it.
 */
async function tlsEmulator(name = PROXIED_NAMES[0]) {
  sae = await emulator({ tls })
  const endpoint = sae.origin.replace('127.0.0.1', name)
  return { endpoint, host: new URL(endpoint).host, env: { NODE_EXTRA_CA_CERTS: CERT } }
}

/** Everything of a run a user or a later step can read: the log as shown, stderr, GITHUB_OUTPUT, the summary. */
function readable(run: Run): string[] {
  return [run.visible, run.stderr, run.outputText, run.summary]
}

/** Raw stdout but the ::add-mask:: commands, which the runner consumes and never shows. */
function unmaskedStdout(run: Run): string[] {
  return run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
}

describe('through HTTPS_PROXY to an HTTPS endpoint', () => {
  test('a first run (if-exists skip: ListSecrets, CreateSecret) goes through one tunnel: one CONNECT, one TLS handshake', async () => {
    const { endpoint, host, env } = await tlsEmulator()
    const run = await runAction({ inputs: stepInputs(sae, { endpoint }), env: { ...env, HTTPS_PROXY: proxy.url } })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    // No warning from Node's proxy support, nor anything else, in the user's log.
    expect(run.stderr).toBe('')
    expect(run.outputs.result).toBe('created')
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
    expect(proxy.connects).toEqual([{ target: host, authorization: undefined, status: 200 }])
    expect(sae.stats).toEqual({ connections: 1, tlsHandshakes: 1 })
  })

  test('three namespaces, provisioned concurrently: one tunnel per namespace in flight, each reused for its second call', async () => {
    const { endpoint, env } = await tlsEmulator()
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint, 'namespace-id': 'cn-hangzhou:dev\ncn-hangzhou:staging\ncn-hangzhou:prod' }),
      env: { ...env, HTTPS_PROXY: proxy.url }
    })
    expect(run.errors).toEqual([])
    expect(Object.values(JSON.parse(run.outputs.results)).map((entry) => (entry as { result: string }).result)).toEqual(
      ['created', 'created', 'created']
    )
    expect(sae.calls()).toHaveLength(6)
    // The three ListSecrets go out at once, so three tunnels; the three CreateSecrets reuse them.
    expect(proxy.stats.connects).toBe(3)
    expect(sae.stats).toEqual({ connections: 3, tlsHandshakes: 3 })
  })

  test('for comparison, the same three-namespace run without a proxy opens as many connections', async () => {
    const { endpoint, env } = await tlsEmulator('localhost')
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint, 'namespace-id': 'cn-hangzhou:dev\ncn-hangzhou:staging\ncn-hangzhou:prod' }),
      env
    })
    expect(run.errors).toEqual([])
    expect(sae.calls()).toHaveLength(6)
    expect(sae.stats).toEqual({ connections: 3, tlsHandshakes: 3 })
  })

  test('credentials in the proxy URL arrive as Proxy-Authorization and show nowhere a user can read', async () => {
    await proxy.stop()
    proxy = await startConnectProxy({ credentials: { username: PROXY_USER, password: PROXY_PASSWORD } })
    const { endpoint, env } = await tlsEmulator()
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint }),
      env: { ...env, HTTPS_PROXY: proxy.urlWith(PROXY_USER, PROXY_PASSWORD) }
    })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(proxy.connects.map((connect) => connect.authorization)).toEqual([
      `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`
    ])
    // The harness scans only for the secrets it knows of (inputs); the proxy's are checked here.
    const secrets: Array<[string, string]> = [
      ['proxy password', PROXY_PASSWORD],
      ['proxy user:password', `${PROXY_USER}:${PROXY_PASSWORD}`]
    ]
    expect(findLeaks(secrets, run).leaks).toEqual([])
    for (const text of [...readable(run), ...unmaskedStdout(run)]) expect(text).not.toContain(PROXY_PASSWORD)
    // Masked before anything could print it, as every credential is.
    const masks = run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'))
    expect(masks).toContain(`::add-mask::${PROXY_PASSWORD}`)
    expect(masks).toContain(`::add-mask::${PROXY_USER}:${PROXY_PASSWORD}`)
  })

  test('lower-case https_proxy works too', async () => {
    const { endpoint, host, env } = await tlsEmulator()
    const run = await runAction({ inputs: stepInputs(sae, { endpoint }), env: { ...env, https_proxy: proxy.url } })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(proxy.connects.map((connect) => connect.target)).toEqual([host])
  })

  test('NO_PROXY naming the endpoint host bypasses the proxy: no CONNECT, a direct connection (here: a name that resolves nowhere)', async () => {
    const { endpoint, env } = await tlsEmulator()
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint }),
      env: { ...env, HTTPS_PROXY: proxy.url, NO_PROXY: `registry.corp.example,${PROXIED_NAMES[0]}` }
    })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toContain(`could not reach ${PROXIED_NAMES[0]}: ENOTFOUND`)
    expect(proxy.stats).toEqual({ connections: 0, connects: 0, requests: 0 })
    expect(sae.stats).toEqual({ connections: 0, tlsHandshakes: 0 })
  })

  test('a loopback HTTPS endpoint is always direct, whatever NO_PROXY says: nothing reaches the proxy', async () => {
    const { endpoint, env } = await tlsEmulator('localhost')
    const run = await runAction({ inputs: stepInputs(sae, { endpoint }), env: { ...env, HTTPS_PROXY: proxy.url } })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(proxy.stats).toEqual({ connections: 0, connects: 0, requests: 0 })
    expect(sae.stats).toEqual({ connections: 1, tlsHandshakes: 1 })
  })
})

describe('a proxy that refuses or is down', () => {
  test('407: one ::error:: line, ProxyRefused, naming the proxy host:port and not its credentials; not retried', async () => {
    proxy.refuse(407)
    const { endpoint, host, env } = await tlsEmulator()
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint }),
      env: { ...env, HTTPS_PROXY: proxy.urlWith(PROXY_USER, PROXY_PASSWORD) }
    })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::ListSecrets failed: ProxyRefused (the proxy answered, the API was not reached): the proxy ${proxy.host} answered HTTP 407 to CONNECT ${host}: ` +
        "it refused this runner's credentials (none, or those in the proxy URL); put valid ones in the proxy URL (http://user:password@host:port), " +
        'or add the host to NO_PROXY if it is reachable directly'
    ])
    expect(proxy.stats.connects).toBe(1)
    expect(sae.calls()).toEqual([])
    for (const text of [...readable(run), ...unmaskedStdout(run)]) {
      expect(text).not.toContain(PROXY_PASSWORD)
      expect(text).not.toContain(PROXY_USER)
    }
  })

  test('403: ProxyRefused saying the proxy does not allow the host', async () => {
    proxy.refuse(403)
    const { endpoint, host, env } = await tlsEmulator()
    const run = await runAction({ inputs: stepInputs(sae, { endpoint }), env: { ...env, HTTPS_PROXY: proxy.url } })
    expect(run.errors).toEqual([
      `::error::ListSecrets failed: ProxyRefused (the proxy answered, the API was not reached): the proxy ${proxy.host} answered HTTP 403 to CONNECT ${host}: ` +
        'it does not allow this host; ask for it to be allowed, or add the host to NO_PROXY if it is reachable directly'
    ])
    expect(proxy.stats.connects).toBe(1)
  })

  test('down (connection refused): one error naming the proxy host:port and ECONNREFUSED', async () => {
    const { endpoint, host, env } = await tlsEmulator()
    const port = await closedPort()
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint }),
      env: { ...env, HTTPS_PROXY: `http://${PROXY_USER}:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${port}` }
    })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::ListSecrets failed: NetworkError (no HTTP response): could not reach 127.0.0.1:${port} (the proxy for ${host}): ` +
        'ECONNREFUSED (nothing listens there); check the proxy URL in HTTPS_PROXY and that the proxy runs'
    ])
    expect(sae.calls()).toEqual([])
    for (const text of [...readable(run), ...unmaskedStdout(run)]) expect(text).not.toContain(PROXY_USER)
  })
})

describe('plain HTTP', () => {
  test('a loopback http:// endpoint never goes through HTTP_PROXY: its signed requests go direct', async () => {
    sae = await emulator()
    const run = await runAction({ inputs: stepInputs(sae), env: { HTTP_PROXY: proxy.url, http_proxy: proxy.url } })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(proxy.stats).toEqual({ connections: 0, connects: 0, requests: 0 })
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
  })
})

describe('verify-login', () => {
  let registry: Server
  afterEach(async () => {
    registry.closeAllConnections()
    await new Promise((resolve) => registry.close(resolve))
  })

  test('a loopback registry is logged in to direct, its credentials never through the proxy; SAE goes through it', async () => {
    // A registry with Basic auth, plain HTTP as Docker treats loopback hosts.
    const expected = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`
    registry = createServer((req, res) => {
      if (req.url === '/v2/' && req.headers.authorization === expected) return void res.writeHead(200).end('{}')
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end()
    })
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve))
    const domain = `127.0.0.1:${(registry.address() as { port: number }).port}`
    const { endpoint, host, env } = await tlsEmulator()
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint, 'verify-login': 'true', 'registry-domains': domain }),
      env: { ...env, HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url }
    })
    expect(run.errors).toEqual([])
    expect(run.stdout).toContain(`Registry login accepted by ${domain} (Basic)`)
    expect(proxy.requests).toEqual([])
    expect(proxy.connects.map((connect) => connect.target)).toEqual([host])
  })
})

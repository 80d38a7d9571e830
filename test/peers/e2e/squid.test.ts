// The bundle behind a real squid (devkit/harness/squid.mjs), as a self-hosted runner behind a
// corporate proxy is: proxy authentication, CONNECT to the TLS emulator, an ACL. Counted from
// squid's own access log. How long the process lives after a refusal is clean-exit.test.ts's
// business; here squid drops idle clients after 1 s, so a refused run does not wait 2 minutes.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { findLeaks, runAction } from '../../../devkit/harness/action-runner.mjs'
import { PROXIED_NAMES } from '../../../devkit/harness/connect-proxy.mjs'
import { startSquid } from '../../../devkit/harness/squid.mjs'
import { emulator, stepInputs, type Emulator } from '../../e2e/fixtures.js'
import { CERT_FILE as CERT, TLS as tls } from '../../fixtures/tls.js'

type Squid = Awaited<ReturnType<typeof startSquid>>
type Run = Awaited<ReturnType<typeof runAction>>

const PROXY_USER = 'runner-svc'
const PROXY_PASSWORD = 'Pr0xy:p@ss/w0rd'
const ROLE = 'acs:ram::1234567890123456:role/github-deploy'
const PROVIDER = 'acs:ram::1234567890123456:oidc-provider/github'

let squid: Squid
let sae: Emulator
beforeAll(async () => {
  squid = await startSquid({ users: { [PROXY_USER]: PROXY_PASSWORD }, idleSeconds: 1 })
})
afterAll(async () => squid.stop())
afterEach(async () => sae.stop())

/**
 * The TLS emulator, trusted as a runner's extra CA would be, under a name its certificate is for that
 * is not loopback (loopback is always direct): squid's hosts file sends it to 127.0.0.1; for the
 * bundle it resolves nowhere.
 */
async function tlsEmulator(options: Parameters<typeof emulator>[0] = {}) {
  sae = await emulator({ tls, ...options })
  const endpoint = sae.origin.replace('127.0.0.1', PROXIED_NAMES[0])
  return { endpoint, host: new URL(endpoint).host, env: { NODE_EXTRA_CA_CERTS: CERT } }
}

/** The CONNECTs squid logged since `before` entries, once the run's tunnels have closed. */
async function connectsSince(before: number, expected: number) {
  await squid.settled(before + expected)
  return squid.connects().slice(before)
}

/** The proxy's password, in every form, nowhere a user can read; and not in raw stdout either (bar the mask command). */
function expectNoProxyPassword(run: Run) {
  const secrets: Array<[string, string]> = [
    ['proxy password', PROXY_PASSWORD],
    ['proxy user:password', `${PROXY_USER}:${PROXY_PASSWORD}`],
    ['wrong proxy password', 'not-the-proxy-pa55']
  ]
  expect(findLeaks(secrets, run).leaks).toEqual([])
  const unmasked = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
  for (const text of [...unmasked, run.stderr]) {
    expect(text).not.toContain(PROXY_PASSWORD)
    expect(text).not.toContain('not-the-proxy-pa55')
  }
}

describe('through squid, with the proxy credentials in HTTPS_PROXY', () => {
  test('SAE: a first run (ListSecrets, CreateSecret) is one CONNECT, by the proxy user, tunnelled', async () => {
    const { endpoint, host, env } = await tlsEmulator()
    const before = squid.connects().length
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint }),
      env: { ...env, HTTPS_PROXY: squid.url(PROXY_USER, PROXY_PASSWORD) }
    })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
    expect(await connectsSince(before, 1)).toEqual([
      { target: host, status: 200, result: 'TCP_TUNNEL', user: PROXY_USER }
    ])
    expectNoProxyPassword(run)
  })

  test('STS (GitHub OIDC) and SAE on two endpoints: one CONNECT each, both through squid', async () => {
    const { endpoint, host, env } = await tlsEmulator({ keys: [], oidc: { roleArn: ROLE, oidcProviderArn: PROVIDER } })
    // Two endpoints, as a real run has (sts.aliyuncs.com, sae.<region>.aliyuncs.com).
    const stsEndpoint = sae.origin.replace('127.0.0.1', PROXIED_NAMES[1])
    const {
      'access-key-id': _id,
      'access-key-secret': _secret,
      ...inputs
    } = stepInputs(sae, {
      endpoint,
      'role-to-assume': ROLE,
      'oidc-provider-arn': PROVIDER,
      'sts-endpoint': stsEndpoint
    })
    void _id
    void _secret
    const before = squid.connects().length
    const run = await runAction({
      inputs,
      env: {
        ...env,
        HTTPS_PROXY: squid.url(PROXY_USER, PROXY_PASSWORD),
        ACTIONS_ID_TOKEN_REQUEST_URL: sae.idTokenRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: sae.idTokenRequestToken ?? ''
      }
    })
    expect(run.errors).toEqual([])
    expect(sae.calls().map((call) => call.action)).toEqual(['AssumeRoleWithOIDC', 'ListSecrets', 'CreateSecret'])
    const connects = await connectsSince(before, 2)
    expect(connects.map((connect) => connect.target).sort()).toEqual([new URL(stsEndpoint).host, host].sort())
    expect(connects.every((connect) => connect.status === 200 && connect.user === PROXY_USER)).toBe(true)
  })

  test('NO_PROXY naming the endpoint host: the run goes direct (to a name that resolves nowhere), squid logs no CONNECT', async () => {
    const { endpoint, env } = await tlsEmulator()
    const before = squid.accessLog().length
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint }),
      env: {
        ...env,
        HTTPS_PROXY: squid.url(PROXY_USER, PROXY_PASSWORD),
        NO_PROXY: `registry.corp.example,${PROXIED_NAMES[0]}`
      }
    })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toContain(`could not reach ${PROXIED_NAMES[0]}: ENOTFOUND`)
    expect(sae.stats).toEqual({ connections: 0, tlsHandshakes: 0 })
    expect((await squid.settled(before)).slice(before)).toEqual([])
  })
})

describe('squid refuses', () => {
  test('a wrong proxy password: 407, one error naming the proxy host, the password nowhere, nothing reached SAE', async () => {
    const { endpoint, host, env } = await tlsEmulator()
    const before = squid.connects().length
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint }),
      env: { ...env, HTTPS_PROXY: squid.url(PROXY_USER, 'not-the-proxy-pa55') }
    })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^::error::ListSecrets failed: ProxyRefused \\(the proxy answered, the API was not reached\\): the proxy ${squid.host.replace(/\./g, '\\.')} answered HTTP 407 to CONNECT ${host}: `
      )
    )
    expect(sae.calls()).toEqual([])
    expect(await connectsSince(before, 1)).toEqual([
      { target: host, status: 407, result: 'TCP_DENIED', user: PROXY_USER }
    ])
    expectNoProxyPassword(run)
  })

  test('no credentials at all: 407 too, the same one error', async () => {
    const { endpoint, host, env } = await tlsEmulator()
    const before = squid.connects().length
    const run = await runAction({ inputs: stepInputs(sae, { endpoint }), env: { ...env, HTTPS_PROXY: squid.plainUrl } })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(`the proxy ${squid.host} answered HTTP 407 to CONNECT ${host}`)
    expect(await connectsSince(before, 1)).toEqual([
      { target: host, status: 407, result: 'TCP_DENIED', user: undefined }
    ])
  })

  test('its ACL denies the port: 403, one error naming the proxy and saying it does not allow the host', async () => {
    const { endpoint, host, env } = await tlsEmulator()
    const strict = await startSquid({
      users: { [PROXY_USER]: PROXY_PASSWORD },
      deniedPorts: [sae.port],
      idleSeconds: 1
    })
    try {
      const run = await runAction({
        inputs: stepInputs(sae, { endpoint }),
        env: { ...env, HTTPS_PROXY: strict.url(PROXY_USER, PROXY_PASSWORD) }
      })
      expect(run.code).toBe(1)
      expect(run.errors).toEqual([
        `::error::ListSecrets failed: ProxyRefused (the proxy answered, the API was not reached): the proxy ${strict.host} answered HTTP 403 to CONNECT ${host}: ` +
          'it does not allow this host; ask for it to be allowed, or add the host to NO_PROXY if it is reachable directly'
      ])
      expect(sae.calls()).toEqual([])
      await strict.settled(1)
      expect(strict.connects()).toEqual([{ target: host, status: 403, result: 'TCP_DENIED', user: PROXY_USER }])
      expectNoProxyPassword(run)
    } finally {
      await strict.stop()
    }
  })
})

// Nothing read from outside is a command. Text someone else chose (a stored Secret's auths keys, SAE's
// RequestIds, codes, messages and application names, a registry's challenge, an echoed input) reaches
// the log inert. runAction reads every run as the runner does and fails it on any command that is not
// the action's own, a stop, a command shown as text, a control character or a visible secret; here,
// each way in, and what the user sees instead.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import {
  authOf,
  emulator,
  PASSWORD,
  stepInputs,
  stored,
  storedCredentials,
  USERNAME,
  type Emulator
} from './fixtures.js'

/** A Basic registry on loopback that takes the step's credentials and both stored ones at `/v2/`. */
async function basicRegistry() {
  const accepted = new Set(
    [USERNAME, DEV.username, PROD.username].map((user, i) => authOf(user, [PASSWORD, DEV.password, PROD.password][i]))
  )
  const server = createServer((req, res) => {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    if (req.url === '/v2/' && basic !== undefined && accepted.has(basic)) return void res.writeHead(200).end('{}')
    res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    stop: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
type Registry = Awaited<ReturnType<typeof basicRegistry>>

const NAMESPACES = ['cn-hangzhou:dev', 'cn-hangzhou:prod']
const DEV = { username: 'robot-dev', password: 'dev-STORED-pa55w0rd-1' }
const PROD = { username: 'robot-prod', password: 'prod-STORED-pa55w0rd-2' }
const entry = ({ username, password }: { username: string; password: string }) => ({
  username,
  password,
  auth: authOf(username, password)
})

let sae: Emulator
let registry: Registry
beforeEach(async () => {
  sae = await emulator()
  registry = await basicRegistry()
})
afterEach(async () => {
  await sae.stop()
  await registry.stop()
})

/**
 * Dev's stored Secret has the auths key `key(registry host)` with dev's credentials, prod's another
 * password at the registry: both differ from what the step computes, so under the defaults
 * (if-exists: skip, verify-login: true) both are checked with their stored credentials and each gets
 * a drift warning.
 */
async function storedKeyRun(key: (host: string) => string) {
  const devConfig = { auths: { [key(registry.host)]: entry(DEV) } }
  const prodConfig = { auths: { [registry.host]: entry(PROD) } }
  sae.seedSecret('cn-hangzhou:dev', { name: 'registry-auth', data: stored(devConfig) })
  sae.seedSecret('cn-hangzhou:prod', { name: 'registry-auth', data: stored(prodConfig) })
  const run = await runAction({
    inputs: stepInputs(sae, {
      'namespace-id': NAMESPACES.join('\n'),
      'registry-domains': registry.host,
      'verify-login': 'true'
    }),
    expectMasked: {
      ...prefixed('dev', storedCredentials(devConfig)),
      ...prefixed('prod', storedCredentials(prodConfig))
    }
  })
  expect([run.code, run.errors]).toEqual([0, []])
  expect(JSON.parse(run.outputs.results)).toEqual({
    'cn-hangzhou:dev': { secretId: 16, result: 'skipped', relatedApps: [] },
    'cn-hangzhou:prod': { secretId: 17, result: 'skipped', relatedApps: [] }
  })
  // Both drift warnings are annotations: the runner still reads the action's commands after the key was printed.
  expect(
    (run.runner.annotations as Array<{ type: string; message: string }>).map(
      (a) => `${a.type}: ${a.message.split(' (')[0]}`
    )
  ).toEqual(["warning: cn-hangzhou:dev: Secret 'registry-auth'", "warning: cn-hangzhou:prod: Secret 'registry-auth'"])
  return run
}

const prefixed = (prefix: string, masks: Record<string, string>) =>
  Object.fromEntries(Object.entries(masks).map(([kind, value]) => [`${prefix} ${kind}`, value]))

describe("a stored Secret's auths key", () => {
  test('`##[stop-commands]` in a key the step logs in with is shown as text; every later mask and warning still works', async () => {
    const run = await storedKeyRun((host) => `${host}/##[stop-commands]pwn`)
    expect(run.stdout).toContain(
      `Registry login accepted by ${registry.host} (Basic) (it stands for ${registry.host}/## [stop-commands]pwn)\n`
    )
    expect(run.runner.stops).toEqual([])
  })

  test('a LF or a lone CR before `::stop-commands::` stays in the line, as an escape', async () => {
    const lf = await storedKeyRun((host) => `${host}/\n::stop-commands::x`)
    expect(lf.stdout).toContain(`(it stands for ${registry.host}/\\n::stop-commands::x)\n`)
  })

  test('a lone CR, which the runner also reads as a line end', async () => {
    const cr = await storedKeyRun((host) => `${host}/\r::stop-commands::x`)
    expect(cr.stdout).toContain(`(it stands for ${registry.host}/\\r::stop-commands::x)\n`)
  })

  test('a forged `##[error file=…]` makes no annotation', async () => {
    const run = await storedKeyRun(
      (host) => `${host}/##[error file=.github/workflows/deploy.yml;line=3;title=Security]Forged: rotate it`
    )
    expect(run.stdout).toContain(
      '/## [error file=.github/workflows/deploy.yml;line=3;title=Security]Forged: rotate it)'
    )
  })

  test('ANSI escapes are shown as escapes, not acted on by a terminal', async () => {
    const run = await storedKeyRun((host) => `${host}/\u001b[1A\u001b[2K\u001b[32mDeploy approved\u001b[0m`)
    expect(run.stdout).toContain('/\\u001b[1A\\u001b[2K\\u001b[32mDeploy approved\\u001b[0m)')
  })
})

describe("SAE's words", () => {
  const oneNamespace = () => stepInputs(sae, { 'verify-login': 'false' })

  test('a RequestId that carries `##[stop-commands]`, in the retry line', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'service-unavailable', requestId: '##[stop-commands]rid' })
    const run = await runAction({ inputs: oneNamespace() })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /^ListSecrets: ServiceUnavailable \(HTTP 503, RequestId ## \[stop-commands\]rid\); retrying in \d+ ms \(attempt 2 of 4\)$/m
    )
  })

  test('an error code that carries it', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'throttle', code: 'Throttling.User##[stop-commands]code' })
    const run = await runAction({ inputs: oneNamespace() })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('ListSecrets: Throttling.User## [stop-commands]code (HTTP 503')
  })

  test('a message with a line break and `::error::`, in the error line', async () => {
    sae.inject({
      action: 'ListSecrets',
      kind: 'error',
      status: 400,
      code: 'InvalidParameter.WithMessage',
      message: 'bad\n::error file=x.yml::forged ##[stop-commands]m'
    })
    const run = await runAction({ inputs: oneNamespace() })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain('a parameter is invalid: bad ::error file=x.yml::forged ## [stop-commands]m')
  })

  test.each([
    ['`##[stop-commands]`', 'shop##[stop-commands]app', 'shop## [stop-commands]app'],
    ['a LF and `::stop-commands::`', 'shop\n::stop-commands::appx', 'shop\\n::stop-commands::appx']
  ])('an application name with %s, in the line an update prints', async (_what, appName, shown) => {
    sae.seedSecret('cn-hangzhou:prod', {
      name: 'registry-auth',
      data: stored({ auths: { 'registry.example.com': entry(DEV) } }),
      relatedApps: [{ AppId: 'app-1', AppName: appName }]
    })
    const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': 'update' }) })
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('updated')
    expect(run.stdout).toContain(`cn-hangzhou:prod: 1 application: ${shown} (app-1) use this Secret`)
  })
})

describe('a registry and an echoed input', () => {
  let odd: Server
  afterEach(async () => {
    odd?.closeAllConnections()
    await new Promise((resolve) => odd?.close(resolve))
  })

  test("a registry's challenge scheme that carries `##[stop-commands]`, in the warning", async () => {
    odd = createServer((_req, res) =>
      res.writeHead(401, { 'www-authenticate': '##[stop-commands]reg realm="x"' }).end()
    )
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve))
    const host = `127.0.0.1:${(odd.address() as { port: number }).port}`
    const run = await runAction({
      inputs: stepInputs(sae, { 'verify-login': 'true', 'registry-domains': host })
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('its challenge (## [stop-commands]reg) is neither Bearer nor Basic')
  })

  test('a username with `##[stop-commands]`, echoed by a dry run', async () => {
    const run = await runAction({
      inputs: stepInputs(sae, { 'dry-run': 'true', username: 'deploy##[stop-commands]u' })
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain("'deploy## [stop-commands]u'")
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets'])
  })
})

// verify-login and extra-registries, seen from outside the bundle: fake registries on loopback
// beside the SAE emulator. A refusal stops every write with one error line; anything else is a
// warning and the Secret is written; the login runs beside the SAE look-ups, not before or after.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closedPort, startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { findLeaks, runAction } from '../../devkit/harness/action-runner.mjs'
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

type Fake = Awaited<ReturnType<typeof startFakeRegistry>>

const NS = 'cn-hangzhou:prod'
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/'

let sae: Emulator | undefined
const fakes: Fake[] = []
beforeEach(() => {
  sae = undefined
})
afterEach(async () => {
  await Promise.all([sae?.stop(), ...fakes.splice(0).map((fake) => fake.stop())])
})

async function start(options: Parameters<typeof emulator>[0] = {}): Promise<Emulator> {
  sae = await emulator(options)
  return sae
}

/** A fake registry; by default it takes the step's own username and password. */
async function registry(options: Parameters<typeof startFakeRegistry>[0] = {}): Promise<Fake> {
  const fake = await startFakeRegistry({ username: USERNAME, password: PASSWORD, ...options })
  fakes.push(fake)
  return fake
}

/** The step with verify-login on and the Secret's main registry at the given loopback hosts. */
function loginInputs(target: Emulator, hosts: string[], extra: Record<string, string> = {}): Record<string, string> {
  return stepInputs(target, { 'verify-login': 'true', 'registry-domains': hosts.join('\n'), ...extra })
}

/** An extra-registries item, in the block style a workflow would use. */
function item(host: string, username: string, password: string): string {
  return `- registry: ${host}\n  username: ${JSON.stringify(username)}\n  password: ${JSON.stringify(password)}\n`
}

const lines = (stdout: string, kind: string) => stdout.split(/\r?\n/).filter((line) => line.startsWith(`::${kind}::`))
const entry = (username: string, password: string) => ({ username, password, auth: authOf(username, password) })
const writes = (target: Emulator) =>
  target.calls().filter((call) => ['CreateSecret', 'UpdateSecret', 'DeleteSecret'].includes(call.action))

describe('a refused login fails the step before any write', () => {
  test('the main registry: one error line naming the domain and the username and password, no CreateSecret', async () => {
    const target = await start()
    const main = await registry({ password: 'the-rotated-password' })
    const run = await runAction({ inputs: loginInputs(target, [main.host]) })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::Registry ${main.host} refused the username and password (HTTP 401 from its token service 127.0.0.1:${main.tokenPort}): ` +
        'a Secret holding them could not pull images. Check the username and password inputs (for ACR: the registry password set in the ACR console, ' +
        'not the Alibaba Cloud account password). Nothing was written; set verify-login: false only if the registry is right to refuse this runner'
    ])
    expect(writes(target)).toEqual([])
    // The look-up ran beside the login; only the write waited for it.
    expect(target.calls().map((call) => call.action)).toEqual(['ListSecrets'])
    expect(target.secrets(NS)).toEqual([])
    expect(run.outputs.results).toBe('{}')
    expect(run.outputs['secret-id']).toBeUndefined()
    expect(main.calls('token').map((call) => call.authorization)).toEqual([`Basic ${authOf(USERNAME, PASSWORD)}`])
  })

  test('if-exists update: a Secret that differs is not updated with refused credentials', async () => {
    const target = await start()
    const main = await registry({ kind: 'basic', password: 'the-rotated-password' })
    const rotated = { auths: { [main.host]: entry(USERNAME, 'the-rotated-password') } }
    const old = stored(rotated)
    target.seedSecret(NS, { name: 'registry-auth', data: old })
    const run = await runAction({
      inputs: loginInputs(target, [main.host], { 'if-exists': 'update' }),
      expectMasked: storedCredentials(rotated)
    })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(
      `::error::Registry ${main.host} refused the username and password (HTTP 401 to GET /v2/ with Basic credentials)`
    )
    expect(writes(target)).toEqual([])
    expect(target.secrets(NS)[0].SecretData).toEqual(old)
  })

  test('an extra registry: the error names its item of extra-registries', async () => {
    const target = await start()
    const main = await registry()
    const first = await registry({ kind: 'basic', username: 'first-bot', password: 'first-extra-pa55' })
    const second = await registry({ kind: 'bearer', username: 'second-bot', password: 'second-extra-pa55' })
    const extra =
      item(first.host, 'first-bot', 'first-extra-pa55') + item(second.host, 'second-bot', 'an-old-extra-pa55')
    const run = await runAction({ inputs: loginInputs(target, [main.host], { 'extra-registries': extra }) })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::Registry ${second.host} refused the username and password (HTTP 401 from its token service 127.0.0.1:${second.tokenPort}): ` +
        'a Secret holding them could not pull images. Check item 2 of extra-registries (for ACR: the registry password set in the ACR console, ' +
        'not the Alibaba Cloud account password). Nothing was written; set verify-login: false only if the registry is right to refuse this runner'
    ])
    expect(writes(target)).toEqual([])
    // The others were checked too, and said so.
    expect(run.stdout).toContain(
      `Registry login accepted by ${main.host} (Bearer token from 127.0.0.1:${main.tokenPort})`
    )
    expect(run.stdout).toContain(`Registry login accepted by ${first.host} (Basic)`)
  })

  test('two refusals are one error line that names both', async () => {
    const target = await start()
    const main = await registry({ password: 'the-rotated-password' })
    const other = await registry({ kind: 'basic', username: 'bot', password: 'the-right-extra' })
    const run = await runAction({
      inputs: loginInputs(target, [main.host], { 'extra-registries': item(other.host, 'bot', 'a-wrong-extra') })
    })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(
      `::error::2 registries refused the username and password: ${main.host} (the username and password inputs: HTTP 401`
    )
    expect(run.errors[0]).toContain(
      `${other.host} (item 1 of extra-registries: HTTP 401 to GET /v2/ with Basic credentials)`
    )
    expect(writes(target)).toEqual([])
  })

  test('a dry run logs in too, and a refusal fails it; SAE is only read', async () => {
    const target = await start()
    const main = await registry({ password: 'the-rotated-password' })
    const run = await runAction({ inputs: loginInputs(target, [main.host], { 'dry-run': 'true' }) })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^::error::Registry ${main.host.replace(/\./g, '\\.')} refused the username and password \\(HTTP 401 from its token service`
      )
    )
    expect(target.calls().map((call) => call.action)).toEqual(['ListSecrets'])
    expect(main.calls('token')).toHaveLength(1)
    expect(run.stdout).toContain("Would ensure Secret 'registry-auth'")
  })
})

describe('a step that fails before any write', () => {
  test('does not report a login still in flight after its error line', async () => {
    const target = await start()
    const silent = await registry({ kind: 'silent' })
    const { 'access-key-id': _id, 'access-key-secret': _secret, ...inputs } = loginInputs(target, [silent.host])
    void _id
    void _secret
    const run = await runAction({ inputs })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/^::error::No Alibaba Cloud credentials were found/)
    // The login started beside the credentials and was cut short with the step: nothing after the error.
    expect(lines(run.stdout, 'warning')).toEqual([])
  })
})

describe('a login that cannot be verified is a warning, and the Secret is written', () => {
  test('a domain where nothing listens', async () => {
    const target = await start()
    const host = `127.0.0.1:${await closedPort()}`
    const run = await runAction({ inputs: loginInputs(target, [host]) })
    expect(run.code).toBe(0)
    expect(run.errors).toEqual([])
    expect(lines(run.stdout, 'warning')).toEqual([
      `::warning::Could not verify the registry login for ${host}: it could not be reached: ECONNREFUSED (nothing listens there); ` +
        'not a refusal, so it does not stop the Secret being written'
    ])
    expect(run.outputs.result).toBe('created')
    expect(target.dockerConfig(NS, 'registry-auth')).toEqual({ auths: { [host]: entry(USERNAME, PASSWORD) } })
  })

  test('a token service that answers 403 and a host that is no registry: one warning each', async () => {
    const target = await start()
    const forbidden = await registry({ kind: 'token-forbidden' })
    const web = await registry({ kind: 'not-registry' })
    const run = await runAction({ inputs: loginInputs(target, [forbidden.host, web.host]) })
    expect(run.code).toBe(0)
    expect(lines(run.stdout, 'warning')).toEqual([
      `::warning::Could not verify the registry login for ${forbidden.host}: its token service 127.0.0.1:${forbidden.tokenPort} answered HTTP 403; not a refusal, so it does not stop the Secret being written`,
      `::warning::Could not verify the registry login for ${web.host}: GET /v2/ answered HTTP 404, not the registry API's 401 challenge; not a refusal, so it does not stop the Secret being written`
    ])
    expect(run.outputs.result).toBe('created')
  })
})

describe('accepted', () => {
  test('an info line per domain, no warning, and the Secret is written', async () => {
    const target = await start()
    const main = await registry()
    const run = await runAction({ inputs: loginInputs(target, [main.host]) })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      `Registry login accepted by ${main.host} (Bearer token from 127.0.0.1:${main.tokenPort})`
    )
    expect(lines(run.stdout, 'warning')).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(target.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
  })

  test('several namespaces with the same registry: one login per domain', async () => {
    const target = await start()
    const main = await registry()
    const namespaces = ['cn-hangzhou:dev', 'cn-hangzhou:staging', 'cn-beijing:prod']
    const run = await runAction({ inputs: loginInputs(target, [main.host], { 'namespace-id': namespaces.join(',') }) })
    expect(run.code).toBe(0)
    expect(main.calls('registry')).toHaveLength(1)
    expect(main.calls('token')).toHaveLength(1)
    expect(run.stdout.split('\n').filter((line) => line.includes('Registry login accepted'))).toHaveLength(1)
    for (const namespace of namespaces) expect(target.secrets(namespace)).toHaveLength(1)
  })

  test('state: absent logs in nowhere: it writes no credentials', async () => {
    const target = await start()
    const main = await registry()
    const run = await runAction({
      inputs: { ...loginInputs(target, [main.host], { state: 'absent' }), username: '', password: '' }
    })
    expect(run.code).toBe(0)
    expect(run.outputs.result).toBe('absent')
    expect(main.requests).toEqual([])
  })
})

describe('a Secret with extra registries', () => {
  test('main and extra registry, each with its own username, password and auth', async () => {
    const target = await start()
    const main = await registry({ kind: 'bearer' })
    const extraPassword = 'x:tra "pa55" \\ wörd'
    const other = await registry({ kind: 'basic', username: 'ci-robot', password: extraPassword })
    const run = await runAction({
      inputs: loginInputs(target, [main.host], { 'extra-registries': item(other.host, 'ci-robot', extraPassword) })
    })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(target.dockerConfig(NS, 'registry-auth')).toEqual({
      auths: { [main.host]: entry(USERNAME, PASSWORD), [other.host]: entry('ci-robot', extraPassword) }
    })
    expect(run.summary).toContain(
      `| ${NS} | registry-auth | ${target.secrets(NS)[0].SecretId} | created | – | ${main.host}<br>${other.host} |`
    )
  })

  test('Docker Hub is stored under https://index.docker.io/v1/ (verify-login off: no real registry is contacted)', async () => {
    const target = await start()
    const run = await runAction({
      inputs: stepInputs(target, {
        'registry-domains': 'registry.example.com',
        'extra-registries': item('docker.io', 'hub-user', 'hub-access-token')
      })
    })
    expect(run.code).toBe(0)
    expect(target.dockerConfig(NS, 'registry-auth')).toEqual({
      auths: {
        'registry.example.com': entry(USERNAME, PASSWORD),
        [DOCKER_HUB_KEY]: entry('hub-user', 'hub-access-token')
      }
    })
  })

  test('a bad item fails before any call, naming the item and never its password', async () => {
    const target = await start()
    const run = await runAction({
      inputs: stepInputs(target, {
        'extra-registries': `${item('ghcr.io', 'bot', 'ghcr-s3cret-value')}- registry: quay.io\n  username: bot\n  password: 0123\n`
      })
    })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      "::error::Input 'extra-registries' item 2: password must be a string; quote it (or write ${{ toJSON(secrets.NAME) }})"
    ])
    expect(target.calls()).toEqual([])
  })
})

describe('extra passwords never reach a log', () => {
  test('with verify-login, debug logging and a refusal: no extra password, auth, docker config or token anywhere', async () => {
    const target = await start()
    const main = await registry()
    const passwords = ['ex%tra/one+"quoted"', 'ex tra\\two ü', 'extra-three-refused']
    const accepted = await registry({ kind: 'bearer', username: 'one', password: passwords[0] })
    const basic = await registry({ kind: 'basic', username: 'two', password: passwords[1] })
    const refusing = await registry({ kind: 'basic', username: 'three', password: 'the-current-three' })
    const extra = item(accepted.host, 'one', passwords[0]) + item(basic.host, 'two', passwords[1])
    // The harness scans each run for every extra-registries password and user:pass it was given, in every encoding,
    // and requires each token a registry hands the step to be masked.
    const issued = (fakes: Array<{ host: string; tokens: string[] }>) => {
      const before = fakes.map((fake) => fake.tokens.length)
      return () =>
        Object.fromEntries(
          fakes.flatMap((fake, f) =>
            fake.tokens.slice(before[f]).map((token, i) => [`token ${i + 1} of ${fake.host}`, token])
          )
        )
    }
    const written = await runAction({
      inputs: loginInputs(target, [main.host], { 'extra-registries': extra }),
      env: { RUNNER_DEBUG: '1' },
      expectMasked: issued([main, accepted])
    })
    expect(written.code).toBe(0)
    const refused = await runAction({
      inputs: loginInputs(target, [main.host], {
        'secret-name': 'refused',
        'extra-registries': extra + item(refusing.host, 'three', passwords[2])
      }),
      env: { RUNNER_DEBUG: '1' },
      expectMasked: issued([main, accepted])
    })
    expect(refused.code).toBe(1)
    const config = Buffer.from(JSON.stringify(target.dockerConfig(NS, 'registry-auth'))).toString('base64')
    const derived: Array<[string, string]> = [
      ['docker config', config],
      ...passwords.map((password, i): [string, string] => [
        `auth ${i + 1}`,
        authOf(['one', 'two', 'three'][i], password)
      ]),
      ...[main, accepted].flatMap((fake) =>
        fake.tokens.map((token: string, i: number): [string, string] => [`token ${i} of ${fake.host}`, token])
      )
    ]
    expect(main.tokens).toHaveLength(2)
    expect(accepted.tokens).toHaveLength(2)
    expect(findLeaks(derived, written).leaks).toEqual([])
    expect(findLeaks(derived, refused).leaks).toEqual([])
  })

  test('malformed YAML holding a password: the error gives only line, column and code', async () => {
    const target = await start()
    const password = 'hunter2-in-bad-yaml'
    for (const value of [`!${password}`, `*${password}`, `"${password}`, `${password}: x`]) {
      const run = await runAction({
        inputs: stepInputs(target, {
          'extra-registries': `- registry: ghcr.io\n  username: bot\n  password: ${value}\n`
        })
      })
      expect(run.code).toBe(1)
      expect(run.errors).toHaveLength(1)
      expect(run.errors[0]).toMatch(/^::error::Input 'extra-registries' is not valid YAML/)
      // The harness could not read this YAML, so it is scanned here.
      expect(findLeaks([['password', password]], run).leaks).toEqual([])
      expect(run.stderr).toBe('')
    }
    expect(target.calls()).toEqual([])
  })

  test('the harness scan covers extra-registries passwords: a bundle that prints one fails its run', async () => {
    const work = mkdtempSync(join(tmpdir(), 'leaky-'))
    try {
      const leaky = join(work, 'leaky.mjs')
      writeFileSync(
        leaky,
        'console.log(`debug: ${process.env[\'INPUT_EXTRA-REGISTRIES\'].match(/password: "(.*)"/)[1]}`)\n'
      )
      const target = await start()
      const run = runAction({
        inputs: stepInputs(target, { 'extra-registries': item('ghcr.io', 'bot', 'printed-extra-s3cret') }),
        bundle: leaky
      })
      await expect(run).rejects.toThrow('secrets leaked: extra-registries item 1 password (raw) in log')
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})

describe('the login runs beside the SAE look-ups', () => {
  test('with 200 ms on every answer of SAE and the registry, the registry is asked before ListSecrets is answered, and only the write waits', async () => {
    const latencyMs = 200
    const target = await start({ latencyMs })
    const main = await registry({ kind: 'bearer', latencyMs })
    const run = await runAction({ inputs: loginInputs(target, [main.host]) })
    expect(run.code).toBe(0)
    const [list, create] = target.calls()
    expect([list.action, create.action]).toEqual(['ListSecrets', 'CreateSecret'])
    const ms = BigInt(1_000_000)
    // The emulator answers no sooner than latencyMs after a request arrives.
    const listAnsweredNoSoonerThan = list.receivedAt + BigInt(latencyMs) * ms
    const [challenge, token] = main.requests
    expect([challenge.server, token.server]).toEqual(['registry', 'token'])
    // Not after the look-up: the login's first request came before SAE answered ListSecrets.
    expect(challenge.receivedAt < listAnsweredNoSoonerThan).toBe(true)
    // Not before the look-up: ListSecrets went out before the login had its verdict.
    expect(list.receivedAt < token.answeredAt!).toBe(true)
    // The write waited for the verdict.
    expect(create.receivedAt > token.answeredAt!).toBe(true)
  })
})

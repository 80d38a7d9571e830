// scripts/emulator.mjs and scripts/demo.mjs as a user runs them: child processes, judged by what they
// print, their exit codes, and what the lines the emulator prints do when they are run.
import { afterEach, describe, expect, test } from '@jest/globals'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { LOCAL_KEY, LOCAL_REGISTRY } from '../../scripts/emulator.mjs'
import { secretReader } from '../../scripts/sae-reader.mjs'
import { parseOutputFile, ROOT } from '../../devkit/harness/action-runner.mjs'

interface Finished {
  code: number | null
  stdout: string
  stderr: string
}

const EMULATOR = join(ROOT, 'scripts', 'emulator.mjs')
const SMOKE = join(ROOT, 'scripts', 'smoke.mjs')
const DEMO = join(ROOT, 'scripts', 'demo.mjs')
const OFFLINE_DNS = pathToFileURL(join(ROOT, 'devkit', 'harness', 'offline-dns.mjs')).href
const OIDC_HEADING = '== Run the action with GitHub OIDC'
const ACCESS_KEY_HEADING = '== The same with the AccessKey instead of OIDC'
const INSTANCE_ROLE_HEADING = '== The same as an ECS instance with a RAM role'
const RRSA_HEADING = '== The same as an ACK pod with RRSA'

/** A clean environment: nothing of this machine's (no real keys, no proxies) reaches the script. */
function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...(process.env.SYSTEMROOT ? { SYSTEMROOT: process.env.SYSTEMROOT } : {}),
    ...extra
  }
}

/** Runs a program to its end, asynchronously: an emulator in another process keeps answering meanwhile. */
function run(command: string, args: string[], env: Record<string, string>): Promise<Finished> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

interface RunningEmulator {
  child: ChildProcessWithoutNullStreams
  /** Everything it printed so far. */
  stdout: () => string
  exited: Promise<number | null>
}

const running: RunningEmulator[] = []
afterEach(async () => {
  for (const emulator of running.splice(0)) {
    emulator.child.kill('SIGINT')
    await emulator.exited
  }
})

/** Starts `npm run emulator` with `args` and waits for its banner. */
async function startEmulatorScript(args: string[]): Promise<RunningEmulator> {
  const child = spawn(process.execPath, [EMULATOR, ...args], {
    cwd: ROOT,
    env: baseEnv(),
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const emulator = { child, stdout: () => stdout, exited }
  running.push(emulator)
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => stdout.includes('Ctrl-C stops the emulator') && resolve())
    void exited.then(() => reject(new Error(`the emulator exited early: ${stdout}${stderr}`)))
  })
  return emulator
}

/** Stops it as Ctrl-C does; its exit code. */
async function interrupt(emulator: RunningEmulator): Promise<number | null> {
  running.splice(running.indexOf(emulator), 1)
  emulator.child.kill('SIGINT')
  return emulator.exited
}

/** The shell lines printed under `heading`: its indented lines, indent removed. */
function printedBlock(stdout: string, heading: string): string[] {
  const section = stdout.slice(stdout.indexOf(heading))
  const lines = section.split('\n').slice(2)
  return lines.slice(0, lines.indexOf('')).map((line) => {
    expect(line.startsWith('    ')).toBe(true)
    return line.slice(4)
  })
}

/** Waits until the emulator has logged a line matching `pattern` (registry requests are logged by polling). */
async function logged(emulator: RunningEmulator, pattern: RegExp): Promise<string> {
  for (let attempt = 0; attempt < 100 && !pattern.test(emulator.stdout()); attempt++)
    await new Promise((resolve) => setTimeout(resolve, 50))
  return emulator.stdout()
}

interface BlockRun {
  code: number | null
  log: string
  outputs: Record<string, string>
  summary: string
}

/**
 * Runs printed lines as a shell does, with one change: the bundle is preloaded with offline-dns.mjs,
 * so that whatever the lines name, the run resolves only loopback names. On Windows, which has no
 * POSIX shell to trust, the lines' `env -i` words are read here instead and the bundle is spawned.
 */
async function runBlock(lines: string[]): Promise<BlockRun> {
  const bundleLine = lines.findIndex((line) => /dist[/\\]index\.js'?$/.test(line))
  expect(bundleLine).toBeGreaterThan(0)
  // node [--import <the metadata stand-in's preload>] bundle
  const [node, ...rest] = words(lines[bundleLine])
  const bundle = rest.pop()!
  const patched = [...lines]
  patched[bundleLine] = `  ${[node, ...rest, '--import', OFFLINE_DNS, bundle].map(quote).join(' ')}`
  if (process.platform !== 'win32') {
    const shell = await run('bash', ['-c', patched.join('\n')], baseEnv())
    expect(shell.stderr).toBe('')
    const [log, rest] = shell.stdout.split(/^exit code (?=\d)/m)
    const [code, outputs, summary] = rest.split(/^== (?:outputs|summary) \(.*\)\n/m)
    return { code: Number(code.trim()), log, outputs: parseOutputFile(outputs), summary }
  }
  const folder = mkdtempSync(join(tmpdir(), 'emulator-lines-'))
  try {
    writeFileSync(join(folder, 'output'), '')
    writeFileSync(join(folder, 'summary'), '')
    const assignments = lines
      .slice(lines.indexOf('env -i \\') + 1, bundleLine)
      .flatMap((line) => words(line.replace(/ \\$/, '')))
    const env = Object.fromEntries(
      assignments.map((word) => [
        word.slice(0, word.indexOf('=')),
        word
          .slice(word.indexOf('=') + 1)
          .replaceAll('$RUN', folder)
          .replaceAll('$PATH', process.env.PATH ?? '')
      ])
    )
    const finished = await run(node, [...rest, '--import', OFFLINE_DNS, bundle], {
      ...env,
      ...(process.env.SYSTEMROOT ? { SYSTEMROOT: process.env.SYSTEMROOT } : {})
    })
    return {
      code: finished.code,
      log: finished.stdout,
      outputs: parseOutputFile(readFileSync(join(folder, 'output'), 'utf8')),
      summary: readFileSync(join(folder, 'summary'), 'utf8')
    }
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}

/** The words of one line as a POSIX shell splits them: '…' literal, "…" kept as written (for $RUN and $PATH). */
function words(line: string): string[] {
  return [...line.trim().matchAll(/(?:'[^']*'|"[^"]*"|[^\s'"])+/g)].map((match) =>
    match[0].replace(/'([^']*)'|"([^"]*)"/g, (_, single, double) => single ?? double)
  )
}

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Holds 127.0.0.1:port, unless someone else already does (then it is taken all the same). */
async function hold(port: number): Promise<Server | undefined> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

describe('npm run emulator', () => {
  test('prints lines that run the action with OIDC, verify-login and images: run in a shell, they create the Secret; the AccessKey lines too; Ctrl-C stops everything', async () => {
    const emulator = await startEmulatorScript(['--port', '0', '--registry-port', '0'])
    const banner = emulator.stdout()
    const origin = /Endpoint: {3}(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1]
    const registryHost = /Registry: {3}(127\.0\.0\.1:\d+)/.exec(banner)?.[1]
    const tokenPort = Number(/Bearer tokens from 127\.0\.0\.1:(\d+)/.exec(banner)?.[1])
    expect(origin).toBeDefined()
    expect(registryHost).toBeDefined()
    expect(banner).toContain(`holds shop/web:1.4.2`)

    const oidc = printedBlock(banner, OIDC_HEADING)
    for (const line of [
      `  ACTIONS_ID_TOKEN_REQUEST_URL='${origin}/_github/idtoken?api-version=2.0' \\`,
      '  ACTIONS_ID_TOKEN_REQUEST_TOKEN=local-runner-id-token-request-test-only \\',
      '  GITHUB_OUTPUT="$RUN/output" \\',
      '  GITHUB_STEP_SUMMARY="$RUN/summary" \\',
      '  INPUT_ROLE-TO-ASSUME=acs:ram::1234567890123456:role/github-deploy \\',
      '  INPUT_OIDC-PROVIDER-ARN=acs:ram::1234567890123456:oidc-provider/github \\',
      `  INPUT_STS-ENDPOINT=${origin} \\`,
      `  INPUT_ENDPOINT=${origin} \\`,
      '  INPUT_VERIFY-LOGIN=true \\',
      `  INPUT_IMAGES=${registryHost}/shop/web:1.4.2 \\`
    ]) {
      expect(oidc).toContain(line)
    }
    expect(oidc.join('\n')).not.toContain('ACCESS-KEY')

    const first = await runBlock(oidc)
    expect(first.code).toBe(0)
    expect(first.outputs).toEqual({
      results: '{"cn-hangzhou:dev":{"secretId":16,"result":"created","relatedApps":[]}}',
      'secret-id': '16',
      result: 'created'
    })
    expect(first.summary).toContain(`| cn-hangzhou:dev | registry-auth | 16 | created | – | ${registryHost} |`)
    expect(first.log).toContain(`Image ${registryHost}/shop/web:1.4.2 can be pulled`)
    expect(first.log).toContain("cn-hangzhou:dev: Secret 'registry-auth' created (SecretId 16)")
    // STS handed out the keys that signed the write: the OIDC path, not a key from the lines.
    const log = await logged(emulator, /registry HEAD \/v2\/shop\/web\/manifests\/1\.4\.2 -> HTTP 200/)
    expect(log).toMatch(/AssumeRoleWithOIDC -> HTTP 200\n/)
    expect(log).toMatch(/CreateSecret cn-hangzhou:dev 'registry-auth' -> HTTP 200\n/)
    expect(log).toMatch(
      /registry token GET \/token scope repository:shop\/web:pull \(shop-ci\) -> HTTP 200, granted repository:shop\/web:pull\n/
    )

    // An independent reader (not the action's code) finds the Secret, holding the registry's credentials.
    const reader = secretReader({ endpoint: { protocol: 'http', host: new URL(origin!).host }, ...LOCAL_KEY })
    const listed = await reader.listSecrets('cn-hangzhou:dev')
    expect(
      listed.map((secret: { SecretName: string; SecretId: number }) => [secret.SecretName, secret.SecretId])
    ).toEqual([['registry-auth', 16]])
    const described = await reader.describeSecret('cn-hangzhou:dev', 16)
    const config = JSON.parse(Buffer.from(described.SecretData['.dockerconfigjson'], 'base64').toString('utf8'))
    expect(Object.keys(config.auths)).toEqual([registryHost])
    expect(config.auths[registryHost!]).toMatchObject({ username: 'shop-ci', password: LOCAL_REGISTRY.password })

    const accessKey = printedBlock(banner, ACCESS_KEY_HEADING)
    expect(accessKey).toContain(`  INPUT_ACCESS-KEY-ID=${LOCAL_KEY.accessKeyId} \\`)
    expect(accessKey.join('\n')).not.toMatch(/ROLE-TO-ASSUME|ACTIONS_ID_TOKEN/)
    const second = await runBlock(accessKey)
    expect(second.code).toBe(0)
    expect(second.outputs.result).toBe('skipped')
    expect(second.outputs['secret-id']).toBe('16')

    // As an ECS instance with a RAM role: the stand-in's key signs; as an ACK pod with RRSA: STS's key does.
    const instanceRole = printedBlock(banner, INSTANCE_ROLE_HEADING)
    expect(instanceRole.join('\n')).not.toMatch(/ACCESS-KEY|ACTIONS_ID_TOKEN|OIDC-PROVIDER/)
    expect(instanceRole.at(-2)).toMatch(/ --import '?file:.*metadata-address\.mjs'? /)
    const third = await runBlock(instanceRole)
    expect(third.code).toBe(0)
    expect(third.outputs.result).toBe('skipped')
    const afterInstance = await logged(
      emulator,
      /metadata GET \/latest\/meta-data\/ram\/security-credentials\/local-ci-runner \(session token: valid\) -> HTTP 200/
    )
    expect(afterInstance).toMatch(/metadata PUT \/latest\/api\/token -> HTTP 200\n/)
    const rrsa = printedBlock(banner, RRSA_HEADING)
    expect(rrsa).toContain('  ALIBABA_CLOUD_ROLE_ARN=acs:ram::1234567890123456:role/ack-arc-runner \\')
    const fourth = await runBlock(rrsa)
    expect(fourth.code).toBe(0)
    expect(fourth.outputs.result).toBe('skipped')
    expect(
      (await logged(emulator, /AssumeRoleWithOIDC -> HTTP 200\n[\s\S]*AssumeRoleWithOIDC -> HTTP 200\n/)).match(
        /AssumeRoleWithOIDC -> HTTP 200/g
      )
    ).toHaveLength(2)

    // The printed hint: the missing tag, refused before any write.
    const missing = `${registryHost}/shop/web:9.9.9`
    expect(banner).toContain(`INPUT_IMAGES=${missing}`)
    const refused = await runBlock(
      accessKey.map((line) =>
        line
          .replace(/^ {2}INPUT_IMAGES=.*$/, `  INPUT_IMAGES=${missing} \\`)
          .replace('INPUT_SECRET-NAME=registry-auth', 'INPUT_SECRET-NAME=registry-next')
      )
    )
    expect(refused.code).toBe(1)
    expect(refused.log).toContain(
      `::error::Image ${missing} does not exist at ${registryHost} (HTTP 404 to HEAD /v2/shop/web/manifests/9.9.9)`
    )
    expect(refused.outputs).toEqual({ results: '{}' })
    await logged(emulator, /manifests\/9\.9\.9 -> HTTP 404/)
    expect(emulator.stdout()).not.toMatch(/CreateSecret cn-hangzhou:dev 'registry-next'/)
    expect(await reader.listSecrets('cn-hangzhou:dev')).toHaveLength(1)

    // Nothing the lines name is a secret the emulator logs: names and statuses only.
    const calls = emulator.stdout().slice(emulator.stdout().indexOf('Ctrl-C stops the emulator'))
    expect(calls).not.toContain(LOCAL_REGISTRY.password)
    expect(calls).not.toContain('dockerconfigjson')
    expect(calls).not.toMatch(/Bearer|fake-token/)

    const port = Number(new URL(origin!).port)
    const registryPort = Number(registryHost!.split(':')[1])
    const code = await interrupt(emulator)
    if (process.platform === 'win32') {
      // Windows has no SIGINT to send to a child: kill() ends it outright, without a handler.
      expect(code).not.toBe(0)
    } else {
      expect(code).toBe(0)
      expect(emulator.stdout()).toMatch(
        /SIGINT: emulator stopped \(\d+ SAE\/STS calls and \d+ registry requests served/
      )
    }
    for (const closed of [port, registryPort, tokenPort]) expect(await listening(closed)).toBe(false)
  })

  test('prints endpoint, key and namespaces and a smoke command that works against it; stops cleanly on a signal', async () => {
    const emulator = await startEmulatorScript(['--port', '0', '--registry-port', '0', '--namespace', 'cn-shanghai:qa'])
    const stdout = emulator.stdout()
    const origin = /Endpoint: {3}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1]
    expect(origin).toBeDefined()
    expect(stdout).toContain(`AccessKey:  ${LOCAL_KEY.accessKeyId}`)
    expect(stdout).toContain(`Secret:     ${LOCAL_KEY.accessKeySecret}`)
    expect(stdout).toContain('TEST-ONLY')
    expect(stdout).toContain('Namespaces: cn-hangzhou:dev, cn-hangzhou:prod, cn-hangzhou, cn-shanghai:qa')
    // The printed example, as printed: the variables before `npm run smoke`.
    const smokeExample = stdout.slice(stdout.indexOf('Or run the smoke test against the emulator:'))
    const example = Object.fromEntries(
      [...smokeExample.matchAll(/\b(SAE_SMOKE_\w+|ALIBABA_CLOUD_\w+)=(\S+)/g)].map((match) => [match[1], match[2]])
    )
    expect(Object.keys(example).sort()).toEqual([
      'ALIBABA_CLOUD_ACCESS_KEY_ID',
      'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
      'SAE_SMOKE_ENDPOINT',
      'SAE_SMOKE_NAMESPACE_ID'
    ])
    const smoke = await run(process.execPath, [SMOKE], baseEnv(example))
    expect(smoke.stdout.trimEnd().split('\n').pop()).toBe('5 passed, 0 failed')
    // Each call is logged by name and status, never with the values of its query.
    expect(emulator.stdout()).toMatch(/CreateSecret cn-hangzhou:dev 'smoke-[\w-]+' -> HTTP 200/)
    expect(emulator.stdout()).toMatch(/DeleteSecret cn-hangzhou:dev SecretId \d+ -> HTTP 200/)
    expect(emulator.stdout().slice(emulator.stdout().indexOf('Ctrl-C stops'))).not.toContain('dockerconfigjson')
    const code = await interrupt(emulator)
    if (process.platform === 'win32') {
      expect(code).not.toBe(0)
    } else {
      expect(code).toBe(0)
      expect(emulator.stdout()).toMatch(/SIGINT: emulator stopped \(\d+ SAE\/STS calls/)
    }
  })

  test('when its default ports are taken, says so and prints lines holding the ports it took instead', async () => {
    const holders = await Promise.all([hold(8790), hold(8791)])
    try {
      const emulator = await startEmulatorScript([])
      const stdout = emulator.stdout()
      expect(stdout).toMatch(
        /^NOTE: port 8790 \(SAE and STS\) was taken, so they listen on \d+: the lines below hold that port/m
      )
      expect(stdout).toMatch(
        /^NOTE: port 8791 \(registry\) was taken, so it listens on \d+: the lines below hold that port/m
      )
      const port = /so they listen on (\d+)/.exec(stdout)![1]
      const registryPort = /so it listens on (\d+)/.exec(stdout)![1]
      expect(stdout).toContain(`  INPUT_ENDPOINT=http://127.0.0.1:${port} \\`)
      expect(stdout).toContain(`  INPUT_IMAGES=127.0.0.1:${registryPort}/shop/web:1.4.2 \\`)
      expect([port, registryPort]).not.toContain('8790')
      expect([port, registryPort]).not.toContain('8791')
      await interrupt(emulator)
    } finally {
      for (const holder of holders)
        await new Promise((resolve) => (holder ? holder.close(resolve) : resolve(undefined)))
    }
  })

  test.each(['--port', '--registry-port'])('a %s that is taken is an error that says so (exit 1)', async (option) => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as { port: number }
    try {
      const other = option === '--port' ? '--registry-port' : '--port'
      const finished = await run(process.execPath, [EMULATOR, option, String(port), other, '0'], baseEnv())
      expect(finished.code).toBe(1)
      expect(finished.stderr).toContain(
        `The emulator could not start: port ${port} is in use; choose another with ${option}, or ${option} 0 for any`
      )
      expect(finished.stdout).toBe('')
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  test.each(['--port', '--registry-port'])('a %s that is not a number is a usage error (exit 2)', async (option) => {
    const finished = await run(process.execPath, [EMULATOR, option, 'eighty'], baseEnv())
    expect(finished.code).toBe(2)
    expect(finished.stderr).toContain(`${option} must be a port number (0 to 65535); got eighty`)
  })
})

describe('npm run demo', () => {
  test('exits 0, showing the image check passing and a missing tag refused before anything is written', async () => {
    const demo = await run(process.execPath, [DEMO], baseEnv({ NO_COLOR: '1' }))
    expect(demo.stderr).toBe('')
    expect(demo.code).toBe(0)
    const registryHost = /Local registry on (127\.0\.0\.1:\d+), holding shop\/web:1\.4\.2/.exec(demo.stdout)?.[1]
    expect(registryHost).toBeDefined()
    const sections = demo.stdout.split('\n== ')
    const section = (start: string): string => sections.find((text) => text.startsWith(start)) ?? ''
    const first = section('First run')
    expect(first).toContain(`Image ${registryHost}/shop/web:1.4.2 can be pulled`)
    expect(first).toContain('result = created')
    expect(first).toContain('SAE calls: ListSecrets 200, CreateSecret 200\n')
    expect(first).toContain('HEAD /v2/shop/web/manifests/1.4.2 200')
    expect(section('Second run')).toContain('result = unchanged')
    expect(section('Third run')).toMatch(
      new RegExp(`##\\[error\\]Registry ${registryHost!.replaceAll('.', '\\.')} refused the username and password`)
    )
    const fourth = section('Fourth run')
    expect(fourth).toContain(`##[error]Image ${registryHost}/shop/web:9.9.9 does not exist`)
    expect(fourth).toContain('exit code 1; step outputs:\n    results = {}\n')
    expect(fourth).toContain('SAE calls: ListSecrets 200\n')
    expect(fourth).toContain('HEAD /v2/shop/web/manifests/9.9.9 404')
    expect(demo.stdout).toContain('cn-hangzhou:staging: none (the refused image stopped the write)')
    expect(demo.stdout).not.toContain('UNEXPECTED')
    expect(demo.stdout.trimEnd().split('\n').pop()).toBe('Every run behaved as its heading says.')
  })
})

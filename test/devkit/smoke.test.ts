// scripts/smoke.mjs as a user runs it: a child process, against an emulator on loopback, judged by
// its output, exit code and what the emulator holds afterwards (npm run emulator: emulator-script.test.ts).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { LOCAL_KEY, smokeEnvironment, startLocalEmulator } from '../../scripts/emulator.mjs'
import { ROOT } from '../../devkit/harness/action-runner.mjs'

type Emulator = Awaited<ReturnType<typeof startLocalEmulator>>
interface Finished {
  code: number | null
  stdout: string
  stderr: string
}

const NS = 'cn-hangzhou:smoke'
const SMOKE = join(ROOT, 'scripts', 'smoke.mjs')

/** A clean environment: nothing of this machine's (no real keys, no proxies) reaches the script. */
function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...(process.env.SYSTEMROOT ? { SYSTEMROOT: process.env.SYSTEMROOT } : {}),
    ...extra
  }
}

/** Runs a script to its end, asynchronously: the emulator in this process must keep answering meanwhile. */
function runScript(script: string, env: Record<string, string>, args: string[] = []): Promise<Finished> {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

/** The passwords the action wrote, decoded from the requests the emulator received. */
function writtenPasswords(sae: Emulator): string[] {
  return sae
    .calls()
    .filter((call) => call.action === 'CreateSecret' || call.action === 'UpdateSecret')
    .map((call) => {
      const map = JSON.parse(JSON.parse(call.query.SecretData).SecretData)
      const config = JSON.parse(Buffer.from(map['.dockerconfigjson'], 'base64').toString('utf8'))
      return config.auths['smoke.invalid'].password as string
    })
}

const byReader = (call: { headers: Record<string, unknown> }): boolean =>
  String(call.headers['user-agent']).includes('smoke-reader')

/** The action's own calls (the read-back's carry the reader's user agent). */
function actionCalls(sae: Emulator): string[] {
  return sae
    .calls()
    .filter((call) => !byReader(call))
    .map((call) => call.action)
}

function readerCalls(sae: Emulator): string[] {
  return sae
    .calls()
    .filter(byReader)
    .map((call) => call.action)
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop() ?? ''
}

let sae: Emulator
beforeEach(async () => {
  sae = await startLocalEmulator({ port: 0, namespaces: [NS] })
})
afterEach(async () => sae.stop())

describe('npm run smoke against the emulator', () => {
  test('runs the whole lifecycle, reads each write back, passes all five steps and leaves nothing behind', async () => {
    const run = await runScript(SMOKE, baseEnv(smokeEnvironment(sae.origin, NS)))
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(lastLine(run.stdout)).toBe('5 passed, 0 failed')
    expect(run.stdout.match(/^ {6}PASS$/gm)).toHaveLength(5)
    for (const result of ['created', 'unchanged', 'updated', 'deleted', 'absent'])
      expect(run.stdout).toContain(`result ${result}, `)
    expect(run.stdout.match(/read back: SecretId \d+, kubernetes.io\/dockerconfigjson/g)).toHaveLength(3)
    expect(run.stdout).toMatch(/Secret {7}smoke-\d{8}-\d{6}-[0-9a-f]{6}\n/)
    expect(actionCalls(sae)).toEqual([
      'CreateSecret',
      'ListSecrets',
      'DescribeSecret',
      'ListSecrets',
      'DescribeSecret',
      'UpdateSecret',
      'ListSecrets',
      'DeleteSecret',
      'ListSecrets'
    ])
    // The read-back is a second, independent client: it listed (and described what it found) after every step.
    expect(readerCalls(sae)).toEqual([
      ...Array(3).fill(['ListSecrets', 'DescribeSecret']).flat(),
      'ListSecrets',
      'ListSecrets'
    ])
    expect(sae.secrets(NS)).toEqual([])
    expect(run.stdout).toContain('cleanup: not needed')
    const passwords = writtenPasswords(sae)
    expect(new Set(passwords).size).toBe(2)
    for (const secret of [...passwords, LOCAL_KEY.accessKeySecret]) expect(run.stdout).not.toContain(secret)
  })

  test('refuses to run without SAE_SMOKE_NAMESPACE_ID (exit 2), says what to set, calls nothing', async () => {
    const env = smokeEnvironment(sae.origin, NS) as Record<string, string>
    delete env.SAE_SMOKE_NAMESPACE_ID
    const run = await runScript(SMOKE, baseEnv(env))
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('SAE_SMOKE_NAMESPACE_ID is not set, so the smoke test did not run.')
    expect(run.stderr).toContain('SAE_SMOKE_NAMESPACE_ID=cn-hangzhou:dev')
    expect(run.stderr).toContain('npm run smoke:emulator')
    expect(sae.calls()).toEqual([])
  })

  test('without credentials, says they are missing at once (exit 2) and calls nothing', async () => {
    const run = await runScript(SMOKE, baseEnv({ SAE_SMOKE_NAMESPACE_ID: NS, SAE_SMOKE_ENDPOINT: sae.origin }))
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(
      'Alibaba Cloud credentials are missing: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are not set'
    )
    expect(sae.calls()).toEqual([])
  })

  test('a step the API refuses fails, the later steps do not run, and the cleanup deletes the Secret', async () => {
    sae.inject({
      action: 'UpdateSecret',
      kind: 'error',
      status: 403,
      code: 'Forbidden.RAM',
      message: 'User not authorized to operate on the specified resource.'
    })
    const run = await runScript(SMOKE, baseEnv(smokeEnvironment(sae.origin, NS)))
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /\[3\/5\] changed password \(if-exists: update\)\n.*exit code 1\n {6}FAIL: the action failed \(exit code 1\): .*Forbidden\.RAM/
    )
    expect(run.stdout).toContain('[4/5] delete (state: absent)\n      FAIL: not run (an earlier step failed)')
    expect(run.stdout).toContain('cleanup: the Secret may still exist; running the action with state: absent')
    expect(run.stdout).toContain('cleanup: deleted; no Secret of that name is left')
    expect(lastLine(run.stdout)).toBe('2 passed, 3 failed')
    expect(actionCalls(sae).slice(-2)).toEqual(['ListSecrets', 'DeleteSecret'])
    expect(sae.secrets(NS)).toEqual([])
  })

  test('a write the server only pretends to do is caught by the read-back, without showing the password', async () => {
    sae.inject({ action: 'UpdateSecret', kind: 'pretend' })
    const run = await runScript(SMOKE, baseEnv(smokeEnvironment(sae.origin, NS)))
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('result updated, ')
    expect(run.stdout).toContain(
      'FAIL: read back: the stored docker config is not the one expected: password, auth of smoke.invalid differ from what this step wrote'
    )
    expect(lastLine(run.stdout)).toBe('2 passed, 3 failed')
    expect(sae.secrets(NS)).toEqual([])
    for (const password of writtenPasswords(sae)) expect(run.stdout).not.toContain(password)
  })

  test('when even the cleanup cannot work (no such namespace), says so and that the Secret may be left', async () => {
    const run = await runScript(SMOKE, baseEnv(smokeEnvironment(sae.origin, 'cn-hangzhou:missing')))
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('FAIL: the action failed (exit code 1): ')
    expect(run.stdout).toContain('InvalidNamespaceId.NotFound')
    expect(run.stdout).toMatch(/cleanup FAILED: .*InvalidNamespaceId\.NotFound/)
    expect(run.stdout).toMatch(/The Secret 'smoke-[\w-]+' may be left in cn-hangzhou:missing/)
    expect(lastLine(run.stdout)).toBe('0 passed, 6 failed')
  })
})

// The harness reads `::add-mask::` as the runner does and fails a run whose masks come late or not
// at all: a later step that prints a secret shows `***` only if this step registered that exact
// string first. Here: what a real run registers, the runner's masking, and the check failing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { actionDefaults, checkMasks, readLog, runAction } from '../../devkit/harness/action-runner.mjs'
import { authOf, emulator, KEY, PASSWORD, stepInputs, USERNAME, type Emulator } from './fixtures.js'

const NS = 'cn-hangzhou:prod'
const entry = { username: USERNAME, password: PASSWORD, auth: authOf(USERNAME, PASSWORD) }
/** The Secret's `.dockerconfigjson` for the step's inputs: both ACR domains of cn-hangzhou, one entry each. */
const CONFIG = Buffer.from(
  JSON.stringify({
    auths: { 'registry-vpc.cn-hangzhou.aliyuncs.com': entry, 'registry.cn-hangzhou.aliyuncs.com': entry }
  })
).toString('base64')

let sae: Emulator
let run: Awaited<ReturnType<typeof runAction>>
let inputs: Record<string, string>
beforeAll(async () => {
  sae = await emulator()
  inputs = stepInputs(sae, { 'if-exists': 'fail' })
  run = await runAction({ inputs })
  inputs = { ...actionDefaults(), ...inputs }
})
afterAll(async () => sae.stop())

/** The message `check` throws ('' if it does not). */
function failure(check: () => unknown): string {
  try {
    check()
    return ''
  } catch (error) {
    return (error as Error).message
  }
}

/** The recorded stdout without its `::add-mask::` line for `value`. */
const without = (value: string) => run.stdout.replace(`::add-mask::${value}\n`, '')

describe('a create registers the password and each form derived from it', () => {
  test('the password, the base64 auth and the base64 docker config it stored are masks, before the log says anything', () => {
    expect(run.code).toBe(0)
    expect(sae.secrets(NS)[0].SecretData['.dockerconfigjson']).toBe(CONFIG)
    const wanted = {
      password: PASSWORD,
      'base64 auth': authOf(USERNAME, PASSWORD),
      'base64 docker config': CONFIG,
      'access-key-secret': KEY.accessKeySecret
    }
    // Kinds only: a failure must not print the values.
    expect(
      Object.entries(wanted)
        .filter(([, value]) => !run.masks.includes(value))
        .map(([kind]) => kind)
    ).toEqual([])
    const firstLine = run.stdout.split('\n').findIndex((line) => !line.startsWith('::add-mask::'))
    expect(
      Object.entries(wanted)
        .filter(([, value]) => !run.maskedBefore(value, firstLine))
        .map(([kind]) => kind)
    ).toEqual([])
  })

  test('a line printed after the masks shows *** where a later step prints the password, the auth or the config', () => {
    const later = readLog(`${run.stdout}later step: ${PASSWORD} | ${authOf(USERNAME, PASSWORD)} | ${CONFIG}\n`)
    expect(later.visible.split('\n').at(-1)).toBe('later step: *** | *** | ***')
  })
})

describe('the check fails a run that masks too little or too late, naming the kind, never the value', () => {
  test('the recorded run passes as it is', () => {
    expect(() => checkMasks(run.stdout, { inputs })).not.toThrow()
  })

  test('no base64 auth', () => {
    const message = failure(() => checkMasks(without(authOf(USERNAME, PASSWORD)), { inputs }))
    expect(message).toContain('base64 auth of the main registry (raw) never masked')
    expect(message.includes(authOf(USERNAME, PASSWORD))).toBe(false)
  })

  test('no base64 docker config', () => {
    expect(() => checkMasks(without(CONFIG), { inputs })).toThrow(`base64 docker config of ${NS} (raw) never masked`)
  })

  test('the password in one form missing', () => {
    expect(() => checkMasks(without(encodeURIComponent(PASSWORD).replace(/%/g, '%25')), { inputs })).toThrow(
      /^masks missing or late .*: password \(URL-encoded\) never masked$/
    )
  })

  test('the docker config masked after the log has begun', () => {
    const lines = without(CONFIG).split('\n')
    const first = lines.findIndex((line) => !line.startsWith('::add-mask::'))
    lines.splice(first + 1, 0, `::add-mask::${CONFIG}`)
    expect(() => checkMasks(lines.join('\n'), { inputs })).toThrow(
      `base64 docker config of ${NS} (raw) masked at stdout line ${first + 2}, after the log's first line (${first + 1})`
    )
  })
})

describe('the rule, on crafted logs', () => {
  // access-key-secret k3y-s3cret reads the same in every form but base64 (azN5LXMzY3JldA==); state absent derives nothing.
  const absent = { 'namespace-id': NS, state: 'absent', 'access-key-secret': 'k3y-s3cret' }

  test('a given secret must be masked before the first line of the log, in every form', () => {
    expect(() =>
      checkMasks('::add-mask::k3y-s3cret\n::add-mask::azN5LXMzY3JldA==\n::debug::ListSecrets\n', { inputs: absent })
    ).not.toThrow()
    expect(() => checkMasks('::add-mask::k3y-s3cret\n::debug::ListSecrets\n', { inputs: absent })).toThrow(
      'access-key-secret (base64) never masked'
    )
    expect(() =>
      checkMasks('::add-mask::k3y-s3cret\n::debug::ListSecrets\n::add-mask::azN5LXMzY3JldA==\n', { inputs: absent })
    ).toThrow("access-key-secret (base64) masked at stdout line 3, after the log's first line (2)")
  })

  test('derived values are owed by a run that got past its inputs, not by one stopped at an input error', () => {
    const present = { ...absent, state: 'present', username: 'bot', password: 'hunter2hunter2' }
    const given =
      '::add-mask::k3y-s3cret\n::add-mask::azN5LXMzY3JldA==\n::add-mask::hunter2hunter2\n::add-mask::aHVudGVyMmh1bnRlcjI=\n'
    expect(() =>
      checkMasks(`${given}::error::Input 'if-exists' must be skip, update or fail; got "maybe"\n`, { inputs: present })
    ).not.toThrow()
    expect(() => checkMasks(`${given}::debug::ListSecrets\n`, { inputs: present })).toThrow(
      'base64 auth of the main registry (raw) never masked'
    )
  })

  test('expectMasked: registered, and printed nowhere before its registration', () => {
    const expectMasked = { 'registry token': 'registry-t0ken' }
    const masks = '::add-mask::k3y-s3cret\n::add-mask::azN5LXMzY3JldA==\n'
    expect(() =>
      checkMasks(
        `${masks}::debug::token\n::add-mask::registry-t0ken\n::add-mask::cmVnaXN0cnktdDBrZW4=\nsaw registry-t0ken\n`,
        { inputs: absent, expectMasked }
      )
    ).not.toThrow()
    expect(() => checkMasks(`${masks}::debug::token\n`, { inputs: absent, expectMasked })).toThrow(
      'registry token (raw) never masked'
    )
    expect(() =>
      checkMasks(
        `${masks}::debug::got registry-t0ken\n::add-mask::registry-t0ken\n::add-mask::cmVnaXN0cnktdDBrZW4=\n`,
        { inputs: absent, expectMasked }
      )
    ).toThrow('registry token (raw) masked at stdout line 4, after line 3 printed it')
  })
})

describe('the log as the runner shows it', () => {
  test('a mask hides its value from the next line on; a line before its registration stays as it was', () => {
    const log = readLog('token s3cr3t-value\n::add-mask::s3cr3t-value\ntoken s3cr3t-value\n')
    expect(log.visible).toBe('token s3cr3t-value\ntoken ***')
    expect(log.printed).toBe('token s3cr3t-value\ntoken s3cr3t-value')
    expect(log.masks).toEqual(['s3cr3t-value'])
    expect([log.maskedBefore('s3cr3t-value', 0), log.maskedBefore('s3cr3t-value', 2)]).toEqual([false, true])
  })

  test('the mask is the command data unescaped; each of its lines is masked too; overlapping masks are one ***', () => {
    const log = readLog(
      '::add-mask::50%25 off\n::add-mask::first%0Asecond\n::add-mask::abcdef\n::add-mask::defghi\n50% off, second, abcdefghi\n'
    )
    expect(log.masks).toEqual(['50% off', 'first\nsecond', 'abcdef', 'defghi'])
    expect(log.visible).toBe('***, ***, ***')
  })

  test('a blank mask is refused with a warning, as the runner refuses it', () => {
    expect(readLog('::add-mask::   \na b\n')).toMatchObject({
      masks: [],
      visible: "##[warning]Can't add secret mask for empty string in ##[add-mask] command.\na b"
    })
  })
})

// state: absent — deleting the Secret (preview environments, cleanup after a live test), from the
// bundle as the runner runs it.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { absentInputs, emulator, stepInputs, stored, type Emulator } from './fixtures.js'

let sae: Emulator
beforeEach(async () => {
  sae = await emulator()
})
afterEach(async () => sae.stop())

const NS = 'cn-hangzhou:prod'
const actions = () => sae.calls().map((call) => call.action)
const absent = (extra: Record<string, string> = {}) => absentInputs(sae, extra)

describe('state: absent', () => {
  test('deletes the Secret: ListSecrets + DeleteSecret, result deleted; results keeps the id it had, secret-id is not set', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: stored({ auths: {} }) })
    const run = await runAction({ inputs: absent() })
    expect(run.errors).toEqual([])
    expect(actions()).toEqual(['ListSecrets', 'DeleteSecret'])
    expect(sae.secrets(NS)).toEqual([])
    expect(run.outputs).toEqual({
      results: JSON.stringify({ [NS]: { secretId: id, result: 'deleted', relatedApps: [] } }),
      result: 'deleted'
    })
    expect(run.stdout).toContain(`${NS}: Secret 'registry-auth' deleted (SecretId ${id})`)
    expect(run.summary).toContain(`| ${NS} | registry-auth | ${id} | deleted | – | – |`)
  })

  test('no such Secret: result absent, one ListSecrets, no secret-id', async () => {
    const run = await runAction({ inputs: absent() })
    expect(run.errors).toEqual([])
    expect(actions()).toEqual(['ListSecrets'])
    expect(run.outputs).toEqual({
      results: JSON.stringify({ [NS]: { result: 'absent', relatedApps: [] } }),
      result: 'absent'
    })
  })

  test('a same-named Secret of another type is an error, and is never deleted', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', type: 'Opaque', data: { key: 'dmFsdWU=' } })
    const run = await runAction({ inputs: absent() })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::Secret 'registry-auth' (SecretId ${id}) in namespace ${NS} has type Opaque, not kubernetes.io/dockerconfigjson; this action neither uses nor deletes it: choose another secret-name`
    ])
    expect(actions()).toEqual(['ListSecrets'])
    expect(sae.secrets(NS)).toHaveLength(1)
  })

  test('other Secrets in the namespace are left alone', async () => {
    sae.seedSecret(NS, { name: 'registry-auth', data: stored({ auths: {} }) })
    const other = sae.seedSecret(NS, { name: 'registry-auth-2', data: stored({ auths: {} }) })
    await runAction({ inputs: absent() })
    expect(sae.secrets(NS).map((secret) => secret.SecretId)).toEqual([other])
  })

  test('a lost DeleteSecret answer: not sent again blindly; the look sees it gone, result deleted', async () => {
    sae.seedSecret(NS, { name: 'registry-auth', data: stored({ auths: {} }) })
    sae.inject({ action: 'DeleteSecret', kind: 'html-504', apply: true })
    const run = await runAction({ inputs: absent() })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('deleted')
    expect(actions()).toEqual(['ListSecrets', 'DeleteSecret', 'ListSecrets'])
  })

  test('a throttled DeleteSecret is retried', async () => {
    sae.seedSecret(NS, { name: 'registry-auth', data: stored({ auths: {} }) })
    sae.inject({ action: 'DeleteSecret', kind: 'throttle' })
    const run = await runAction({ inputs: absent() })
    expect(run.outputs.result).toBe('deleted')
    expect(actions()).toEqual(['ListSecrets', 'DeleteSecret', 'DeleteSecret'])
  })

  test('fan-out: each namespace deleted or absent, concurrently, with its own result', async () => {
    const dev = sae.seedSecret('cn-hangzhou:dev', { name: 'registry-auth', data: stored({ auths: {} }) })
    const run = await runAction({ inputs: absent({ 'namespace-id': 'cn-hangzhou:dev\ncn-hangzhou:staging' }) })
    expect(run.errors).toEqual([])
    expect(JSON.parse(run.outputs.results)).toEqual({
      'cn-hangzhou:dev': { secretId: dev, result: 'deleted', relatedApps: [] },
      'cn-hangzhou:staging': { result: 'absent', relatedApps: [] }
    })
    expect(run.outputs.result).toBeUndefined()
  })

  test('dry run: says what it would delete and why, having only listed the namespace', async () => {
    const id = sae.seedSecret(NS, { name: 'registry-auth', data: stored({ auths: {} }) })
    const run = await runAction({ inputs: absent({ 'dry-run': 'true' }) })
    expect(run.errors).toEqual([])
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets'])
    expect(run.stdout).toContain(
      `Would delete Secret 'registry-auth' (kubernetes.io/dockerconfigjson) from ${NS} via http://`
    )
    expect(run.stdout).toContain(
      `${NS}: Secret 'registry-auth' would be deleted (SecretId ${id}): it is there, and no application uses it (ListSecrets' RelateApps)`
    )
    expect(run.summary).toContain(`| ${NS} | registry-auth | ${id} | would be deleted | – | – |`)
    expect(sae.secrets(NS)).toHaveLength(1)
  })

  test('dry run without credentials: the offline plan, as before, and a warning that says so', async () => {
    sae.seedSecret(NS, { name: 'registry-auth', data: stored({ auths: {} }) })
    const { 'access-key-id': _id, 'access-key-secret': _secret, ...inputs } = absent({ 'dry-run': 'true' })
    void _id
    void _secret
    const run = await runAction({ inputs })
    expect(run.errors).toEqual([])
    expect(sae.calls()).toEqual([])
    expect(run.stdout).toMatch(/^::warning::This dry run planned offline: /m)
    expect(run.summary).toContain(`| ${NS} | registry-auth | – | planned: delete | – |`)
  })

  test('present still requires the registry credentials, with the hint about empty secrets', async () => {
    const { password: _p, ...inputs } = stepInputs(sae)
    void _p
    const run = await runAction({ inputs })
    expect(run.errors).toEqual([
      "::error::Input 'password' is required and was not supplied; if it comes from a secret, check that the secret exists for this repository (or its organisation or environment): an unset secret, and every secret in a pull request from a fork, reaches the action as an empty string"
    ])
    expect(sae.calls()).toEqual([])
  })

  test('an unknown state is an input error', async () => {
    const run = await runAction({ inputs: absent({ state: 'gone' }) })
    expect(run.errors).toEqual(['::error::Input \'state\' must be present or absent; got "gone"'])
  })
})

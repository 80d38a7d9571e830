// The bundle, run as the runner runs it, against the emulator: what a user sees on a first run.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { authOf, emulator, PASSWORD, stepInputs, USERNAME, type Emulator } from './fixtures.js'

let sae: Emulator
beforeEach(async () => {
  sae = await emulator()
})
afterEach(async () => sae.stop())

describe('first run', () => {
  test('creates the Secret with one signed CreateSecret (if-exists fail) and outputs its id', async () => {
    const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': 'fail' }) })
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    // Nothing on stderr: no stack, no dependency's deprecation noise in the user's log.
    expect(run.stderr).toBe('')
    const [secret] = sae.secrets('cn-hangzhou:prod')
    expect(run.outputs['secret-id']).toBe(String(secret.SecretId))
    expect(run.outputs.result).toBe('created')
    expect(JSON.parse(run.outputs.results)).toEqual({
      'cn-hangzhou:prod': { secretId: secret.SecretId, result: 'created', relatedApps: [] }
    })
    const entry = { username: USERNAME, password: PASSWORD, auth: authOf(USERNAME, PASSWORD) }
    expect(sae.dockerConfig('cn-hangzhou:prod', 'registry-auth')).toEqual({
      auths: { 'registry-vpc.cn-hangzhou.aliyuncs.com': entry, 'registry.cn-hangzhou.aliyuncs.com': entry }
    })
    expect(secret.SecretType).toBe('kubernetes.io/dockerconfigjson')
    expect(sae.calls().map((call) => `${call.method} ${call.path} ${call.action} ${call.status}`)).toEqual([
      'POST /pop/v1/sam/secret/secret CreateSecret 200'
    ])
    expect(run.stdout).toContain(`cn-hangzhou:prod: Secret 'registry-auth' created (SecretId ${secret.SecretId})`)
  })

  test('with the default if-exists (skip), looks first, then creates', async () => {
    const run = await runAction({ inputs: stepInputs(sae) })
    expect(run.code).toBe(0)
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
    expect(run.outputs.result).toBe('created')
  })

  test('writes a job summary with namespace, name, SecretId, result and domains, and a link to the run', async () => {
    const run = await runAction({ inputs: stepInputs(sae) })
    const id = sae.secrets('cn-hangzhou:prod')[0].SecretId
    expect(run.summary).toContain('| Namespace | Secret name | SecretId | Result | Used by | Registry domains |')
    expect(run.summary).toContain(
      `| cn-hangzhou:prod | registry-auth | ${id} | created | – | registry-vpc.cn-hangzhou.aliyuncs.com<br>registry.cn-hangzhou.aliyuncs.com |`
    )
    expect(run.summary).toContain('(https://github.com/octo-org/octo-repo/actions/runs/4242)')
  })

  test('ACR Enterprise Edition domains in another region', async () => {
    const run = await runAction({
      inputs: stepInputs(sae, { 'acr-instance-name': 'acme', 'registry-region': 'cn-shanghai' })
    })
    expect(run.code).toBe(0)
    expect(Object.keys(sae.dockerConfig('cn-hangzhou:prod', 'registry-auth').auths)).toEqual([
      'acme-registry-vpc.cn-shanghai.cr.aliyuncs.com',
      'acme-registry.cn-shanghai.cr.aliyuncs.com'
    ])
  })

  test('exactly the registry domains given', async () => {
    const run = await runAction({
      inputs: stepInputs(sae, { 'registry-domains': 'ghcr.io\nregistry.example.com:5000' })
    })
    expect(run.code).toBe(0)
    expect(Object.keys(sae.dockerConfig('cn-hangzhou:prod', 'registry-auth').auths)).toEqual([
      'ghcr.io',
      'registry.example.com:5000'
    ])
  })

  test('the region alone means its default namespace', async () => {
    const run = await runAction({ inputs: stepInputs(sae, { 'namespace-id': 'cn-hangzhou' }) })
    expect(run.code).toBe(0)
    expect(sae.secrets('cn-hangzhou')).toHaveLength(1)
  })
})

describe('dry run', () => {
  test('validates, prints the redacted plan and only reads SAE', async () => {
    const run = await runAction({
      inputs: stepInputs(sae, { 'dry-run': 'true', 'namespace-id': 'cn-hangzhou:dev,cn-beijing:prod' })
    })
    expect(run.code).toBe(0)
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'ListSecrets'])
    expect(sae.secrets('cn-hangzhou:dev')).toEqual([])
    expect(run.stdout).toContain(
      "Would ensure Secret 'registry-auth' (kubernetes.io/dockerconfigjson) in cn-hangzhou:dev"
    )
    expect(run.stdout).toContain('auths for registry-vpc.cn-beijing.aliyuncs.com, registry.cn-beijing.aliyuncs.com')
    expect(run.visible).not.toContain(PASSWORD)
    expect(run.outputs.results).toBe('{}')
    expect(run.summary).toContain('dry run')
    expect(run.summary).toContain('| cn-beijing:prod | registry-auth | – | would be created |')
  })

  test('still refuses bad input', async () => {
    const run = await runAction({ inputs: stepInputs(sae, { 'dry-run': 'true', 'if-exists': 'sometimes' }) })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual(['::error::Input \'if-exists\' must be skip, update or fail; got "sometimes"'])
    expect(run.outputs).toEqual({ results: '{}' })
  })
})

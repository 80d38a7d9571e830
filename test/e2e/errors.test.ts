// Errors a user can act on, from the bundle as the runner runs it: the host that could not be
// reached and the input it came from, a mistyped region, a write too large for a gateway, and a
// runner that cannot take the outputs. Every run ends in exactly one ::error:: line, no stack.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { createServer } from 'node:net'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { emulator, stepInputs, type Emulator } from './fixtures.js'

let sae: Emulator
beforeEach(async () => {
  sae = await emulator()
})
afterEach(async () => sae.stop())

const warnings = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('::warning::'))
const noStack = (run: { stdout: string; stderr: string }) =>
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/)

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('a host that cannot be reached', () => {
  test('a mistyped region: the derived host, ENOTFOUND, the input it came from and the region meant', async () => {
    const { endpoint: _endpoint, ...inputs } = stepInputs(sae, {
      'namespace-id': 'cn-hangzou:prod',
      'max-attempts': '1'
    })
    void _endpoint
    const run = await runAction({ inputs })
    expect(run.code).toBe(1)
    expect(warnings(run.stdout)).toEqual([
      "::warning::namespace-id names region 'cn-hangzou', which is not a region SAE serves (as of this release); did you mean 'cn-hangzhou'?"
    ])
    expect(run.errors).toEqual([
      '::error::ListSecrets failed: NetworkError (no HTTP response): could not reach sae.cn-hangzou.aliyuncs.com: ENOTFOUND (the host name does not resolve); ' +
        "the host was derived from namespace-id's region 'cn-hangzou', which SAE does not serve: check namespace-id (did you mean 'cn-hangzhou'?)"
    ])
    noStack(run)
  })

  test('a known region whose host does not resolve from this runner: not retried (the name does not exist), blamed on namespace-id and the network', async () => {
    const { endpoint: _endpoint, ...inputs } = stepInputs(sae, {
      'namespace-id': 'cn-beijing:prod',
      'max-attempts': '4'
    })
    void _endpoint
    const run = await runAction({ inputs })
    expect(warnings(run.stdout)).toEqual([])
    expect(run.stdout).not.toContain('retrying')
    expect(run.errors).toEqual([
      '::error::ListSecrets failed: NetworkError (no HTTP response): could not reach sae.cn-beijing.aliyuncs.com: ENOTFOUND (the host name does not resolve); ' +
        "the host was derived from namespace-id's region 'cn-beijing'; check namespace-id and the runner network"
    ])
  })

  test('an endpoint input nobody listens on: host:port, ECONNREFUSED, and check endpoint', async () => {
    const port = await closedPort()
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint: `http://127.0.0.1:${port}`, 'max-attempts': '1' })
    })
    expect(run.errors).toEqual([
      `::error::ListSecrets failed: NetworkError (no HTTP response): could not reach 127.0.0.1:${port}: ECONNREFUSED (nothing listens there); check endpoint and the runner network`
    ])
    noStack(run)
  })
})

describe('a write too large for a gateway', () => {
  // A JSON key or a token as the password: SAE takes SecretData in the query, so the URL grows past 16 KiB.
  const longPassword = 'k'.repeat(2500)

  test('refused with an HTML 414 page: final, the status and the URL size named, nothing looked up or sent again', async () => {
    sae.inject({ action: 'CreateSecret', kind: 'html-414', times: 9 })
    const run = await runAction({
      inputs: stepInputs(sae, { password: longPassword, 'if-exists': 'fail', 'max-attempts': '4' })
    })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      /^::error::CreateSecret failed: NonJsonResponse \(HTTP 414, an answer that is not the API, no RequestId\): the request's URL was 1\d\.\d KiB \(SAE takes SecretData in the query string\) and the answer was a page, not the API; it was refused before it reached SAE, so nothing was applied: gateways refuse URLs that long, and a long registry password \(a JSON key, a token\) is the likely cause; use a shorter credential for the registry$/
    )
    // A gateway's 4xx page was refused before SAE: one call, no look, no retry.
    expect(sae.calls().map((call) => call.action)).toEqual(['CreateSecret'])
    expect(run.stdout).not.toContain('retrying')
    expect(sae.secrets('cn-hangzhou:prod')).toEqual([])
  })

  test('refused with an HTML 504 page: it may have been applied, so each attempt is followed by a look', async () => {
    sae.inject({ action: 'CreateSecret', kind: 'html-504', times: 9 })
    const run = await runAction({
      inputs: stepInputs(sae, { password: longPassword, 'if-exists': 'fail', 'max-attempts': '2' })
    })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toMatch(
      /^::error::CreateSecret failed: NonJsonResponse \(HTTP 504, an answer that is not the API, no RequestId\): the request's URL was 1\d\.\d KiB/
    )
    expect(sae.calls().map((call) => call.action)).toEqual([
      'CreateSecret',
      'ListSecrets',
      'CreateSecret',
      'ListSecrets'
    ])
    expect(sae.secrets('cn-hangzhou:prod')).toEqual([])
  })

  test('a small write refused with a page keeps the general advice', async () => {
    sae.inject({ action: 'ListSecrets', kind: 'html-502', times: 9 })
    const run = await runAction({ inputs: stepInputs(sae, { 'max-attempts': '1' }) })
    expect(run.errors).toEqual([
      '::error::ListSecrets failed: NonJsonResponse (HTTP 502, an answer that is not the API, no RequestId): the endpoint answered with something that is not the API (a proxy or gateway page?); check endpoint and the runner network'
    ])
  })
})

describe('the top level never throws', () => {
  test('outputs that cannot be written (GITHUB_OUTPUT names a missing file): one ::error:: line, no stack trace', async () => {
    const run = await runAction({ inputs: stepInputs(sae), env: { GITHUB_OUTPUT: '/nonexistent/sae-action/output' } })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      /^::error::Could not set the step output results: .*Missing file at path: \/nonexistent\/sae-action\/output \(GITHUB_OUTPUT must name a writable file\)$/
    )
    noStack(run)
    // The Secret itself was provisioned before the outputs failed, and the summary says so.
    expect(sae.secrets('cn-hangzhou:prod')).toHaveLength(1)
    const id = sae.secrets('cn-hangzhou:prod')[0].SecretId
    expect(run.summary).toContain(
      `Written before the failure (see the log):\n\n- cn-hangzhou:prod: Secret 'registry-auth' created (SecretId ${id})\n`
    )
    expect(run.summary).not.toContain('No Secret was created')
  })

  test('an input error with unwritable outputs: one line, the input error first', async () => {
    const run = await runAction({
      inputs: stepInputs(sae, { 'if-exists': 'never' }),
      env: { GITHUB_OUTPUT: '/nonexistent/sae-action/output' }
    })
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      /^::error::Input 'if-exists' must be skip, update or fail; got "never"; Could not set the step output results: /
    )
    noStack(run)
  })
})

// Transport: TLS is verified (never disabled), plain HTTP goes only to loopback, and
// timeout-seconds bounds the step however slow the API is.
import { afterEach, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, runAction } from '../../devkit/harness/action-runner.mjs'
import { emulator, stepInputs, type Emulator } from './fixtures.js'

const CERT = join(ROOT, 'devkit', 'certs', 'self-signed-cert.pem')
const tls = {
  key: readFileSync(join(ROOT, 'devkit', 'certs', 'self-signed-key.pem'), 'utf8'),
  cert: readFileSync(CERT, 'utf8')
}

let sae: Emulator
afterEach(async () => sae.stop())

describe('TLS', () => {
  test('an HTTPS endpoint with an untrusted certificate is refused once, not retried', async () => {
    sae = await emulator({ tls })
    const run = await runAction({ inputs: stepInputs(sae, { endpoint: sae.origin.replace('127.0.0.1', 'localhost') }) })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      /^::error::ListSecrets failed: TlsCertificateError \(no HTTP response\): DEPTH_ZERO_SELF_SIGNED_CERT from localhost:\d+: the endpoint's TLS certificate is not trusted/
    )
    expect(sae.calls()).toEqual([])
  })

  test('the same endpoint works once its CA is trusted (NODE_EXTRA_CA_CERTS): verification is on, not broken', async () => {
    sae = await emulator({ tls })
    const run = await runAction({
      inputs: stepInputs(sae, { endpoint: sae.origin.replace('127.0.0.1', 'localhost') }),
      env: { NODE_EXTRA_CA_CERTS: CERT }
    })
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
  })
})

describe('timeout-seconds', () => {
  test('bounds the whole step: a hung API ends in one Timeout line, not a hang', async () => {
    sae = await emulator()
    sae.inject({ action: 'ListSecrets', kind: 'slow', delayMs: 8000, times: 5 })
    const run = await runAction({ inputs: stepInputs(sae, { 'timeout-seconds': '2' }) })
    expect(run.code).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(
      /^::error::ListSecrets failed: Timeout \(no HTTP response\): the API did not answer within timeout-seconds \(127\.0\.0\.1:\d+\)$/
    )
    // The one attempt timed out at the deadline, and no retry was started past it.
    expect(sae.calls('ListSecrets')).toHaveLength(1)
  })
})

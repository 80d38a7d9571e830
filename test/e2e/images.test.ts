// `images`: the faults a real registry will not play, against the fake one (a registry that never
// answers, a token service that denies the pull), from the bundle as the runner runs it. Against
// the real CNCF registry: test/peers/e2e/images.test.ts.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { emulator, PASSWORD, stepInputs, USERNAME, type Emulator } from './fixtures.js'

const writes = (target: Emulator) =>
  target.calls().filter((call) => ['CreateSecret', 'UpdateSecret', 'DeleteSecret'].includes(call.action))
const warnings = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('::warning::'))

describe('a registry that cannot answer', () => {
  let sae: Emulator
  beforeEach(async () => {
    sae = await emulator()
  })
  afterEach(async () => sae.stop())

  test('one that never answers: a warning naming the image, and the Secret is written', async () => {
    const silent = await startFakeRegistry({ kind: 'silent' })
    try {
      const run = await runAction({
        inputs: stepInputs(sae, { 'registry-domains': silent.host, images: `${silent.host}/shop/web:1.4.2` })
      })
      expect(run.code).toBe(0)
      expect(warnings(run.stdout)).toEqual([
        `::warning::Could not check image ${silent.host}/shop/web:1.4.2 at ${silent.host}: it did not answer within 5 s; not a refusal, so it does not stop the Secret being written`
      ])
      expect(run.outputs.result).toBe('created')
    } finally {
      await silent.stop()
    }
  })

  test('a token service that denies the pull (403 DENIED): refused', async () => {
    const registry = await startFakeRegistry({ kind: 'token-forbidden', username: USERNAME, password: PASSWORD })
    try {
      const run = await runAction({
        inputs: stepInputs(sae, { 'registry-domains': registry.host, images: `${registry.host}/shop/web:1.4.2` })
      })
      expect(run.code).toBe(1)
      expect(run.errors[0]).toContain(
        `answered HTTP 403 from its token service 127.0.0.1:${registry.tokenPort} for repository:shop/web:pull`
      )
      expect(writes(sae)).toEqual([])
    } finally {
      await registry.stop()
    }
  })
})

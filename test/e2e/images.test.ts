// `images`: the faults a real registry will not play, against the fake one (a registry that never
// answers, a token service that denies the pull), from the bundle as the runner runs it. Against
// the real CNCF registry: test/peers/e2e/images.test.ts.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { authOf, emulator, PASSWORD, stepInputs, stored, USERNAME, type Emulator } from './fixtures.js'

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

describe("the log's order: a namespace's line comes after everything that decided it", () => {
  let sae: Emulator
  beforeEach(async () => {
    sae = await emulator()
  })
  afterEach(async () => sae.stop())

  /** The log as the runner shows it, without debug lines and masks. */
  const story = (visible: string) => visible.split('\n').filter((line) => !line.startsWith('##[debug]'))
  /** A registry that answers slower than SAE, so that a line that does not wait for its verdict comes first. */
  const slowRegistry = () =>
    startFakeRegistry({
      kind: 'bearer',
      username: USERNAME,
      password: PASSWORD,
      latencyMs: 400,
      repositories: { 'shop/web': { tags: ['1.4.2'] } }
    })
  const sameSecret = (host: string) =>
    stored({ auths: { [host]: { username: USERNAME, password: PASSWORD, auth: authOf(USERNAME, PASSWORD) } } })

  test('an image that does not exist: its error, then each namespace it failed (left as it is, or not written)', async () => {
    const registry = await slowRegistry()
    try {
      const id = sae.seedSecret('cn-hangzhou:dev', { name: 'registry-auth', data: sameSecret(registry.host) })
      const image = `${registry.host}/shop/web:9.9.9`
      const run = await runAction({
        inputs: stepInputs(sae, {
          'namespace-id': 'cn-hangzhou:dev,cn-hangzhou:staging',
          'registry-domains': registry.host,
          images: image
        })
      })
      expect(run.code).toBe(1)
      expect(story(run.visible)).toEqual([
        "2 namespaces: secret-id and result are set only for one; read each namespace's SecretId from the results output",
        `##[error]2 of 2 namespaces failed (cn-hangzhou:dev ImageNotPullable, cn-hangzhou:staging ImageNotPullable) — ` +
          `cn-hangzhou:dev, cn-hangzhou:staging: Image ${image} does not exist at ${registry.host} (HTTP 404 to HEAD /v2/shop/web/manifests/9.9.9): ` +
          'a tag not pushed yet? Push it before this step, or correct images. Nothing was written',
        `cn-hangzhou:dev: failed: ImageNotPullable (the error above); Secret 'registry-auth' (SecretId ${id}) was left as it is`,
        "cn-hangzhou:staging: failed: ImageNotPullable (the error above); Secret 'registry-auth' was not written"
      ])
      expect(writes(sae)).toEqual([])
    } finally {
      await registry.stop()
    }
  })

  test('an image that pulls: its verdict, then the namespace whose Secret needed no write', async () => {
    const registry = await slowRegistry()
    try {
      const id = sae.seedSecret('cn-hangzhou:dev', { name: 'registry-auth', data: sameSecret(registry.host) })
      const image = `${registry.host}/shop/web:1.4.2`
      const run = await runAction({
        inputs: stepInputs(sae, {
          'namespace-id': 'cn-hangzhou:dev',
          'registry-domains': registry.host,
          'if-exists': 'update',
          images: image
        })
      })
      expect(run.code).toBe(0)
      expect(story(run.visible)).toEqual([
        expect.stringMatching(
          new RegExp(`^Image ${image.replace(/[.]/g, '\\.')} can be pulled with the username and password inputs: `)
        ),
        `cn-hangzhou:dev: Secret 'registry-auth' unchanged (SecretId ${id})`
      ])
    } finally {
      await registry.stop()
    }
  })
})

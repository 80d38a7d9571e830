// `images`: before any write, each image is asked of its registry with the credentials kubelet would
// use (a pull-scoped token, a HEAD of its manifest). Against the real CNCF registry (per-repository
// rights through its token auth; htpasswd for Basic), from the bundle as the runner runs it. The
// faults a real registry will not play, against the fake one: test/e2e/images.test.ts.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../../devkit/harness/action-runner.mjs'
import { startRealRegistry } from '../../../devkit/harness/real-registry.mjs'
import {
  authOf,
  emulator,
  PASSWORD,
  stepInputs,
  stored,
  storedCredentials,
  USERNAME,
  type Emulator
} from '../../e2e/fixtures.js'

type Registry = Awaited<ReturnType<typeof startRealRegistry>>

const NS = 'cn-hangzhou:prod'
const writes = (target: Emulator) =>
  target.calls().filter((call) => ['CreateSecret', 'UpdateSecret', 'DeleteSecret'].includes(call.action))
const warnings = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('::warning::'))

describe('against distribution 2.8 with token auth: rights per repository', () => {
  let registry: Registry
  let web: Awaited<ReturnType<Registry['push']>>
  let sae: Emulator
  beforeAll(async () => {
    // The step's user may pull shop/web only, as a RAM sub-account limited to one repository.
    registry = await startRealRegistry({
      auth: 'token',
      users: { [USERNAME]: { password: PASSWORD, pull: ['shop/web'] } }
    })
    web = await registry.push('shop/web', '1.4.2')
    await registry.push('shop/admin', '1.0')
  })
  afterAll(async () => registry.stop())
  beforeEach(async () => {
    sae = await emulator()
  })
  afterEach(async () => sae.stop())

  const inputs = (images: string, extra: Record<string, string> = {}) =>
    stepInputs(sae, { 'registry-domains': registry.host, 'verify-login': 'true', images, ...extra })
  const tokenRequestsSince = (count: number) =>
    registry.tokenRequests.slice(count).map(({ user, scopes, status }) => ({ user, scopes, status }))

  test('an image by tag and by digest: the pull scope asked, the manifest there, the Secret written; no separate login', async () => {
    const before = registry.tokenRequests.length
    const tokensBefore = registry.tokens.length
    const images = `${registry.host}/shop/web:1.4.2\n${registry.host}/shop/web@${web.digest}`
    // Each token the token service hands the step is masked the moment it arrives.
    const issued = () =>
      Object.fromEntries(
        registry.tokens.slice(tokensBefore).map((token: string, i: number) => [`registry token ${i + 1}`, token])
      )
    const run = await runAction({ inputs: inputs(images), expectMasked: issued })
    expect(registry.tokens).toHaveLength(tokensBefore + 2)
    expect(run.errors).toEqual([])
    expect(run.outputs.result).toBe('created')
    const via = `with a Bearer token from 127.0.0.1:${registry.tokenPort}`
    expect(run.stdout).toContain(
      `Image ${registry.host}/shop/web:1.4.2 can be pulled with the username and password inputs: HEAD /v2/shop/web/manifests/1.4.2 answered 200 ${via}`
    )
    expect(run.stdout).toContain(
      `Image ${registry.host}/shop/web@${web.digest} can be pulled with the username and password inputs: HEAD /v2/shop/web/manifests/${web.digest} answered 200 ${via}`
    )
    // The image checks covered the login: every token asked for carried the pull scope.
    expect(tokenRequestsSince(before)).toEqual([
      { user: USERNAME, scopes: ['repository:shop/web:pull'], status: 200 },
      { user: USERNAME, scopes: ['repository:shop/web:pull'], status: 200 }
    ])
    expect(run.stdout).not.toContain('Registry login accepted')
    const heads = registry.accessLog().filter((entry) => entry.method === 'HEAD')
    expect(
      heads
        .map((entry) => [entry.path, entry.status])
        .slice(-2)
        .sort()
    ).toEqual(
      [
        ['/v2/shop/web/manifests/1.4.2', 200],
        [`/v2/shop/web/manifests/${web.digest}`, 200]
      ].sort()
    )
  })

  test('(a) credentials that log in but may not pull the repository: refused before any write, naming the image', async () => {
    const run = await runAction({ inputs: inputs(`${registry.host}/shop/admin:1.0`) })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::Image ${registry.host}/shop/admin:1.0 cannot be pulled with the username and password inputs: ${registry.host} answered HTTP 401, insufficient_scope to HEAD /v2/shop/admin/manifests/1.0 ` +
        `with a Bearer token from 127.0.0.1:${registry.tokenPort}; they may log in, but lack the right to pull shop/admin (grant it, or use credentials that have it). Nothing was written`
    ])
    expect(writes(sae)).toEqual([])
    expect(run.outputs).toEqual({ results: '{}' })
  })

  test('(b) a tag that does not exist: refused before any write, naming the image', async () => {
    const run = await runAction({ inputs: inputs(`${registry.host}/shop/web:9.9.9`) })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::Image ${registry.host}/shop/web:9.9.9 does not exist at ${registry.host} (HTTP 404 to HEAD /v2/shop/web/manifests/9.9.9): a tag not pushed yet? ` +
        'Push it before this step, or correct images. Nothing was written'
    ])
    expect(writes(sae)).toEqual([])
  })

  test('every refusal of a run is in its one error line, each naming its image', async () => {
    const run = await runAction({
      inputs: inputs(
        `${registry.host}/shop/web:9.9.9, ${registry.host}/shop/admin:1.0, ${registry.host}/shop/web:1.4.2`
      )
    })
    expect(run.errors).toHaveLength(1)
    // In the order the images were given.
    expect(run.errors[0]).toMatch(
      /^::error::2 registry checks failed: image \S+\/shop\/web:9\.9\.9 does not exist .*; image \S+\/shop\/admin:1\.0 cannot be pulled .*\. Nothing was written$/
    )
    expect(writes(sae)).toEqual([])
  })

  test('images are checked with verify-login: false too', async () => {
    const run = await runAction({ inputs: inputs(`${registry.host}/shop/web:9.9.9`, { 'verify-login': 'false' }) })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toContain('does not exist')
  })

  test('and in a dry run, which only reads SAE', async () => {
    const run = await runAction({ inputs: inputs(`${registry.host}/shop/web:9.9.9`, { 'dry-run': 'true' }) })
    expect(run.code).toBe(1)
    expect(run.errors[0]).toContain(`Image ${registry.host}/shop/web:9.9.9 does not exist`)
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets'])
  })

  test('an image that no registry of the Secret matches is an input error before any call', async () => {
    const run = await runAction({ inputs: inputs('ghcr.io/acme/sidecar:2') })
    expect(run.errors).toEqual([
      `::error::Input 'images' has ghcr.io/acme/sidecar:2, which no registry of the Secret for ${NS} matches (its auths keys: ${registry.host}), ` +
        'so the Secret could not pull it; add its registry to registry-domains or extra-registries, or correct the image'
    ])
    expect(sae.calls()).toEqual([])
  })

  describe('(c) if-exists: skip with a stored Secret whose credentials differ', () => {
    const configFor = (password: string) => ({
      auths: { [registry.host]: { username: USERNAME, password, auth: authOf(USERNAME, password) } }
    })
    const storedFor = (password: string) => stored(configFor(password))

    test('the registry refuses the stored credentials: the step fails, nothing written, pointing at if-exists: update', async () => {
      const id = sae.seedSecret(NS, { name: 'registry-auth', data: storedFor('the-password-before-rotation') })
      // The stored credentials are masked before they are sent to the registry.
      const run = await runAction({
        inputs: inputs(`${registry.host}/shop/web:1.4.2`),
        expectMasked: storedCredentials(configFor('the-password-before-rotation'))
      })
      expect(run.code).toBe(1)
      expect(run.errors).toEqual([
        `::error::Image ${registry.host}/shop/web:1.4.2 cannot be pulled with the Secret stored in ${NS} (SecretId ${id}): ${registry.host} refused them ` +
          `(HTTP 401 from its token service 127.0.0.1:${registry.tokenPort}) (for ACR: the registry password set in the ACR console, not the Alibaba Cloud account password). ` +
          `Secret 'registry-auth' (SecretId ${id}) in ${NS} was left as it is (if-exists: skip), so the deploy would pull with it, and it would fail. ` +
          'Set if-exists: update to write the new credentials. Nothing was written'
      ])
      expect(writes(sae)).toEqual([])
      expect(run.outputs).toEqual({ results: '{}' })
      expect(run.summary).toContain(`| ${NS} | registry-auth | – | failed: ImageNotPullable |`)
    })

    test('the stored credentials still pull: green, with the drift warning as before', async () => {
      const id = sae.seedSecret(NS, { name: 'registry-auth', data: storedFor(PASSWORD) })
      // The stored data differs (it lacks the second domain); its credentials do not.
      const run = await runAction({
        inputs: inputs(`${registry.host}/shop/web:1.4.2`, {
          username: USERNAME,
          'registry-domains': `${registry.host}, localhost:${registry.port}`
        })
      })
      expect(run.errors).toEqual([])
      expect(run.outputs.result).toBe('skipped')
      expect(warnings(run.stdout)).toEqual([
        `::warning::${NS}: Secret 'registry-auth' (SecretId ${id}) holds other registry credentials than this step computed (a rotated password?); it was left as it is because if-exists is skip. Set if-exists: update to write the new ones`
      ])
    })
  })
})

describe('against distribution 2.8 with htpasswd: Basic credentials', () => {
  let registry: Registry
  let sae: Emulator
  beforeAll(async () => {
    registry = await startRealRegistry({ auth: 'htpasswd', users: { [USERNAME]: { password: PASSWORD } } })
    await registry.push('shop/web', '1.4.2')
  })
  afterAll(async () => registry.stop())
  beforeEach(async () => {
    sae = await emulator()
  })
  afterEach(async () => sae.stop())

  test('present: pullable with Basic credentials; a repository it does not hold: does not exist', async () => {
    const ok = await runAction({
      inputs: stepInputs(sae, { 'registry-domains': registry.host, images: `${registry.host}/shop/web:1.4.2` })
    })
    expect(ok.errors).toEqual([])
    expect(ok.stdout).toContain(
      `Image ${registry.host}/shop/web:1.4.2 can be pulled with the username and password inputs: HEAD /v2/shop/web/manifests/1.4.2 answered 200 with Basic credentials`
    )
    const missing = await runAction({
      inputs: stepInputs(sae, {
        'secret-name': 'other',
        'registry-domains': registry.host,
        images: `${registry.host}/shop/gone:1`
      })
    })
    expect(missing.errors[0]).toContain(
      `Image ${registry.host}/shop/gone:1 does not exist at ${registry.host} (HTTP 404 to HEAD /v2/shop/gone/manifests/1)`
    )
  })

  test('the image of an extra registry is checked with that item’s credentials', async () => {
    const extra = `- registry: localhost:${registry.port}\n  username: ${JSON.stringify(USERNAME)}\n  password: ${JSON.stringify(PASSWORD)}\n`
    const run = await runAction({
      inputs: stepInputs(sae, {
        'registry-domains': 'registry.example.test',
        'extra-registries': extra,
        images: `localhost:${registry.port}/shop/web:1.4.2`
      })
    })
    expect(run.errors).toEqual([])
    expect(run.stdout).toContain(
      `Image localhost:${registry.port}/shop/web:1.4.2 can be pulled with item 1 of extra-registries`
    )
  })
})

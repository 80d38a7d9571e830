// verify-login against the real CNCF registry (Debian's docker-registry, devkit/harness/real-registry.mjs)
// beside the SAE emulator, in both of its auth modes: its own Basic challenge over bcrypt htpasswd,
// and its own Bearer challenge pointing at our token service. The Secret a green run writes is then
// used as kubelet would, against the same registry, to pull an image pushed there.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../../devkit/harness/action-runner.mjs'
import { PULL_ACCEPT, startRealRegistry } from '../../../devkit/harness/real-registry.mjs'
import { authOf, emulator, PASSWORD, stepInputs, USERNAME, type Emulator } from '../../e2e/fixtures.js'

type Registry = Awaited<ReturnType<typeof startRealRegistry>>
type Run = Awaited<ReturnType<typeof runAction>>

const NS = 'cn-hangzhou:prod'
const EXTRA = { username: 'ci-robot', password: 'x:tra "pa55" \\ wörd' }
const REFUSAL_TAIL =
  'a Secret holding them could not pull images. Check the username and password inputs (for ACR: the registry password set in the ACR console, ' +
  'not the Alibaba Cloud account password). Nothing was written; set verify-login: false only if the registry is right to refuse this runner'

const writes = (target: Emulator) =>
  target.calls().filter((call) => ['CreateSecret', 'UpdateSecret', 'DeleteSecret'].includes(call.action))
const entry = (username: string, password: string) => ({ username, password, auth: authOf(username, password) })
const item = (host: string, username: string, password: string) =>
  `- registry: ${host}\n  username: ${JSON.stringify(username)}\n  password: ${JSON.stringify(password)}\n`

/** The stored Secret's credentials for `host`, used the way kubelet uses them: a manifest HEAD. */
async function pullWithSecret(registry: Registry, target: Emulator, repository: string, reference: string) {
  const { username, password } = target.dockerConfig(NS, 'registry-auth').auths[registry.host]
  const answer = await registry
    .client(username, password)
    .request('HEAD', `/v2/${repository}/manifests/${reference}`, { headers: { accept: PULL_ACCEPT } })
  return { status: answer.status, digest: answer.headers['docker-content-digest'] }
}

for (const auth of ['htpasswd', 'token'] as const) {
  describe(`verify-login against distribution 2.8 (${auth})`, () => {
    let registry: Registry
    let image: Awaited<ReturnType<Registry['push']>>
    let sae: Emulator
    beforeAll(async () => {
      // In token mode the step's user may pull shop/web only, as a RAM sub-account limited to one repository.
      const pull = auth === 'token' ? { pull: ['shop/web'] } : {}
      registry = await startRealRegistry({
        auth,
        users: { [USERNAME]: { password: PASSWORD, ...pull }, [EXTRA.username]: { password: EXTRA.password } }
      })
      image = await registry.push('shop/web', '1.4.2')
      await registry.push('shop/admin', '1.0')
    })
    afterAll(async () => registry.stop())
    beforeEach(async () => {
      sae = await emulator()
    })
    afterEach(async () => sae.stop())

    const how = () => (auth === 'token' ? `Bearer token from 127.0.0.1:${registry.tokenPort}` : 'Basic')
    const refusal = () =>
      auth === 'token'
        ? `HTTP 401 from its token service 127.0.0.1:${registry.tokenPort}`
        : 'HTTP 401 to GET /v2/ with Basic credentials'
    const loginInputs = (extra: Record<string, string> = {}) =>
      stepInputs(sae, { 'verify-login': 'true', 'registry-domains': registry.host, ...extra })
    const expectRefusedAtTheRegistry = async (username: string) => {
      if (auth === 'token') {
        expect(registry.tokenRequests.filter((request) => request.user === username).at(-1)).toMatchObject({
          status: 401,
          service: 'sae-test-registry',
          account: username
        })
      } else {
        const logs = await registry.logged((line) =>
          line.includes(`error authenticating user \\"${username}\\": authentication failure`)
        )
        expect(
          logs.some((line) => line.includes(`error authenticating user \\"${username}\\": authentication failure`))
        ).toBe(true)
      }
    }

    test('the right password through registry-domains: accepted, the Secret written, and it pulls shop/web:1.4.2 by tag and by digest', async () => {
      const run: Run = await runAction({ inputs: loginInputs() })
      expect(run.errors).toEqual([])
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`Registry login accepted by ${registry.host} (${how()})`)
      expect(run.outputs.result).toBe('created')
      expect(sae.dockerConfig(NS, 'registry-auth')).toEqual({ auths: { [registry.host]: entry(USERNAME, PASSWORD) } })
      expect(await pullWithSecret(registry, sae, 'shop/web', '1.4.2')).toEqual({ status: 200, digest: image.digest })
      expect(await pullWithSecret(registry, sae, 'shop/web', image.digest)).toEqual({
        status: 200,
        digest: image.digest
      })
    })

    test('the wrong password through registry-domains: one error naming the domain, nothing written', async () => {
      const run = await runAction({ inputs: loginInputs({ password: 'the-rotated-password' }) })
      expect(run.code).toBe(1)
      expect(run.errors).toEqual([
        `::error::Registry ${registry.host} refused the username and password (${refusal()}): ${REFUSAL_TAIL}`
      ])
      expect(writes(sae)).toEqual([])
      expect(sae.secrets(NS)).toEqual([])
      await expectRefusedAtTheRegistry(USERNAME)
    })

    test("through extra-registries: the right password accepted and stored beside the main registry's; the wrong one refused, naming its item", async () => {
      // The same registry under a second name, so it can be an extra registry with its own user.
      const accepted = await runAction({
        inputs: stepInputs(sae, {
          'verify-login': 'true',
          'registry-domains': registry.host,
          'extra-registries': item(`localhost:${registry.port}`, EXTRA.username, EXTRA.password)
        })
      })
      expect(accepted.errors).toEqual([])
      expect(accepted.stdout).toContain(`Registry login accepted by localhost:${registry.port} (${how()})`)
      expect(sae.dockerConfig(NS, 'registry-auth')).toEqual({
        auths: {
          [registry.host]: entry(USERNAME, PASSWORD),
          [`localhost:${registry.port}`]: entry(EXTRA.username, EXTRA.password)
        }
      })

      const refused = await runAction({
        inputs: stepInputs(sae, {
          'secret-name': 'other',
          'verify-login': 'true',
          'registry-domains': registry.host,
          'extra-registries': item(`localhost:${registry.port}`, EXTRA.username, 'an-old-extra-pa55')
        })
      })
      expect(refused.code).toBe(1)
      expect(refused.errors).toHaveLength(1)
      expect(refused.errors[0]).toBe(
        `::error::Registry localhost:${registry.port} refused the username and password (${refusal()}): ` +
          REFUSAL_TAIL.replace('Check the username and password inputs', 'Check item 1 of extra-registries')
      )
      expect(sae.secrets(NS).map((secret) => secret.SecretName)).toEqual(['registry-auth'])
      await expectRefusedAtTheRegistry(EXTRA.username)
    })

    if (auth === 'token') {
      test('a login proves the password, not the pull rights: the Secret written pulls shop/web, and the registry refuses it shop/admin', async () => {
        const run = await runAction({ inputs: loginInputs() })
        expect(run.code).toBe(0)
        expect(await pullWithSecret(registry, sae, 'shop/web', '1.4.2')).toEqual({ status: 200, digest: image.digest })
        expect(await pullWithSecret(registry, sae, 'shop/admin', '1.0')).toEqual({ status: 401, digest: undefined })
        expect(
          registry.tokenRequests
            .filter((request) => request.user === USERNAME && request.scopes[0] === 'repository:shop/admin:pull')
            .at(-1)
        ).toMatchObject({ status: 200, granted: [] })
      })
    }
  })
}

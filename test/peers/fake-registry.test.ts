// The fake registry's repositories, pull rights and manifests (devkit/emulator/fake-registry.mjs):
// the answers it gives where the real registry (test/peers/real-registry.test.ts) cannot be made
// to, and the same answers where it can. The old login-only behaviour is pinned by the
// registry-login tests, which run unchanged.
import { afterEach, describe, expect, test } from '@jest/globals'
import { fakeManifest, OCI_MANIFEST, startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { PULL_ACCEPT, registryClient } from '../../devkit/harness/real-registry.mjs'

type Fake = Awaited<ReturnType<typeof startFakeRegistry>>

const REPOSITORIES = {
  'shop/web': { tags: ['1.4.2', 'latest'] },
  'shop/admin': { tags: ['1.0'], pullers: ['admin-bot'] }
}
const USERS = { 'admin-bot': 'adm1n-pa55' }

let fake: Fake
afterEach(async () => fake.stop())

const client = (username = fake.username, password = fake.password) =>
  registryClient(`http://${fake.host}`, username, password)
const errorOf = (answer: { body: Buffer }) => JSON.parse(answer.body.toString('utf8')).errors[0]

describe('manifests', () => {
  test('a stable digest per image, the same by tag and by digest, with the headers a pull reads', async () => {
    fake = await startFakeRegistry({ repositories: REPOSITORIES })
    const { digest } = fake.manifest('shop/web', '1.4.2')!
    // Written out: a change to the fake's manifests changes digests that tests may pin.
    expect(digest).toBe('sha256:4f970dd284a0e1f1aeebaa57b931cca7c9649504c243bf0485008c3e7914d0a6')
    expect(fakeManifest('shop/web', 'latest').digest).not.toBe(digest)
    expect(fake.manifest('shop/web', '9.9.9')).toBeUndefined()
    const robot = client()
    for (const reference of ['1.4.2', digest]) {
      const head = await robot.request('HEAD', `/v2/shop/web/manifests/${reference}`, {
        headers: { accept: PULL_ACCEPT }
      })
      expect([
        head.status,
        head.headers['docker-content-digest'],
        head.headers['content-type'],
        head.body.length
      ]).toEqual([200, digest, OCI_MANIFEST, 0])
      const get = await robot.request('GET', `/v2/shop/web/manifests/${reference}`, {
        headers: { accept: PULL_ACCEPT }
      })
      expect(JSON.parse(get.body.toString('utf8')).mediaType).toBe(OCI_MANIFEST)
      expect(Number(head.headers['content-length'])).toBe(get.body.length)
    }
  })

  test('a missing tag is MANIFEST_UNKNOWN, a missing repository NAME_UNKNOWN, an Accept without OCI MANIFEST_UNKNOWN (as distribution 2.8)', async () => {
    fake = await startFakeRegistry({ repositories: REPOSITORIES })
    const robot = client()
    const missingTag = await robot.request('GET', '/v2/shop/web/manifests/9.9.9', { headers: { accept: PULL_ACCEPT } })
    expect([missingTag.status, errorOf(missingTag)]).toEqual([
      404,
      { code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: '9.9.9' } }
    ])
    const missingDigest = await robot.request('GET', `/v2/shop/web/manifests/sha256:${'0'.repeat(64)}`, {
      headers: { accept: PULL_ACCEPT }
    })
    expect([missingDigest.status, errorOf(missingDigest).code]).toEqual([404, 'MANIFEST_UNKNOWN'])
    const missingRepository = await robot.request('GET', '/v2/shop/gone/manifests/1', {
      headers: { accept: PULL_ACCEPT }
    })
    expect([missingRepository.status, errorOf(missingRepository)]).toEqual([
      404,
      { code: 'NAME_UNKNOWN', message: 'repository name not known to registry', detail: { name: 'shop/gone' } }
    ])
    const dockerOnly = await robot.request('GET', '/v2/shop/web/manifests/1.4.2', {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' }
    })
    expect([dockerOnly.status, errorOf(dockerOnly).message]).toEqual([
      404,
      'OCI manifest found, but accept header does not support OCI manifests'
    ])
  })
})

describe('Bearer: pull rights per user and repository', () => {
  test('the token service grants only what the user may pull, answering 200 either way; the registry then says insufficient_scope', async () => {
    fake = await startFakeRegistry({ repositories: REPOSITORIES, users: USERS })
    const robot = client()
    expect(
      (await robot.request('HEAD', '/v2/shop/web/manifests/1.4.2', { headers: { accept: PULL_ACCEPT } })).status
    ).toBe(200)
    const refused = await robot.request('HEAD', '/v2/shop/admin/manifests/1.0', { headers: { accept: PULL_ACCEPT } })
    expect(refused.status).toBe(401)
    expect(refused.headers['www-authenticate']).toBe(
      `Bearer realm="${fake.realm}",service="${fake.service}",scope="repository:shop/admin:pull",error="insufficient_scope"`
    )
    const tokenCalls = fake
      .calls('token')
      .map(({ scopes, status, user, granted }) => ({ scopes, status, user, granted }))
    expect(tokenCalls).toEqual([
      { scopes: ['repository:shop/web:pull'], status: 200, user: 'robot', granted: ['repository:shop/web:pull'] },
      { scopes: ['repository:shop/admin:pull'], status: 200, user: 'robot', granted: [] }
    ])
    // The one who may pull it does.
    const admin = client('admin-bot', USERS['admin-bot'])
    expect(
      (await admin.request('HEAD', '/v2/shop/admin/manifests/1.0', { headers: { accept: PULL_ACCEPT } })).status
    ).toBe(200)
  })

  test('no token: the challenge names the scope; a token it never issued: invalid_token; every request records its Accept', async () => {
    fake = await startFakeRegistry({ repositories: REPOSITORIES })
    const anonymous = await fetch(`http://${fake.host}/v2/shop/web/manifests/1.4.2`, {
      method: 'HEAD',
      headers: { accept: PULL_ACCEPT }
    })
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe(
      `Bearer realm="${fake.realm}",service="${fake.service}",scope="repository:shop/web:pull"`
    )
    const forged = await fetch(`http://${fake.host}/v2/shop/web/manifests/1.4.2`, {
      method: 'HEAD',
      headers: { authorization: 'Bearer fake-token.not-issued' }
    })
    expect(forged.headers.get('www-authenticate')).toContain(',error="invalid_token"')
    expect(
      fake.calls('registry').map(({ method, path, accept, status }) => ({ method, path, accept, status }))
    ).toEqual([
      { method: 'HEAD', path: '/v2/shop/web/manifests/1.4.2', accept: PULL_ACCEPT, status: 401 },
      { method: 'HEAD', path: '/v2/shop/web/manifests/1.4.2', accept: '*/*', status: 401 }
    ])
  })

  test('a wrong password gets no token (401), as before', async () => {
    fake = await startFakeRegistry({ repositories: REPOSITORIES })
    const answer = await client('robot', 'wrong').request('HEAD', '/v2/shop/web/manifests/1.4.2', {
      headers: { accept: PULL_ACCEPT }
    })
    expect(answer.status).toBe(401)
    expect(fake.calls('token').map(({ status, scopes }) => ({ status, scopes }))).toEqual([
      { status: 401, scopes: ['repository:shop/web:pull'] }
    ])
  })
})

describe('Basic: the credentials on every request', () => {
  test('wrong credentials 401 with the Basic challenge; signed in without the right to pull, 403 DENIED; allowed, 200', async () => {
    fake = await startFakeRegistry({ kind: 'basic', repositories: REPOSITORIES, users: USERS })
    const wrong = await client('robot', 'wrong').request('HEAD', '/v2/shop/web/manifests/1.4.2', {
      headers: { accept: PULL_ACCEPT }
    })
    expect([wrong.status, wrong.headers['www-authenticate']]).toEqual([401, 'Basic realm="Registry Realm"'])
    const denied = await client().request('GET', '/v2/shop/admin/manifests/1.0', { headers: { accept: PULL_ACCEPT } })
    expect([denied.status, errorOf(denied)]).toEqual([
      403,
      { code: 'DENIED', message: 'requested access to the resource is denied', detail: null }
    ])
    expect(
      (
        await client('admin-bot', USERS['admin-bot']).request('HEAD', '/v2/shop/admin/manifests/1.0', {
          headers: { accept: PULL_ACCEPT }
        })
      ).status
    ).toBe(200)
  })
})

describe('defaults kept', () => {
  test('without repositories, GET /v2/ is the same login as before, and any manifest is NAME_UNKNOWN to its user', async () => {
    fake = await startFakeRegistry({ kind: 'basic' })
    expect((await client().request('GET', '/v2/')).status).toBe(200)
    const answer = await client().request('GET', '/v2/library/nginx/manifests/latest', {
      headers: { accept: PULL_ACCEPT }
    })
    expect([answer.status, errorOf(answer).code]).toEqual([404, 'NAME_UNKNOWN'])
  })
})

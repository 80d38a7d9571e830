// The real CNCF registry the end-to-end tests run (devkit/harness/real-registry.mjs), tested as the
// code it is: what distribution 2.8 really answers, in both auth modes, and that what we push is
// there by tag and by digest. Facts the lead's image checks rely on are pinned here.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import { MEDIA_TYPES, PULL_ACCEPT, startRealRegistry } from '../../devkit/harness/real-registry.mjs'

type Registry = Awaited<ReturnType<typeof startRealRegistry>>

const ROBOT = { username: 'robot', password: 'r0bot-pa55:word' }

const body = (answer: { body: Buffer }) => JSON.parse(answer.body.toString('utf8'))
const bareGet = async (registry: Registry, path: string, headers: Record<string, string> = {}) => {
  const answer = await fetch(`${registry.origin}${path}`, { headers })
  return { status: answer.status, challenge: answer.headers.get('www-authenticate'), json: await answer.json() }
}

describe("htpasswd mode (bcrypt, as Debian's apache2-utils makes it)", () => {
  let registry: Registry
  beforeAll(async () => {
    registry = await startRealRegistry({ auth: 'htpasswd', users: { robot: { password: ROBOT.password } } })
  })
  afterAll(async () => registry.stop())

  test('GET /v2/ without credentials: 401 with its Basic challenge and UNAUTHORIZED', async () => {
    expect(await bareGet(registry, '/v2/')).toEqual({
      status: 401,
      challenge: 'Basic realm="sae-test-registry"',
      json: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] }
    })
  })

  test('a wrong password is 401, and the registry logs the refusal; the right one is 200', async () => {
    const wrong = await bareGet(registry, '/v2/', {
      authorization: `Basic ${Buffer.from('robot:not-the-password').toString('base64')}`
    })
    expect(wrong.status).toBe(401)
    expect(wrong.challenge).toBe('Basic realm="sae-test-registry"')
    await registry.logged((line) => line.includes('authentication failure'))
    expect(
      registry
        .entries()
        .filter((entry) => entry.level === 'error')
        .map((entry) => entry.msg)
    ).toContain('error authenticating user "robot": authentication failure')
    const right = await registry.client(ROBOT.username, ROBOT.password).request('GET', '/v2/')
    expect(right.status).toBe(200)
    await registry.logged((line) => line.includes('"GET /v2/ HTTP/1.1" 200'))
    expect(registry.accessLog().map(({ method, path, status }) => `${method} ${path} ${status}`)).toEqual(
      expect.arrayContaining(['GET /v2/ 401', 'GET /v2/ 200'])
    )
  })

  test('an OCI image pushed by the API answers HEAD by tag and by digest: 200, the digest the push returned', async () => {
    const image = await registry.push('shop/web', '1.4.2')
    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(image.reference).toBe(`${registry.host}/shop/web:1.4.2`)
    const robot = registry.client(ROBOT.username, ROBOT.password)
    for (const reference of ['1.4.2', image.digest]) {
      const answer = await robot.request('HEAD', `/v2/shop/web/manifests/${reference}`, {
        headers: { accept: PULL_ACCEPT }
      })
      expect([answer.status, answer.headers['docker-content-digest'], answer.headers['content-type']]).toEqual([
        200,
        image.digest,
        MEDIA_TYPES.ociManifest
      ])
    }
    await registry.logged((line) => line.includes(`"HEAD /v2/shop/web/manifests/${image.digest} HTTP/1.1"`))
    expect(
      registry
        .accessLog()
        .filter((entry) => entry.method === 'HEAD')
        .map(({ path, status }) => `${path} ${status}`)
    ).toEqual(
      expect.arrayContaining([`/v2/shop/web/manifests/1.4.2 200`, `/v2/shop/web/manifests/${image.digest} 200`])
    )
  })

  test('Docker schema 2 and an OCI index under a tag: each HEAD answers its own media type and digest', async () => {
    const docker = await registry.push('shop/api', '2.0', { format: 'docker' })
    const index = await registry.push('shop/api', '2.0-multi', { format: 'oci-index' })
    expect(index.digest).not.toBe(index.manifestDigest)
    const robot = registry.client(ROBOT.username, ROBOT.password)
    const head = async (reference: string) => {
      const answer = await robot.request('HEAD', `/v2/shop/api/manifests/${reference}`, {
        headers: { accept: PULL_ACCEPT }
      })
      return [answer.status, answer.headers['content-type'], answer.headers['docker-content-digest']]
    }
    expect(await head('2.0')).toEqual([200, MEDIA_TYPES.dockerManifest, docker.digest])
    expect(await head('2.0-multi')).toEqual([200, MEDIA_TYPES.ociIndex, index.digest])
    // The platform manifest under the index is there by digest.
    expect(await head(index.manifestDigest)).toEqual([200, MEDIA_TYPES.ociManifest, index.manifestDigest])
  })

  test('a tag never pushed is 404 MANIFEST_UNKNOWN, and so is a repository that does not exist (distribution 2.8 never says NAME_UNKNOWN here)', async () => {
    await registry.push('shop/web', '1.4.2')
    const robot = registry.client(ROBOT.username, ROBOT.password)
    const missingTag = await robot.request('GET', '/v2/shop/web/manifests/9.9.9', { headers: { accept: PULL_ACCEPT } })
    expect([missingTag.status, body(missingTag)]).toEqual([
      404,
      { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: '9.9.9' } }] }
    ])
    const missingRepository = await robot.request('GET', '/v2/nobody/here/manifests/1', {
      headers: { accept: PULL_ACCEPT }
    })
    expect([missingRepository.status, body(missingRepository).errors[0].code]).toEqual([404, 'MANIFEST_UNKNOWN'])
    expect(
      (await robot.request('HEAD', '/v2/shop/web/manifests/9.9.9', { headers: { accept: PULL_ACCEPT } })).status
    ).toBe(404)
  })

  test('an OCI manifest asked for without OCI in Accept is 404: the image check must send the Accept list', async () => {
    const image = await registry.push('shop/web', '1.4.3')
    const robot = registry.client(ROBOT.username, ROBOT.password)
    const dockerOnly = await robot.request('GET', '/v2/shop/web/manifests/1.4.3', {
      headers: { accept: MEDIA_TYPES.dockerManifest }
    })
    expect([dockerOnly.status, body(dockerOnly).errors[0]]).toEqual([
      404,
      { code: 'MANIFEST_UNKNOWN', message: 'OCI manifest found, but accept header does not support OCI manifests' }
    ])
    expect((await robot.request('HEAD', `/v2/shop/web/manifests/${image.digest}`)).status).toBe(404)
  })
})

describe("token mode (distribution verifies our token service's JWTs against its rootcertbundle)", () => {
  let registry: Registry
  beforeAll(async () => {
    registry = await startRealRegistry({
      auth: 'token',
      users: { robot: { password: ROBOT.password, pull: ['shop/web'] } }
    })
    await registry.push('shop/web', '1.4.2')
    await registry.push('shop/admin', '1.0')
  })
  afterAll(async () => registry.stop())

  test('GET /v2/ without a token: 401 with a Bearer challenge naming our realm and service', async () => {
    const answer = await bareGet(registry, '/v2/')
    expect(answer.status).toBe(401)
    expect(answer.challenge).toBe(`Bearer realm="${registry.realm}",service="sae-test-registry"`)
  })

  test('a wrong password gets no token: the token service answers 401', async () => {
    const answer = await fetch(`${registry.realm}?service=sae-test-registry&account=robot`, {
      headers: { authorization: `Basic ${Buffer.from('robot:not-the-password').toString('base64')}` }
    })
    expect(answer.status).toBe(401)
    expect(registry.tokenRequests.at(-1)).toMatchObject({ user: 'robot', status: 401, scopes: [] })
  })

  test('robot may pull shop/web: the registry asks for the scope, the token grants it, HEAD is 200', async () => {
    const robot = registry.client(ROBOT.username, ROBOT.password)
    const answer = await robot.request('HEAD', '/v2/shop/web/manifests/1.4.2', { headers: { accept: PULL_ACCEPT } })
    expect(answer.status).toBe(200)
    expect(robot.tokenRequests).toEqual([{ scope: 'repository:shop/web:pull', status: 200 }])
    expect(
      registry.tokenRequests.filter((request) => request.user === 'robot' && request.status === 200).at(-1)
    ).toMatchObject({
      scopes: ['repository:shop/web:pull'],
      granted: [{ type: 'repository', name: 'shop/web', actions: ['pull'] }]
    })
  })

  test("robot may not pull shop/admin: a token with no access (not an error, per the token spec), then the registry's 401 insufficient_scope", async () => {
    const robot = registry.client(ROBOT.username, ROBOT.password)
    const answer = await robot.request('GET', '/v2/shop/admin/manifests/1.0', { headers: { accept: PULL_ACCEPT } })
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer realm="${registry.realm}",service="sae-test-registry",scope="repository:shop/admin:pull",error="insufficient_scope"`
    )
    expect(body(answer)).toEqual({
      errors: [
        {
          code: 'UNAUTHORIZED',
          message: 'authentication required',
          detail: [{ Type: 'repository', Class: '', Name: 'shop/admin', Action: 'pull' }]
        }
      ]
    })
    expect(registry.tokenRequests.filter((request) => request.user === 'robot').at(-1)).toMatchObject({
      scopes: ['repository:shop/admin:pull'],
      status: 200,
      granted: []
    })
  })

  test('the registry checks the signature: a token signed by a key outside rootcertbundle is invalid_token', async () => {
    const access = [{ type: 'repository', name: 'shop/web', actions: ['pull'] }]
    const head = async (token: string) =>
      fetch(`${registry.origin}/v2/shop/web/manifests/1.4.2`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${token}`, accept: PULL_ACCEPT }
      })
    const trusted = await head(registry.mintToken!({ subject: 'robot', access }))
    expect(trusted.status).toBe(200)
    const forged = await head(registry.mintToken!({ subject: 'robot', access, untrusted: true }))
    expect(forged.status).toBe(401)
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })
})

describe('the harness itself', () => {
  test('stop ends the registry and removes its temp dir; two registries run side by side', async () => {
    const first = await startRealRegistry()
    const second = await startRealRegistry({ auth: 'token' })
    expect(first.port).not.toBe(second.port)
    expect([existsSync(first.dir), existsSync(second.dir)]).toEqual([true, true])
    const logsBefore = first.logs.length
    expect((await fetch(`${first.origin}/v2/`)).status).toBe(401)
    expect((await fetch(`${second.origin}/v2/`)).status).toBe(401)
    expect(first.logs.length).toBeGreaterThan(logsBefore)
    await first.stop()
    await second.stop()
    await expect(fetch(`${first.origin}/v2/`)).rejects.toThrow()
    expect([existsSync(first.dir), existsSync(second.dir)]).toEqual([false, false])
  })

  test("per-repository rights in htpasswd mode are refused: distribution's htpasswd has none", async () => {
    await expect(
      startRealRegistry({ auth: 'htpasswd', users: { robot: { password: 'x', pull: ['shop/web'] } } })
    ).rejects.toThrow('per-repository pull rights need auth: token')
  })
})

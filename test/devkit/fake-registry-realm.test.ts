// The fake registry's `realm` option (devkit/emulator/fake-registry.mjs), which the latency bench
// uses to play ACR: a registry whose challenges send clients to a token service under another
// name (`https://dockerauth.<region>.aliyuncs.com/auth`). Without the option, nothing changes.
import { afterEach, expect, test } from '@jest/globals'
import http from 'node:http'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'

type Fake = Awaited<ReturnType<typeof startFakeRegistry>>
let fake: Fake
afterEach(async () => fake.stop())

const basic = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`
/** A request with the Host header given (a registry reached under its real name), HEAD for a manifest. */
const get = (port: number, path: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; challenge: string | undefined; body: string }>((resolve, reject) => {
    const method = path.includes('/manifests/') ? 'HEAD' : 'GET'
    http
      .request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (answer) => {
        let body = ''
        answer.on('data', (chunk) => (body += chunk))
        answer.on('end', () =>
          resolve({ status: answer.statusCode!, challenge: answer.headers['www-authenticate'], body })
        )
      })
      .on('error', reject)
      .end()
  })

test("challenges name the realm given, per Host when it is a function, and the token service answers at the realm's path", async () => {
  const seen: Array<string | undefined> = []
  fake = await startFakeRegistry({
    username: 'bench',
    password: 'bench-password',
    repositories: { 'shop/web': { tags: ['1.4.2'] } },
    realm: (host: string | undefined) => {
      seen.push(host)
      return `https://dockerauth.${host?.split('.')[1]}.aliyuncs.com/auth`
    }
  })
  const challenge = await get(fake.port, '/v2/', { host: 'registry.cn-hangzhou.aliyuncs.com' })
  expect([challenge.status, challenge.challenge]).toEqual([
    401,
    `Bearer realm="https://dockerauth.cn-hangzhou.aliyuncs.com/auth",service="${fake.service}"`
  ])
  const manifest = await get(fake.port, '/v2/shop/web/manifests/1.4.2', { host: 'registry.cn-shanghai.aliyuncs.com' })
  expect(manifest.challenge).toBe(
    `Bearer realm="https://dockerauth.cn-shanghai.aliyuncs.com/auth",service="${fake.service}",scope="repository:shop/web:pull"`
  )
  expect(seen).toEqual(['registry.cn-hangzhou.aliyuncs.com', 'registry.cn-shanghai.aliyuncs.com'])
  const scope = `service=${encodeURIComponent(fake.service)}&scope=repository:shop/web:pull`
  const token = await get(fake.tokenPort, `/auth?${scope}`, { authorization: basic })
  expect(token.status).toBe(200)
  const { token: issued } = JSON.parse(token.body) as { token: string }
  const pulled = await get(fake.port, '/v2/shop/web/manifests/1.4.2', {
    authorization: `Bearer ${issued}`,
    accept: 'application/vnd.oci.image.manifest.v1+json'
  })
  expect(pulled.status).toBe(200)
  expect(fake.requests.map((r) => `${r.server} ${r.path} ${r.status}`)).toEqual([
    'registry /v2/ 401',
    'registry /v2/shop/web/manifests/1.4.2 401',
    'token /auth 200',
    'registry /v2/shop/web/manifests/1.4.2 200'
  ])
})

test('a realm given as a string is named as it is; without the option the realm is the token port on loopback and /auth is not served', async () => {
  fake = await startFakeRegistry({ username: 'bench', password: 'bench-password', realm: 'https://auth.example/get' })
  expect(fake.realm).toBe('https://auth.example/get')
  expect((await get(fake.port, '/v2/')).challenge).toBe(
    `Bearer realm="https://auth.example/get",service="${fake.service}"`
  )
  await fake.stop()
  fake = await startFakeRegistry({ username: 'bench', password: 'bench-password' })
  const realm = `http://127.0.0.1:${fake.tokenPort}/token`
  expect(fake.realm).toBe(realm)
  expect((await get(fake.port, '/v2/')).challenge).toBe(`Bearer realm="${realm}",service="${fake.service}"`)
  const service = `service=${encodeURIComponent(fake.service)}`
  expect((await get(fake.tokenPort, `/auth?${service}`, { authorization: basic })).status).toBe(404)
  expect((await get(fake.tokenPort, `/token?${service}`, { authorization: basic })).status).toBe(200)
})

// A default run on a runner outside Alibaba Cloud's network, as on a GitHub-hosted runner: the
// public ACR domain is reachable, the VPC domain is not. The runner's proxy delivers
// registry.cn-hangzhou.aliyuncs.com:443 to a TLS front of a fake registry on loopback and refuses
// everything else, so nothing leaves the machine. The VPC domain is the same registry: it is logged
// in to through its public twin, and the log carries no warning.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import tls from 'node:tls'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { ROOT, runAction } from '../../devkit/harness/action-runner.mjs'
import { startConnectProxy } from '../../devkit/harness/connect-proxy.mjs'
import { emulator, stepInputs, PASSWORD, USERNAME, type Emulator } from './fixtures.js'

const PUBLIC = 'registry.cn-hangzhou.aliyuncs.com'
const VPC = 'registry-vpc.cn-hangzhou.aliyuncs.com'
const CERT = join(ROOT, 'devkit', 'certs', 'acr-public-test-only-cert.pem')
const KEY = join(ROOT, 'devkit', 'certs', 'acr-public-test-only-key.pem')

let registry: Awaited<ReturnType<typeof startFakeRegistry>>
let front: tls.Server
let proxy: Awaited<ReturnType<typeof startConnectProxy>>
let sae: Emulator

beforeAll(async () => {
  registry = await startFakeRegistry({
    kind: 'bearer',
    username: USERNAME,
    password: PASSWORD,
    repositories: { 'shop/web': { tags: ['1.4.2'] } }
  })
  // TLS for the public ACR name, in front of the fake registry's plain port.
  front = tls.createServer({ key: readFileSync(KEY), cert: readFileSync(CERT) }, (socket) => {
    const upstream = net.connect(registry.port, '127.0.0.1')
    socket.pipe(upstream).pipe(socket)
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
  })
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
  proxy = await startConnectProxy({ routes: { [`${PUBLIC}:443`]: (front.address() as net.AddressInfo).port } })
  sae = await emulator()
})
afterAll(async () => {
  await sae.stop()
  await proxy.stop()
  await new Promise((resolve) => front.close(resolve))
  await registry.stop()
})

/** The runner's network: HTTPS goes through the proxy (the SAE emulator is plain HTTP on loopback, direct). */
const env = () => ({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: CERT })

describe('a default run (registry-vpc and registry domains of the namespace’s region)', () => {
  test('logs in to the public domain only, for both, and prints no warning', async () => {
    const { 'registry-domains': _domains, ...inputs } = stepInputs(sae, { 'verify-login': 'true' })
    void _domains
    const run = await runAction({ inputs, env: env() })
    expect(run.code).toBe(0)
    expect(run.stdout.split('\n').filter((line) => line.startsWith('::warning::'))).toEqual([])
    expect(run.stdout).toContain(
      `Registry login accepted by ${PUBLIC} (Bearer token from 127.0.0.1:${registry.tokenPort}) (it stands for ${VPC} and ${PUBLIC})`
    )
    // The VPC domain was never dialled.
    expect(proxy.connects.map((connect) => connect.target)).toEqual([`${PUBLIC}:443`])
    expect(Object.keys(sae.dockerConfig('cn-hangzhou:prod', 'registry-auth').auths)).toEqual([VPC, PUBLIC])
  })

  test('an image on the VPC domain is checked through the public twin, with the same credentials', async () => {
    proxy.connects.length = 0
    const { 'registry-domains': _domains, ...inputs } = stepInputs(sae, {
      'secret-name': 'with-image',
      images: `${VPC}/shop/web:1.4.2`
    })
    void _domains
    const run = await runAction({ inputs, env: env() })
    expect(run.errors).toEqual([])
    expect(run.stdout).toContain(
      `Image ${VPC}/shop/web:1.4.2 can be pulled with the username and password inputs (checked at ${PUBLIC}, which answers for ${VPC}): HEAD /v2/shop/web/manifests/1.4.2 answered 200`
    )
    expect(proxy.connects.every((connect) => connect.target === `${PUBLIC}:443`)).toBe(true)
    expect(proxy.connects.length).toBeGreaterThan(0)
    expect(registry.requests.filter((request) => request.method === 'HEAD').map((request) => request.path)).toEqual([
      '/v2/shop/web/manifests/1.4.2'
    ])
  })
})

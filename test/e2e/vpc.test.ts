// A runner inside an Alibaba Cloud VPC (`network: vpc`), and registry checks that reach the registry
// from wherever the runner is. The runner's proxy stands in for the network: it delivers the names
// this runner can reach (the VPC endpoints of SAE and STS, and one ACR twin or the other) to TLS
// servers on loopback that hold a test-only certificate for those names, and answers 502 for the
// names it cannot reach, as a proxy does. So each call's host is the real name, and nothing leaves
// the machine.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import tls from 'node:tls'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { ROOT, runAction } from '../../devkit/harness/action-runner.mjs'
import { closedPort, startConnectProxy } from '../../devkit/harness/connect-proxy.mjs'
import { emulator, KEY, PASSWORD, stepInputs, USERNAME, type Emulator } from './fixtures.js'

const CERT_FILE = join(ROOT, 'devkit', 'certs', 'vpc-endpoints-test-only-cert.pem')
const TLS = {
  cert: readFileSync(CERT_FILE, 'utf8'),
  key: readFileSync(join(ROOT, 'devkit', 'certs', 'vpc-endpoints-test-only-key.pem'), 'utf8')
}
const DEPLOYER = 'acs:ram::6543210987654321:role/sae-deployer'
const VPC = 'registry-vpc.cn-hangzhou.aliyuncs.com'
const PUBLIC = 'registry.cn-hangzhou.aliyuncs.com'
const IMAGE = `${VPC}/shop/web:1.4.2`

type Proxy = Awaited<ReturnType<typeof startConnectProxy>>
let sae: Emulator
let registry: Awaited<ReturnType<typeof startFakeRegistry>>
let front: tls.Server
let proxy: Proxy | undefined

beforeEach(async () => {
  sae = await emulator({
    tls: TLS,
    namespaces: ['cn-hangzhou:prod', 'cn-shanghai:prod'],
    roles: [{ roleArn: DEPLOYER, trusts: [KEY.accessKeyId] }]
  })
  registry = await startFakeRegistry({
    kind: 'bearer',
    username: USERNAME,
    password: PASSWORD,
    repositories: { 'shop/web': { tags: ['1.4.2'] } }
  })
  // TLS for the ACR names, in front of the fake registry's plain port (its token service is on loopback, plain HTTP).
  front = tls.createServer({ key: TLS.key, cert: TLS.cert }, (socket) => {
    const upstream = net.connect(registry.port, '127.0.0.1')
    socket.pipe(upstream).pipe(socket)
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
  })
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
})
afterEach(async () => {
  await proxy?.stop()
  proxy = undefined
  await new Promise((resolve) => front.close(resolve))
  await Promise.all([sae.stop(), registry.stop()])
})

/** The runner's network: these names reach the emulator, these the registry; these the proxy cannot reach (502). */
async function network({ registryAt = [] as string[], unreachable = [] as string[] } = {}) {
  const saePort = sae.port
  const frontPort = (front.address() as net.AddressInfo).port
  const routes: Record<string, number> = {}
  for (const host of [
    'sae-vpc.cn-hangzhou.aliyuncs.com',
    'sae-vpc.cn-shanghai.aliyuncs.com',
    'sts-vpc.cn-hangzhou.aliyuncs.com',
    'sts-vpc.cn-shanghai.aliyuncs.com'
  ])
    routes[`${host}:443`] = saePort
  for (const host of registryAt) routes[`${host}:443`] = frontPort
  proxy = await startConnectProxy({ routes, unreachable: unreachable.map((host) => `${host}:443`) })
  return { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: CERT_FILE }
}

/** The step with the keys as inputs, and no endpoint: network decides. */
function vpcStep(extra: Record<string, string> = {}): Record<string, string> {
  const { endpoint: _endpoint, ...inputs } = stepInputs(sae, extra)
  void _endpoint
  return inputs
}

const warnings = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('::warning::'))

describe('network: vpc with namespaces in two regions', () => {
  test('STS at sts-vpc of the first namespace’s region, each namespace at its own region’s sae-vpc', async () => {
    const env = await network()
    const run = await runAction({
      inputs: vpcStep({
        network: 'vpc',
        'namespace-id': 'cn-hangzhou:prod\ncn-shanghai:prod',
        'role-to-assume': DEPLOYER
      }),
      env,
      expectMasked: () => ({
        'STS secret': sae.issuedKeys[0].accessKeySecret,
        'STS token': sae.issuedKeys[0].securityToken
      })
    })
    expect(run.errors).toEqual([])
    expect(JSON.parse(run.outputs.results)).toMatchObject({
      'cn-hangzhou:prod': { result: 'created' },
      'cn-shanghai:prod': { result: 'created' }
    })
    const where = sae
      .calls()
      .map((call) => `${call.action} ${call.query.NamespaceId ?? ''} -> ${call.headers.host}`.replace('  ', ' '))
      .sort()
    expect(where).toEqual([
      'AssumeRole -> sts-vpc.cn-hangzhou.aliyuncs.com',
      'CreateSecret cn-hangzhou:prod -> sae-vpc.cn-hangzhou.aliyuncs.com',
      'CreateSecret cn-shanghai:prod -> sae-vpc.cn-shanghai.aliyuncs.com',
      'ListSecrets cn-hangzhou:prod -> sae-vpc.cn-hangzhou.aliyuncs.com',
      'ListSecrets cn-shanghai:prod -> sae-vpc.cn-shanghai.aliyuncs.com'
    ])
    expect(warnings(run.stdout)).toEqual([])
  })

  test('an endpoint given for both regions wins, and a warning names the namespace sent to another region’s endpoint', async () => {
    const env = await network()
    const run = await runAction({
      inputs: {
        ...vpcStep({ network: 'vpc', 'namespace-id': 'cn-hangzhou:prod\ncn-shanghai:prod' }),
        endpoint: 'sae-vpc.cn-hangzhou.aliyuncs.com'
      },
      env
    })
    expect(warnings(run.stdout)).toEqual([
      "::warning::endpoint sae-vpc.cn-hangzhou.aliyuncs.com is the endpoint of cn-hangzhou, and cn-shanghai:prod is in another region; SAE answers for its own region's namespaces: " +
        'remove endpoint so that each namespace goes to its own region (network: vpc for sae-vpc), or use one step per region'
    ])
    expect(new Set(sae.calls().map((call) => call.headers.host))).toEqual(new Set(['sae-vpc.cn-hangzhou.aliyuncs.com']))
  })
})

describe('registry checks of an ACR pair: the twin this network reaches first, then the other', () => {
  test('network: vpc checks the image at the VPC domain, and the public one is never asked', async () => {
    const env = await network({ registryAt: [VPC], unreachable: [PUBLIC] })
    const run = await runAction({ inputs: vpcStep({ network: 'vpc', images: IMAGE }), env })
    expect(run.errors).toEqual([])
    expect(run.stdout).toContain(
      `Image ${IMAGE} can be pulled with the username and password inputs: HEAD /v2/shop/web/manifests/1.4.2 answered 200`
    )
    expect(proxy!.connects.map((connect) => connect.target).filter((target) => target.startsWith('registry'))).toEqual([
      `${VPC}:443`
    ])
  })

  test('network: vpc, the VPC domain unreachable: the public twin answers, and the log says so', async () => {
    const env = await network({ registryAt: [PUBLIC], unreachable: [VPC] })
    const run = await runAction({ inputs: vpcStep({ network: 'vpc', images: IMAGE }), env })
    expect(run.errors).toEqual([])
    expect(run.stdout).toContain(
      `Image ${IMAGE} can be pulled with the username and password inputs (checked at ${PUBLIC}, which answers for ${VPC}, ` +
        `after ${VPC} could not be reached (the proxy refused the tunnel (HTTP 502))): HEAD /v2/shop/web/manifests/1.4.2 answered 200`
    )
    expect(warnings(run.stdout)).toEqual([])
  })

  test('network: public (the default), the public domain unreachable: the VPC twin answers, and the login stands for both', async () => {
    const env = await network({ registryAt: [VPC], unreachable: [PUBLIC] })
    const { 'registry-domains': _domains, ...inputs } = vpcStep({ 'verify-login': 'true' })
    void _domains
    // SAE through its VPC endpoint, which the proxy reaches; the registry pair is the default one.
    const run = await runAction({ inputs: { ...inputs, endpoint: 'sae-vpc.cn-hangzhou.aliyuncs.com' }, env })
    expect(run.errors).toEqual([])
    expect(run.stdout).toContain(
      `Registry login accepted by ${VPC} (Bearer token from 127.0.0.1:${registry.tokenPort}) (it stands for ${VPC} and ${PUBLIC}), ` +
        `after ${PUBLIC} could not be reached (the proxy refused the tunnel (HTTP 502))`
    )
    expect(warnings(run.stdout)).toEqual([])
  })

  test('neither twin reachable, if-unverified: warn (the default): a warning naming both, and the Secret is written', async () => {
    const env = await network({ unreachable: [VPC, PUBLIC] })
    const run = await runAction({ inputs: vpcStep({ network: 'vpc', images: IMAGE }), env })
    expect(run.code).toBe(0)
    expect(warnings(run.stdout)).toEqual([
      `::warning::Could not check image ${IMAGE} at ${VPC} or its twin ${PUBLIC}: at ${VPC}: the proxy refused the tunnel (HTTP 502); ` +
        `at its twin ${PUBLIC}: the proxy refused the tunnel (HTTP 502); not a refusal, so it does not stop the Secret being written`
    ])
    expect(sae.calls().map((call) => call.action)).toContain('CreateSecret')
  })
})

describe('if-unverified: fail', () => {
  test('an image that could not be checked fails the step before any write, naming it and why', async () => {
    const env = await network({ unreachable: [VPC, PUBLIC] })
    const run = await runAction({ inputs: vpcStep({ network: 'vpc', images: IMAGE, 'if-unverified': 'fail' }), env })
    expect(run.code).toBe(1)
    expect(run.errors).toEqual([
      `::error::Image ${IMAGE} could not be checked (if-unverified: fail): at ${VPC}: the proxy refused the tunnel (HTTP 502); ` +
        `at its twin ${PUBLIC}: the proxy refused the tunnel (HTTP 502). Nothing was written (if-unverified: fail); ` +
        'make the registry reachable from this runner, or set if-unverified: warn to write without a verdict'
    ])
    expect(warnings(run.stdout)).toEqual([])
    expect(sae.calls().map((call) => call.action)).not.toContain('CreateSecret')
    expect(run.summary).toContain('RegistryUnverified')
  })

  test('a login that reached no verdict (a registry that is not a registry) fails it too, in a dry run as in a real one', async () => {
    const notRegistry = await startFakeRegistry({ kind: 'not-registry' })
    try {
      const inputs = vpcStep({
        'verify-login': 'true',
        'registry-domains': notRegistry.host,
        'if-unverified': 'fail',
        'dry-run': 'true'
      })
      // A dry run reads SAE as a real run does: through the VPC endpoint, which this runner reaches.
      const env = await network()
      const before = sae.calls().length
      const run = await runAction({ inputs: { ...inputs, network: 'vpc' }, env })
      expect(
        sae
          .calls()
          .slice(before)
          .map((call) => call.action)
      ).toEqual(['ListSecrets'])
      expect(run.errors).toEqual([
        `::error::The registry login for ${notRegistry.host} reached no verdict (if-unverified: fail): GET /v2/ answered HTTP 404, not the registry API's 401 challenge. ` +
          'Nothing was written (if-unverified: fail); make the registry reachable from this runner, or set if-unverified: warn to write without a verdict'
      ])
    } finally {
      await notRegistry.stop()
    }
  })
})

describe('a proxy that does not answer', () => {
  test('the registry check names the proxy, not the registry, as the SAE error of the same run does', async () => {
    const dead = await closedPort()
    const run = await runAction({
      inputs: vpcStep({ 'verify-login': 'true', 'registry-domains': 'registry.example.com', 'max-attempts': '1' }),
      env: { HTTPS_PROXY: `http://127.0.0.1:${dead}` }
    })
    expect(run.errors).toEqual([
      `::error::ListSecrets failed: NetworkError (no HTTP response): could not reach 127.0.0.1:${dead} (the proxy for sae.cn-hangzhou.aliyuncs.com): ` +
        'ECONNREFUSED (nothing listens there); check the proxy URL in HTTPS_PROXY and that the proxy runs'
    ])
    expect(warnings(run.stdout)).toEqual([
      `::warning::Could not verify the registry login for registry.example.com: the proxy 127.0.0.1:${dead} could not be reached (the registry was not): ` +
        'ECONNREFUSED (nothing listens there); check the proxy URL in HTTPS_PROXY and that the proxy runs; not a refusal, so it does not stop the Secret being written'
    ])
  })
})

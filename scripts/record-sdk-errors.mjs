// Records what `@alicloud/openapi-client` really throws for each way a call can fail, as data for
// test/unit/sae/sdk/transport-errors.test.ts: run against the local emulator, a closed port, a name that does
// not resolve, an untrusted certificate, a server that never answers and a proxy that refuses.
// `node scripts/record-sdk-errors.mjs > test/fixtures/sdk-errors.json` (on Node 24, as npm scripts run).
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { join } from 'node:path'
import * as OpenApi from '@alicloud/openapi-client'
import { startEmulator } from '../devkit/emulator/sae-emulator.mjs'
import { closedPort, startConnectProxy } from '../devkit/harness/connect-proxy.mjs'
import { ROOT } from '../devkit/harness/action-runner.mjs'

const Client = typeof OpenApi.default === 'function' ? OpenApi.default : OpenApi.default.default
const KEY = { accessKeyId: 'LTAI5tRecord', accessKeySecret: 'record-secret' }
const TLS = {
  key: readFileSync(join(ROOT, 'devkit/certs/self-signed-key.pem'), 'utf8'),
  cert: readFileSync(join(ROOT, 'devkit/certs/self-signed-cert.pem'), 'utf8')
}
const version = JSON.parse(
  readFileSync(join(ROOT, 'node_modules/@alicloud/openapi-client/package.json'), 'utf8')
).version

/** One CreateSecret through the official client; resolves with what it threw. */
async function failure(endpoint, protocol, runtime = {}, agent) {
  const httpx = (await import('httpx')).default
  const send = httpx.request
  if (agent) httpx.request = (url, opts = {}) => send(url, { ...opts, agent })
  try {
    const client = new Client(new OpenApi.Config({ endpoint, protocol, ...KEY }))
    await client.callApi(
      new OpenApi.Params({
        action: 'CreateSecret',
        version: '2019-05-06',
        protocol: protocol.toUpperCase(),
        pathname: '/pop/v1/sam/secret/secret',
        method: 'POST',
        authType: 'AK',
        style: 'ROA',
        reqBodyType: 'json',
        bodyType: 'json'
      }),
      new OpenApi.OpenApiRequest({
        query: {
          NamespaceId: 'cn-hangzhou:prod',
          SecretName: 'registry-auth',
          SecretType: 'kubernetes.io/dockerconfigjson',
          SecretData: '{"SecretData":"{}"}'
        }
      }),
      { autoretry: false, readTimeout: 1000, connectTimeout: 1000, ...runtime }
    )
    return undefined
  } catch (error) {
    return error
  } finally {
    httpx.request = send
  }
}

/** The fields a decoder may read, and the class, so a test can rebuild the object. */
function record(error) {
  const { name, message, code, statusCode, data, hostname, address, port, errno, syscall } = error
  return JSON.parse(
    JSON.stringify({
      class: error.constructor.name,
      name,
      message,
      code,
      statusCode,
      data,
      hostname,
      address,
      port,
      errno,
      syscall
    })
  )
}

const cases = {}
const sae = await startEmulator({ keys: [KEY], namespaces: ['cn-hangzhou:prod'] })
const host = new URL(sae.origin).host
for (const [name, fault] of Object.entries({
  'JSON 400 (an API refusal)': {
    kind: 'error',
    status: 400,
    code: 'InvalidParameter.WithMessage',
    message: 'SecretName is too long'
  },
  'JSON 404': {
    kind: 'error',
    status: 404,
    code: 'InvalidNamespaceId.NotFound',
    message: 'The namespace does not exist.'
  },
  'JSON 500 (SAE fault)': { kind: 'rpc-error' },
  'JSON 503 throttled': { kind: 'throttle', status: 503, code: 'Throttling.User' },
  'HTML 414 from a gateway': { kind: 'html-414' },
  'HTML 502 from a gateway': { kind: 'html-502' }
})) {
  sae.inject({ action: 'CreateSecret', ...fault })
  cases[name] = record(await failure(host, 'http'))
}
await sae.stop()

// An empty body with an error status: a gateway that says nothing.
const empty = http.createServer((req, res) => {
  req.resume()
  res.writeHead(502)
  res.end()
})
await new Promise((resolve) => empty.listen(0, '127.0.0.1', resolve))
cases['empty 502'] = record(await failure(`127.0.0.1:${empty.address().port}`, 'http'))
empty.close()

cases['ECONNREFUSED'] = record(await failure(`127.0.0.1:${await closedPort()}`, 'http'))
cases['ENOTFOUND'] = record(await failure('sae.cn-hangzou.invalid', 'http'))

const untrusted = https.createServer(TLS, (req, res) => res.end('{}'))
await new Promise((resolve) => untrusted.listen(0, '127.0.0.1', resolve))
cases['untrusted certificate'] = record(await failure(`localhost:${untrusted.address().port}`, 'https'))
untrusted.close()

const silent = http.createServer(() => {})
await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve))
cases['read timeout'] = record(await failure(`127.0.0.1:${silent.address().port}`, 'http', { readTimeout: 200 }))
silent.closeAllConnections()
silent.close()

for (const status of [407, 403, 502]) {
  const proxy = await startConnectProxy(status === 502 ? {} : { refuse: status })
  const agent = new https.Agent({ proxyEnv: { HTTPS_PROXY: proxy.url } })
  const target = status === 502 ? `localhost:${await closedPort()}` : 'localhost:443'
  cases[`proxy answers ${status} to CONNECT`] = record(await failure(target, 'https', {}, agent))
  agent.destroy()
  await proxy.stop()
}

process.stdout.write(
  `${JSON.stringify({ source: `@alicloud/openapi-client ${version} on Node ${process.versions.node}, recorded by scripts/record-sdk-errors.mjs`, cases }, null, 2)}\n`
)

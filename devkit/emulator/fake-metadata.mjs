// A stand-in for the ECS instance metadata service (http://100.100.100.200) as far as an instance's
// RAM role goes, in its hardened mode (IMDSv2, docs/sae-api.md): `PUT /latest/api/token` with
// `X-aliyun-ecs-metadata-token-ttl-seconds` gives a session token; with that token in
// `X-aliyun-ecs-metadata-token`, `GET /latest/meta-data/ram/security-credentials/` names the role and
// `GET …/security-credentials/<role>` gives its temporary key. It listens on loopback, or on
// 100.100.100.200:80 inside a test's own network namespace. Every request is recorded (method,
// path, which metadata headers came; never a header's value).
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'

export const METADATA_ADDRESS = '100.100.100.200'
const ROLE_PATH = '/latest/meta-data/ram/security-credentials/'

/**
 * @param {object} [options]
 * @param {string} [options.host] 127.0.0.1 (default), or METADATA_ADDRESS inside a network namespace of a test's own
 * @param {number} [options.port] 0: any free port
 * @param {string} [options.roleName] the role attached to the "instance"; '' for none (the role-name GET answers 404)
 * @param {{accessKeyId: string, accessKeySecret: string, securityToken: string}} [options.key] the role's
 *   temporary key (default: a new random one; register it with the SAE emulator's addKey)
 * @param {'hardened' | 'no-token' | 'hang' | 'huge' | 'failed' | 'server-error'} [options.mode]
 *   hardened (default): as above; no-token: PUT /latest/api/token answers 404 (a service without IMDSv2);
 *   hang: accepts, reads, never answers; huge: the key document is 2 MiB; failed: its Code is not
 *   Success; server-error: the key GET answers 500
 */
export async function startFakeMetadata({
  host = '127.0.0.1',
  port = 0,
  roleName = 'ci-runner',
  key,
  mode = 'hardened'
} = {}) {
  const roleKey = key ?? {
    accessKeyId: `STS.${randomBytes(10).toString('hex')}`,
    accessKeySecret: randomBytes(20).toString('base64url'),
    securityToken: `CAIS${randomBytes(48).toString('base64')}`
  }
  const sessionToken = `imds-${randomBytes(24).toString('base64url')}`
  /** @type {Array<{method: string, path: string, ttl: boolean, token: 'none' | 'valid' | 'wrong', status: number}>} */
  const requests = []
  const sockets = new Set()

  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const given = req.headers['x-aliyun-ecs-metadata-token']
      const record = {
        method: req.method,
        path: req.url,
        ttl: req.headers['x-aliyun-ecs-metadata-token-ttl-seconds'] !== undefined,
        token: given === undefined ? 'none' : given === sessionToken ? 'valid' : 'wrong',
        status: 0
      }
      requests.push(record)
      if (mode === 'hang') return
      const send = (status, body, type = 'text/plain') => {
        record.status = status
        res.writeHead(status, { 'content-type': type })
        res.end(body)
      }
      if (req.method === 'PUT' && req.url === '/latest/api/token') {
        if (mode === 'no-token') return send(404, 'Not Found')
        const ttl = Number(req.headers['x-aliyun-ecs-metadata-token-ttl-seconds'])
        if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return send(400, 'Bad Request')
        return send(200, sessionToken)
      }
      if (req.method !== 'GET') return send(405, 'Method Not Allowed')
      if (mode !== 'no-token' && record.token !== 'valid') return send(401, 'Unauthorized')
      if (req.url === ROLE_PATH) return roleName === '' ? send(404, 'Not Found') : send(200, roleName)
      if (roleName === '' || req.url !== `${ROLE_PATH}${encodeURIComponent(roleName)}`) return send(404, 'Not Found')
      if (mode === 'server-error') return send(500, 'Internal Server Error')
      const document = {
        AccessKeyId: roleKey.accessKeyId,
        AccessKeySecret: roleKey.accessKeySecret,
        Expiration: new Date(Date.now() + 6 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
        SecurityToken: roleKey.securityToken,
        LastUpdated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        Code: mode === 'failed' ? 'Failed' : 'Success',
        ...(mode === 'huge' ? { Padding: 'a'.repeat(2 * 1024 * 1024) } : {})
      }
      send(200, JSON.stringify(document), 'application/json')
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  return {
    host,
    port: address.port,
    /** host:port, for the test-only redirect of devkit/harness/metadata-address.mjs. */
    address: `${host}:${address.port}`,
    roleName,
    /** The role's temporary key, which the SAE emulator must know (addKey) to accept it. */
    key: roleKey,
    /** The session token it hands out: a credential too, for leak scans. */
    sessionToken,
    requests,
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(() => resolve()))
    }
  }
}

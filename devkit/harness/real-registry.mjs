// The CNCF distribution registry (Debian's docker-registry, 2.8.2) on loopback, for tests that must
// meet the registry users meet: its own Basic challenge over a bcrypt htpasswd file, or its own
// `auth: token` verifying JWTs from our token service (devkit/harness/token-service.mjs). Each start
// gets a fresh temp dir (config, htpasswd, storage), removed on stop. Images are pushed through the
// registry API, no Docker needed.
import { execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { requirePeer } from './peers.mjs'
import { freePort } from './ports.mjs'
import { SIGNING_CERT_FILE, startTokenService } from './token-service.mjs'

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip'
}

/** What a pull asks for, as SPEC's image check sends it (Release 3, "Image checks"). */
export const PULL_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  'application/vnd.docker.distribution.manifest.list.v2+json',
  MEDIA_TYPES.dockerManifest
].join(', ')

const SERVICE = 'sae-test-registry'
const ISSUER = 'sae-test-token-service'
const START_ATTEMPTS = 5
const STOP_GRACE_MS = 3000

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** A one-file ustar archive (POSIX.1-1988 header), so the layer is a real tar.gz a runtime could unpack. */
function tarOf(name, content) {
  const header = Buffer.alloc(512)
  const field = (offset, length, value) => header.write(value, offset, length, 'ascii')
  field(0, 100, name)
  field(100, 8, '0000644\0')
  field(108, 8, '0000000\0')
  field(116, 8, '0000000\0')
  field(124, 12, `${content.length.toString(8).padStart(11, '0')}\0`)
  field(136, 12, '00000000000\0')
  field(148, 8, '        ')
  field(156, 1, '0')
  field(257, 6, 'ustar\0')
  field(263, 2, '00')
  let checksum = 0
  for (const byte of header) checksum += byte
  field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `)
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512)
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)])
}

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
function parseChallenge(header) {
  const match = /^(\w+)\s*(.*)$/.exec(header ?? '')
  if (!match) return undefined
  const params = {}
  for (const [, key, value] of match[2].matchAll(/(\w+)="([^"]*)"/g)) params[key] = value
  return { scheme: match[1].toLowerCase(), params }
}

/** One HTTP exchange on a fresh connection (no keep-alive left to hold a test open). */
function exchange(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const req = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) },
        agent: false
      },
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      }
    )
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * A registry client for one user, as docker's is: it answers the registry's challenge (Basic, or a
 * token from the realm for the scope the challenge names), retries once, and reuses what worked.
 * @param {string} origin `http://127.0.0.1:port`
 */
export function registryClient(origin, username, password) {
  const basic = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`
  let basicChallenged = false
  /** @type {Map<string, string>} scope → `Bearer …` */
  const bearerByScope = new Map()
  /** @type {Map<string, string>} repository → the scope of the token last used for it */
  const scopeByRepository = new Map()
  /** @type {Array<{scope?: string, status: number}>} the token requests it made */
  const tokenRequests = []

  async function bearerFor(challenge) {
    const realm = new URL(challenge.params.realm)
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service)
    if (challenge.params.scope) realm.searchParams.set('scope', challenge.params.scope)
    realm.searchParams.set('account', username)
    const answer = await exchange(realm.href, { headers: { authorization: basic } })
    tokenRequests.push({ scope: challenge.params.scope, status: answer.status })
    if (answer.status !== 200) return undefined
    const { token, access_token: accessToken } = JSON.parse(answer.body.toString('utf8'))
    return `Bearer ${token ?? accessToken}`
  }

  return {
    tokenRequests,
    /**
     * @param {string} method
     * @param {string} path `/v2/…`, or an absolute URL the registry gave (an upload Location)
     * @param {{headers?: Record<string, string>, body?: Buffer}} [options]
     */
    async request(method, path, options = {}) {
      const url = new URL(path, origin)
      const repository = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(url.pathname)?.[1] ?? ''
      const usedScope = scopeByRepository.get(repository)
      const first = basicChallenged ? basic : usedScope !== undefined ? bearerByScope.get(usedScope) : undefined
      const send = (authorization) =>
        exchange(url.href, {
          method,
          headers: { ...options.headers, ...(authorization ? { authorization } : {}) },
          body: options.body
        })
      const answer = await send(first)
      if (answer.status !== 401) return answer
      const challenge = parseChallenge(answer.headers['www-authenticate'])
      if (challenge?.scheme === 'basic') {
        if (first === basic) return answer
        basicChallenged = true
        return send(basic)
      }
      if (challenge?.scheme !== 'bearer') return answer
      const scope = challenge.params.scope ?? ''
      // A token for exactly this scope was refused: that is the registry's answer, not a reason to ask again.
      if (first !== undefined && usedScope === scope) return answer
      const authorization = bearerByScope.get(scope) ?? (await bearerFor(challenge))
      if (!authorization) return answer
      bearerByScope.set(scope, authorization)
      scopeByRepository.set(repository, scope)
      return send(authorization)
    }
  }
}

/**
 * Starts the registry on 127.0.0.1 and a free port.
 * @param {object} [options]
 * @param {'htpasswd' | 'token'} [options.auth] htpasswd: every user may pull and push everything
 *   (distribution's htpasswd has no rights per repository); token: rights per user and repository
 * @param {Record<string, {password: string, pull?: string[]}>} [options.users] who may log in;
 *   `pull` (token mode only) lists the repositories each may pull, absent meaning every one
 */
export async function startRealRegistry(options = {}) {
  const auth = options.auth ?? 'htpasswd'
  const users = options.users ?? { robot: { password: 'reg1stry-pa55' } }
  if (auth === 'htpasswd' && Object.values(users).some((user) => user.pull !== undefined)) {
    throw new Error(
      'per-repository pull rights need auth: token; distribution htpasswd lets every user pull everything'
    )
  }
  const registryBinary = requirePeer('docker-registry')
  const htpasswdBinary = auth === 'htpasswd' ? requirePeer('htpasswd') : undefined
  // The harness pushes as its own user, so the tests' users keep exactly the rights they are given.
  const pusher = { username: 'harness-pusher', password: randomBytes(12).toString('hex') }

  const dir = mkdtempSync(join(tmpdir(), 'sae-registry-'))
  let tokenService
  let child
  /** Every line the registry printed (its JSON log and its access log), in order. */
  const logs = []
  try {
    let authSection
    if (auth === 'token') {
      tokenService = await startTokenService({
        service: SERVICE,
        issuer: ISSUER,
        users: { ...users, [pusher.username]: { password: pusher.password, push: true } }
      })
      authSection = {
        token: { realm: tokenService.realm, service: SERVICE, issuer: ISSUER, rootcertbundle: SIGNING_CERT_FILE }
      }
    } else {
      // bcrypt, the only hash distribution's htpasswd accepts; read from stdin, so no password is in a process list.
      const lines = [...Object.entries(users), [pusher.username, { password: pusher.password }]].map(
        ([username, user]) =>
          execFileSync(htpasswdBinary, ['-nBi', username], { input: user.password, encoding: 'utf8' }).trim()
      )
      writeFileSync(join(dir, 'htpasswd'), `${lines.join('\n')}\n`)
      authSection = { htpasswd: { realm: 'sae-test-registry', path: join(dir, 'htpasswd') } }
    }

    let port
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      writeFileSync(join(dir, 'config.yml'), configYaml({ port, storage: join(dir, 'storage'), auth: authSection }))
      const started = await launch(registryBinary, join(dir, 'config.yml'), port, logs)
      if (started.child) {
        child = started.child
        break
      }
      if (!started.portTaken || attempt === START_ATTEMPTS)
        throw new Error(`docker-registry did not start: ${started.reason}\n${logs.slice(-10).join('\n')}`)
    }

    const origin = `http://127.0.0.1:${port}`
    const host = `127.0.0.1:${port}`
    const pusherClient = registryClient(origin, pusher.username, pusher.password)
    const stopChild = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')
    process.once('exit', stopChild)

    return {
      auth,
      host,
      port,
      origin,
      /** Its temp dir (config, htpasswd, storage), gone after stop. */
      dir,
      service: auth === 'token' ? SERVICE : undefined,
      realm: tokenService?.realm,
      tokenPort: tokenService?.port,
      /** What the token service was asked (user, scopes, status, what it granted), in token mode. */
      tokenRequests: tokenService?.requests ?? [],
      /** Every token the token service issued, for leak scans. */
      tokens: tokenService?.tokens ?? [],
      /** A JWT the registry will check, for tests of the registry's own verification (token mode). */
      mintToken: tokenService?.mintToken,
      logs,
      /** The registry's access-log lines (`"HEAD /v2/… HTTP/1.1" 200 …`), parsed. */
      accessLog() {
        return logs.flatMap((line) => {
          const match = /^\S+ - (\S+) \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) (\d+|-)/.exec(line)
          return match ? [{ user: match[1], method: match[2], path: match[3], status: Number(match[4]), line }] : []
        })
      },
      /** The registry's JSON log entries (its messages: errors with `err.code`, `auth.user.name`, …). */
      entries() {
        return logs.flatMap((line) => {
          if (!line.startsWith('{')) return []
          try {
            return [JSON.parse(line)]
          } catch {
            return []
          }
        })
      },
      /**
       * Waits until a log line matches (the registry writes it about when it answers, and the pipe
       * brings it a moment later); the lines so far, whether or not one matched in time.
       * @param {(line: string) => boolean} matches
       */
      async logged(matches, timeoutMs = 5000) {
        const deadline = Date.now() + timeoutMs
        while (!logs.some(matches) && Date.now() < deadline) await sleep(20)
        return [...logs]
      },
      client(username, password) {
        return registryClient(origin, username, password)
      },
      /**
       * Pushes a small image (a one-file tar.gz layer, a config, a manifest) and tags it.
       * @param {string} repository e.g. `shop/web`
       * @param {string} tag e.g. `1.4.2`
       * @param {{format?: 'oci' | 'docker' | 'oci-index'}} [pushOptions] `oci-index`: an image index
       *   under the tag, over one linux/amd64 OCI manifest pushed by digest
       * @returns {Promise<{repository: string, tag: string, digest: string, mediaType: string, manifestDigest: string, reference: string, pinned: string}>}
       *   `digest` as the registry answered it (Docker-Content-Digest) for the tag; `manifestDigest`
       *   the image manifest's (the same but for an index)
       */
      async push(repository, tag, pushOptions = {}) {
        const format = pushOptions.format ?? 'oci'
        const image = await pushImage(pusherClient, repository, tag, format === 'docker' ? 'docker' : 'oci')
        let digest = image.digest
        let mediaType = image.mediaType
        if (format === 'oci-index') {
          const index = Buffer.from(
            JSON.stringify({
              schemaVersion: 2,
              mediaType: MEDIA_TYPES.ociIndex,
              manifests: [
                {
                  mediaType: MEDIA_TYPES.ociManifest,
                  digest: image.digest,
                  size: image.size,
                  platform: { architecture: 'amd64', os: 'linux' }
                }
              ]
            })
          )
          digest = await putManifest(pusherClient, repository, tag, MEDIA_TYPES.ociIndex, index)
          mediaType = MEDIA_TYPES.ociIndex
        } else {
          await putManifest(pusherClient, repository, tag, image.mediaType, image.bytes)
        }
        return {
          repository,
          tag,
          digest,
          mediaType,
          manifestDigest: image.digest,
          reference: `${host}/${repository}:${tag}`,
          pinned: `${host}/${repository}@${digest}`
        }
      },
      /** Stops the registry (and its token service) and removes its temp dir. */
      async stop() {
        process.off('exit', stopChild)
        await stopProcess(child)
        await tokenService?.stop()
        rmSync(dir, { recursive: true, force: true })
      }
    }
  } catch (error) {
    if (child) await stopProcess(child)
    await tokenService?.stop()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

function configYaml({ port, storage, auth }) {
  // JSON is YAML: every value quoted exactly, whatever the temp path holds.
  return `${JSON.stringify(
    {
      version: 0.1,
      log: { level: 'info', formatter: 'json', accesslog: { disabled: false } },
      storage: {
        filesystem: { rootdirectory: storage },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } }
      },
      http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex') },
      auth
    },
    null,
    2
  )}\n`
}

/** Runs `docker-registry serve` until it says it listens (or exits); its lines go to `logs`. */
function launch(binary, config, port, logs) {
  return new Promise((resolve) => {
    // A clean environment: REGISTRY_* variables of the caller would override the config.
    const child = spawn(binary, ['serve', config], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let settled = false
    const settle = (value) => {
      if (settled) return
      settled = true
      resolve(value)
    }
    const onLine = (line) => {
      logs.push(line)
      if (line.includes(`listening on 127.0.0.1:${port}`)) settle({ child })
    }
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk) => {
        buffered += chunk
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        for (const line of lines) if (line) onLine(line)
      })
    }
    child.on('error', (error) => settle({ reason: error.message, portTaken: false }))
    child.on('exit', (code, signal) => {
      const portTaken = logs.some((line) => line.includes('address already in use'))
      settle({ reason: `exited with ${signal ?? code}`, portTaken })
    })
  })
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
  await exited
  clearTimeout(timer)
}

async function expectStatus(answer, status, what) {
  if (answer.status !== status)
    throw new Error(`${what}: HTTP ${answer.status} ${answer.body.toString('utf8').slice(0, 300)}`)
  return answer
}

/** Uploads a blob: monolithic (POST, then PUT with the bytes) or chunked (POST, PATCH, empty PUT). */
async function pushBlob(client, repository, bytes, mode) {
  const digest = sha256(bytes)
  const started = await expectStatus(
    await client.request('POST', `/v2/${repository}/blobs/uploads/`),
    202,
    `POST blobs/uploads for ${repository}`
  )
  let location = new URL(started.headers.location, 'http://placeholder')
  if (mode === 'chunked') {
    const patched = await expectStatus(
      await client.request('PATCH', started.headers.location, {
        headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${bytes.length - 1}` },
        body: bytes
      }),
      202,
      `PATCH blob upload for ${repository}`
    )
    location = new URL(patched.headers.location, 'http://placeholder')
  }
  location.searchParams.set('digest', digest)
  const path = `${location.pathname}${location.search}`
  const body = mode === 'chunked' ? undefined : bytes
  const put = await expectStatus(
    await client.request('PUT', path, {
      headers: { 'content-type': 'application/octet-stream', ...(body ? {} : { 'content-length': '0' }) },
      body
    }),
    201,
    `PUT blob for ${repository}`
  )
  if (put.headers['docker-content-digest'] !== digest)
    throw new Error(`registry stored blob ${put.headers['docker-content-digest']}, expected ${digest}`)
  return { digest, size: bytes.length }
}

/** PUT a manifest under a tag or digest; the digest the registry computed (and we check). */
async function putManifest(client, repository, reference, mediaType, bytes) {
  const answer = await expectStatus(
    await client.request('PUT', `/v2/${repository}/manifests/${reference}`, {
      headers: { 'content-type': mediaType },
      body: bytes
    }),
    201,
    `PUT manifest ${repository}:${reference}`
  )
  const digest = answer.headers['docker-content-digest']
  if (digest !== sha256(bytes))
    throw new Error(`registry answered digest ${digest} for a manifest whose sha256 is ${sha256(bytes)}`)
  return digest
}

/** The layer and config of an image, then its manifest by digest (not yet tagged). */
async function pushImage(client, repository, tag, flavour) {
  const types =
    flavour === 'docker'
      ? { manifest: MEDIA_TYPES.dockerManifest, config: MEDIA_TYPES.dockerConfig, layer: MEDIA_TYPES.dockerLayer }
      : { manifest: MEDIA_TYPES.ociManifest, config: MEDIA_TYPES.ociConfig, layer: MEDIA_TYPES.ociLayer }
  // The image names itself, so every repository:tag has its own digests.
  const tar = tarOf('image.txt', Buffer.from(`${repository}:${tag}\n`))
  const layer = gzipSync(tar)
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] }
    })
  )
  const layerBlob = await pushBlob(client, repository, layer, 'monolithic')
  const configBlob = await pushBlob(client, repository, config, 'chunked')
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: types.manifest,
      config: { mediaType: types.config, digest: configBlob.digest, size: configBlob.size },
      layers: [{ mediaType: types.layer, digest: layerBlob.digest, size: layerBlob.size }]
    })
  )
  const digest = await putManifest(client, repository, sha256(bytes), types.manifest, bytes)
  return { digest, mediaType: types.manifest, size: bytes.length, bytes }
}

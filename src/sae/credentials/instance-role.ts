// The ECS instance's RAM role, from the metadata service at http://100.100.100.200, in its hardened
// mode as Alibaba's credentials library asks it (docs/sae-api.md, "The ECS metadata service"): a
// session token (PUT /latest/api/token), the role's name, the role's temporary key. Our own small
// client rather than @alicloud/credentials' provider, whose one timeout bounds connecting and
// silence alike and whose answers are read whole (the measurements are in docs/sae-api.md):
// - nothing there (refused, no route, no connection within a second) is `MetadataAbsent`, so the
//   chain ends in the "no credentials" error at once, as on a GitHub-hosted runner;
// - once connected, the service has until the step's deadline (timeout-seconds) to answer, each
//   answer at most 1 MiB; anything else is an error that names the metadata service, never a body;
// - a direct agent (connections.ts `metadata`), never a proxy; the session token and the key are
//   masked the moment they arrive.
import type http from 'node:http'
import { request } from 'node:http'
import { CredentialsError } from '../../domain/errors.js'
import { METADATA_SERVICE_ADDRESS } from '../../domain/hosts.js'
import type { AccessKey } from '../../domain/model.js'
import { RAM_ROLE_NAME } from '../../inputs/credential-source.js'
import { describeSystemError } from '../../network/system-errors.js'
import { MAX_ANSWER_BYTES } from '../sdk/transport-errors.js'

const ROLE_PATH = '/latest/meta-data/ram/security-credentials/'
/** As @alicloud/credentials asks (6 hours, the most the service grants); the token is used once, for this step. */
const TOKEN_TTL_SECONDS = '21600'
/** Where nothing answers SYNs, how long connecting may take before the service counts as absent. */
export const CONNECT_TIMEOUT_MS = 1000
/** Connecting failed: nothing listens, or no route to the address. */
const NOT_THERE = new Set(['ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL'])

export interface MetadataDeps {
  /** A direct agent (never a proxy), closed with the run's connections. */
  agent: http.Agent
  /** Epoch ms by which the service must have answered (timeout-seconds, shared with every call of the step). */
  deadline: number
  now(): number
  /** Registers a secret before anything can print it. */
  mask(value: string): void
  /** The service's address: 100.100.100.200:80, or a loopback fake in unit tests. */
  host?: string
  port?: number
  connectTimeoutMs?: number
}

/** The service is not there: nothing listens at its address, or nothing answers in time to connect. */
export class MetadataAbsent extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'MetadataAbsent'
  }
}

export interface InstanceRoleKey {
  roleName: string
  key: AccessKey
}

const SERVICE = `The ECS metadata service (http://${METADATA_SERVICE_ADDRESS})`

/**
 * The instance role's temporary key. `roleName` (ALIBABA_CLOUD_ECS_METADATA) skips asking for it.
 * Throws MetadataAbsent when nothing is there, or when the instance has no RAM role attached;
 * a CredentialsError naming the service when it answered, but not with a key.
 */
export async function fetchInstanceRole(roleName: string | undefined, deps: MetadataDeps): Promise<InstanceRoleKey> {
  const token = await ask(deps, 'PUT', '/latest/api/token', {
    'x-aliyun-ecs-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS
  })
  if (token.status !== 200 || token.body.trim() === '') {
    throw new CredentialsError(
      `${SERVICE} answered HTTP ${token.status} to the session-token request (PUT /latest/api/token): this action uses the ` +
        'hardened mode (IMDSv2) only; set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true to skip the instance role, or give credentials another way'
    )
  }
  const session = token.body.trim()
  deps.mask(session)
  const headers = { 'x-aliyun-ecs-metadata-token': session }
  const role = roleName ?? (await attachedRole(deps, headers))
  const answer = await ask(deps, 'GET', `${ROLE_PATH}${encodeURIComponent(role)}`, headers)
  const where = `The ECS instance role '${role}'`
  if (answer.status !== 200) throw new CredentialsError(`${where}: the metadata service answered HTTP ${answer.status}`)
  let document: Record<string, unknown>
  try {
    document = JSON.parse(answer.body) as Record<string, unknown>
  } catch {
    throw new CredentialsError(`${where}: the metadata service's answer is not JSON`)
  }
  const [accessKeyId, accessKeySecret, securityToken] = ['AccessKeyId', 'AccessKeySecret', 'SecurityToken'].map(
    (name) => (typeof document?.[name] === 'string' ? (document[name] as string) : '')
  )
  // Masked before anything else is done with them, whatever the rest of the answer says.
  deps.mask(accessKeySecret)
  deps.mask(securityToken)
  if (document?.Code !== 'Success' || !accessKeyId || !accessKeySecret || !securityToken) {
    const code =
      typeof document?.Code === 'string' && /^[\w.-]{1,40}$/.test(document.Code) ? ` (Code ${document.Code})` : ''
    throw new CredentialsError(`${where}: the metadata service answered without a key${code}`)
  }
  return { roleName: role, key: { accessKeyId, accessKeySecret, securityToken } }
}

/** The role attached to the instance: the first line of the listing; none attached is MetadataAbsent (no credentials here). */
async function attachedRole(deps: MetadataDeps, headers: Record<string, string>): Promise<string> {
  const answer = await ask(deps, 'GET', ROLE_PATH, headers)
  if (answer.status === 404) {
    throw new MetadataAbsent('the metadata service answers, but this instance has no RAM role attached')
  }
  if (answer.status !== 200) throw new CredentialsError(`${SERVICE} answered HTTP ${answer.status} to ${ROLE_PATH}`)
  const name = answer.body.trim().split('\n')[0]?.trim() ?? ''
  if (!RAM_ROLE_NAME.test(name)) throw new CredentialsError(`${SERVICE} named no usable role at ${ROLE_PATH}`)
  return name
}

interface MetadataAnswer {
  status: number
  body: string
}

/** One request: connecting bounded by the connect timeout, the whole exchange by the deadline, the answer by 1 MiB. */
function ask(
  deps: MetadataDeps,
  method: 'GET' | 'PUT',
  path: string,
  headers: Record<string, string>
): Promise<MetadataAnswer> {
  const left = deps.deadline - deps.now()
  const what = `${method} ${path}`
  if (left <= 0) return Promise.reject(silent(what))
  return new Promise((resolve, reject) => {
    let connected = false
    let settled = false
    const finish = (outcome: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(connectTimer)
      clearTimeout(deadlineTimer)
      outcome()
    }
    const fail = (error: Error) => finish(() => reject(error))
    const req = request({
      host: deps.host ?? METADATA_SERVICE_ADDRESS,
      port: deps.port ?? 80,
      method,
      path,
      agent: deps.agent,
      headers: { ...headers, ...(method === 'PUT' ? { 'content-length': '0' } : {}) }
    })
    const connectTimer = setTimeout(
      () => {
        if (connected) return
        fail(new MetadataAbsent(`nothing answered within ${(deps.connectTimeoutMs ?? CONNECT_TIMEOUT_MS) / 1000} s`))
        req.destroy()
      },
      Math.min(deps.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, left)
    )
    const deadlineTimer = setTimeout(() => {
      fail(connected ? silent(what) : new MetadataAbsent('nothing answered before the step ran out of time'))
      req.destroy()
    }, left)
    req.on('socket', (socket) => {
      // A kept-alive socket is connected already; a new one says so when it is.
      if (!socket.connecting && socket.remoteAddress !== undefined) connected = true
      else socket.once('connect', () => (connected = true))
    })
    req.on('response', (response) => {
      connected = true
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk)
        else {
          fail(new CredentialsError(`${SERVICE}'s answer to ${what} is larger than 1 MiB; it was not read further`))
          req.destroy()
        }
      })
      response.on('end', () =>
        finish(() => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      )
      response.on('error', (error) => fail(lost(error, what)))
    })
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? ''
      if (!connected && NOT_THERE.has(code)) fail(new MetadataAbsent(`connecting failed: ${describeSystemError(code)}`))
      else fail(lost(error, what))
    })
    req.end()
  })
}

function silent(what: string): CredentialsError {
  return new CredentialsError(
    `${SERVICE} accepted the connection but did not answer ${what} within timeout-seconds; ` +
      'check the instance (or set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true and give credentials another way)'
  )
}

function lost(error: NodeJS.ErrnoException, what: string): CredentialsError {
  const code = /^[A-Z0-9_]+$/.test(error.code ?? '') ? describeSystemError(error.code!) : 'the connection failed'
  return new CredentialsError(`${SERVICE} failed during ${what}: ${code}`)
}

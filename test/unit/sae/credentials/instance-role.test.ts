// The metadata client against the fake metadata service on loopback (host and port are parameters,
// so no test here comes near 100.100.100.200; test/e2e/runner-in-alibaba-cloud.test.ts runs the
// bundle against the real address inside a network namespace of its own).
import { afterEach, describe, expect, test } from '@jest/globals'
import http from 'node:http'
import net from 'node:net'
import { CredentialsError } from '../../../../src/domain/errors.js'
import { fetchInstanceRole, MetadataAbsent, type MetadataDeps } from '../../../../src/sae/credentials/instance-role.js'
import { startFakeMetadata } from '../../../../devkit/emulator/fake-metadata.mjs'
import { closedPort } from '../../../../devkit/emulator/fake-registry.mjs'

type Fake = Awaited<ReturnType<typeof startFakeMetadata>>
const started: Fake[] = []
const agents: http.Agent[] = []
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy()
  await Promise.all(started.splice(0).map((fake) => fake.stop()))
})

async function fake(options: Parameters<typeof startFakeMetadata>[0] = {}): Promise<Fake> {
  const service = await startFakeMetadata(options)
  started.push(service)
  return service
}

function deps(port: number, overrides: Partial<MetadataDeps> = {}): MetadataDeps & { masked: string[] } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  agents.push(agent)
  const masked: string[] = []
  return {
    masked,
    agent,
    host: '127.0.0.1',
    port,
    deadline: Date.now() + 30_000,
    now: () => Date.now(),
    mask: (value) => masked.push(value),
    ...overrides
  }
}

describe('a metadata service that gives the role’s key', () => {
  test('token, role name, key: three requests in order, each token-bearing GET with the session token', async () => {
    const service = await fake()
    const d = deps(service.port)
    const found = await fetchInstanceRole(undefined, d)
    expect(found).toEqual({ roleName: 'ci-runner', key: service.key })
    expect(service.requests).toEqual([
      { method: 'PUT', path: '/latest/api/token', ttl: true, token: 'none', status: 200 },
      { method: 'GET', path: '/latest/meta-data/ram/security-credentials/', ttl: false, token: 'valid', status: 200 },
      {
        method: 'GET',
        path: '/latest/meta-data/ram/security-credentials/ci-runner',
        ttl: false,
        token: 'valid',
        status: 200
      }
    ])
  })

  test('the session token, the secret and the security token are masked as they arrive', async () => {
    const service = await fake()
    const d = deps(service.port)
    await fetchInstanceRole(undefined, d)
    expect(d.masked).toEqual([service.sessionToken, service.key.accessKeySecret, service.key.securityToken])
  })

  test('a role named by ALIBABA_CLOUD_ECS_METADATA is asked for directly: two requests', async () => {
    const service = await fake({ roleName: 'named-role' })
    const found = await fetchInstanceRole('named-role', deps(service.port))
    expect(found.roleName).toBe('named-role')
    expect(service.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'PUT /latest/api/token',
      'GET /latest/meta-data/ram/security-credentials/named-role'
    ])
  })

  test('one connection for the three requests (keep-alive on the direct agent)', async () => {
    const service = await fake()
    const d = deps(service.port)
    const connections: net.Socket[] = []
    d.agent.on('free', () => undefined)
    const created = d.agent.createConnection.bind(d.agent)
    d.agent.createConnection = ((options: object, callback: () => void) => {
      const socket = created(options, callback) as net.Socket
      connections.push(socket)
      return socket
    }) as typeof d.agent.createConnection
    await fetchInstanceRole(undefined, d)
    expect(connections).toHaveLength(1)
  })
})

describe('nothing there: MetadataAbsent, so the chain ends in the "no credentials" error', () => {
  test('nothing listens (ECONNREFUSED)', async () => {
    const failure = fetchInstanceRole(undefined, deps(await closedPort()))
    await expect(failure).rejects.toEqual(new MetadataAbsent('connecting failed: ECONNREFUSED (nothing listens there)'))
  })

  test('no connection within the connect timeout (SYNs dropped): a socket that never connects', async () => {
    class NeverConnects extends http.Agent {
      override createConnection(): net.Socket {
        // What a dropped SYN leaves: a socket still connecting, its request waiting to be written.
        return Object.assign(new net.Socket(), { connecting: true })
      }
    }
    const agent = new NeverConnects()
    agents.push(agent)
    const failure = fetchInstanceRole(undefined, { ...deps(1), agent, connectTimeoutMs: 20 })
    await expect(failure).rejects.toEqual(new MetadataAbsent('nothing answered within 0.02 s'))
  })

  test('an instance without a RAM role (404 for the role listing)', async () => {
    const service = await fake({ roleName: '' })
    await expect(fetchInstanceRole(undefined, deps(service.port))).rejects.toEqual(
      new MetadataAbsent('the metadata service answers, but this instance has no RAM role attached')
    )
  })
})

describe('a service that answers, but not with a key: an error naming it, never a body', () => {
  test.each([
    [
      'no session token (no hardened mode)',
      { mode: 'no-token' as const },
      'The ECS metadata service (http://100.100.100.200) answered HTTP 404 to the session-token request (PUT /latest/api/token): this action uses the hardened mode (IMDSv2) only; set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true to skip the instance role, or give credentials another way'
    ],
    [
      'a 500 for the key',
      { mode: 'server-error' as const },
      "The ECS instance role 'ci-runner': the metadata service answered HTTP 500"
    ],
    [
      'a key document whose Code is not Success',
      { mode: 'failed' as const },
      "The ECS instance role 'ci-runner': the metadata service answered without a key (Code Failed)"
    ],
    [
      'an answer over 1 MiB',
      { mode: 'huge' as const },
      "The ECS metadata service (http://100.100.100.200)'s answer to GET /latest/meta-data/ram/security-credentials/ci-runner is larger than 1 MiB; it was not read further"
    ]
  ])('%s', async (_what, options, message) => {
    const service = await fake(options)
    const failure = fetchInstanceRole(undefined, deps(service.port))
    await expect(failure).rejects.toEqual(new CredentialsError(message))
  })

  test('a role named by the named role 404s: named in the error', async () => {
    const service = await fake()
    await expect(fetchInstanceRole('other-role', deps(service.port))).rejects.toEqual(
      new CredentialsError("The ECS instance role 'other-role': the metadata service answered HTTP 404")
    )
  })

  test('accepts and never answers: bounded by the deadline (timeout-seconds), the error names the service', async () => {
    const service = await fake({ mode: 'hang' })
    const failure = fetchInstanceRole(undefined, deps(service.port, { deadline: Date.now() + 300 }))
    await expect(failure).rejects.toEqual(
      new CredentialsError(
        'The ECS metadata service (http://100.100.100.200) accepted the connection but did not answer PUT /latest/api/token within timeout-seconds; ' +
          'check the instance (or set ALIBABA_CLOUD_ECS_METADATA_DISABLED=true and give credentials another way)'
      )
    )
    expect(service.requests).toHaveLength(1)
  })

  test('no time left before asking: the same error, nothing sent', async () => {
    const service = await fake()
    const failure = fetchInstanceRole(undefined, deps(service.port, { deadline: 0 }))
    await expect(failure).rejects.toBeInstanceOf(CredentialsError)
    expect(service.requests).toEqual([])
  })
})

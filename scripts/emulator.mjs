// `npm run emulator`: everything the action talks to, on loopback, until Ctrl-C, so that a user can
// run dist/index.js by hand: the SAE Secret API and STS (AssumeRoleWithOIDC, AssumeRole; one server,
// which checks every request's signature against a fixed, test-only AccessKey, or the keys its STS
// hands out), the runner's ID-token endpoint, a stand-in for the ECS metadata service (an instance
// role) and an RRSA token file (an ACK pod's identity), and a Docker registry (Bearer token service,
// as ACR) holding shop/web:1.4.2. It prints shell lines that run the action against them, with OIDC,
// the AccessKey, the instance role and RRSA, and logs every call as it comes in (names and statuses,
// never values).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setInterval, clearInterval } from 'node:timers'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { startFakeMetadata } from '../devkit/emulator/fake-metadata.mjs'
import { startFakeRegistry } from '../devkit/emulator/fake-registry.mjs'
import { startEmulator } from '../devkit/emulator/sae-emulator.mjs'
import { BUNDLE, ROOT, node24 } from '../devkit/harness/action-runner.mjs'

/**
 * The emulator's AccessKey. TEST-ONLY: it is published here, opens nothing but this emulator, and
 * Alibaba Cloud never issued it. Never put a real key in its place.
 */
export const LOCAL_KEY = Object.freeze({
  accessKeyId: 'LTAI5tLocalEmulator',
  accessKeySecret: 'local-emulator-test-secret-not-a-real-key'
})
/** The role the emulator's STS lets a GitHub ID token assume; TEST-ONLY, like LOCAL_KEY (fixed, so the printed lines are stable). */
export const LOCAL_OIDC = Object.freeze({
  roleArn: 'acs:ram::1234567890123456:role/github-deploy',
  oidcProviderArn: 'acs:ram::1234567890123456:oidc-provider/github',
  requestToken: 'local-runner-id-token-request-test-only'
})
/** The RAM role of the local stand-in for an ECS instance, and its temporary key; TEST-ONLY, like LOCAL_KEY. */
export const LOCAL_INSTANCE_ROLE = Object.freeze({
  roleName: 'local-ci-runner',
  key: Object.freeze({
    accessKeyId: 'STS.LocalInstanceRole',
    accessKeySecret: 'local-instance-role-test-secret-not-real',
    securityToken: 'CAIS-local-instance-role-test-token-not-real'
  })
})
/** The role an ACK pod's service account may assume with RRSA, in the emulator's STS; TEST-ONLY. */
export const LOCAL_RRSA = Object.freeze({
  roleArn: 'acs:ram::1234567890123456:role/ack-arc-runner',
  oidcProviderArn: 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-local'
})
/** A role any key the emulator knows may assume with AssumeRole (role chaining); TEST-ONLY. */
export const LOCAL_CHAINED_ROLE = 'acs:ram::6543210987654321:role/sae-deployer'
/** The preload that sends the metadata address to the local stand-in: test-only, not part of the action. */
export const METADATA_SEAM = pathToFileURL(join(ROOT, 'devkit', 'harness', 'metadata-address.mjs')).href
/** The one account of the local registry; TEST-ONLY. */
export const LOCAL_REGISTRY = Object.freeze({ username: 'shop-ci', password: 'local-registry-test-password-not-real' })
/** The image the local registry holds, and a tag it does not. */
export const LOCAL_IMAGE = Object.freeze({ repository: 'shop/web', tag: '1.4.2', missingTag: '9.9.9' })
export const DEFAULT_PORT = 8790
export const DEFAULT_REGISTRY_PORT = 8791
export const DEFAULT_NAMESPACES = Object.freeze(['cn-hangzhou:dev', 'cn-hangzhou:prod', 'cn-hangzhou'])
const SECRET_NAME = 'registry-auth'

/**
 * `listen(port)` on the port asked for; `port` undefined: `preferred` if it is free, else any. A port
 * given (0 = any) is taken as asked, and the start fails with EADDRINUSE if it is in use.
 * @template T
 * @param {number | undefined} port
 * @param {number} preferred
 * @param {(port: number) => Promise<T>} listen
 * @returns {Promise<T>}
 */
async function onPort(port, preferred, listen) {
  if (port !== undefined) return listen(port)
  try {
    return await listen(preferred)
  } catch (error) {
    if (error?.code !== 'EADDRINUSE') throw error
    return listen(0)
  }
}

/**
 * Starts the SAE emulator (and its STS, for LOCAL_OIDC) with the test-only key. `port` undefined:
 * DEFAULT_PORT if it is free, else any; a port given (0 = any) is taken as asked, and the start fails
 * if it is in use.
 * @param {{port?: number, namespaces?: string[], onCall?: (call: object) => void}} [options]
 */
export async function startLocalEmulator({ port, namespaces = [...DEFAULT_NAMESPACES], onCall } = {}) {
  const options = {
    keys: [LOCAL_KEY, LOCAL_INSTANCE_ROLE.key],
    namespaces: [...new Set(namespaces)],
    onCall,
    oidc: { ...LOCAL_OIDC },
    rrsa: { ...LOCAL_RRSA },
    roles: [{ roleArn: LOCAL_CHAINED_ROLE }]
  }
  return onPort(port, DEFAULT_PORT, (listenPort) => startEmulator({ ...options, port: listenPort }))
}

/**
 * What a runner inside Alibaba Cloud signs in with, locally: a stand-in for the ECS metadata service
 * on a free loopback port (LOCAL_INSTANCE_ROLE), and an RRSA token file that the emulator's STS
 * accepts, written again every 30 minutes as ACK rotates it. stop() removes the file.
 * @param {{serviceAccountToken(): string}} sae
 */
export async function startLocalKeyless(sae) {
  const metadata = await startFakeMetadata({
    roleName: LOCAL_INSTANCE_ROLE.roleName,
    key: { ...LOCAL_INSTANCE_ROLE.key }
  })
  const folder = mkdtempSync(join(tmpdir(), 'sae-emulator-rrsa-'))
  const tokenFile = join(folder, 'token')
  const write = () => writeFileSync(tokenFile, `${sae.serviceAccountToken()}\n`, { mode: 0o600 })
  write()
  const rotation = setInterval(write, 30 * 60 * 1000)
  rotation.unref()
  return {
    metadata,
    tokenFile,
    async stop() {
      clearInterval(rotation)
      rmSync(folder, { recursive: true, force: true })
      await metadata.stop()
    }
  }
}

/**
 * Starts the local registry (LOCAL_REGISTRY's account, LOCAL_IMAGE pushed) reachable at
 * 127.0.0.1:`port`, with the same port rules as startLocalEmulator. The fake registry listens on a
 * port of its own choosing, so a plain TCP relay on the wanted port stands in front of it: the
 * printed image reference stays the same from one start to the next.
 * @param {{port?: number}} [options]
 */
export async function startLocalRegistry({ port } = {}) {
  const registry = await startFakeRegistry({
    kind: 'bearer',
    username: LOCAL_REGISTRY.username,
    password: LOCAL_REGISTRY.password,
    repositories: { [LOCAL_IMAGE.repository]: { tags: [LOCAL_IMAGE.tag] } }
  })
  try {
    const relay = await onPort(port, DEFAULT_REGISTRY_PORT, (listenPort) => startRelay(listenPort, registry.port))
    const host = `127.0.0.1:${relay.port}`
    return {
      registry,
      host,
      port: relay.port,
      image: `${host}/${LOCAL_IMAGE.repository}:${LOCAL_IMAGE.tag}`,
      missingImage: `${host}/${LOCAL_IMAGE.repository}:${LOCAL_IMAGE.missingTag}`,
      async stop() {
        await relay.stop()
        await registry.stop()
      }
    }
  } catch (error) {
    await registry.stop()
    throw error
  }
}

/** A TCP relay from 127.0.0.1:`port` to 127.0.0.1:`target`; stop() ends every connection through it. */
async function startRelay(port, target) {
  const sockets = new Set()
  const track = (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    // A peer that hangs up mid-answer is that connection's end, not the emulator's.
    socket.on('error', () => socket.destroy())
  }
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1')
    track(client)
    track(upstream)
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    port: server.address().port,
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(() => resolve()))
    }
  }
}

/** The environment that runs `npm run smoke` against an emulator at `origin`. */
export function smokeEnvironment(origin, namespaceId) {
  return {
    SAE_SMOKE_ENDPOINT: origin,
    SAE_SMOKE_NAMESPACE_ID: namespaceId,
    ALIBABA_CLOUD_ACCESS_KEY_ID: LOCAL_KEY.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: LOCAL_KEY.accessKeySecret
  }
}

/**
 * The step's inputs and the runner's variables for a run of the action against a local emulator
 * and registry: with GitHub OIDC (`oidc`), the AccessKey (`accessKey`) and, given the keyless
 * stand-ins, as an ECS instance with a RAM role (`instanceRole`, through the metadata preload) and as
 * an ACK pod with RRSA (`rrsa`).
 * @param {{origin: string, idTokenRequestUrl: string}} sae
 * @param {{host: string, image: string}} registry
 * @param {string} namespaceId
 * @param {{metadata: {address: string}, tokenFile: string}} [keyless]
 */
export function localRuns(sae, registry, namespaceId, keyless) {
  const common = {
    'namespace-id': namespaceId,
    'secret-name': SECRET_NAME,
    username: LOCAL_REGISTRY.username,
    password: LOCAL_REGISTRY.password,
    'registry-domains': registry.host,
    'verify-login': 'true',
    images: registry.image,
    endpoint: sae.origin
  }
  return {
    oidc: {
      inputs: {
        ...common,
        'role-to-assume': LOCAL_OIDC.roleArn,
        'oidc-provider-arn': LOCAL_OIDC.oidcProviderArn,
        'sts-endpoint': sae.origin
      },
      env: {
        ACTIONS_ID_TOKEN_REQUEST_URL: sae.idTokenRequestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: LOCAL_OIDC.requestToken
      }
    },
    accessKey: {
      inputs: { ...common, 'access-key-id': LOCAL_KEY.accessKeyId, 'access-key-secret': LOCAL_KEY.accessKeySecret },
      env: {}
    },
    ...(keyless
      ? {
          instanceRole: {
            inputs: { ...common, 'sts-endpoint': sae.origin },
            env: { SAE_DEVKIT_METADATA_ADDRESS: keyless.metadata.address },
            preload: METADATA_SEAM
          },
          rrsa: {
            inputs: { ...common, 'sts-endpoint': sae.origin },
            env: {
              ALIBABA_CLOUD_ROLE_ARN: LOCAL_RRSA.roleArn,
              ALIBABA_CLOUD_OIDC_PROVIDER_ARN: LOCAL_RRSA.oidcProviderArn,
              ALIBABA_CLOUD_OIDC_TOKEN_FILE: keyless.tokenFile
            }
          }
        }
      : {})
  }
}

/** A word as a POSIX shell (bash, zsh, dash) reads it back unchanged. */
export function shellWord(text) {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}

/**
 * Shell lines that run `bundle` with `node` as a runner would: a clean environment (`env -i`, so no
 * key, proxy or GitHub variable of the user's shell changes the run), the inputs as INPUT_* variables
 * (`env` takes their hyphenated names, which `export` does not), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
 * as files in a fresh folder; then the exit code and both files. `run.preload`: a module Node loads
 * first (`--import`), the metadata stand-in's.
 * @param {{inputs: Record<string, string>, env: Record<string, string>, preload?: string}} run
 */
export function shellLines(run, node = node24(), bundle = BUNDLE) {
  const assignments = [
    'PATH="$PATH"',
    'GITHUB_OUTPUT="$RUN/output"',
    'GITHUB_STEP_SUMMARY="$RUN/summary"',
    'RUNNER_TEMP="$RUN"',
    ...Object.entries(run.env).map(([name, value]) => `${name}=${shellWord(value)}`),
    // The runner's names: INPUT_ and the input upper-cased, hyphens kept (devkit/harness/action-runner.mjs).
    ...Object.entries(run.inputs).map(([name, value]) => shellWord(`INPUT_${name.toUpperCase()}=${value}`))
  ]
  return [
    'RUN="$(mktemp -d)"; touch "$RUN/output" "$RUN/summary"',
    'env -i \\',
    ...assignments.map((assignment) => `  ${assignment} \\`),
    `  ${shellWord(node)}${run.preload ? ` --import ${shellWord(run.preload)}` : ''} ${shellWord(bundle)}`,
    'echo "exit code $?"; echo "== outputs ($RUN/output)"; cat "$RUN/output"; echo "== summary ($RUN/summary)"; cat "$RUN/summary"'
  ]
}

const USAGE = `Usage: npm run emulator [-- --port N] [-- --registry-port N] [-- --namespace <region>:<name>]...
  --port N           SAE and STS on 127.0.0.1:N (0: any free port; default ${DEFAULT_PORT}, or any if it is taken)
  --registry-port N  the registry on 127.0.0.1:N (0: any free port; default ${DEFAULT_REGISTRY_PORT}, or any if it is taken)
  --namespace ID     a namespace that exists, besides ${DEFAULT_NAMESPACES.join(', ')} (repeatable)`

function portOption(text, name) {
  if (text === undefined) return undefined
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) {
    console.error(`${name} must be a port number (0 to 65535); got ${text}\n${USAGE}`)
    process.exit(2)
  }
  return port
}

async function main() {
  let args
  try {
    args = parseArgs({
      options: {
        port: { type: 'string' },
        'registry-port': { type: 'string' },
        namespace: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' }
      },
      strict: true
    }).values
  } catch (error) {
    console.error(`${error.message}\n${USAGE}`)
    process.exit(2)
  }
  if (args.help) {
    console.log(USAGE)
    return
  }
  const port = portOption(args.port, '--port')
  const registryPort = portOption(args['registry-port'], '--registry-port')
  const badNamespace = (args.namespace ?? []).find((id) => !/^[a-z0-9-]+(:[A-Za-z0-9_-]+)?$/.test(id))
  if (badNamespace !== undefined) {
    console.error(`--namespace takes <region>:<name> or <region>, e.g. cn-hangzhou:dev; got ${badNamespace}`)
    process.exit(2)
  }
  const namespaces = [...new Set([...DEFAULT_NAMESPACES, ...(args.namespace ?? [])])]

  const taken = (asked, option) => `port ${asked} is in use; choose another with ${option}, or ${option} 0 for any`
  let sae
  let registry
  let keyless
  // Registry requests are logged by polling (the fake registry has no hook); flush them before each SAE line, to keep the order.
  const onCall = (call) => {
    if (registry) logRegistryRequests(registry.registry)
    if (keyless) logMetadataRequests(keyless.metadata)
    logCall(call)
  }
  try {
    sae = await startLocalEmulator({ port, namespaces, onCall }).catch((error) => {
      throw error?.code === 'EADDRINUSE' ? new Error(taken(port, '--port')) : error
    })
    registry = await startLocalRegistry({ port: registryPort }).catch((error) => {
      throw error?.code === 'EADDRINUSE' ? new Error(taken(registryPort, '--registry-port')) : error
    })
    keyless = await startLocalKeyless(sae)
  } catch (error) {
    await Promise.all([sae?.stop(), registry?.stop()])
    console.error(`The emulator could not start: ${error?.message ?? error}`)
    process.exit(1)
  }

  const fellBack = [
    port === undefined && sae.port !== DEFAULT_PORT
      ? `port ${DEFAULT_PORT} (SAE and STS) was taken, so they listen on ${sae.port}`
      : undefined,
    registryPort === undefined && registry.port !== DEFAULT_REGISTRY_PORT
      ? `port ${DEFAULT_REGISTRY_PORT} (registry) was taken, so it listens on ${registry.port}`
      : undefined
  ].filter(Boolean)
  const runs = localRuns(sae, registry, namespaces[0], keyless)
  const indent = (lines) => lines.map((line) => `    ${line}`)
  console.log(
    [
      'Local SAE emulator, STS and registry, to run the action by hand (loopback only; state in memory only)',
      ...fellBack.map((note) => `NOTE: ${note}: the lines below hold that port (another emulator running?).`),
      '',
      `  Endpoint:   ${sae.origin}   (SAE Secret API 2019-05-06, STS AssumeRoleWithOIDC and AssumeRole; every signature checked)`,
      `  AccessKey:  ${LOCAL_KEY.accessKeyId}`,
      `  Secret:     ${LOCAL_KEY.accessKeySecret}`,
      '              (a fixed TEST-ONLY key: it opens this emulator and nothing else)',
      `  Namespaces: ${namespaces.join(', ')}`,
      `  OIDC:       ${LOCAL_OIDC.roleArn} trusts ID tokens of ${sae.idTokenRequestUrl.replace(/\?.*$/, '')}`,
      `              (provider ${LOCAL_OIDC.oidcProviderArn}, audience sts.aliyuncs.com)`,
      `  Metadata:   http://${keyless.metadata.address}   (a stand-in for the ECS metadata service at 100.100.100.200: instance role ${LOCAL_INSTANCE_ROLE.roleName})`,
      `  RRSA:       ${keyless.tokenFile}   (an ACK pod's token file: role ${LOCAL_RRSA.roleArn}, provider ${LOCAL_RRSA.oidcProviderArn})`,
      `  Registry:   ${registry.host}   (Docker Registry V2, Bearer tokens from 127.0.0.1:${registry.registry.tokenPort}; holds ${LOCAL_IMAGE.repository}:${LOCAL_IMAGE.tag})`,
      `              user ${LOCAL_REGISTRY.username}, password ${LOCAL_REGISTRY.password} (TEST-ONLY)`,
      '',
      `== Run the action with GitHub OIDC (role-to-assume), verify-login and images: paste into a shell (bash or zsh) on this machine:`,
      '',
      ...indent(shellLines(runs.oidc)),
      '',
      `== The same with the AccessKey instead of OIDC:`,
      '',
      ...indent(shellLines(runs.accessKey)),
      '',
      `== The same as an ECS instance with a RAM role (no key, no OIDC: the metadata service gives the role's key):`,
      '',
      ...indent(shellLines(runs.instanceRole)),
      '',
      `== The same as an ACK pod with RRSA (its token file, exchanged with STS):`,
      '',
      ...indent(shellLines(runs.rrsa)),
      '',
      'The action asks 100.100.100.200 for the instance role; on this machine, the --import line (devkit/harness/metadata-address.mjs,',
      'a test-only preload that is not part of the action) sends that address to the stand-in above.',
      `Role chaining: add INPUT_ROLE-TO-ASSUME=${LOCAL_CHAINED_ROLE} to any block but the OIDC one: the emulator's STS`,
      'lets every key it knows assume that role, and the SAE calls are signed with the role’s key.',
      '',
      'The lines that start with :: are commands to the runner; on GitHub, ::add-mask:: and ::debug:: lines are hidden.',
      `A tag the registry does not hold is refused before anything is written: run a block with INPUT_IMAGES=${registry.missingImage}`,
      '(exit code 1; the log below shows no CreateSecret or UpdateSecret).',
      '',
      'Or run the smoke test against the emulator:',
      '',
      `  ${Object.entries(smokeEnvironment(sae.origin, namespaces[0]))
        .map(([name, value]) => `${name}=${value}`)
        .join(' \\\n    ')} \\\n    npm run smoke`,
      '',
      `(Paths above are this checkout's: ${ROOT}.)`,
      'Calls are listed below as they come in. Ctrl-C stops the emulator.',
      ''
    ].join('\n')
  )

  const registryLog = setInterval(() => {
    logRegistryRequests(registry.registry)
    logMetadataRequests(keyless.metadata)
  }, 100)
  let stopping = false
  const stop = async (signal) => {
    if (stopping) return
    stopping = true
    clearInterval(registryLog)
    logRegistryRequests(registry.registry)
    logMetadataRequests(keyless.metadata)
    await Promise.all([sae.stop(), registry.stop(), keyless.stop()])
    console.log(
      `\n${signal}: emulator stopped (${sae.calls().length} SAE/STS calls and ${registry.registry.requests.length} registry requests served; its Secrets are gone with it)`
    )
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

const clock = () => new Date().toISOString().slice(11, 19)

/** One line per call: names and statuses, never the query's values (SecretData holds passwords). */
function logCall(call) {
  const outcome =
    call.status === -1
      ? 'connection dropped'
      : `HTTP ${call.status}${call.code && call.code !== '200' ? ` ${call.code}` : ''}`
  const namespace = call.query?.NamespaceId ? ` ${call.query.NamespaceId}` : ''
  const secret = call.query?.SecretName
    ? ` '${call.query.SecretName}'`
    : call.query?.SecretId
      ? ` SecretId ${call.query.SecretId}`
      : ''
  console.log(`${clock()}  ${call.action ?? `${call.method} ${call.path}`}${namespace}${secret} -> ${outcome}`)
}

const loggedRequests = new WeakSet()

/** The metadata stand-in's answered requests not logged yet: method, path, whether the session token came; never a value. */
function logMetadataRequests(metadata) {
  for (const request of metadata.requests) {
    if (request.status === 0 || loggedRequests.has(request)) continue
    loggedRequests.add(request)
    const token = request.method === 'PUT' ? '' : ` (session token: ${request.token})`
    console.log(`${clock()}  metadata ${request.method} ${request.path}${token} -> HTTP ${request.status}`)
  }
}

/** The registry's answered requests not logged yet: method, path, scope, who and the status, never a credential or token. */
function logRegistryRequests(registry) {
  for (const request of registry.requests) {
    if (request.status === undefined || loggedRequests.has(request)) continue
    loggedRequests.add(request)
    if (request.server === 'token') {
      const granted =
        request.status === 200 ? `, granted ${request.granted?.length ? request.granted.join(' ') : 'nothing'}` : ''
      const scope = request.scopes.length > 0 ? ` scope ${request.scopes.join(' ')}` : ''
      console.log(
        `${clock()}  registry token ${request.method} ${request.path}${scope}${request.user ? ` (${request.user})` : ''} -> HTTP ${request.status}${granted}`
      )
    } else {
      console.log(`${clock()}  registry ${request.method} ${request.path} -> HTTP ${request.status}`)
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()

// `npm run emulator [-- --port N] [-- --namespace <region>:<name> ...]`: the local SAE emulator on
// its own, on loopback, until Ctrl-C. It checks every request's ACS3-HMAC-SHA256 signature against
// a fixed, test-only AccessKey (below) and keeps Secrets in memory only. Point the action
// (`endpoint: http://127.0.0.1:<port>`) or `npm run smoke` at it.
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { startEmulator } from '../test/emulator/sae-emulator.mjs'

/**
 * The emulator's AccessKey. TEST-ONLY: it is published here, opens nothing but this emulator, and
 * Alibaba Cloud never issued it. Never put a real key in its place.
 */
export const LOCAL_KEY = Object.freeze({
  accessKeyId: 'LTAI5tLocalEmulator',
  accessKeySecret: 'local-emulator-test-secret-not-a-real-key'
})
export const DEFAULT_PORT = 8790
export const DEFAULT_NAMESPACES = Object.freeze(['cn-hangzhou:dev', 'cn-hangzhou:prod', 'cn-hangzhou'])

/**
 * Starts the emulator with the test-only key. `port` undefined: DEFAULT_PORT if it is free, else
 * any; a port given (0 = any) is taken as asked, and the start fails if it is in use.
 * @param {{port?: number, namespaces?: string[], onCall?: (call: object) => void}} [options]
 */
export async function startLocalEmulator({ port, namespaces = [...DEFAULT_NAMESPACES], onCall } = {}) {
  const options = { keys: [LOCAL_KEY], namespaces: [...new Set(namespaces)], onCall }
  if (port !== undefined) return startEmulator({ ...options, port })
  try {
    return await startEmulator({ ...options, port: DEFAULT_PORT })
  } catch (error) {
    if (error?.code !== 'EADDRINUSE') throw error
    return startEmulator({ ...options, port: 0 })
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

const USAGE = `Usage: npm run emulator [-- --port N] [-- --namespace <region>:<name>]...
  --port N          listen on 127.0.0.1:N (0: any free port; default ${DEFAULT_PORT}, or any if it is taken)
  --namespace ID    a namespace that exists, besides ${DEFAULT_NAMESPACES.join(', ')} (repeatable)`

async function main() {
  let args
  try {
    args = parseArgs({
      options: { port: { type: 'string' }, namespace: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
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
  let port
  if (args.port !== undefined) {
    port = Number(args.port)
    if (!/^\d+$/.test(args.port) || port > 65535) {
      console.error(`--port must be a port number (0 to 65535); got ${args.port}\n${USAGE}`)
      process.exit(2)
    }
  }
  const badNamespace = (args.namespace ?? []).find((id) => !/^[a-z0-9-]+(:[A-Za-z0-9_-]+)?$/.test(id))
  if (badNamespace !== undefined) {
    console.error(`--namespace takes <region>:<name> or <region>, e.g. cn-hangzhou:dev; got ${badNamespace}`)
    process.exit(2)
  }
  const namespaces = [...DEFAULT_NAMESPACES, ...(args.namespace ?? [])]

  let sae
  try {
    sae = await startLocalEmulator({ port, namespaces, onCall: logCall })
  } catch (error) {
    const why = error?.code === 'EADDRINUSE' ? `port ${port} is in use; choose another with --port, or --port 0 for any` : String(error?.message ?? error)
    console.error(`The emulator could not start: ${why}`)
    process.exit(1)
  }
  const example = smokeEnvironment(sae.origin, namespaces[0])
  const fallback = port === undefined && sae.port !== DEFAULT_PORT ? ` (port ${DEFAULT_PORT} was taken)` : ''
  console.log(
    [
      'Local SAE emulator (Secret API 2019-05-06; checks every request signature; state in memory only)',
      '',
      `  Endpoint:   ${sae.origin}${fallback}`,
      `  AccessKey:  ${LOCAL_KEY.accessKeyId}`,
      `  Secret:     ${LOCAL_KEY.accessKeySecret}`,
      '              (a fixed TEST-ONLY key: it opens this emulator and nothing else)',
      `  Namespaces: ${[...new Set(namespaces)].join(', ')}`,
      '',
      'Run the smoke test against it, in another terminal:',
      '',
      `  ${Object.entries(example).map(([name, value]) => `${name}=${value}`).join(' \\\n    ')} \\\n    npm run smoke`,
      '',
      'Or give the action these inputs (from a process on this machine: the emulator listens on loopback only):',
      '',
      '  with:',
      `    endpoint: ${sae.origin}`,
      `    namespace-id: ${namespaces[0]}`,
      `    access-key-id: ${LOCAL_KEY.accessKeyId}`,
      `    access-key-secret: ${LOCAL_KEY.accessKeySecret}`,
      '',
      'Calls are listed below as they come in. Ctrl-C stops the emulator.',
      ''
    ].join('\n')
  )

  let stopping = false
  const stop = async (signal) => {
    if (stopping) return
    stopping = true
    await sae.stop()
    console.log(`\n${signal}: emulator stopped (${sae.calls().length} calls served; its Secrets are gone with it)`)
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

/** One line per call: names and statuses, never the query's values (SecretData holds passwords). */
function logCall(call) {
  const time = new Date().toISOString().slice(11, 19)
  const outcome = call.status === -1 ? 'connection dropped' : `HTTP ${call.status}${call.code && call.code !== '200' ? ` ${call.code}` : ''}`
  const namespace = call.query?.NamespaceId ? ` ${call.query.NamespaceId}` : ''
  const secret = call.query?.SecretName ? ` '${call.query.SecretName}'` : call.query?.SecretId ? ` SecretId ${call.query.SecretId}` : ''
  console.log(`${time}  ${call.action ?? `${call.method} ${call.path}`}${namespace}${secret} -> ${outcome}`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()

// `npm run demo`: the action end to end on this machine, no Alibaba Cloud account needed.
// Builds the bundle if src/ is newer, starts the local SAE emulator, runs dist/index.js on
// Node 24 as a GitHub runner would, and shows what a user sees. Exits non-zero if anything fails.
import { randomBytes } from 'node:crypto'
import { startFakeRegistry } from '../test/emulator/fake-registry.mjs'
import { startEmulator } from '../test/emulator/sae-emulator.mjs'
import { runAction } from '../test/harness/action-runner.mjs'
import { build } from './build.mjs'
import { staleness } from './dist-stamp.mjs'

// The committed bundle is what users run: demonstrate it, unless src/ has moved on since.
const stale = staleness()
if (stale) {
  console.log(`Building dist/: ${stale} …`)
  await build()
} else {
  console.log('Using the committed dist/ (its build stamp matches src/).')
}

const key = { accessKeyId: 'LTAI5tDemoKeyId', accessKeySecret: randomBytes(15).toString('base64') }
const password = `demo-${randomBytes(9).toString('base64url')}`
const sae = await startEmulator({ keys: [key], namespaces: ['cn-hangzhou:demo'] })
// A registry on loopback that answers the Docker login as ACR does (a Bearer token service on another port).
const registry = await startFakeRegistry({ kind: 'bearer', username: 'demo-user', password })
// Bold headings on a terminal; plain text when piped to a file or when NO_COLOR is set.
const bold = process.stdout.isTTY && !process.env.NO_COLOR
const heading = (text) => console.log(bold ? `\n\x1b[1m== ${text}\x1b[0m` : `\n== ${text}`)
let failed = false

try {
  const inputs = {
    'namespace-id': 'cn-hangzhou:demo',
    'secret-name': 'registry-auth',
    username: 'demo-user',
    password,
    'access-key-id': key.accessKeyId,
    'access-key-secret': key.accessKeySecret,
    endpoint: sae.origin,
    'registry-domains': registry.host,
    'if-exists': 'update'
  }
  console.log(`Local SAE emulator on ${sae.origin} (checks every request's ACS3-HMAC-SHA256 signature)`)
  console.log(`Local registry on ${registry.host} (the action logs in to it before writing: verify-login)`)

  const runs = [
    ['First run: the Secret does not exist yet', 0, await runAction({ inputs })],
    ['Second run (if-exists: update, same password): nothing to write', 0, await runAction({ inputs })],
    ['Third run, with a wrong password: the registry refuses it, and nothing is written', 1, await runAction({ inputs: { ...inputs, password: `${password}-wrong` } })]
  ]
  for (const [title, expectedCode, run] of runs) {
    heading(title)
    const log = run.visible
      .split('\n')
      // The runner hides ::debug:: lines unless debug logging is on; so does the demo.
      .filter((line) => line.trim() !== '' && !line.startsWith('::debug::'))
      .map((line) => `  ${line.split(`${password}-wrong`).join('***').split(password).join('***')}`)
    console.log(log.join('\n'))
    console.log(`  exit code ${run.code}; step outputs:`)
    for (const [name, value] of Object.entries(run.outputs)) console.log(`    ${name} = ${value}`)
    if (run.code !== expectedCode || (expectedCode === 0 && !run.outputs['secret-id'])) failed = true
    if (title.startsWith('First')) {
      heading('Job summary (GITHUB_STEP_SUMMARY)')
      console.log(run.summary.trim().replace(/^/gm, '  '))
    }
  }

  heading('SAE API calls the emulator received')
  for (const call of sae.calls()) console.log(`  ${call.method} ${call.path}  ${call.action}  -> HTTP ${call.status}`)

  heading('The Secret the emulator now holds, decoded (secrets redacted)')
  const [secret] = sae.secrets('cn-hangzhou:demo')
  const config = sae.dockerConfig('cn-hangzhou:demo', 'registry-auth')
  for (const entry of Object.values(config.auths)) {
    entry.password = '***'
    entry.auth = '*** (base64 of user:password)'
  }
  console.log(JSON.stringify({ SecretId: secret.SecretId, SecretName: secret.SecretName, SecretType: secret.SecretType, NamespaceId: secret.NamespaceId, '.dockerconfigjson (decoded)': config }, null, 2).replace(/^/gm, '  '))
  console.log(`\nPass ImagePullSecrets=${secret.SecretId} to SAE DeployApplication (see README).`)
} finally {
  await Promise.all([sae.stop(), registry.stop()])
}
process.exit(failed ? 1 : 0)

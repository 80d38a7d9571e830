// `npm run demo`: the action end to end on this machine, no Alibaba Cloud account needed.
// Builds the bundle if src/ is newer, starts the local SAE emulator and a registry holding
// shop/web:1.4.2, runs dist/index.js on Node 24 as a GitHub runner would, and shows what a user
// sees. Exits non-zero if any run does not behave as its heading says.
import { randomBytes } from 'node:crypto'
import { startFakeRegistry } from '../devkit/emulator/fake-registry.mjs'
import { startEmulator } from '../devkit/emulator/sae-emulator.mjs'
import { readLog, runAction } from '../devkit/harness/action-runner.mjs'
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

const DEMO = 'cn-hangzhou:demo'
const STAGING = 'cn-hangzhou:staging'
const WRITES = new Set(['CreateSecret', 'UpdateSecret', 'DeleteSecret'])
const key = { accessKeyId: 'LTAI5tDemoKeyId', accessKeySecret: randomBytes(15).toString('base64') }
const password = `demo-${randomBytes(9).toString('base64url')}`
const sae = await startEmulator({ keys: [key], namespaces: [DEMO, STAGING] })
// A registry on loopback that answers the Docker login as ACR does (a Bearer token service on another
// port), holding one image: shop/web, tag 1.4.2 only.
const registry = await startFakeRegistry({
  kind: 'bearer',
  username: 'demo-user',
  password,
  repositories: { 'shop/web': { tags: ['1.4.2'] } }
})
const image = `${registry.host}/shop/web:1.4.2`
const missingImage = `${registry.host}/shop/web:9.9.9`
// Bold headings on a terminal; plain text when piped to a file or when NO_COLOR is set.
const bold = process.stdout.isTTY && !process.env.NO_COLOR
const heading = (text) => console.log(bold ? `\n\x1b[1m== ${text}\x1b[0m` : `\n== ${text}`)
const hide = (text) => text.split(`${password}-wrong`).join('***').split(password).join('***')
/** What went otherwise than a run's heading says; any entry makes the exit code 1. */
const unexpected = []
/** Each SAE call, with the run that made it. */
const callsByRun = []

try {
  const inputs = {
    'namespace-id': DEMO,
    'secret-name': 'registry-auth',
    username: 'demo-user',
    password,
    'access-key-id': key.accessKeyId,
    'access-key-secret': key.accessKeySecret,
    endpoint: sae.origin,
    'registry-domains': registry.host,
    'if-exists': 'update',
    images: image
  }
  console.log(`Local SAE emulator on ${sae.origin} (checks every request's ACS3-HMAC-SHA256 signature)`)
  console.log(
    `Local registry on ${registry.host}, holding shop/web:1.4.2 (the action checks each image, and the login, before writing)`
  )

  const runs = [
    {
      title: `First run, images: ${image}: the image check passes, then the Secret is created`,
      inputs,
      expect: { code: 0, result: 'created', writes: ['CreateSecret'] }
    },
    {
      title: 'Second run (if-exists: update, same password, same image): nothing to write',
      inputs,
      expect: { code: 0, result: 'unchanged', writes: [] }
    },
    {
      title: 'Third run, with a wrong password (and no images): the registry refuses the login, and nothing is written',
      inputs: { ...inputs, password: `${password}-wrong`, images: '' },
      expect: { code: 1, writes: [], error: `Registry ${registry.host} refused` }
    },
    {
      title: `Fourth run, to ${STAGING}, images: ${missingImage} (a tag never pushed): refused before anything is written`,
      inputs: { ...inputs, 'namespace-id': STAGING, images: missingImage },
      expect: { code: 1, writes: [], error: `Image ${missingImage} does not exist` }
    }
  ]
  for (const [index, { title, inputs: runInputs, expect }] of runs.entries()) {
    const callsBefore = sae.calls().length
    const requestsBefore = registry.requests.length
    const run = await runAction({ inputs: runInputs })
    const calls = sae.calls().slice(callsBefore)
    for (const call of calls) callsByRun.push({ run: index + 1, call })

    heading(title)
    // As the runner shows it without debug logging: ::debug:: lines hidden, warnings and errors as ##[warning] and ##[error].
    const log = readLog(run.stdout)
      .visible.split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => `  ${hide(line)}`)
    console.log(log.join('\n'))
    console.log(`  exit code ${run.code}; step outputs:`)
    for (const [name, value] of Object.entries(run.outputs)) console.log(`    ${name} = ${value}`)
    console.log(`  SAE calls: ${calls.map((call) => `${call.action} ${call.status}`).join(', ') || 'none'}`)
    console.log(
      `  registry requests: ${registry.requests.slice(requestsBefore).map(describeRequest).join(', ') || 'none'}`
    )

    const writes = calls.filter((call) => WRITES.has(call.action)).map((call) => call.action)
    const problems = [
      run.code !== expect.code && `exit code ${run.code}, expected ${expect.code}`,
      expect.result !== undefined &&
        run.outputs.result !== expect.result &&
        `result ${run.outputs.result}, expected ${expect.result}`,
      expect.code === 0 && !run.outputs['secret-id'] && 'no secret-id output',
      writes.join() !== expect.writes.join() &&
        `writes ${writes.join(', ') || 'none'}, expected ${expect.writes.join(', ') || 'none'}`,
      expect.error !== undefined &&
        !run.errors.some((line) => line.includes(expect.error)) &&
        `no ::error:: line saying "${expect.error}"`
    ].filter(Boolean)
    for (const problem of problems) {
      console.log(`  UNEXPECTED: ${problem}`)
      unexpected.push(`run ${index + 1}: ${problem}`)
    }
    if (index === 0) {
      heading('Job summary (GITHUB_STEP_SUMMARY)')
      console.log(run.summary.trim().replace(/^/gm, '  '))
    }
  }

  heading('SAE API calls the emulator received')
  for (const { run, call } of callsByRun)
    console.log(`  run ${run}  ${call.method} ${call.path}  ${call.action}  -> HTTP ${call.status}`)

  heading('The Secrets the emulator now holds, decoded (secrets redacted)')
  const staging = sae.secrets(STAGING)
  console.log(
    `  ${STAGING}: ${staging.length === 0 ? 'none (the refused image stopped the write)' : staging.map((secret) => secret.SecretName).join(', ')}`
  )
  if (staging.length > 0) unexpected.push(`${STAGING} holds a Secret`)
  const [secret] = sae.secrets(DEMO)
  const config = sae.dockerConfig(DEMO, 'registry-auth')
  for (const entry of Object.values(config.auths)) {
    entry.password = '***'
    entry.auth = '*** (base64 of user:password)'
  }
  console.log(`  ${DEMO}:`)
  console.log(
    JSON.stringify(
      {
        SecretId: secret.SecretId,
        SecretName: secret.SecretName,
        SecretType: secret.SecretType,
        NamespaceId: secret.NamespaceId,
        '.dockerconfigjson (decoded)': config
      },
      null,
      2
    ).replace(/^/gm, '  ')
  )
  console.log(`\nPass ImagePullSecrets=${secret.SecretId} to SAE DeployApplication (see README).`)
} catch (error) {
  unexpected.push(`the demo itself failed: ${hide(String(error?.stack ?? error))}`)
} finally {
  await Promise.all([sae.stop(), registry.stop()])
}
console.log(unexpected.length === 0 ? '\nEvery run behaved as its heading says.' : `\nFAILED: ${unexpected.join('; ')}`)
process.exit(unexpected.length === 0 ? 0 : 1)

/** A registry request as `HEAD /v2/…/manifests/1.4.2 200`, with the scope a token was asked for; no credential, no token. */
function describeRequest(request) {
  const scope = request.server === 'token' && request.scopes.length > 0 ? ` (${request.scopes.join(' ')})` : ''
  return `${request.method} ${request.path}${scope} ${request.status ?? 'no answer'}`
}

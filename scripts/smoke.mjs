// `npm run smoke`: the built dist/index.js, run as a GitHub runner runs it, through a Secret's whole
// lifecycle in one SAE namespace, each write read back independently (scripts/sae-reader.mjs):
//
//   create (if-exists: fail) -> created      same data (update) -> unchanged
//   changed password (update) -> updated     state: absent -> deleted      again -> absent
//
// The Secret has a unique name (smoke-<date>-<time>-<random>) and is deleted in any case: whatever
// fails, or on Ctrl-C, a last `state: absent` run removes it if it may still exist.
//
//   SAE_SMOKE_NAMESPACE_ID   required: <region>:<name>, or <region> for its default namespace
//   SAE_SMOKE_ENDPOINT       optional: SAE endpoint (default: the action's, sae.<region>.aliyuncs.com)
//   ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN
//                            the credentials, handed to the action in its environment, as
//                            aliyun/configure-aliyun-credentials-action would
//   SAE_SMOKE_REGISTRY_DOMAINS  optional: registry hosts for the Secret (default: smoke.invalid)
//   SAE_SMOKE_VERIFY_LOGIN=true optional: let the action log in to those registries first; then
//                            SAE_SMOKE_USERNAME and SAE_SMOKE_PASSWORD must be real registry credentials
//                            (the changed-password step writes a made-up password, without login)
//
// `--emulator` (npm run smoke:emulator): the same against a local emulator started in this process,
// with its test-only key; no account, nothing leaves the machine.
// Prints each step, then `N passed, M failed`. Exit 0: all passed; 1: a step or the cleanup failed;
// 2: not run (missing settings). Never prints a password, key secret or token.
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { isDeepStrictEqual, parseArgs } from 'node:util'
import { BUNDLE, ROOT, runAction } from '../devkit/harness/action-runner.mjs'
import { LOCAL_KEY, startLocalEmulator } from './emulator.mjs'
import { READER_USER_AGENT, secretReader } from './sae-reader.mjs'

const STEPS = 5
const DOCKER_CONFIG_TYPE = 'kubernetes.io/dockerconfigjson'
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']

/** Settings missing or wrong: say what to set, exit 2, touch nothing. */
function refuse(lines) {
  console.error(lines.join('\n'))
  process.exit(2)
}

const { values: flags } = (() => {
  try {
    return parseArgs({
      options: { emulator: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true
    })
  } catch (error) {
    return refuse([error.message, 'Usage: node scripts/smoke.mjs [--emulator]'])
  }
})()
if (flags.help) {
  console.log('Usage: npm run smoke  (or npm run smoke:emulator); the settings are in the header of scripts/smoke.mjs')
  process.exit(0)
}
const env = process.env
const onEmulator = Boolean(flags.emulator)

const namespaceId = (env.SAE_SMOKE_NAMESPACE_ID ?? '').trim() || (onEmulator ? 'cn-hangzhou:dev' : '')
if (!namespaceId) {
  refuse([
    'SAE_SMOKE_NAMESPACE_ID is not set, so the smoke test did not run.',
    'It creates, updates and deletes a uniquely named Secret (smoke-<date>-<time>-<random>) in one SAE namespace:',
    'set SAE_SMOKE_NAMESPACE_ID to one you may write to, as <region>:<name> (or <region> for its default namespace), e.g.',
    '',
    '  SAE_SMOKE_NAMESPACE_ID=cn-hangzhou:dev ALIBABA_CLOUD_ACCESS_KEY_ID=… ALIBABA_CLOUD_ACCESS_KEY_SECRET=… npm run smoke',
    '',
    'Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN',
    'for STS keys); the RAM policy needed is in docs/testing-against-your-account.md.',
    'No account at hand? `npm run smoke:emulator` runs the same test against the local emulator.'
  ])
}
const namespace = /^([a-z0-9-]+)(?::[A-Za-z0-9_-]+)?$/.exec(namespaceId)
if (!namespace) {
  refuse([
    `SAE_SMOKE_NAMESPACE_ID must be one namespace, <region>:<name> or <region> (e.g. cn-hangzhou:dev); got ${JSON.stringify(namespaceId)}`
  ])
}
const region = namespace[1]

if (onEmulator) {
  const ignored = [
    'SAE_SMOKE_ENDPOINT',
    'ALIBABA_CLOUD_ACCESS_KEY_ID',
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    'ALIBABA_CLOUD_SECURITY_TOKEN'
  ].filter((name) => env[name])
  if (ignored.length > 0)
    console.log(`--emulator: not using ${ignored.join(', ')} (the emulator has its own test-only key)`)
}
const credentials = onEmulator
  ? { accessKeyId: LOCAL_KEY.accessKeyId, accessKeySecret: LOCAL_KEY.accessKeySecret }
  : {
      accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
      accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
      securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined
    }
if (!credentials.accessKeyId || !credentials.accessKeySecret) {
  const missing = ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'].filter((name) => !env[name])
  refuse([
    `Alibaba Cloud credentials are missing: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set, so the smoke test did not run.`,
    'Set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS keys) to a key',
    'whose RAM policy allows sae:ListSecrets, sae:CreateSecret, sae:UpdateSecret, sae:DescribeSecret and sae:DeleteSecret,',
    'or run `npm run smoke:emulator` to test against the local emulator.'
  ])
}

const endpointText = onEmulator ? undefined : (env.SAE_SMOKE_ENDPOINT ?? '').trim() || undefined
let endpoint =
  endpointText === undefined ? { protocol: 'https', host: `sae.${region}.aliyuncs.com` } : parseEndpoint(endpointText)

const domains = (env.SAE_SMOKE_REGISTRY_DOMAINS ?? 'smoke.invalid')
  .split(/[\n,]/)
  .map((domain) => domain.trim())
  .filter(Boolean)
const verifyLogin = /^true$/i.test(env.SAE_SMOKE_VERIFY_LOGIN ?? '')
if (verifyLogin) {
  const missing = ['SAE_SMOKE_REGISTRY_DOMAINS', 'SAE_SMOKE_USERNAME', 'SAE_SMOKE_PASSWORD'].filter(
    (name) => !env[name]
  )
  if (missing.length > 0) {
    refuse([
      `SAE_SMOKE_VERIFY_LOGIN=true logs in to real registries: set ${missing.join(', ')} (a registry and credentials it accepts).`
    ])
  }
}
if (domains.length === 0) refuse(['SAE_SMOKE_REGISTRY_DOMAINS holds no host; leave it unset for smoke.invalid'])
if (!existsSync(BUNDLE))
  refuse([`${BUNDLE} is missing: run npm run build first (the smoke test runs the bundle as a runner would).`])

const username = env.SAE_SMOKE_USERNAME || 'smoke-user'
const firstPassword = env.SAE_SMOKE_PASSWORD || `smoke-${randomBytes(12).toString('base64url')}`
const changedPassword = `smoke-changed-${randomBytes(12).toString('base64url')}`
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
const secretName = `smoke-${stamp}-${randomBytes(3).toString('hex')}`

// Everything printed passes through here: no password, key secret or token, in any common form.
const secretForms = [firstPassword, changedPassword, credentials.accessKeySecret, credentials.securityToken]
  .concat([firstPassword, changedPassword].map((password) => base64(`${username}:${password}`)))
  .filter((value) => typeof value === 'string' && value.length >= 6)
  .flatMap((value) => [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), base64(value)])
function redact(text) {
  let out = String(text)
  for (const form of [...new Set(secretForms)].sort((a, b) => b.length - a.length)) out = out.split(form).join('***')
  return out
}
const say = (text = '') => console.log(redact(text))

let sae
let reader
/** The inputs every run shares (namespace, name, domains, endpoint). */
let base
let interrupted = false
process.on('SIGINT', () => {
  if (interrupted) process.exit(130)
  interrupted = true
  say('\nInterrupted: finishing this step, then cleaning up (Ctrl-C again to quit at once, leaving the Secret behind)')
})

const passed = []
const failed = []
let createdId
// Until a read-back shows the Secret is not there, it may be: a create can land and still fail.
let mayExist = false

try {
  if (onEmulator) {
    sae = await startLocalEmulator({ port: 0, namespaces: [namespaceId] })
    endpoint = parseEndpoint(sae.origin)
  }
  reader = secretReader({ endpoint, ...credentials })
  const endpointInput = onEmulator ? sae.origin : endpointText

  say(`SAE smoke test of ${relative(ROOT, BUNDLE).split(sep).join('/')} (as a GitHub runner runs it, on Node 24)`)
  say(`  namespace    ${namespaceId}`)
  say(
    `  endpoint     ${endpoint.protocol}://${endpoint.host}${onEmulator ? ' (local emulator, started by this script)' : endpointText === undefined ? ` (the action's default for ${region})` : ''}`
  )
  say(`  Secret       ${secretName}`)
  say(`  registry     ${domains.join(', ')} (verify-login: ${verifyLogin})`)
  say(
    `  credentials  ${onEmulator ? "the emulator's test-only key" : `ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET${credentials.securityToken ? ' and _SECURITY_TOKEN' : ''} from the environment`}`
  )
  if (staleBundle())
    say('  note         src/ is newer than dist/index.js; this tests the bundle as built (npm run build refreshes it)')
  say()

  base = {
    'namespace-id': namespaceId,
    'secret-name': secretName,
    'registry-domains': domains.join('\n'),
    'verify-login': String(verifyLogin),
    ...(endpointInput ? { endpoint: endpointInput } : {})
  }
  const present = (password, extra) => ({ ...base, username, password, 'if-exists': 'update', ...extra })
  const steps = [
    {
      title: 'create (if-exists: fail)',
      inputs: present(firstPassword, { 'if-exists': 'fail' }),
      expect: 'created',
      password: firstPassword
    },
    {
      title: 'same data again (if-exists: update)',
      inputs: present(firstPassword),
      expect: 'unchanged',
      password: firstPassword
    },
    {
      title: 'changed password (if-exists: update)',
      // The new password is made up, so no registry would accept it: this step writes without a login.
      inputs: present(changedPassword, { 'verify-login': 'false' }),
      expect: 'updated',
      password: changedPassword
    },
    { title: 'delete (state: absent)', inputs: { ...base, state: 'absent' }, expect: 'deleted' },
    { title: 'delete again (state: absent)', inputs: { ...base, state: 'absent' }, expect: 'absent' }
  ]

  for (const [index, step] of steps.entries()) {
    const label = `[${index + 1}/${STEPS}] ${step.title}`
    const stopped = failed.length > 0 ? `an earlier step failed` : interrupted ? 'interrupted' : undefined
    if (stopped) {
      say(`${label}\n      FAIL: not run (${stopped})`)
      failed.push(step.title)
      continue
    }
    say(label)
    if (index === 0) mayExist = true
    const seen = sae?.calls().length ?? 0
    const problems = await runStep(step)
    if (sae) {
      const calls = sae.calls().slice(seen)
      const byReader = (call) => String(call.headers['user-agent'] ?? '').includes(READER_USER_AGENT)
      say(
        `      SAE calls by the action: ${names(calls.filter((call) => !byReader(call)))}; by the read-back: ${names(calls.filter(byReader))}`
      )
    }
    if (problems.length === 0) {
      say('      PASS')
      passed.push(step.title)
    } else {
      for (const problem of problems) say(`      FAIL: ${problem}`)
      failed.push(step.title)
    }
  }
} catch (error) {
  say(`The smoke test broke off: ${error?.message ?? error}`)
  failed.push('smoke test')
} finally {
  await cleanUp()
  if (sae) await sae.stop()
}
say(`${passed.length} passed, ${failed.length} failed`)
process.exit(failed.length === 0 ? 0 : 1)

/** One lifecycle step: the action's exit code and outputs, then what SAE holds, read back independently. */
async function runStep(step) {
  const problems = []
  try {
    const run = await runAction({ inputs: step.inputs, env: actionEnv() })
    const results = parseJson(run.outputs.results)?.[namespaceId]
    say(
      `      result ${run.outputs.result ?? '(not set)'}, SecretId ${run.outputs['secret-id'] || results?.secretId || '(none)'}, exit code ${exitCode(run)}`
    )
    problems.push(...outputProblems(run, results, step.expect))
  } catch (error) {
    // The harness throws when a secret shows in the log, outputs or summary; it names the secret, never shows it.
    problems.push(`${error?.message ?? error}`)
  }
  problems.push(...(await readBack(step)))
  return problems
}

/** The run's exit code and outputs against the step's expected result. */
function outputProblems(run, results, expect) {
  // A failed run's one ::error:: line says why; its outputs say nothing more.
  if (run.code !== 0)
    return [
      `the action failed (exit code ${exitCode(run)}): ${run.errors.join(' ').replace(/^::error::/, '') || '(no ::error:: line)'}`
    ]
  const secretId = run.outputs['secret-id']
  const problems = []
  if (run.outputs.result !== expect)
    problems.push(`result is ${JSON.stringify(run.outputs.result ?? null)}, expected '${expect}'`)
  if (results?.result !== expect)
    problems.push(
      `the results output says ${JSON.stringify(results ?? null)} for ${namespaceId}, expected result '${expect}'`
    )
  if (expect === 'created') {
    if (/^\d+$/.test(secretId ?? '')) createdId = Number(secretId)
    else problems.push(`secret-id is ${JSON.stringify(secretId ?? null)}, expected a number`)
  } else if (expect === 'unchanged' || expect === 'updated') {
    if (secretId !== String(createdId))
      problems.push(
        `secret-id is ${JSON.stringify(secretId ?? null)}, expected ${createdId} (the Secret is updated in place)`
      )
  } else if (expect === 'deleted') {
    if (results?.secretId !== createdId)
      problems.push(`results names SecretId ${results?.secretId}, expected ${createdId} as deleted`)
    if (secretId) problems.push(`secret-id is set (${secretId}) after a delete`)
  } else if (secretId) {
    problems.push(`secret-id is set (${secretId}) although there was no Secret`)
  }
  return problems
}

/** What SAE holds now, by a reader that shares no code with the action. */
async function readBack(step) {
  let named
  try {
    named = (await reader.listSecrets(namespaceId)).filter((secret) => secret.SecretName === secretName)
  } catch (error) {
    return [`read back: ${error?.message ?? error}`]
  }
  mayExist = named.length > 0
  if (!step.password) {
    if (named.length === 0) {
      say('      read back: no Secret of that name in the namespace')
      return []
    }
    return [
      `read back: ${named.length} Secret(s) of that name still listed (SecretId ${named.map((secret) => secret.SecretId).join(', ')})`
    ]
  }
  if (named.length !== 1) return [`read back: ${named.length} Secrets of that name listed, expected 1`]
  const [listed] = named
  const problems = []
  if (createdId !== undefined && Number(listed.SecretId) !== createdId)
    problems.push(`read back: the listed SecretId is ${listed.SecretId}, expected ${createdId}`)
  if (listed.SecretType !== DOCKER_CONFIG_TYPE)
    problems.push(`read back: SecretType is ${listed.SecretType}, expected ${DOCKER_CONFIG_TYPE}`)
  let stored
  try {
    stored = await reader.describeSecret(namespaceId, listed.SecretId)
  } catch (error) {
    return [...problems, `read back: ${error?.message ?? error}`]
  }
  const data = stored.SecretData && typeof stored.SecretData === 'object' ? stored.SecretData : {}
  const keys = Object.keys(data)
  if (keys.length !== 1 || keys[0] !== '.dockerconfigjson') {
    return [...problems, `read back: the Secret's data keys are [${keys.join(', ')}], expected [.dockerconfigjson]`]
  }
  const difference = dockerConfigDifference(data['.dockerconfigjson'], expectedDockerConfig(step.password))
  if (difference) return [...problems, `read back: ${difference}`]
  if (problems.length === 0)
    say(
      `      read back: SecretId ${listed.SecretId}, ${DOCKER_CONFIG_TYPE}, .dockerconfigjson holds exactly the expected auths for ${domains.join(', ')}`
    )
  return problems
}

function expectedDockerConfig(password) {
  const entry = { username, password, auth: base64(`${username}:${password}`) }
  return { auths: Object.fromEntries(domains.map((domain) => [domain, entry])) }
}

/** How the stored value differs from the expected docker config, in names only (values are secrets). */
function dockerConfigDifference(storedBase64, expected) {
  let config
  try {
    config = JSON.parse(Buffer.from(String(storedBase64), 'base64').toString('utf8'))
  } catch {
    return '.dockerconfigjson is not base64 of JSON'
  }
  if (isDeepStrictEqual(config, expected)) return undefined
  if (!config || typeof config.auths !== 'object' || config.auths === null)
    return '.dockerconfigjson has no auths object'
  const extraTop = Object.keys(config).filter((key) => key !== 'auths')
  const got = Object.keys(config.auths)
  const want = Object.keys(expected.auths)
  const parts = []
  if (extraTop.length > 0) parts.push(`unexpected top-level keys ${extraTop.join(', ')}`)
  const missing = want.filter((domain) => !got.includes(domain))
  const extra = got.filter((domain) => !want.includes(domain))
  if (missing.length > 0) parts.push(`no entry for ${missing.join(', ')}`)
  if (extra.length > 0) parts.push(`unexpected entries for ${extra.join(', ')}`)
  for (const domain of want.filter((domain) => got.includes(domain))) {
    const entry = config.auths[domain] ?? {}
    const fields = [...new Set([...Object.keys(entry), ...Object.keys(expected.auths[domain])])]
    const differing = fields.filter((field) => !isDeepStrictEqual(entry[field], expected.auths[domain][field]))
    if (differing.length > 0)
      parts.push(
        `${differing.join(', ')} of ${domain} differ${differing.length === 1 ? 's' : ''} from what this step wrote`
      )
  }
  return `the stored docker config is not the one expected: ${parts.join('; ') || 'it differs'}`
}

/** Deletes the Secret if it may still exist, whatever happened before; a failure here is a failure of the run. */
async function cleanUp() {
  let problem
  if (mayExist) {
    say(`cleanup: the Secret may still exist; running the action with state: absent`)
    try {
      const run = await runAction({ inputs: { ...base, state: 'absent' }, env: actionEnv() })
      if (run.code !== 0 || !['deleted', 'absent'].includes(run.outputs.result)) {
        problem = `the action answered result ${JSON.stringify(run.outputs.result ?? null)}, exit code ${exitCode(run)}: ${run.errors.join(' ').replace(/^::error::/, '')}`
      } else {
        const left = (await reader.listSecrets(namespaceId)).filter((secret) => secret.SecretName === secretName)
        if (left.length > 0)
          problem = `after result ${run.outputs.result}, ${left.length} Secret(s) of that name are still listed`
        else say(`cleanup: ${run.outputs.result}; no Secret of that name is left`)
      }
    } catch (error) {
      problem = String(error?.message ?? error)
    }
  } else if (passed.length + failed.length > 0) {
    say('cleanup: not needed (the last read-back found no Secret of that name)')
  }
  if (!problem && sae) {
    const left = sae.secrets(namespaceId)
    if (left.length > 0) problem = `the emulator still holds ${left.length} Secret(s) in ${namespaceId}`
  }
  if (problem) {
    say(`cleanup FAILED: ${problem}`)
    if (!sae)
      say(
        `  The Secret '${secretName}'${createdId ? ` (SecretId ${createdId})` : ''} may be left in ${namespaceId}: delete it in the SAE console or with the action (state: absent).`
      )
    failed.push('cleanup')
  }
}

/** The action's environment: the credentials as configure-aliyun-credentials-action exports them, and the runner's proxy settings. */
function actionEnv() {
  const forwarded = Object.fromEntries(
    PROXY_VARIABLES.filter((name) => env[name] !== undefined).map((name) => [name, env[name]])
  )
  return {
    ...forwarded,
    // Debug lines stay off; ActionTrail sees `sae-image-pull-secret/… (local/sae-smoke; run <Secret name>)`.
    RUNNER_DEBUG: '',
    GITHUB_REPOSITORY: 'local/sae-smoke',
    GITHUB_RUN_ID: secretName,
    ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    ...(credentials.securityToken ? { ALIBABA_CLOUD_SECURITY_TOKEN: credentials.securityToken } : {})
  }
}

/** `host[:port]`, `https://host[:port]`, or `http://` for a loopback host only (credentials never go over plain HTTP elsewhere). */
function parseEndpoint(text) {
  const match = /^(?:(https?):\/\/)?([^/\s?#]+)\/?$/i.exec(text)
  if (!match)
    return refuse([
      `SAE_SMOKE_ENDPOINT must be a host name or URL such as sae.cn-hangzhou.aliyuncs.com or http://127.0.0.1:8790; got ${JSON.stringify(text)}`
    ])
  const protocol = (match[1] ?? 'https').toLowerCase()
  const hostname = new URL(`${protocol}://${match[2]}`).hostname
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
  if (protocol === 'http' && !loopback)
    refuse([`SAE_SMOKE_ENDPOINT: http:// is only for a loopback emulator; use https:// (or no scheme) for ${hostname}`])
  return { protocol, host: match[2] }
}

function staleBundle() {
  const newest = Math.max(
    ...readdirSync(join(ROOT, 'src'), { recursive: true }).map(
      (file) => statSync(join(ROOT, 'src', String(file))).mtimeMs
    )
  )
  return newest > statSync(BUNDLE).mtimeMs
}

function exitCode(run) {
  return run.code ?? 'none (stopped by a signal)'
}

function names(calls) {
  return calls.length === 0
    ? 'none'
    : calls.map((call) => `${call.action}${call.status === 200 ? '' : ` (HTTP ${call.status})`}`).join(', ')
}

function parseJson(text) {
  try {
    return JSON.parse(text ?? '')
  } catch {
    return undefined
  }
}

function base64(text) {
  return Buffer.from(text).toString('base64')
}

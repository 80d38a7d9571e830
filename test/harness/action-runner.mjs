// Runs the bundled action the way a GitHub runner does: `node dist/index.js` on Node 24, inputs
// as INPUT_* variables (action.yml defaults included), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY as
// files and RUNNER_TEMP as a folder. Used by the end-to-end tests, the demo and the benchmark.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'yaml'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BUNDLE = join(ROOT, 'dist', 'index.js')
const OFFLINE_DNS = join(ROOT, 'test', 'harness', 'offline-dns.mjs')

/** The Node 24 binary from the `node` devDependency; the runner's runtime for `using: node24`. */
export function node24() {
  // On Windows the package's bin/node is a blank placeholder beside the real bin/node.exe.
  const candidate = join(ROOT, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
  if (existsSync(candidate)) return candidate
  if (process.versions.node.startsWith('24.')) return process.execPath
  throw new Error('Node 24 not found: run npm ci (the `node` devDependency provides it)')
}

/** action.yml's inputs with their defaults, as the runner would pass them. */
export function actionDefaults() {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'))
  /** @type {Record<string, string>} */
  const defaults = {}
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    if (input.default !== undefined) defaults[name] = String(input.default)
  }
  return defaults
}

/** The runner's name for an input's variable: spaces become `_`, upper-cased, hyphens kept. */
export function inputVariable(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Parses the GITHUB_OUTPUT file (`name<<delimiter` heredocs, or `name=value`). */
export function parseOutputFile(text) {
  /** @type {Record<string, string>} */
  const outputs = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const value = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i])
      outputs[heredoc[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const eq = lines[i].indexOf('=')
      outputs[lines[i].slice(0, eq)] = lines[i].slice(eq + 1)
    }
  }
  return outputs
}

/** Every form a secret could take on its way to a log. */
export function secretEncodings(secret) {
  const json = JSON.stringify(secret).slice(1, -1)
  return {
    raw: secret,
    'URL-encoded': encodeURIComponent(secret),
    'double URL-encoded': encodeURIComponent(encodeURIComponent(secret)),
    'form-encoded': encodeURIComponent(secret).replace(/%20/g, '+'),
    'JSON-escaped': json,
    'double JSON-escaped': JSON.stringify(json).slice(1, -1),
    base64: Buffer.from(secret).toString('base64')
  }
}

/**
 * The secrets a run was given (each extra-registries password included), and each `user:pass` and
 * its base64, worth scanning for (6+ characters).
 */
function givenSecrets(inputs, env) {
  const secrets = {
    password: inputs.password,
    'access-key-secret': inputs['access-key-secret'],
    'security-token': inputs['security-token'],
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    ALIBABA_CLOUD_SECURITY_TOKEN: env.ALIBABA_CLOUD_SECURITY_TOKEN
  }
  if (inputs.username && inputs.password) secrets['user:pass'] = `${inputs.username}:${inputs.password}`
  extraRegistries(inputs['extra-registries']).forEach((item, index) => {
    if (typeof item?.password !== 'string') return
    secrets[`extra-registries item ${index + 1} password`] = item.password
    if (typeof item.username === 'string') secrets[`extra-registries item ${index + 1} user:pass`] = `${item.username}:${item.password}`
  })
  return Object.entries(secrets).filter(([, value]) => typeof value === 'string' && value.trim().length >= 6)
}

/** The items of an `extra-registries` input, or none when it is absent or not a YAML list (a test of bad input). */
function extraRegistries(text) {
  if (!text) return []
  try {
    const items = parse(text, { logLevel: 'error' })
    return Array.isArray(items) ? items : []
  } catch {
    return []
  }
}

/**
 * Where any of `secrets` ([name, value] pairs) shows, in any encoding, in what a user or a later
 * step can read of a run: the log as the runner shows it, stderr, GITHUB_OUTPUT and the summary.
 * @param {Array<[string, string]>} secrets
 * @param {{visible: string, stderr: string, outputText: string, summary: string}} run
 * @returns {{leaks: string[], checks: number}}
 */
export function findLeaks(secrets, run) {
  const streams = { log: run.visible, stderr: run.stderr, GITHUB_OUTPUT: run.outputText, summary: run.summary }
  const leaks = []
  let checks = 0
  for (const [name, secret] of secrets) {
    for (const [form, value] of Object.entries(secretEncodings(secret))) {
      for (const [stream, text] of Object.entries(streams)) {
        checks++
        if (text.includes(value)) leaks.push(`${name} (${form}) in ${stream}`)
      }
    }
  }
  return { leaks, checks }
}

/**
 * Runs dist/index.js once. Debug logging is on (RUNNER_DEBUG=1) unless `env` says otherwise, and
 * every run is scanned: if a secret it was given shows up, in any encoding, in the log as the
 * runner shows it, stderr, GITHUB_OUTPUT or the summary, the run throws, failing its test.
 * @param {object} options
 * @param {Record<string, string>} options.inputs the step's `with:` values
 * @param {Record<string, string>} [options.env] extra environment (e.g. ALIBABA_CLOUD_*)
 * @param {boolean} [options.defaults] pass action.yml defaults too (true, as the runner does)
 * @param {string} [options.bundle] the script to run (dist/index.js)
 * @param {boolean} [options.offline] resolve only loopback names (true; the benchmark turns it off to time the bare bundle)
 */
export async function runAction({ inputs, env = {}, defaults = true, bundle = BUNDLE, offline = true }) {
  const work = mkdtempSync(join(tmpdir(), 'sae-action-'))
  const outputFile = join(work, 'output')
  const summaryFile = join(work, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const all = { ...(defaults ? actionDefaults() : {}), ...inputs }
  const childEnv = {
    PATH: process.env.PATH ?? '',
    ...(process.env.SYSTEMROOT ? { SYSTEMROOT: process.env.SYSTEMROOT } : {}),
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: work,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_RUN_ID: '4242',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKFLOW: 'deploy',
    RUNNER_DEBUG: '1',
    ...Object.fromEntries(Object.entries(all).map(([name, value]) => [inputVariable(name), value])),
    ...env
  }
  const started = process.hrtime.bigint()
  const args = offline ? ['--import', pathToFileURL(OFFLINE_DNS).href, bundle] : [bundle]
  const child = spawn(node24(), args, { env: childEnv, cwd: work, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise((resolveExit) => child.on('close', (exitCode) => resolveExit(exitCode)))
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6
  const outputText = readFileSync(outputFile, 'utf8')
  const summary = readFileSync(summaryFile, 'utf8')
  rmSync(work, { recursive: true, force: true })
  const result = {
    code,
    stdout,
    stderr,
    outputText,
    outputs: parseOutputFile(outputText),
    summary,
    errors: stdout.split(/\r?\n/).filter((line) => line.startsWith('::error')),
    /**
     * stdout as the log shows it: the runner consumes ::add-mask:: commands, never displays them,
     * and shows other commands' data unescaped (%25 -> %, %0A -> newline).
     */
    visible: stdout
      .split(/\r?\n/)
      .filter((line) => !line.startsWith('::add-mask::'))
      .map((line) => (line.startsWith('::') ? line.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%') : line))
      .join('\n'),
    elapsedMs,
    startedAt: started
  }
  const { leaks } = findLeaks(givenSecrets(all, env), result)
  if (leaks.length > 0) throw new Error(`secrets leaked: ${leaks.join('; ')}`)
  return result
}

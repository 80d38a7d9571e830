// Runs the bundled action the way a GitHub runner does: `node dist/index.js` on Node 24, inputs
// as INPUT_* variables (action.yml defaults included), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY as
// files and RUNNER_TEMP as a folder. Used by the end-to-end tests, the demo and the benchmark.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parse } from 'yaml'
// The inputs that hold secrets, from the table of inputs (Node runs it as it is).
import { SECRET_INPUTS } from '../../src/inputs/table.ts'
import { readAsRunner } from './runner-model.mjs'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BUNDLE = join(ROOT, 'dist', 'index.js')
const OFFLINE_DNS = join(ROOT, 'devkit', 'harness', 'offline-dns.mjs')
const METADATA_ADDRESS = join(ROOT, 'devkit', 'harness', 'metadata-address.mjs')

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
    ...Object.fromEntries(SECRET_INPUTS.map((name) => [name, inputs[name]])),
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    ALIBABA_CLOUD_SECURITY_TOKEN: env.ALIBABA_CLOUD_SECURITY_TOKEN
  }
  if (inputs.username && inputs.password) secrets['user:pass'] = `${inputs.username}:${inputs.password}`
  extraRegistries(inputs['extra-registries']).forEach((item, index) => {
    if (typeof item?.password !== 'string') return
    secrets[`extra-registries item ${index + 1} password`] = item.password
    if (typeof item.username === 'string')
      secrets[`extra-registries item ${index + 1} user:pass`] = `${item.username}:${item.password}`
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
 * step could read of a run: the log as the action printed it (before the runner masks anything,
 * so a missing mask does not hide a leak), stderr, GITHUB_OUTPUT and the summary.
 * @param {Array<[string, string]>} secrets
 * @param {{printed: string, stderr: string, outputText: string, summary: string}} run
 * @returns {{leaks: string[], checks: number}}
 */
export function findLeaks(secrets, run) {
  const streams = { log: run.printed, stderr: run.stderr, GITHUB_OUTPUT: run.outputText, summary: run.summary }
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

const ADD_MASK = '::add-mask::'

/** A masker that hides nothing, for the log as the action printed it. */
const NO_MASKS = { addValue: () => true, mask: (text) => text ?? '' }

/**
 * stdout as the runner reads it (runner-model.mjs: lines end at LF, CR or CRLF; `::name::` commands
 * after leading white space, the legacy `##[name]` anywhere in a line; stop-commands; add-mask with
 * each line of a multi-line value; the runner's masker and its encodings). `visible` is the log as
 * the runner shows it, one line each (a command's own line as the runner logs it: `##[warning]text`,
 * debug lines only with step debugging); `printed` is the same with no mask applied. `runner` is the
 * whole model's reading (commands, stops, commands shown as text, annotations).
 * @param {string} stdout
 * @param {{stepDebug?: boolean}} [options] step debugging on (ACTIONS_STEP_DEBUG): debug lines are shown
 */
export function readLog(stdout, { stepDebug = false } = {}) {
  // The runner's echo of each command under step debugging (`::add-mask::***`) says nothing about the action: left out.
  const runner = readAsRunner(stdout, { stepDebug, echo: false })
  const unmasked = readAsRunner(stdout, { stepDebug, echo: false, masker: NO_MASKS })
  /** @type {Array<{value: string, line: number}>} each processed ::add-mask::, with its stdout line */
  const registered = runner.commands
    .filter((command) => command.command.toLowerCase() === 'add-mask' && command.effect === 'processed')
    .map((command) => ({ value: command.data, line: command.line }))
  // What the runner masks from each registration on: the value, and each trimmed line of it.
  const masking = registered.flatMap(({ value, line }) =>
    [...new Set([value, ...value.split(/[\r\n]+/).map((part) => part.trim())])]
      .filter((piece) => piece !== '')
      .map((piece) => ({ value: piece, line }))
  )
  return {
    lines: runner.lines,
    /** The masked values, in the order they were registered. */
    masks: registered.map((mask) => mask.value),
    registered,
    /** Each shown line, unmasked, with the stdout line it comes from. */
    shown: unmasked.shown,
    printed: unmasked.visible.join('\n'),
    visible: runner.visible.join('\n'),
    runner,
    /** Whether the runner masks `value` on stdout line `lineIndex` (0-based), i.e. it was registered on an earlier line. */
    maskedBefore: (value, lineIndex) => masking.some((mask) => mask.value === value && mask.line < lineIndex)
  }
}

/** The commands the action writes itself, through @actions/core (set-output only where GITHUB_OUTPUT is missing). */
const OWN_COMMANDS = new Set(['add-mask', 'debug', 'warning', 'error', 'set-output'])
/** Control characters: a line end, an ESC sequence, a bell... none belongs in the log. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Throws unless the runner, reading the run's stdout and stderr, sees no commands but the action's
 * own and no secret after masking:
 * - every command is one @actions/core wrote: the V2 form, at the very start of its line, one of
 *   add-mask, debug, warning, error (and set-output), with no properties (no file, line or title a
 *   text could forge); nothing on stderr is a command;
 * - commands were never stopped (`stop-commands`), no command was shown as text, none failed;
 * - no shown line holds a control character (a line end, an ANSI escape);
 * - none of `secrets` ([kind, value]) shows in any of its forms in the log as the runner shows it.
 * The message names lines and kinds, never a secret.
 * @param {{stdout: string, stderr: string}} run
 * @param {Array<[string, string]>} secrets
 * @param {ReturnType<typeof readLog>} [log] the stdout already read
 */
export function checkRunnerView(run, secrets, log = readLog(run.stdout, { stepDebug: true })) {
  const { runner } = log
  const problems = []
  for (const command of runner.commands) {
    const name = command.command.toLowerCase()
    const own =
      command.form === 'v2' &&
      OWN_COMMANDS.has(name) &&
      runner.lines[command.line].startsWith(`::${name}`) &&
      Object.keys(command.properties).every((key) => name === 'set-output' && key === 'name')
    if (!own)
      problems.push(
        `stdout line ${command.line + 1} is read as a command that is not the action's own (${command.form} ${command.command})`
      )
  }
  for (const stop of runner.stops) problems.push(`stdout line ${stop.line + 1} stopped the runner's commands`)
  for (const ignored of runner.ignored)
    problems.push(
      `stdout line ${ignored.line + 1}: the command ${ignored.command} was shown as text (${ignored.reason})`
    )
  if (runner.fatal)
    problems.push(`stdout line ${runner.fatal.line + 1} failed the step in the runner: ${runner.fatal.message}`)
  for (const { line, text } of log.shown)
    if (CONTROL.test(text)) problems.push(`stdout line ${line + 1} shows a control character`)
  const stderr = readAsRunner(run.stderr)
  if (stderr.commands.length > 0 || stderr.stops.length > 0) problems.push('stderr holds a command')
  for (const [kind, value] of secrets) {
    for (const [form, encoded] of Object.entries(secretEncodings(value))) {
      const at = runner.visible.findIndex((text) => text.includes(encoded))
      if (encoded.length >= 4 && at >= 0)
        problems.push(`${kind} (${form}) visible after masking, on shown line ${at + 1}`)
    }
  }
  if (problems.length > 0)
    throw new Error(`the runner would not read this run as the action's own: ${problems.join('; ')}`)
  return log
}

const DOCKER_HUB_KEY = 'https://index.docker.io/v1/'
const DOCKER_HUB_HOSTS = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']
const authKey = (host) => (DOCKER_HUB_HOSTS.includes(host) ? DOCKER_HUB_KEY : host)
const list = (text) =>
  (text ?? '')
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
const base64 = (text) => Buffer.from(text, 'utf8').toString('base64')

/**
 * The docker config each namespace's Secret gets, rebuilt here from the inputs (not by the action's
 * code), base64 as `.dockerconfigjson` holds it: one entry per domain of each registry, the main
 * registry's first (registry-domains as given, else ACR's VPC and public domains of the region).
 */
function expectedDockerConfigs(inputs, main, extras) {
  const given = list(inputs['registry-domains'])
  const configs = {}
  for (const namespace of list(inputs['namespace-id'])) {
    const region = inputs['registry-region']?.trim() || namespace.split(':')[0]
    const acr = inputs['acr-instance-name']?.trim()
    const domains =
      given.length > 0
        ? [...new Set(given.map((host) => host.toLowerCase()))].map(authKey)
        : acr
          ? [`${acr}-registry-vpc.${region}.cr.aliyuncs.com`, `${acr}-registry.${region}.cr.aliyuncs.com`]
          : [`registry-vpc.${region}.aliyuncs.com`, `registry.${region}.aliyuncs.com`]
    const auths = {}
    for (const [registryDomains, { username, password }] of [
      [domains, main],
      ...extras.map((extra) => [extra.domains, extra])
    ]) {
      for (const domain of registryDomains)
        auths[domain] = { username, password, auth: base64(`${username}:${password}`) }
    }
    configs[namespace] = base64(JSON.stringify({ auths }))
  }
  return configs
}

/** The hosts of an extra-registries item, as its `auths` keys. */
function extraDomains(registry) {
  const hosts = (Array.isArray(registry) ? registry : [registry])
    .map((host) => String(host).trim())
    .map((host) => (host === DOCKER_HUB_KEY ? 'docker.io' : host.toLowerCase()))
  return [...new Set([...new Set(hosts)].map(authKey))]
}

/**
 * What the action must have masked, by when (SECURITY.md, "Masked, before anything could print them"),
 * each as [kind, value]:
 * - `given`, the secrets the step was given: the password, access-key-secret and security-token
 *   inputs as the action reads them (trimmed), ALIBABA_CLOUD_ACCESS_KEY_SECRET and
 *   ALIBABA_CLOUD_SECURITY_TOKEN, the password of the proxy URL Node uses. Masked before input
 *   validation, so before the log's first line in every run.
 * - `derived`, what the plan computes from them: each extra-registries password, the base64
 *   `user:password` of every registry, and the base64 docker config of each namespace. Masked once
 *   the inputs are read, before the log's first line, which comes after every input check and
 *   before any request; a run that ends in an input error may have stopped before deriving them
 *   (and made no request), so it owes none of them.
 */
function promisedMasks(inputs, env) {
  const read = (name) => (inputs[name] ?? '').trim()
  const given = [
    ...SECRET_INPUTS.map((name) => [name, read(name)]),
    ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? ''],
    ['ALIBABA_CLOUD_SECURITY_TOKEN', env.ALIBABA_CLOUD_SECURITY_TOKEN ?? '']
  ]
  for (const name of ['https_proxy', 'http_proxy']) {
    // As Node reads them: the lower-case variable wins.
    const variable = [name, name.toUpperCase()].find((key) => env[key]?.trim())
    try {
      const password = decodeURIComponent(new URL(env[variable].trim()).password)
      given.push([`the proxy password of ${variable}`, password])
    } catch {
      // No such variable, or no URL: no credentials.
    }
  }
  const derived = []
  if (read('state') !== 'absent') {
    const main = { username: read('username'), password: read('password') }
    const extras = extraRegistries(inputs['extra-registries']).map((item) => ({
      ...item,
      domains: extraDomains(item?.registry)
    }))
    derived.push(['base64 auth of the main registry', base64(`${main.username}:${main.password}`)])
    extras.forEach((extra, index) => {
      derived.push(
        [`extra-registries item ${index + 1} password`, extra.password],
        [`base64 auth of extra-registries item ${index + 1}`, base64(`${extra.username}:${extra.password}`)]
      )
    })
    for (const [namespace, config] of Object.entries(expectedDockerConfigs(inputs, main, extras)))
      derived.push([`base64 docker config of ${namespace}`, config])
  }
  const named = (pairs) => pairs.filter(([, value]) => typeof value === 'string' && value.trim() !== '')
  return { given: named(given), derived: named(derived) }
}

/**
 * Throws unless stdout registered every mask the action promises, in every form SECURITY.md lists
 * (as is, URL-, form- and JSON-encoded, base64), in time for the runner to hide it:
 * - given and derived secrets (promisedMasks) before the log's first line (the first stdout line
 *   that is not a mask); derived ones unless the run ended in an input error;
 * - `expectMasked` ({kind: value}: what a run learns on the way, a registry's token, a stored
 *   Secret's credentials, OIDC keys) at some line, and before any printed line that holds it.
 * The message names each value by its kind and form, never the value.
 * @param {string} stdout
 * @param {{inputs: Record<string, string>, env?: Record<string, string>, expectMasked?: Record<string, string>}} expected
 *   `inputs` as the runner passed them (action.yml defaults included)
 */
export function checkMasks(
  stdout,
  { inputs, env = {}, expectMasked = {} },
  log = readLog(stdout, { stepDebug: true })
) {
  const first = log.lines.findIndex((line) => line.trim() !== '' && !line.startsWith(ADD_MASK))
  const firstLine = first === -1 ? log.lines.length : first
  // Input errors come before any request; such a run may have stopped before deriving anything.
  const stoppedAtInput = log.lines.some((line) => line.startsWith("::error::Input '"))
  const { given, derived } = promisedMasks(inputs, env)
  const problems = []
  const forms = (kind, value) =>
    Object.entries(secretEncodings(value)).map(([form, encoded]) => [`${kind} (${form})`, encoded])
  const registeredAt = (value) => log.registered.find((mask) => mask.value === value)?.line
  for (const [kind, value] of [...given, ...(stoppedAtInput ? [] : derived)]) {
    for (const [what, encoded] of forms(kind, value)) {
      const at = registeredAt(encoded)
      if (at === undefined) problems.push(`${what} never masked`)
      else if (at > firstLine)
        problems.push(`${what} masked at stdout line ${at + 1}, after the log's first line (${firstLine + 1})`)
    }
  }
  for (const [kind, value] of Object.entries(expectMasked)) {
    for (const [what, encoded] of forms(kind, value)) {
      const at = registeredAt(encoded)
      const early =
        at === undefined ? undefined : log.shown.find(({ line, text }) => line < at && text.includes(encoded))
      if (at === undefined) problems.push(`${what} never masked`)
      else if (early) problems.push(`${what} masked at stdout line ${at + 1}, after line ${early.line + 1} printed it`)
    }
  }
  if (problems.length > 0)
    throw new Error(`masks missing or late (the runner would show these to later steps): ${problems.join('; ')}`)
  return log
}

/**
 * One step's share of a runner: a work directory with the output and summary files, and the
 * environment the runner gives the step (its inputs as INPUT_*, action.yml's defaults first unless
 * `defaults` is false, debug logging on, then `env`). `collect()` reads the two files and removes
 * the directory.
 * @param {Record<string, string>} inputs
 * @param {Record<string, string>} [env]
 * @param {{defaults?: boolean, prefix?: string}} [options]
 */
export function stepEnvironment(inputs, env = {}, { defaults = true, prefix = 'sae-action-' } = {}) {
  const work = mkdtempSync(join(tmpdir(), prefix))
  const outputFile = join(work, 'output')
  const summaryFile = join(work, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const all = { ...(defaults ? actionDefaults() : {}), ...inputs }
  return {
    work,
    /** The inputs the step got, defaults included. */
    all,
    env: {
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
    },
    collect() {
      const outputText = readFileSync(outputFile, 'utf8')
      const summary = readFileSync(summaryFile, 'utf8')
      rmSync(work, { recursive: true, force: true })
      return { outputText, summary }
    }
  }
}

/**
 * Runs dist/index.js once. Debug logging is on (RUNNER_DEBUG=1) unless `env` says otherwise, and
 * every run is checked twice, throwing (failing its test) on either:
 * - leaks: a secret it was given shows up, in any encoding, in the log as printed (masks aside),
 *   stderr, GITHUB_OUTPUT or the summary (findLeaks);
 * - masks: each secret the action promises to mask was registered, in every form, before the
 *   runner could show it (checkMasks), so a later step's output of it is `***` too;
 * - the runner's reading (checkRunnerView): no command but the action's own, never stopped, no
 *   control character shown, and no secret (given or `expectMasked`) visible after masking.
 * @param {object} options
 * @param {Record<string, string>} options.inputs the step's `with:` values
 * @param {Record<string, string>} [options.env] extra environment (e.g. ALIBABA_CLOUD_*)
 * @param {boolean} [options.defaults] pass action.yml defaults too (true, as the runner does)
 * @param {string} [options.bundle] the script to run (dist/index.js)
 * @param {boolean} [options.offline] resolve only loopback names, and keep the bundle from the ECS metadata
 *   address (true; the benchmark turns it off to time the bare bundle, whose runs all have keys)
 * @param {Record<string, string> | (() => Record<string, string>)} [options.expectMasked] more values the run
 *   must mask, by kind (a stored Secret's credentials, a registry's token); a function is called once
 *   the run has ended, for values a peer issued during it
 * @param {boolean} [options.ownNetwork] the run is inside a network namespace of the test's own
 *   (devkit/harness/netns.mjs), so it may connect to the ECS metadata address, which there exists only
 *   on that namespace's loopback; otherwise metadata-address.mjs keeps it from that address
 */
export async function runAction({
  inputs,
  env = {},
  defaults = true,
  bundle = BUNDLE,
  offline = true,
  expectMasked = {},
  ownNetwork = false
}) {
  const step = stepEnvironment(inputs, env, { defaults })
  const { all, work } = step
  const started = process.hrtime.bigint()
  // Never the metadata address from this machine's own network: a loopback fake, or refused at once.
  const guard = ownNetwork || !offline ? [] : ['--import', pathToFileURL(METADATA_ADDRESS).href]
  const args = [...guard, ...(offline ? ['--import', pathToFileURL(OFFLINE_DNS).href] : []), bundle]
  const child = spawn(node24(), args, { env: step.env, cwd: work, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise((resolveExit) => child.on('close', (exitCode) => resolveExit(exitCode)))
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6
  const { outputText, summary } = step.collect()
  const stepDebug = step.env.RUNNER_DEBUG === '1'
  const log = readLog(stdout, { stepDebug })
  const result = {
    code,
    stdout,
    stderr,
    outputText,
    outputs: parseOutputFile(outputText),
    summary,
    errors: stdout.split(/\r?\n/).filter((line) => line.startsWith('::error')),
    /** The log as the runner shows it: no ::add-mask:: line, every value masked from the line after its registration (readLog). */
    visible: log.visible,
    /** The runner's whole reading of stdout: commands, stops, commands shown as text, annotations (runner-model.mjs). */
    runner: log.runner,
    /** The same log with no mask applied: what the action itself printed. */
    printed: log.printed,
    /** The values the run registered as masks, in order. */
    masks: log.masks,
    maskedBefore: log.maskedBefore,
    elapsedMs,
    startedAt: started
  }
  const given = givenSecrets(all, env)
  const { leaks } = findLeaks(given, result)
  if (leaks.length > 0) throw new Error(`secrets leaked: ${leaks.join('; ')}`)
  const learnt = typeof expectMasked === 'function' ? expectMasked() : expectMasked
  checkMasks(stdout, { inputs: all, env, expectMasked: learnt }, log)
  checkRunnerView(result, [...given, ...Object.entries(learnt)], log)
  return result
}

#!/usr/bin/env node
// CI's Linux job on this machine: reads .github/workflows/ci.yml, clones this repository's HEAD
// fresh into a temp folder (no node_modules, no dist/ rebuilt, nothing left from a working tree) and
// runs the job's `run:` steps there in order, as GitHub's runner runs them (bash --noprofile --norc
// -eo pipefail, the job's and the step's env, CI=true, working-directory). `uses:` steps belong to
// the runner and are skipped, each said so: the clone stands in for actions/checkout, this machine's
// Node for actions/setup-node. Prints each step's exit status and time; the first step that fails
// ends the job, as on GitHub, and its status is this script's.
//
//   node scripts/ci-linux-steps.mjs [--job gate] [--keep]
//
// --job: the job of ci.yml to run (default: gate, the one that runs .ci/run); --keep: leave the
// clone in place and print where it is. Commit first: uncommitted changes are not in the clone.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parse } from 'yaml'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values: options } = parseArgs({
  options: { job: { type: 'string', default: 'gate' }, keep: { type: 'boolean', default: false } }
})

const git = (...args) => {
  const result = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr.trim()}`)
  return result.stdout.trim()
}
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`
const say = (line) => process.stdout.write(`[ci-linux-steps] ${line}\n`)

/** The job's steps, refused when they need what only the runner can give (expressions, conditions). */
function jobSteps(workflow, name) {
  const job = workflow.jobs?.[name]
  if (!job) throw new Error(`ci.yml has no job ${name}; it has ${Object.keys(workflow.jobs ?? {}).join(', ')}`)
  if (typeof job['runs-on'] !== 'string' || !job['runs-on'].startsWith('ubuntu-')) {
    throw new Error(`job ${name} runs on ${JSON.stringify(job['runs-on'])}, not on an Ubuntu runner`)
  }
  for (const [index, step] of job.steps.entries()) {
    const expressions = JSON.stringify({ run: step.run, env: step.env, if: step.if, jobEnv: job.env })
    if (step.run !== undefined && (expressions.includes('${{') || step.if !== undefined)) {
      throw new Error(`step ${index + 1} of ${name} needs the runner's expressions or conditions: not run here`)
    }
    if (step.run !== undefined && step.shell !== undefined && step.shell !== 'bash') {
      throw new Error(`step ${index + 1} of ${name} asks for shell ${step.shell}: this script runs bash steps only`)
    }
  }
  return { job, steps: job.steps }
}

/**
 * This machine's environment as a runner's would be: CI=true, and nothing of this worktree's npm
 * (started through `npm run`, PATH would put its node_modules/.bin, and its Node 24, first).
 */
function runnerEnvironment() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')))
  env.PATH = (env.PATH ?? '')
    .split(':')
    .filter((folder) => !folder.includes('node_modules'))
    .join(':')
  return { ...env, CI: 'true' }
}

const start = performance.now()
const workflow = parse(readFileSync(join(ROOT, '.github', 'workflows', 'ci.yml'), 'utf8'))
const { job, steps } = jobSteps(workflow, options.job)
const head = git('rev-parse', 'HEAD')
if (git('status', '--porcelain', '--untracked-files=no') !== '') {
  say('the working tree has uncommitted changes: they are not in the clone, which is HEAD')
}

const work = mkdtempSync(join(tmpdir(), 'ci-linux-steps-'))
const clone = join(work, 'repository')
const cloned = performance.now()
git('clone', '--quiet', '--no-checkout', ROOT, clone)
git('-C', clone, 'checkout', '--quiet', '--detach', head)
say(`job ${options.job} of .github/workflows/ci.yml (runs-on: ${job['runs-on']}), ${steps.length} steps`)
say(`fresh clone of ${head} in ${clone} (${seconds(cloned)})`)

let status = 0
for (const [index, step] of steps.entries()) {
  const label = `step ${index + 1}/${steps.length}`
  if (step.uses !== undefined) {
    const stand = step.uses.startsWith('actions/checkout@')
      ? 'the fresh clone stands in for it'
      : step.uses.startsWith('actions/setup-node@')
        ? `this machine's node ${process.version} stands in for it (it asks for ${JSON.stringify(step.with ?? {})})`
        : 'not run here'
    say(`${label}: uses ${step.uses}: skipped, the runner's own step; ${stand}`)
    continue
  }
  const script = join(work, `step-${index + 1}.sh`)
  writeFileSync(script, step.run)
  say(`${label}: run ${JSON.stringify(step.run.trim())}`)
  const began = performance.now()
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd: join(clone, step['working-directory'] ?? '.'),
    stdio: 'inherit',
    env: { ...runnerEnvironment(), ...job.env, ...step.env }
  })
  status = result.status ?? 1
  say(`${label}: exit ${status}${result.signal ? ` (${result.signal})` : ''} in ${seconds(began)}`)
  if (status !== 0) break
}

say(`job ${options.job}: exit ${status} in ${seconds(start)} (clone and steps)`)
if (options.keep) say(`clone kept: ${clone}`)
else rmSync(work, { recursive: true, force: true })
process.exitCode = status

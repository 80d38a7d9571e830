// Runs dist/index.js as the runner does (as runAction does) and times each stdout chunk and the
// exit, for the clean-exit tests (test/e2e/clean-exit.test.ts, and test/peers/e2e/clean-exit.test.ts
// against squid): runAction times only the whole run. A run still alive CAP_MS after its last line
// is killed.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { BUNDLE, checkMasks, node24, ROOT, stepEnvironment } from '../../devkit/harness/action-runner.mjs'

const OFFLINE_DNS = pathToFileURL(join(ROOT, 'devkit', 'harness', 'offline-dns.mjs')).href
/** How long after its last line a run may live before it is killed (and its test fails). */
export const CAP_MS = 10_000
/** The bound the clean-exit tests hold: from a run's last line to its exit. */
export const EXIT_AFTER_LAST_LINE_MS = 1000

export interface TimedRun {
  code: number | null
  stdout: string
  stderr: string
  /** The log as the action printed it, before the runner's masks (what findLeaks scans). */
  printed: string
  outputText: string
  summary: string
  errors: string[]
  /** From the last stdout chunk to the process's exit (or to its kill, CAP_MS later). */
  lastLineToExitMs: number
  killed: boolean
}

/** dist/index.js as the runner runs it (as runAction does), with the time of every stdout chunk and of the exit. */
export async function runTimed(inputs: Record<string, string>, env: Record<string, string>): Promise<TimedRun> {
  const step = stepEnvironment(inputs, env, { prefix: 'sae-exit-' })
  const child = spawn(node24(), ['--import', OFFLINE_DNS, BUNDLE], {
    cwd: step.work,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: step.env
  })
  let stdout = ''
  let stderr = ''
  let lastLineAt = process.hrtime.bigint()
  let killed = false
  let cap: NodeJS.Timeout | undefined
  const armCap = () => {
    if (cap) clearTimeout(cap)
    cap = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, CAP_MS)
  }
  armCap()
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk
    lastLineAt = process.hrtime.bigint()
    armCap()
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)))
  const exitedAt = process.hrtime.bigint()
  clearTimeout(cap)
  await new Promise((resolve) => (child.stdout.readableEnded ? resolve(undefined) : child.stdout.once('end', resolve)))
  const { outputText, summary } = step.collect()
  // As runAction does: every secret masked in time for the runner to hide it.
  const { printed } = checkMasks(stdout, { inputs: step.all, env })
  return {
    code,
    stdout,
    stderr,
    printed,
    outputText,
    summary,
    errors: stdout.split(/\r?\n/).filter((line) => line.startsWith('::error')),
    lastLineToExitMs: Number(exitedAt - lastLineAt) / 1e6,
    killed
  }
}

/** Printed for the record: what each case measures today, pass or fail. */
export function report(name: string, run: TimedRun) {
  process.stderr.write(
    `clean-exit: ${name}: last line -> exit ${run.killed ? `> ${CAP_MS} ms (killed)` : `${run.lastLineToExitMs.toFixed(0)} ms`}\n`
  )
}

// What the @actions/github bundles share: the run's link read from github.context, and the wall and
// main-thread CPU time an import took, appended to BENCH_GITHUB_FILE, a line per run.
import { appendFileSync } from 'node:fs'

export const runLink = (context) =>
  `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`

/** Runs `load` (an import of @actions/github) and records what it cost. */
export async function timed(load) {
  const cpu = process.threadCpuUsage()
  const started = performance.now()
  const github = await load()
  const link = runLink(github.context)
  const spent = process.threadCpuUsage(cpu)
  appendFileSync(
    process.env.BENCH_GITHUB_FILE,
    `${JSON.stringify({ wallMs: performance.now() - started, threadCpuMs: (spent.user + spent.system) / 1000, link })}\n`
  )
  return github
}

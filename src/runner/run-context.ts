// The run this step belongs to, as @actions/github's `context` reads it from the runner: the
// repository, the run and its attempt, the workflow, the server (GitHub Enterprise Server's own).
// Its entry loads Octokit (+9 % of start-up CPU, measured: scripts/bench/github.mjs), so it is
// imported only on the summary path, after the outputs; what the first request needs (the user
// agent, the default STS session name) is read from the two variables `context` itself reads
// (test/unit/runner/run-context.test.ts holds the two readings equal).
import type { RunLink } from '../report/summary.js'

export interface RunInfo {
  repository?: string
  runId?: number
  runAttempt?: number
  workflow?: string
  serverUrl: string
}

/** The repository and run id, as `context.repo` and `context.runId` read them, without loading it: for the start-up path. */
export function runOnStartup(env: NodeJS.ProcessEnv): Pick<RunInfo, 'repository' | 'runId'> {
  const runId = Number.parseInt(env.GITHUB_RUN_ID ?? '', 10)
  return {
    repository: env.GITHUB_REPOSITORY || undefined,
    runId: Number.isSafeInteger(runId) && runId > 0 ? runId : undefined
  }
}

export async function readRun(): Promise<RunInfo> {
  const { context } = await import('@actions/github')
  const positive = (value: number) => (Number.isSafeInteger(value) && value > 0 ? value : undefined)
  let repository: string | undefined
  try {
    repository = `${context.repo.owner}/${context.repo.repo}`
  } catch {
    // Neither GITHUB_REPOSITORY nor an event payload: a local run.
  }
  return {
    repository,
    runId: positive(context.runId),
    runAttempt: positive(context.runAttempt),
    workflow: context.workflow || undefined,
    serverUrl: context.serverUrl
  }
}

/** The run's page; an attempt after the first has its own. */
export function runLink(run: RunInfo): RunLink {
  const attempt = run.runAttempt && run.runAttempt > 1 ? `/attempts/${run.runAttempt}` : ''
  const runUrl =
    run.repository && run.runId
      ? `${run.serverUrl.replace(/\/$/, '')}/${run.repository}/actions/runs/${run.runId}${attempt}`
      : undefined
  return { repository: run.repository, runUrl, workflow: run.workflow }
}

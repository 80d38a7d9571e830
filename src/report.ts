// What a run reports, rendered as text: the `results` output, the one failure line, the job
// summary. Pure: values in, strings out (outputs.ts writes them).
import { failureCode } from './errors.js'
import type { NamespaceOutcome, Provisioned } from './provision.js'

export interface SummaryRow {
  namespaceId: string
  secretName: string
  domains: string[]
  secretId?: number
  result: string
}

/** The `results` output: every namespace that succeeded, keyed by its ID. */
export function resultsOutput(outcomes: NamespaceOutcome[]): string {
  const results: Record<string, Provisioned> = {}
  for (const { namespaceId, outcome } of outcomes) {
    if (outcome.ok) {
      const { secretId, result } = outcome.value
      results[namespaceId] = secretId === undefined ? { result } : { secretId, result }
    }
  }
  return JSON.stringify(results)
}

/**
 * One line naming every failed namespace with its code and reason, or undefined when all
 * succeeded. Namespaces that failed for the same reason (one refused login, say) share it.
 */
export function failureLine(outcomes: NamespaceOutcome[]): string | undefined {
  const failed = outcomes.flatMap(({ namespaceId, outcome }) => (outcome.ok ? [] : [{ namespaceId, error: outcome.error }]))
  if (failed.length === 0) return undefined
  if (outcomes.length === 1) return messageOf(failed[0].error)
  const codes = failed.map(({ namespaceId, error }) => `${namespaceId} ${failureCode(error)}`).join(', ')
  const byReason = new Map<string, string[]>()
  for (const { namespaceId, error } of failed) byReason.set(messageOf(error), [...(byReason.get(messageOf(error)) ?? []), namespaceId])
  const reasons = [...byReason].map(([reason, namespaces]) => `${namespaces.join(', ')}: ${reason}`).join(' | ')
  return `${failed.length} of ${outcomes.length} namespaces failed (${codes}) — ${reasons}`
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export interface RunLink {
  repository?: string
  runUrl?: string
  workflow?: string
}

/** The run's page, from the variables every runner sets (GITHUB_SERVER_URL is absent on old GHES). */
export function runLink(env: NodeJS.ProcessEnv): RunLink {
  const repository = env.GITHUB_REPOSITORY
  const runId = env.GITHUB_RUN_ID
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  return { repository, runUrl: repository && runId ? `${server}/${repository}/actions/runs/${runId}` : undefined, workflow: env.GITHUB_WORKFLOW }
}

/** The job summary: a table of what each namespace got. Never a credential: only names, IDs and domains. */
export function renderSummary(rows: SummaryRow[], link: RunLink, dryRun: boolean): string {
  const escape = (text: string) => text.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`)
  const lines = [
    `## SAE image-pull Secret${dryRun ? ' (dry run: nothing was called)' : ''}`,
    '',
    '| Namespace | Secret name | SecretId | Result | Registry domains |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${escape(row.namespaceId)} | ${escape(row.secretName)} | ${row.secretId ?? '–'} | ${escape(row.result)} | ${row.domains.length > 0 ? row.domains.map(escape).join('<br>') : '–'} |`
    )
  ]
  if (link.runUrl) {
    lines.push('', `Provisioned by [${escape(link.workflow ?? 'this workflow')}](${link.runUrl})${link.repository ? ` in ${escape(link.repository)}` : ''}.`)
  }
  return `${lines.join('\n')}\n`
}

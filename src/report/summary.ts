// What a run reports, rendered as text: the `results` output, the one failure line, the job
// summary. Pure: values in, strings out (outputs.ts writes them).
import { failureCode } from '../domain/errors.js'
import type { NamespaceOutcome } from '../sae/provision.js'
import type { RelatedApp } from '../domain/model.js'

export interface SummaryRow {
  namespaceId: string
  secretName: string
  domains: string[]
  secretId?: number
  result: string
  relatedApps?: RelatedApp[]
}

/** The `results` output: every namespace that succeeded, keyed by its ID, with the applications that use its Secret. */
export function resultsOutput(outcomes: NamespaceOutcome[]): string {
  const results: Record<string, { secretId?: number; result: string; relatedApps: RelatedApp[] }> = {}
  for (const { namespaceId, outcome } of outcomes) {
    if (!outcome.ok) continue
    const { secretId, result, relatedApps } = outcome.value
    results[namespaceId] = { ...(secretId === undefined ? {} : { secretId }), result, relatedApps }
  }
  return JSON.stringify(results)
}

/**
 * Every namespace fails with the run's refusal (a registry check that said no), whatever its own
 * outcome: even where nothing needed writing, the Secret would not pull.
 */
export function failedBy(outcomes: NamespaceOutcome[], refusal: Error | undefined): NamespaceOutcome[] {
  if (!refusal) return outcomes
  return outcomes.map(({ namespaceId, outcome }) => ({
    namespaceId,
    outcome: outcome.ok ? { ok: false, error: refusal } : outcome
  }))
}

/**
 * One line naming every failed namespace with its code and reason, or undefined when all
 * succeeded. Namespaces that failed for the same reason (one refused login, say) share it.
 */
export function failureLine(outcomes: NamespaceOutcome[]): string | undefined {
  const failed = outcomes.flatMap(({ namespaceId, outcome }) =>
    outcome.ok ? [] : [{ namespaceId, error: outcome.error }]
  )
  if (failed.length === 0) return undefined
  if (outcomes.length === 1) return messageOf(failed[0].error)
  const byReason = new Map<string, string[]>()
  for (const { namespaceId, error } of failed)
    byReason.set(messageOf(error), [...(byReason.get(messageOf(error)) ?? []), namespaceId])
  const codes = failed.map(({ namespaceId, error }) => `${namespaceId} ${failureCode(error)}`).join(', ')
  const reasons = [...byReason].map(([reason, namespaces]) => `${namespaces.join(', ')}: ${reason}`).join(' | ')
  return `${failed.length} of ${outcomes.length} namespaces failed (${codes}) — ${reasons}`
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The run's page, for the summary's last line. */
export interface RunLink {
  repository?: string
  runUrl?: string
  workflow?: string
}

/**
 * Markdown that shows `text` as it is, inside a table cell or a sentence: GitHub renders nothing of
 * it (no emphasis, strikethrough, HTML, entity, link or autolink). A line break, which would end
 * the table row (or start a block), shows as a space.
 */
export function escapeMarkdown(text: string): string {
  return (
    text
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .replace(/[|\\`*_~<>[\]&@]/g, (c) => `\\${c}`)
      // GFM links a bare `scheme://…` or `www.…`; an escaped `:` or `.` is not one.
      .replace(/:\/\//g, '\\://')
      .replace(/\b(www)\./gi, '$1\\.')
  )
}

/**
 * The job summary: a table of what each namespace got and, for a dry run, the plan as logged. Never
 * a credential: only names, IDs, applications, domains and (in a plan) usernames and key IDs.
 */
export function renderSummary(rows: SummaryRow[], link: RunLink, dryRun: boolean, plan: string[] = []): string {
  const escape = escapeMarkdown
  const apps = (row: SummaryRow) =>
    row.relatedApps && row.relatedApps.length > 0
      ? row.relatedApps.map((app) => escape(`${app.appName} (${app.appId})`)).join('<br>')
      : '–'
  const lines = [
    `## SAE image-pull Secret${dryRun ? ' (dry run: no SAE API was called)' : ''}`,
    '',
    '| Namespace | Secret name | SecretId | Result | Used by | Registry domains |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${escape(row.namespaceId)} | ${escape(row.secretName)} | ${row.secretId ?? '–'} | ${escape(row.result)} | ${apps(row)} | ${row.domains.length > 0 ? row.domains.map(escape).join('<br>') : '–'} |`
    ),
    ...(plan.length > 0 ? ['', 'The plan (nothing was written):', '', ...plan.map((line) => `- ${escape(line)}`)] : []),
    ...runLine(link, dryRun ? 'Planned' : 'Provisioned')
  ]
  return `${lines.join('\n')}\n`
}

/**
 * The job summary of a step that failed outside any namespace: what failed, and what to do (the
 * error says both), and whether a Secret was written before it failed (`written`: the log's lines).
 */
export function renderFailureSummary(message: string, link: RunLink, written: string[] = []): string {
  const changes =
    written.length === 0
      ? ['No Secret was created, changed or deleted.']
      : ['Written before the failure (see the log):', '', ...written.map((line) => `- ${escapeMarkdown(line)}`)]
  return (
    [
      `## SAE image-pull Secret: failed`,
      '',
      escapeMarkdown(message),
      '',
      ...changes,
      ...runLine(link, 'Provisioned')
    ].join('\n') + '\n'
  )
}

function runLine(link: RunLink, verb: string): string[] {
  if (!link.runUrl) return []
  return [
    '',
    `${verb} by [${escapeMarkdown(link.workflow ?? 'this workflow')}](${link.runUrl})${link.repository ? ` in ${escapeMarkdown(link.repository)}` : ''}.`
  ]
}

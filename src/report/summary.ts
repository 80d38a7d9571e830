// The job summary, rendered as Markdown: a row per namespace, the plan of a dry run, the failure of
// a step that failed outside any namespace. Pure: values in, text out (runner/step-report.ts writes it).
import type { RelatedApp } from '../domain/model.js'
import type { NamespaceOutcome } from '../sae/provision.js'
import type { NamespacePlan } from '../secret/plan.js'
import { escapeMarkdown } from './markdown.js'
import { failureCode } from './results.js'

export interface SummaryRow {
  namespaceId: string
  secretName: string
  domains: string[]
  secretId?: number
  result: string
  relatedApps?: RelatedApp[]
}

/** The run's page, for the summary's last line. */
export interface RunLink {
  repository?: string
  runUrl?: string
  workflow?: string
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

/** A row per namespace of a run that called SAE: what it got, or the code it failed with. */
export function summaryRows(plans: NamespacePlan[], outcomes: NamespaceOutcome[]): SummaryRow[] {
  return outcomes.map(({ namespaceId, outcome }, index) => ({
    namespaceId,
    secretName: plans[index].secretName,
    domains: plans[index].domains,
    secretId: outcome.ok ? outcome.value.secretId : undefined,
    relatedApps: outcome.ok ? outcome.value.relatedApps : undefined,
    result: outcome.ok
      ? outcome.value.result + (outcome.value.drifted ? ' (differs: see warning)' : '')
      : `failed: ${failureCode(outcome.error)}`
  }))
}

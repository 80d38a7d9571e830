// Workflows that use the action, checked against action.yml (scripts/validate-action.mjs, which
// `npm run validate-action` runs in CI): a user copies the README's examples, so a misspelt input,
// a value outside its set or an output that does not exist must be refused here, not in their run.
// And what zizmor's high-severity audits look for (template injection, persisted checkout credentials,
// excessive permissions, unpinned actions), which CI's zizmor job audits too but this machine cannot
// run: refused in deliberately wrong workflows, absent from ours. Dependabot with a cooldown.
import { describe, expect, test } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import {
  checkActionUses,
  checkWorkflowSecurity,
  contextReferences,
  EXAMPLE_POLICY,
  exampleFiles,
  INPUT_VALUES,
  PERSISTED_CHECKOUTS,
  readActionMetadata,
  readmeExamples,
  REQUIRED_UNLESS,
  WRITE_GRANTS,
  workflowPolicy
} from '../../scripts/validate-action.mjs'

const action = readActionMetadata()
const workflowDir = join('.github', 'workflows')
const workflows = readdirSync(workflowDir).filter((file) => file.endsWith('.yml'))

/** A workflow of one job whose first step runs the action with `withLines` (YAML, indented 10). */
function workflow(withLines: string, later = ''): string {
  return [
    'on: push',
    'jobs:',
    '  deploy:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - id: pull-secret',
    '        uses: sae-image-pull-secret/sae-image-pull-secret@v3',
    '        with:',
    ...withLines.split('\n').map((line) => `          ${line}`),
    later
  ].join('\n')
}
const CREDENTIALS = 'username: ${{ secrets.U }}\npassword: ${{ secrets.P }}'
const problems = (source: string) => checkActionUses(source, 'w.yml', action).problems

describe('deliberately wrong workflows are refused, naming the workflow, the step and the key', () => {
  test.each([
    [
      'if-exists-typo.yml',
      'test/fixtures/workflows/if-exists-typo.yml:13: jobs.deploy.steps[0] (pull-secret): with.if-exists is "updte"; it takes skip, update or fail (did you mean update?)'
    ],
    [
      'unknown-input.yml',
      'test/fixtures/workflows/unknown-input.yml:15: jobs.deploy.steps[0] (Image-pull Secret): with.registry-password is not an input of the action'
    ],
    [
      'wrong-output.yml',
      'test/fixtures/workflows/wrong-output.yml:17: jobs.deploy.steps[1] (Deploy): env.SECRET_ID reads steps.x.outputs.secretid, but jobs.deploy.steps[0] (x) runs the action, which has no output secretid (it has secret-id, result, results) (did you mean secret-id?)'
    ]
  ])('%s', (file, message) => {
    const path = `test/fixtures/workflows/${file}`
    expect(checkActionUses(readFileSync(path, 'utf8'), path, action)).toEqual({ problems: [message], steps: 1 })
  })

  test('a required input missing, and username/password without state: absent', () => {
    expect(problems(workflow('namespace-id: cn-hangzhou:prod'))).toEqual([
      'w.yml:6: jobs.deploy.steps[0] (pull-secret): with.secret-name is missing; it is required',
      'w.yml:6: jobs.deploy.steps[0] (pull-secret): with.username is missing; it is required unless state is absent',
      'w.yml:6: jobs.deploy.steps[0] (pull-secret): with.password is missing; it is required unless state is absent'
    ])
  })

  test('an empty value is a missing one (the runner passes "", the action refuses it)', () => {
    expect(problems(workflow(`namespace-id: cn-hangzhou:prod\nsecret-name: ""\n${CREDENTIALS}`))).toEqual([
      'w.yml:6: jobs.deploy.steps[0] (pull-secret): with.secret-name is missing; it is required'
    ])
  })

  test('booleans take true or false, as the action reads them', () => {
    const base = `namespace-id: cn-hangzhou:prod\nsecret-name: s\n${CREDENTIALS}`
    expect(problems(workflow(`${base}\nverify-login: yes\ndry-run: "1"`))).toEqual([
      'w.yml:13: jobs.deploy.steps[0] (pull-secret): with.verify-login is "yes"; it takes true or false',
      'w.yml:14: jobs.deploy.steps[0] (pull-secret): with.dry-run is "1"; it takes true or false'
    ])
    expect(problems(workflow(`${base}\nverify-login: False\ndry-run: TRUE`))).toEqual([])
  })

  test('state takes present or absent; outputs are read in if: and in the job outputs too', () => {
    const source = workflow(
      'namespace-id: cn-hangzhou:prod\nsecret-name: s\nstate: abscent',
      [
        "      - if: steps.pull-secret.outputs.status == 'deleted'",
        '        run: "true"',
        '    outputs:',
        "      id: ${{ steps['pull-secret'].outputs['secretId'] }}"
      ].join('\n')
    )
    expect(problems(source)).toEqual([
      'w.yml:11: jobs.deploy.steps[0] (pull-secret): with.state is "abscent"; it takes present or absent (did you mean absent?)',
      'w.yml:6: jobs.deploy.steps[0] (pull-secret): with.username is missing; it is required unless state is absent',
      'w.yml:6: jobs.deploy.steps[0] (pull-secret): with.password is missing; it is required unless state is absent',
      'w.yml:12: jobs.deploy.steps[1]: if reads steps.pull-secret.outputs.status, but jobs.deploy.steps[0] (pull-secret) runs the action, which has no output status (it has secret-id, result, results)',
      'w.yml:15: jobs.deploy: outputs.id reads steps.pull-secret.outputs.secretId, but jobs.deploy.steps[0] (pull-secret) runs the action, which has no output secretId (it has secret-id, result, results) (did you mean secret-id?)'
    ])
  })
})

describe('what is accepted', () => {
  test('state: absent needs no registry credentials; expressions are not judged', () => {
    expect(problems(workflow('namespace-id: cn-hangzhou:prod\nsecret-name: s\nstate: absent'))).toEqual([])
    // An expression may be anything at run time: a state from an expression waives nothing we can see, so nothing is claimed.
    expect(
      problems(
        workflow(
          'namespace-id: ${{ vars.NS }}\nsecret-name: s\nstate: ${{ inputs.state }}\nif-exists: ${{ inputs.policy }}'
        )
      )
    ).toEqual([])
    // The runner trims values, so a block scalar's newline is not part of the value.
    expect(
      problems(workflow(`namespace-id: cn-hangzhou:prod\nsecret-name: s\n${CREDENTIALS}\nif-exists: |\n  update`))
    ).toEqual([])
  })

  test('other actions and steps of other ids are left to actionlint', () => {
    const source = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - id: checkout',
      '        uses: actions/checkout@v5',
      '        with:',
      '          if-exists: updte',
      '      - run: echo "${{ steps.checkout.outputs.secretid }}"'
    ].join('\n')
    expect(checkActionUses(source, 'w.yml', action)).toEqual({ problems: [], steps: 0 })
  })

  test('every example workflow of README.md and docs/ passes, and every step in them that runs the action was checked', () => {
    const examples = exampleFiles().flatMap((file) =>
      readmeExamples(readFileSync(file, 'utf8')).map((example) => ({ file, ...example }))
    )
    expect(exampleFiles()).toEqual(expect.arrayContaining(['README.md', 'docs/examples.md']))
    const expectedSteps = examples
      .map(
        ({ source }) => source.match(/^\s*(?:- )?uses: sae-image-pull-secret\/sae-image-pull-secret@/gm)?.length ?? 0
      )
      .reduce((a, b) => a + b, 0)
    expect(expectedSteps).toBeGreaterThanOrEqual(8)
    let steps = 0
    for (const { file, source, firstLine } of examples) {
      const result = checkActionUses(source, file, action, firstLine)
      expect(result.problems).toEqual([])
      steps += result.steps
      // What users copy follows the rules our own workflows do.
      expect(checkWorkflowSecurity(source, file, EXAMPLE_POLICY, firstLine)).toEqual([])
    }
    expect(steps).toBe(expectedSteps)
  })

  test.each(['README.md', 'docs/examples.md'])('an example in %s is reported at its line in that file', (file) => {
    const broken = readFileSync(file, 'utf8').replace(/^( +if-exists: )update\b/m, '$1updte')
    const line = broken.split('\n').findIndex((text) => /^ +if-exists: updte\b/.test(text)) + 1
    expect(line).toBeGreaterThan(0)
    const reported = readmeExamples(broken).flatMap(
      ({ source, firstLine }) => checkActionUses(source, file, action, firstLine).problems
    )
    expect(reported).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${file.replace('.', '\\.')}:${line}: jobs\\.[\\w-]+\\.steps\\[\\d+\\] \\(pull-secret\\): with\\.if-exists is "updte"`
        )
      )
    ])
  })

  test('the full chain holds when copied: every other action pinned, credentials after the build and outliving the deploy, the change order waited for', () => {
    const chain = readmeExamples(readFileSync('docs/examples.md', 'utf8'))
      .map(({ source }) => parse(source))
      .find((workflow) => JSON.stringify(workflow).includes('DescribeChangeOrder'))
    const steps: {
      uses?: string
      run?: string
      with?: Record<string, unknown>
      id?: string
      shell?: string
      'timeout-minutes'?: number
    }[] = chain.jobs.deploy.steps
    const at = (find: (step: (typeof steps)[number]) => boolean) => steps.findIndex(find)
    const build = at((step) => /docker push/.test(step.run ?? ''))
    const credentials = at((step) => step.uses?.startsWith('aliyun/configure-aliyun-credentials-action@') === true)
    const secret = at((step) => step.id === 'pull-secret')
    const deploy = at((step) => /DeployApplication/.test(step.run ?? ''))
    expect([build, credentials, secret, deploy].every((index) => index >= 0)).toBe(true)
    expect(build).toBeLessThan(credentials)
    expect(credentials).toBeLessThan(secret)
    expect(secret).toBeLessThan(deploy)
    // The session outlasts everything after it: the deploy step's bound plus the Secret step's (timeout-seconds, 60 s by default).
    const session = Number(steps[credentials].with?.['role-session-expiration'])
    expect(session).toBeGreaterThanOrEqual(Number(steps[deploy]['timeout-minutes']) * 60 + 60)
    expect(session).toBeLessThanOrEqual(3600) // a RAM role's default MaxSessionDuration
    const script = steps[deploy].run ?? ''
    expect(steps[deploy].shell).toBe('bash') // -o pipefail: a failed aliyun call fails the step
    expect(script).toMatch(
      /ChangeOrderId[\s\S]*while :; do[\s\S]*aliyun sae DescribeChangeOrder --ChangeOrderId "\$order"/
    )
    expect(script).toMatch(/2\) [^\n]*exit 0/)
    expect(script).toMatch(/3 \| 6 \| 10\) [^\n]*exit 1/)
    expect(script).toMatch(/8\) [^\n]*exit 1/)
    for (const step of steps.filter((s) => s.uses && !s.uses.startsWith('sae-image-pull-secret/')))
      expect(step.uses).toMatch(/@[0-9a-f]{40}$/)
  })

  test.each(workflows)('.github/workflows/%s passes, every uses: ./ step checked', (file) => {
    const source = readFileSync(join(workflowDir, file), 'utf8')
    const result = checkActionUses(source, file, action)
    expect(result.problems).toEqual([])
    expect(result.steps).toBe(source.match(/^\s*(?:- )?uses: \.\/\s*$/gm)?.length ?? 0)
  })
})

describe("the table of fixed values is action.yml's", () => {
  /** Inputs whose description offers two or more `word` choices, or whose default is a boolean. */
  function enumeratedInputs(inputs: Record<string, { description: string; default?: unknown }>): string[] {
    return Object.entries(inputs)
      .filter(([name, input]) => {
        const choices = new Set(
          [...input.description.matchAll(/`([a-z]+)`/g)]
            .map((match) => match[1])
            .filter((word) => !(word in inputs) && word !== name)
        )
        return choices.size >= 2 || ['true', 'false'].includes(String(input.default))
      })
      .map(([name]) => name)
  }

  test('the detection finds an input that offers a set of values', () => {
    const colour = { description: 'Colour of the summary: `red`, `green` or `blue`.', default: 'red' }
    const flag = { description: 'Whether to.', default: 'false' }
    const free = { description: 'Registry hosts for `auths`, host[:port].' }
    expect(enumeratedInputs({ colour, flag, free })).toEqual(['colour', 'flag'])
  })

  test('every input of action.yml with a fixed set of values is in the table', () => {
    expect(enumeratedInputs(action.inputs).filter((name) => !(name in INPUT_VALUES))).toEqual([])
    expect(enumeratedInputs(action.inputs).length).toBeGreaterThanOrEqual(4)
  })

  test.each(Object.entries(INPUT_VALUES))('%s: its values are the ones action.yml names', (name, values) => {
    const input = action.inputs[name]
    expect(input).toBeDefined()
    const lower = [...new Set(values.map((value) => value.toLowerCase()))]
    if (lower.join() === 'true,false') expect(lower).toContain(String(input.default))
    else for (const value of lower) expect(input.description).toContain(`\`${value}\``)
    if (input.default !== undefined) expect(values).toContain(String(input.default))
  })

  test('inputs required unless another is set are optional in action.yml, and the waiver is a value of that input', () => {
    for (const [name, waiver] of Object.entries(REQUIRED_UNLESS)) {
      expect(action.inputs[name]?.required).toBe(false)
      expect(INPUT_VALUES[waiver.input]).toContain(waiver.value)
      expect(action.inputs[name]?.description).toContain(`unless ${waiver.input} is ${waiver.value}`)
    }
  })
})

describe("what zizmor's high-severity audits look for is refused, each at its line", () => {
  const fixture = (file: string) => {
    const path = `test/fixtures/workflows/${file}`
    return checkWorkflowSecurity(readFileSync(path, 'utf8'), path)
  }

  test("template injection: an issue's title pasted into a run: script (the run id beside it is the runner's own)", () => {
    expect(fixture('template-injection.yml')).toEqual([
      "test/fixtures/workflows/template-injection.yml:15: jobs.label.steps[0] (Check the title): run: expands ${{ github.event.issue.title }} into the script's text (template injection): pass github.event.issue.title in env: and read the variable"
    ])
  })

  test('persisted checkout credentials: a checkout that does not say persist-credentials: false', () => {
    expect(fixture('persisted-checkout.yml')).toEqual([
      "test/fixtures/workflows/persisted-checkout.yml:10: jobs.build.steps[0]: actions/checkout leaves the job's token on disk for every later step (persist-credentials is not false); set persist-credentials: false"
    ])
  })

  test("excessive permissions: a write at the top, a job's write with no reason on record, write-all", () => {
    expect(fixture('excessive-permissions.yml')).toEqual([
      'test/fixtures/workflows/excessive-permissions.yml:6: top-level permissions grant pull-requests: write; the top must be read-only, writes only in the job that needs them',
      'test/fixtures/workflows/excessive-permissions.yml:11: jobs.comment: permissions grant contents: write, which has no reason on record (no allow-list)',
      'test/fixtures/workflows/excessive-permissions.yml:16: jobs.everything: permissions are write-all; name each scope the job needs'
    ])
  })

  test('unpinned uses: a tag, a branch, an image by tag, a SHA without the release it is', () => {
    expect(fixture('unpinned-uses.yml')).toEqual([
      'test/fixtures/workflows/unpinned-uses.yml:10: jobs.build.steps[0]: actions/setup-node@v7 is not pinned by a full commit SHA',
      'test/fixtures/workflows/unpinned-uses.yml:11: jobs.build.steps[1]: octo-org/lint-action@main is not pinned by a full commit SHA',
      'test/fixtures/workflows/unpinned-uses.yml:12: jobs.build.steps[2]: docker://alpine:3.20 is not pinned by its digest (docker://…@sha256:…)',
      'test/fixtures/workflows/unpinned-uses.yml:13: jobs.build.steps[3]: actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 has no "# vX.Y.Z" comment naming its release'
    ])
  })

  test('a template injection, a persisted checkout token and an unpinned action in one workflow: each caught', () => {
    expect(fixture('injection-token-unpinned.yml')).toEqual([
      'test/fixtures/workflows/injection-token-unpinned.yml:12: jobs.preview.steps[0]: actions/checkout@v5 is not pinned by a full commit SHA',
      "test/fixtures/workflows/injection-token-unpinned.yml:12: jobs.preview.steps[0]: actions/checkout leaves the job's token on disk for every later step (persist-credentials is not false); set persist-credentials: false",
      "test/fixtures/workflows/injection-token-unpinned.yml:14: jobs.preview.steps[1] (Build the preview): run: expands ${{ github.head_ref }} into the script's text (template injection): pass github.head_ref in env: and read the variable"
    ])
  })
})

describe('the workflow rules, case by case', () => {
  /** A workflow of one job `build` with `jobLines` (YAML, indented 4) under it. */
  const job = (jobLines: string, top = 'permissions:\n  contents: read') =>
    [
      'on: push',
      top,
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      ...jobLines.split('\n').map((line) => `    ${line}`)
    ].join('\n')

  test("an expression's contexts: literals and function names are not contexts, a['b'] is a.b", () => {
    expect(
      contextReferences("format('{0} {1}', github.event.issue.title, steps['pull-secret'].outputs.x) || 'github.sha'")
    ).toEqual(['github.event.issue.title', 'steps.pull-secret.outputs.x'])
    expect(contextReferences('matrix.os == true && runner.os != null')).toEqual(['matrix.os', 'runner.os'])
    expect(contextReferences('fromJSON(needs.plan.outputs.list)[0x1F]')).toEqual(['needs.plan.outputs.list'])
    expect(contextReferences("github['head_ref']")).toEqual(['github.head_ref'])
  })

  test("in scripts: the runner's own values and a written-out matrix pass; what others choose, a computed matrix, env, vars and secrets do not", () => {
    const steps = (matrix: string, run: string) =>
      job(`strategy:\n  matrix:\n    os: ${matrix}\nsteps:\n  - run: ${run}`)
    expect(
      checkWorkflowSecurity(
        steps(
          '[a, b]',
          'echo "${{ matrix.os }} ${{ runner.os }} ${{ github.run_id }}-${{ github.run_attempt }} ${{ github.sha }}"'
        ),
        'w.yml'
      )
    ).toEqual([])
    expect(checkWorkflowSecurity(steps('${{ fromJSON(inputs.oses) }}', 'echo "${{ matrix.os }}"'), 'w.yml')).toEqual([
      `w.yml:11: jobs.build.steps[0]: run: expands \${{ matrix.os }} into the script's text (template injection): pass matrix.os in env: and read the variable`
    ])
    for (const unsafe of [
      'env.TAG',
      'vars.REGION',
      'secrets.TOKEN',
      'inputs.name',
      'github.ref_name',
      "steps['pull-secret'].outputs.secret-id"
    ]) {
      const reported = checkWorkflowSecurity(steps('[a]', `echo "\${{ ${unsafe} }}"`), 'w.yml')
      expect(reported).toHaveLength(1)
      expect(reported[0]).toContain('(template injection)')
    }
  })

  test("actions/github-script's script is a script too", () => {
    const source = job(
      [
        'steps:',
        '  - uses: actions/github-script@f28e40c7f34bde8b3046d885e986cb6290c5673b # v7.1.0',
        '    with:',
        '      script: |',
        '        console.log(${{ github.run_number }})',
        '        core.setOutput("title", "${{ github.event.pull_request.title }}")'
      ].join('\n')
    )
    expect(checkWorkflowSecurity(source, 'w.yml')).toEqual([
      "w.yml:12: jobs.build.steps[0]: with.script: expands ${{ github.event.pull_request.title }} into the script's text (template injection): pass github.event.pull_request.title in env: and read the variable"
    ])
  })

  test('the top may be contents: read, {} or read-all; no permissions there is refused, and so is write-all', () => {
    const steps = 'steps:\n  - run: make'
    expect(checkWorkflowSecurity(job(steps, 'permissions: read-all'), 'w.yml')).toEqual([])
    expect(checkWorkflowSecurity(job(steps, 'permissions: {}'), 'w.yml')).toEqual([])
    expect(checkWorkflowSecurity(job(steps, 'permissions:\n  contents: read\n  actions: none'), 'w.yml')).toEqual([])
    expect(checkWorkflowSecurity(job(steps, 'name: build'), 'w.yml')).toEqual([
      "w.yml: no top-level permissions: a job without its own gets the repository's default token, which may write; set permissions: contents: read (or {} or read-all)"
    ])
    expect(checkWorkflowSecurity(job(steps, 'permissions: write-all'), 'w.yml')).toEqual([
      'w.yml:2: top-level permissions are write-all; the top must be read-only (contents: read, {} or read-all), writes only per job'
    ])
  })

  test("a job's write needs a reason on record for that job; a checkout on record must say persist-credentials: true", () => {
    const source = job(
      'permissions:\n  contents: write\n  id-token: write\nsteps:\n  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1'
    )
    const policy = {
      writes: { build: { contents: 'pushes a tag' } },
      persistedCheckouts: { build: 'pushes a tag with git' },
      source: "the test's policy"
    }
    expect(checkWorkflowSecurity(source, 'w.yml', policy)).toEqual([
      "w.yml:9: jobs.build: permissions grant id-token: write, which has no reason on record (the test's policy)",
      'w.yml:11: jobs.build.steps[0]: actions/checkout keeps the token for this job (pushes a tag with git), but does not say so: set persist-credentials: true'
    ])
    expect(
      checkWorkflowSecurity(
        source
          .replace('v7.0.1', 'v7.0.1\n      with:\n        persist-credentials: true')
          .replace('    id-token: write\n', ''),
        'w.yml',
        policy
      )
    ).toEqual([])
  })

  test("local actions, images by digest and, in the docs' examples, this action by its major tag pass", () => {
    const source = job(
      [
        'permissions:',
        '  id-token: write',
        'steps:',
        '  - uses: ./',
        '  - uses: docker://alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
        '  - uses: sae-image-pull-secret/sae-image-pull-secret@v3'
      ].join('\n')
    )
    expect(checkWorkflowSecurity(source, 'README.md', EXAMPLE_POLICY)).toEqual([])
    expect(checkWorkflowSecurity(source, 'w.yml')).toEqual([
      'w.yml:8: jobs.build: permissions grant id-token: write, which has no reason on record (no allow-list)',
      'w.yml:12: jobs.build.steps[2]: sae-image-pull-secret/sae-image-pull-secret@v3 is not pinned by a full commit SHA'
    ])
  })
})

describe("the repository's workflows can be trusted", () => {
  test.each(workflows)("%s: nothing zizmor's high-severity audits look for", (file) => {
    expect(checkWorkflowSecurity(readFileSync(join(workflowDir, file), 'utf8'), file, workflowPolicy(file))).toEqual([])
  })

  test('every write and every kept token on record is one a workflow uses, with its reason', () => {
    for (const [file, jobs] of Object.entries(WRITE_GRANTS)) {
      const workflow = parse(readFileSync(join(workflowDir, file), 'utf8'))
      for (const [jobName, scopes] of Object.entries(jobs)) {
        for (const [scope, reason] of Object.entries(scopes)) {
          expect([file, jobName, scope, workflow.jobs[jobName]?.permissions?.[scope]]).toEqual([
            file,
            jobName,
            scope,
            'write'
          ])
          expect(reason.length).toBeGreaterThan(10)
        }
      }
    }
    for (const [file, jobs] of Object.entries(PERSISTED_CHECKOUTS)) {
      const workflow = parse(readFileSync(join(workflowDir, file), 'utf8'))
      for (const jobName of Object.keys(jobs)) {
        const checkout = workflow.jobs[jobName].steps.find((step: { uses?: string }) =>
          step.uses?.startsWith('actions/checkout@')
        )
        expect([file, jobName, checkout?.with?.['persist-credentials']]).toEqual([file, jobName, true])
      }
    }
  })

  test('CodeQL analyses the TypeScript on push to main, pull requests and weekly, writing security events only in its job', () => {
    const codeql = parse(readFileSync(join(workflowDir, 'codeql.yml'), 'utf8'))
    expect(Object.keys(codeql.on).sort()).toEqual(['pull_request', 'push', 'schedule', 'workflow_dispatch'])
    expect(codeql.on.push.branches).toEqual(['main'])
    expect(codeql.permissions).toEqual({ contents: 'read' })
    expect(codeql.jobs.analyze.permissions).toEqual({ contents: 'read', 'security-events': 'write' })
    expect(codeql.jobs.analyze.strategy.matrix.language).toContain('javascript-typescript')
  })

  test('zizmor audits the workflows in CI: a fixed release, no write scope, findings fail the job', () => {
    const ci = parse(readFileSync(join(workflowDir, 'ci.yml'), 'utf8'))
    const { zizmor } = ci.jobs
    expect(zizmor.permissions).toBeUndefined() // the top's contents: read
    const step = zizmor.steps.find((s: { uses?: string }) => s.uses?.startsWith('zizmorcore/zizmor-action@'))
    expect(step.with.version).toMatch(/^\d+\.\d+\.\d+$/)
    // Without SARIF the action prints the findings and exits non-zero on any: a gate, not a report.
    expect(step.with['advanced-security']).toBe(false)
  })

  test('Scorecard publishes its results with exactly the permissions and steps Scorecard accepts', () => {
    const scorecard = parse(readFileSync(join(workflowDir, 'scorecard.yml'), 'utf8'))
    expect(scorecard.permissions).toBe('read-all')
    expect(scorecard.env).toBeUndefined()
    expect(scorecard.defaults).toBeUndefined()
    expect(Object.keys(scorecard.jobs)).toEqual(['analysis'])
    const { analysis } = scorecard.jobs
    expect(analysis.permissions).toEqual({
      'security-events': 'write',
      'id-token': 'write',
      contents: 'read',
      actions: 'read'
    })
    expect(analysis.env).toBeUndefined()
    const actions = analysis.steps.map((step: { uses?: string }) => step.uses?.split('@')[0])
    expect(actions).toEqual(['actions/checkout', 'ossf/scorecard-action', 'github/codeql-action/upload-sarif'])
    expect(analysis.steps[1].with).toEqual({
      results_file: 'results.sarif',
      results_format: 'sarif',
      publish_results: true
    })
    // The same CodeQL release as the CodeQL workflow: one version for Dependabot to move.
    const codeql = parse(readFileSync(join(workflowDir, 'codeql.yml'), 'utf8'))
    const codeqlSha = codeql.jobs.analyze.steps
      .find((step: { uses?: string }) => step.uses?.startsWith('github/codeql-action/analyze@'))
      .uses.split('@')[1]
    expect(analysis.steps[2].uses.split('@')[1]).toBe(codeqlSha)
  })

  test('the release rebuilds dist/, attests it, and only then moves the major tag; npm ci never holds a write or signing token', () => {
    const release = parse(readFileSync(join(workflowDir, 'release.yml'), 'utf8'))
    const { build, attest, publish } = release.jobs
    expect(build.permissions).toBeUndefined()
    const buildRuns = build.steps.map((step: { run?: string }) => step.run ?? '').join('\n')
    expect(buildRuns).toMatch(/npm ci[\s\S]*npm run build[\s\S]*git diff --stat --exit-code -- dist\//)
    // A cache an earlier run wrote must not reach the build that is attested (zizmor: cache-poisoning).
    const setupNode = build.steps.find((step: { uses?: string }) => step.uses?.startsWith('actions/setup-node@'))
    expect(setupNode.with).toEqual({ 'node-version': 24, 'package-manager-cache': false })
    expect(attest.needs).toBe('build')
    expect(attest.permissions).toEqual({ contents: 'read', 'id-token': 'write', attestations: 'write' })
    expect(attest.steps.map((step: { uses?: string }) => step.uses?.split('@')[0])).toContain(
      'actions/attest-build-provenance'
    )
    expect(JSON.stringify(attest.steps)).not.toContain('npm ')
    expect(publish.needs).toBe('attest')
    expect(publish.permissions).toEqual({ contents: 'write' })
    expect(JSON.stringify(publish.steps)).not.toContain('npm ')
  })

  test('dependabot waits a week for every ecosystem, and brings the SDK and httpx in one pull request', () => {
    const config = parse(readFileSync('.github/dependabot.yml', 'utf8'))
    const ecosystems = config.updates
      .map((update: { 'package-ecosystem': string }) => update['package-ecosystem'])
      .sort()
    expect(ecosystems).toEqual(['github-actions', 'npm'])
    for (const update of config.updates) expect(update.cooldown['default-days']).toBeGreaterThanOrEqual(7)
    const npm = config.updates.find((update: { 'package-ecosystem': string }) => update['package-ecosystem'] === 'npm')
    const groups = Object.entries(npm.groups) as [string, { patterns?: string[] }][]
    // Dependabot puts a dependency in the first group it matches: the transport group comes first.
    const [first] = groups[0]
    expect(groups[0][1].patterns?.sort()).toEqual(['@alicloud/openapi-client', 'httpx'])
    expect(first).toBe('sdk-transport')
    expect(groups.map(([name]) => name)).toContain('npm-development')
  })
})

// The job summary as GitHub shows it: the bundle's summary rendered as CommonMark + GFM
// (micromark, as GitHub's renderer) and read back as a reader sees it: the heading, the table's
// header and rows, names shown as they are whatever Markdown they hold, the run link, and no raw
// HTML but what GitHub's sanitizer keeps; under the table, each failure's reason in words and every
// warning of the run. PRINT_SUMMARY=1 prints the three-namespace table as rendered.
import { afterEach, describe, expect, test } from '@jest/globals'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { readSummary, type RenderedSummary } from '../support/github-markdown.js'
import { authOf, emulator, NAMESPACES, PASSWORD, stepInputs, stored, USERNAME, type Emulator } from './fixtures.js'

let sae: Emulator
afterEach(async () => sae.stop())

const HEADER = ['Namespace', 'Secret name', 'SecretId', 'Result', 'Used by', 'Registry domains']
const RUN_URL = 'https://github.com/octo-org/octo-repo/actions/runs/4242'
const HANGZHOU = 'registry-vpc.cn-hangzhou.aliyuncs.com\nregistry.cn-hangzhou.aliyuncs.com'

/**
 * Elements GitHub's sanitizer keeps (html-pipeline's SanitizationFilter WHITELIST, elements,
 * gjtorikian/html-pipeline lib/html/pipeline/sanitization_filter.rb); any other raw tag is stripped.
 */
const GITHUB_KEEPS = new Set(
  'h1 h2 h3 h4 h5 h6 h7 h8 br b i strong em a pre code img tt div ins del sup sub p ol ul table thead tbody tfoot blockquote dl dt dd kbd q samp var hr ruby rt rp li tr td th s strike summary details'.split(
    ' '
  )
)

/** Applications whose names hold Markdown (SAE names cannot, but the summary must not trust that). */
const MARKDOWN_APPS = [
  { AppId: '7171a6ca-d1cd-4928-8642-7d5cfe69a3f8', AppName: 'shop*web_<b>v2</b>|`x`' },
  {
    AppId: '0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f',
    AppName: '~~old~~ &amp; [docs](https://x.example) www.example.com ops@example.com \\*'
  },
  { AppId: 'c0ffee00-0000-4000-8000-000000000003', AppName: 'two\nlines' }
]
/** How a reader sees those names: as they are; a line break, which a cell cannot hold, as a space. */
const MARKDOWN_APPS_SHOWN =
  'shop*web_<b>v2</b>|`x` (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8)\n' +
  '~~old~~ &amp; [docs](https://x.example) www.example.com ops@example.com \\* (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f)\n' +
  'two lines (c0ffee00-0000-4000-8000-000000000003)'

/** Two applications with plain names, and how the "Used by" cell shows them. */
const SHOP = [
  { AppId: '7171a6ca-d1cd-4928-8642-7d5cfe69a3f8', AppName: 'shop-web' },
  { AppId: '0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f', AppName: 'shop_worker' }
]
const SHOP_SHOWN = 'shop-web (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8)\nshop_worker (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f)'

const entry = (password: string) => ({ username: USERNAME, password, auth: authOf(USERNAME, password) })
const CURRENT = stored({
  auths: {
    'registry-vpc.cn-hangzhou.aliyuncs.com': entry(PASSWORD),
    'registry.cn-hangzhou.aliyuncs.com': entry(PASSWORD)
  }
})

/** What every summary must be: the run link as the only link, and raw HTML only of tags GitHub keeps, bare. */
function expectGithubSafe(rendered: RenderedSummary): void {
  expect(rendered.links).toEqual([{ href: RUN_URL, text: 'deploy' }])
  for (const tag of rendered.rawHtml) {
    expect(tag).toMatch(/^<\/?[a-z0-9]+>$/)
    expect(GITHUB_KEEPS).toContain(/^<\/?([a-z0-9]+)>$/.exec(tag)![1])
  }
}

/** The last paragraph, as `textOf` gives it: it holds the link. */
const runLine = (verb: string) => `HTML: ${verb} by <a href="${RUN_URL}">deploy</a> in octo-org/octo-repo.`

describe('the job summary, rendered as GitHub renders it', () => {
  test('one namespace: the heading, the header, one row, the run link; <br> is the only raw HTML', async () => {
    sae = await emulator()
    const run = await runAction({ inputs: stepInputs(sae, { 'secret-name': 'registry_auth' }) })
    expect(run.code).toBe(0)
    const rendered = readSummary(run.summary)
    expect(rendered.headings).toEqual(['SAE image-pull Secret'])
    expect(rendered.tables).toHaveLength(1)
    expect(rendered.tables[0].header).toEqual(HEADER)
    expect(rendered.tables[0].rows).toEqual([
      [
        'cn-hangzhou:prod',
        'registry_auth',
        String(sae.secrets('cn-hangzhou:prod')[0].SecretId),
        'created',
        '–',
        HANGZHOU
      ]
    ])
    expect(rendered.paragraphs).toEqual([runLine('Provisioned')])
    expect(rendered.rawHtml).toEqual(['<br>'])
    expectGithubSafe(rendered)
  })

  test('three namespaces, one failing: a row each, in order; application names shown as they are', async () => {
    sae = await emulator()
    const prodId = sae.seedSecret('cn-hangzhou:prod', {
      name: 'registry_auth',
      data: CURRENT,
      relatedApps: MARKDOWN_APPS
    })
    const run = await runAction({
      inputs: stepInputs(sae, {
        'secret-name': 'registry_auth',
        'namespace-id': 'cn-hangzhou:dev\ncn-hangzhou:prod\ncn-hangzhou:missing'
      })
    })
    expect(run.code).toBe(1)
    const rendered = readSummary(run.summary)
    if (process.env.PRINT_SUMMARY) console.log(rendered.tables[0].html)
    expect(rendered.headings).toEqual(['SAE image-pull Secret'])
    expect(rendered.tables).toHaveLength(1)
    expect(rendered.tables[0].header).toEqual(HEADER)
    expect(rendered.tables[0].rows).toEqual([
      [
        'cn-hangzhou:dev',
        'registry_auth',
        String(sae.secrets('cn-hangzhou:dev')[0].SecretId),
        'created',
        '–',
        HANGZHOU
      ],
      ['cn-hangzhou:prod', 'registry_auth', String(prodId), 'skipped', MARKDOWN_APPS_SHOWN, HANGZHOU],
      ['cn-hangzhou:missing', 'registry_auth', '–', 'failed: InvalidNamespaceId.NotFound', '–', HANGZHOU]
    ])
    expect(rendered.paragraphs).toEqual(['Why it failed, and what to do:', runLine('Provisioned')])
    expect(rendered.listItems).toHaveLength(1)
    expect(rendered.listItems[0]).toMatch(
      /^cn-hangzhou:missing: ListSecrets failed: InvalidNamespaceId\.NotFound \(HTTP 404, RequestId [0-9A-F-]{36}\): the namespace does not exist; check namespace-id \(<region>:<name>\) and that the credentials belong to its account$/
    )
    expectGithubSafe(rendered)
  })

  test('a green run with a warning: the warning listed under the table, word for word as the log has it', async () => {
    sae = await emulator()
    const web = await startFakeRegistry({ kind: 'not-registry' })
    try {
      const image = `${web.host}/shop/web:1.4.2`
      const run = await runAction({ inputs: stepInputs(sae, { 'registry-domains': web.host, images: image }) })
      expect(run.code).toBe(0)
      const warning =
        `Could not check image ${image} at ${web.host}: GET /v2/ answered HTTP 404, not the registry API's 401 challenge; ` +
        'not a refusal, so it does not stop the Secret being written'
      expect(run.stdout.split('\n').filter((line) => line.startsWith('::warning::'))).toEqual([`::warning::${warning}`])
      const rendered = readSummary(run.summary)
      expect(rendered.tables[0].rows.map((row) => row[3])).toEqual(['created'])
      expect(rendered.paragraphs).toEqual(['Warning of this run (also in the log):', runLine('Provisioned')])
      expect(rendered.listItems).toEqual([warning])
      expectGithubSafe(rendered)
    } finally {
      await web.stop()
    }
  })

  test('a failed image check: the code in the row, the sentence (what to do included) under the table', async () => {
    sae = await emulator()
    const registry = await startFakeRegistry({
      kind: 'bearer',
      username: USERNAME,
      password: PASSWORD,
      repositories: { 'shop/web': { tags: ['1.4.2'] } }
    })
    try {
      const image = `${registry.host}/shop/web:9.9.9`
      const run = await runAction({ inputs: stepInputs(sae, { 'registry-domains': registry.host, images: image }) })
      expect(run.code).toBe(1)
      const rendered = readSummary(run.summary)
      expect(rendered.tables[0].rows).toEqual([
        ['cn-hangzhou:prod', 'registry-auth', '–', 'failed: ImageNotPullable', '–', registry.host]
      ])
      expect(rendered.paragraphs).toEqual(['Why it failed, and what to do:', runLine('Provisioned')])
      expect(rendered.listItems).toEqual([
        `cn-hangzhou:prod: Image ${image} does not exist at ${registry.host} (HTTP 404 to HEAD /v2/shop/web/manifests/9.9.9): ` +
          'a tag not pushed yet? Push it before this step, or correct images. Nothing was written'
      ])
      expectGithubSafe(rendered)
    } finally {
      await registry.stop()
    }
  })

  test('a teardown of a Secret two applications use: SecretInUse, the Secret and both applications in the row and the reason', async () => {
    sae = await emulator({ namespaces: [...NAMESPACES, 'cn-hangzhou:preview'] })
    const id = sae.seedSecret('cn-hangzhou:preview', { name: 'pr-42-registry', data: CURRENT, relatedApps: SHOP })
    const {
      username: _u,
      password: _p,
      ...inputs
    } = stepInputs(sae, {
      state: 'absent',
      'namespace-id': 'cn-hangzhou:preview',
      'secret-name': 'pr-42-registry'
    })
    void _u
    void _p
    const run = await runAction({ inputs })
    expect(run.code).toBe(1)
    const rendered = readSummary(run.summary)
    expect(rendered.tables[0].rows).toEqual([
      ['cn-hangzhou:preview', 'pr-42-registry', String(id), 'failed: SecretInUse', SHOP_SHOWN, '–']
    ])
    expect(rendered.paragraphs).toEqual(['Why it failed, and what to do:', runLine('Provisioned')])
    expect(rendered.listItems).toEqual([
      `cn-hangzhou:preview: Secret 'pr-42-registry' (SecretId ${id}) in namespace cn-hangzhou:preview is used by 2 applications: ` +
        'shop-web (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8), shop_worker (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f): ' +
        'their next instance start could not pull images without it, so nothing was deleted in this namespace. ' +
        'Point those applications at another Secret first, or set if-in-use: delete to delete it anyway'
    ])
    expect(sae.secrets('cn-hangzhou:preview')).toHaveLength(1)
    expectGithubSafe(rendered)
  })

  test('a failure before any namespace: the failed heading, the error as written, what was not done, no table', async () => {
    sae = await emulator()
    const run = await runAction({ inputs: stepInputs(sae, { 'if-exists': '~~x~~ <b>|_*`&amp;' }) })
    expect(run.code).toBe(1)
    const rendered = readSummary(run.summary)
    expect(rendered.headings).toEqual(['SAE image-pull Secret: failed'])
    expect(rendered.tables).toEqual([])
    expect(rendered.paragraphs).toEqual([
      'Input \'if-exists\' must be skip, update or fail; got "~~x~~ <b>|_*`&amp;"',
      'No Secret was created, changed or deleted.',
      runLine('Provisioned')
    ])
    expect(rendered.rawHtml).toEqual([])
    expectGithubSafe(rendered)
  })

  test('a dry run with credentials: its heading, what each namespace would get, the plan and why, as logged', async () => {
    sae = await emulator()
    const id = sae.seedSecret('cn-hangzhou:dev', { name: 'registry-auth', data: CURRENT, relatedApps: SHOP })
    const run = await runAction({
      inputs: stepInputs(sae, {
        'dry-run': 'true',
        'namespace-id': 'cn-hangzhou:dev,cn-beijing:prod',
        'if-exists': 'update'
      })
    })
    expect(run.code).toBe(0)
    expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'ListSecrets', 'DescribeSecret'])
    const rendered = readSummary(run.summary)
    expect(rendered.headings).toEqual(['SAE image-pull Secret (dry run: SAE was read, nothing was written)'])
    expect(rendered.tables).toHaveLength(1)
    expect(rendered.tables[0].header).toEqual(HEADER)
    expect(rendered.tables[0].rows).toEqual([
      ['cn-hangzhou:dev', 'registry-auth', String(id), 'would be unchanged', SHOP_SHOWN, HANGZHOU],
      [
        'cn-beijing:prod',
        'registry-auth',
        '–',
        'would be created',
        '–',
        'registry-vpc.cn-beijing.aliyuncs.com\nregistry.cn-beijing.aliyuncs.com'
      ]
    ])
    const via = `via ${sae.origin}`
    const tail =
      "as user 'deploy@octo' for {domains} (passwords redacted); if it exists, write this data where it differs (if-exists: update); no registry check first (verify-login: false, no images)"
    expect(rendered.listItems).toEqual([
      'Credentials: access key LTAI5tE2eKeyId from inputs',
      `Would ensure Secret 'registry-auth' (kubernetes.io/dockerconfigjson) in cn-hangzhou:dev ${via}, auths for ${HANGZHOU.replace('\n', ', ')} ${tail.replace('{domains}', HANGZHOU.replace('\n', ', '))}`,
      `Would ensure Secret 'registry-auth' (kubernetes.io/dockerconfigjson) in cn-beijing:prod ${via}, auths for registry-vpc.cn-beijing.aliyuncs.com, registry.cn-beijing.aliyuncs.com ${tail.replace('{domains}', 'registry-vpc.cn-beijing.aliyuncs.com, registry.cn-beijing.aliyuncs.com')}`,
      `cn-hangzhou:dev: Secret 'registry-auth' would be unchanged (SecretId ${id}): it holds exactly the data this step computes (DescribeSecret)`,
      "cn-beijing:prod: Secret 'registry-auth' would be created: ListSecrets lists no Secret of that name in the namespace"
    ])
    // Each plan line is also in the log, word for word.
    for (const line of rendered.listItems.slice(1)) expect(run.stdout.split('\n')).toContain(line)
    expect(rendered.paragraphs).toEqual(['The plan (nothing was written):', runLine('Planned')])
    expectGithubSafe(rendered)
  })

  test('a dry run without credentials: the offline heading, a planned row per namespace, the warning that says so', async () => {
    sae = await emulator()
    const {
      'access-key-id': _id,
      'access-key-secret': _secret,
      ...inputs
    } = stepInputs(sae, {
      'dry-run': 'true',
      'namespace-id': 'cn-hangzhou:dev'
    })
    void _id
    void _secret
    const run = await runAction({ inputs })
    expect(run.code).toBe(0)
    expect(sae.calls()).toEqual([])
    const rendered = readSummary(run.summary)
    expect(rendered.headings).toEqual(['SAE image-pull Secret (dry run, offline: no SAE API was called)'])
    expect(rendered.tables[0].rows).toEqual([['cn-hangzhou:dev', 'registry-auth', '–', 'planned', '–', HANGZHOU]])
    expect(rendered.paragraphs).toEqual([
      'The plan (nothing was written):',
      'Warning of this run (also in the log):',
      runLine('Planned')
    ])
    expect(rendered.listItems[0]).toBe('Credentials: none found')
    const warning = rendered.listItems[2]
    expect(warning).toMatch(/^This dry run planned offline: without credentials it read nothing of SAE, /)
    expect(run.stdout.split('\n')).toContain(`::warning::${warning}`)
    expectGithubSafe(rendered)
  })

  test('a delete of a Secret two applications use (if-in-use: delete): its row, both applications, no domains', async () => {
    sae = await emulator()
    const id = sae.seedSecret('cn-hangzhou:prod', { name: 'registry-auth', data: CURRENT, relatedApps: SHOP })
    const { username: _u, password: _p, ...inputs } = stepInputs(sae, { state: 'absent', 'if-in-use': 'delete' })
    void _u
    void _p
    const run = await runAction({ inputs })
    expect(run.code).toBe(0)
    expect(sae.secrets('cn-hangzhou:prod')).toEqual([])
    const rendered = readSummary(run.summary)
    expect(rendered.headings).toEqual(['SAE image-pull Secret'])
    expect(rendered.tables[0].header).toEqual(HEADER)
    expect(rendered.tables[0].rows).toEqual([
      ['cn-hangzhou:prod', 'registry-auth', String(id), 'deleted', SHOP_SHOWN, '–']
    ])
    // The deletion's warning is the run's one warning, listed under the table.
    expect(rendered.paragraphs).toEqual(['Warning of this run (also in the log):', runLine('Provisioned')])
    expect(rendered.listItems).toEqual([
      `cn-hangzhou:prod: Secret 'registry-auth' (SecretId ${id}) was deleted although 2 applications: ` +
        'shop-web (7171a6ca-d1cd-4928-8642-7d5cfe69a3f8), shop_worker (0b9b6f6e-2c1a-4d3e-9f00-5a1c2b3d4e5f) use it (if-in-use: delete): ' +
        'their next instance start cannot pull images until they are given another Secret'
    ])
    expectGithubSafe(rendered)
  })
})

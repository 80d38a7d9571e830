import { describe, expect, test } from '@jest/globals'
import { failureReasons } from '../../../src/report/results.js'
import { renderFailureSummary, renderSummary, summaryRows } from '../../../src/report/summary.js'
import { SecretInUseError } from '../../../src/sae/errors.js'
import { failed, ok, plansOf } from './support/outcomes.js'

const HEADER = [
  '| Namespace | Secret name | SecretId | Result | Used by | Registry domains |',
  '| --- | --- | --- | --- | --- | --- |'
]
const LINK = { repository: 'octo/repo', runUrl: 'https://github.com/octo/repo/actions/runs/7', workflow: 'deploy' }
const SHOP = [
  { appId: '7171a6ca', appName: 'shop-web' },
  { appId: '0b9b6f6e', appName: 'shop_worker' }
]

describe('renderSummary', () => {
  test('escapes table-breaking characters in names', () => {
    const markdown = renderSummary(
      {
        mode: 'run',
        rows: [
          { namespaceId: 'cn-a:x', secretName: 'a|b_c', domains: ['r.example.com'], secretId: 16, result: 'created' }
        ]
      },
      {}
    )
    expect(markdown).toContain('| cn-a:x | a\\|b\\_c | 16 | created | – | r.example.com |')
  })

  test('a green run: the table, and nothing under it but the run link', () => {
    const markdown = renderSummary(
      {
        mode: 'run',
        rows: [{ namespaceId: 'cn-a:x', secretName: 's', domains: ['r'], secretId: 16, result: 'created' }]
      },
      LINK
    )
    expect(markdown).toBe(
      [
        '## SAE image-pull Secret',
        '',
        ...HEADER,
        '| cn-a:x | s | 16 | created | – | r |',
        '',
        'Provisioned by [deploy](https://github.com/octo/repo/actions/runs/7) in octo/repo.',
        ''
      ].join('\n')
    )
  })

  test('a failed namespace: its code in the row, its sentence under the table keyed by namespace; every warning listed after', () => {
    const markdown = renderSummary(
      {
        mode: 'run',
        rows: [
          { namespaceId: 'cn-a:x', secretName: 's', domains: ['r'], result: 'failed: ImageNotPullable' },
          { namespaceId: 'cn-a:y', secretName: 's', domains: ['r'], result: 'failed: ImageNotPullable' },
          {
            namespaceId: 'cn-a:z',
            secretName: 's',
            domains: [],
            result: 'failed: SecretInUse',
            secretId: 9,
            relatedApps: SHOP
          }
        ],
        failures: [
          {
            namespaces: ['cn-a:x', 'cn-a:y'],
            reason: 'Image r/shop/web:9 does not exist at r. Push it before this step'
          },
          { namespaces: ['cn-a:z'], reason: 'Secret is used by shop_worker: point it at another Secret first' }
        ],
        warnings: ['Could not check image r/shop/api:1 at r: it did not answer within 5 s']
      },
      {}
    )
    expect(markdown).toBe(
      [
        '## SAE image-pull Secret',
        '',
        ...HEADER,
        '| cn-a:x | s | – | failed: ImageNotPullable | – | r |',
        '| cn-a:y | s | – | failed: ImageNotPullable | – | r |',
        '| cn-a:z | s | 9 | failed: SecretInUse | shop-web (7171a6ca)<br>shop\\_worker (0b9b6f6e) | – |',
        '',
        'Why it failed, and what to do:',
        '',
        '- cn-a:x, cn-a:y: Image r/shop/web:9 does not exist at r. Push it before this step',
        '- cn-a:z: Secret is used by shop\\_worker: point it at another Secret first',
        '',
        'Warning of this run (also in the log):',
        '',
        '- Could not check image r/shop/api:1 at r: it did not answer within 5 s',
        ''
      ].join('\n')
    )
  })

  test('several warnings are counted; a warning is shown as it is, whatever Markdown it holds', () => {
    const markdown = renderSummary({ mode: 'run', rows: [], warnings: ['one *a*', 'two [b](https://x.example)'] }, {})
    expect(markdown).toContain(
      ['2 warnings of this run (also in the log):', '', '- one \\*a\\*', '- two \\[b\\](https\\://x.example)'].join(
        '\n'
      )
    )
  })

  test('a dry run: its heading says whether SAE was read, then the plan; the run link says Planned', () => {
    const row = { namespaceId: 'cn-a:x', secretName: 's', domains: ['r'], result: 'would be created' }
    const read = renderSummary({ mode: 'dry-run', rows: [row], plan: ["cn-a:x: Secret 's' would be created"] }, LINK)
    expect(read).toBe(
      [
        '## SAE image-pull Secret (dry run: SAE was read, nothing was written)',
        '',
        ...HEADER,
        '| cn-a:x | s | – | would be created | – | r |',
        '',
        'The plan (nothing was written):',
        '',
        "- cn-a:x: Secret 's' would be created",
        '',
        'Planned by [deploy](https://github.com/octo/repo/actions/runs/7) in octo/repo.',
        ''
      ].join('\n')
    )
    const offline = renderSummary({ mode: 'offline-dry-run', rows: [{ ...row, result: 'planned' }] }, {})
    expect(offline.split('\n')[0]).toBe('## SAE image-pull Secret (dry run, offline: no SAE API was called)')
  })
})

describe('summaryRows', () => {
  const plans = plansOf({ 'namespace-id': 'cn-hangzhou:dev, cn-hangzhou:prod, cn-beijing:prod' })
  const domains = ['registry-vpc.cn-hangzhou.aliyuncs.com', 'registry.cn-hangzhou.aliyuncs.com']

  test('a row per namespace: its result and SecretId, or the code it failed with', () => {
    const apps = [{ appId: 'a-1', appName: 'shop-web' }]
    const rows = summaryRows(plans, [
      ok('cn-hangzhou:dev', { secretId: 16, result: 'skipped', relatedApps: apps, drifted: true }),
      ok('cn-hangzhou:prod', { secretId: 17, result: 'created', relatedApps: [] }),
      failed('cn-beijing:prod', 'InvalidNamespaceId.NotFound')
    ])
    expect(rows).toEqual([
      {
        namespaceId: 'cn-hangzhou:dev',
        secretName: 'registry-auth',
        domains,
        secretId: 16,
        relatedApps: apps,
        result: 'skipped (differs: see warning)'
      },
      {
        namespaceId: 'cn-hangzhou:prod',
        secretName: 'registry-auth',
        domains,
        secretId: 17,
        relatedApps: [],
        result: 'created'
      },
      {
        namespaceId: 'cn-beijing:prod',
        secretName: 'registry-auth',
        domains: ['registry-vpc.cn-beijing.aliyuncs.com', 'registry.cn-beijing.aliyuncs.com'],
        secretId: undefined,
        relatedApps: undefined,
        result: 'failed: InvalidNamespaceId.NotFound'
      }
    ])
  })

  test('a Secret left because applications use it: the row names its SecretId and them', () => {
    const [row] = summaryRows(plansOf({ 'namespace-id': 'cn-hangzhou:preview' }), [
      {
        namespaceId: 'cn-hangzhou:preview',
        outcome: { ok: false, error: new SecretInUseError('registry-auth', 'cn-hangzhou:preview', 21, SHOP) }
      }
    ])
    expect(row).toMatchObject({ secretId: 21, relatedApps: SHOP, result: 'failed: SecretInUse' })
  })
})

describe('failureReasons', () => {
  test("each failure's sentence once, with the namespaces it failed in their order; successes have none", () => {
    const refusal = new Error('Image r/shop/web:9 does not exist')
    const reasons = failureReasons([
      { namespaceId: 'cn-a:x', outcome: { ok: false, error: refusal } },
      ok('cn-a:y', { secretId: 3, result: 'created', relatedApps: [] }),
      failed('cn-a:z', 'InvalidNamespaceId.NotFound'),
      { namespaceId: 'cn-a:w', outcome: { ok: false, error: refusal } }
    ])
    expect(reasons).toEqual([
      { namespaces: ['cn-a:x', 'cn-a:w'], reason: 'Image r/shop/web:9 does not exist' },
      {
        namespaces: ['cn-a:z'],
        reason:
          'ListSecrets failed: InvalidNamespaceId.NotFound (HTTP 404, RequestId R1): the namespace does not exist; ' +
          'check namespace-id (<region>:<name>) and that the credentials belong to its account'
      }
    ])
  })
})

describe('renderFailureSummary', () => {
  test('what failed and whether anything was written before it, with the run named', () => {
    expect(renderFailureSummary("Input 'secret-name' must start with a letter", LINK)).toBe(
      [
        '## SAE image-pull Secret: failed',
        '',
        "Input 'secret-name' must start with a letter",
        '',
        'No Secret was created, changed or deleted.',
        '',
        'Provisioned by [deploy](https://github.com/octo/repo/actions/runs/7) in octo/repo.',
        ''
      ].join('\n')
    )
    expect(renderFailureSummary('Boom', {}, ["cn-a:x: Secret 'registry_auth' created (SecretId 3)"])).toBe(
      [
        '## SAE image-pull Secret: failed',
        '',
        'Boom',
        '',
        'Written before the failure (see the log):',
        '',
        "- cn-a:x: Secret 'registry\\_auth' created (SecretId 3)",
        ''
      ].join('\n')
    )
  })

  test('the warnings that came before the failure are listed too', () => {
    expect(renderFailureSummary('STS refused', {}, [], ['The password of registry r expires at 10:00 UTC'])).toBe(
      [
        '## SAE image-pull Secret: failed',
        '',
        'STS refused',
        '',
        'No Secret was created, changed or deleted.',
        '',
        'Warning of this run (also in the log):',
        '',
        '- The password of registry r expires at 10:00 UTC',
        ''
      ].join('\n')
    )
  })
})

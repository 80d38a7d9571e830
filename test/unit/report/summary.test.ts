import { describe, expect, test } from '@jest/globals'
import { renderFailureSummary, renderSummary, summaryRows } from '../../../src/report/summary.js'
import { failed, ok, plansOf } from './support/outcomes.js'

describe('renderSummary', () => {
  test('escapes table-breaking characters in names', () => {
    const markdown = renderSummary(
      [{ namespaceId: 'cn-a:x', secretName: 'a|b_c', domains: ['r.example.com'], secretId: 16, result: 'created' }],
      {},
      false
    )
    expect(markdown).toContain('| cn-a:x | a\\|b\\_c | 16 | created | – | r.example.com |')
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
})

describe('renderFailureSummary', () => {
  test('what failed and whether anything was written before it, with the run named', () => {
    const link = { repository: 'octo/repo', runUrl: 'https://github.com/octo/repo/actions/runs/7', workflow: 'deploy' }
    expect(renderFailureSummary("Input 'secret-name' must start with a letter", link)).toBe(
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
})

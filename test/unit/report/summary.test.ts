import { describe, expect, test } from '@jest/globals'
import { ApiError } from '../../../src/sae/sdk/api-errors.js'
import type { NamespaceOutcome } from '../../../src/sae/provision.js'
import { failureLine, renderSummary, resultsOutput } from '../../../src/report/summary.js'

const ok = (namespaceId: string, secretId: number): NamespaceOutcome => ({
  namespaceId,
  outcome: { ok: true, value: { secretId, result: 'created', relatedApps: [] } }
})
const failed = (namespaceId: string, code: string): NamespaceOutcome => ({
  namespaceId,
  outcome: { ok: false, error: new ApiError({ action: 'ListSecrets', code, status: 404, requestId: 'R1' }) }
})

describe('resultsOutput', () => {
  test('holds every namespace that succeeded, keyed by its ID', () => {
    expect(
      JSON.parse(resultsOutput([ok('cn-a:x', 16), failed('cn-a:y', 'InvalidNamespaceId.NotFound'), ok('cn-b:z', 17)]))
    ).toEqual({
      'cn-a:x': { secretId: 16, result: 'created', relatedApps: [] },
      'cn-b:z': { secretId: 17, result: 'created', relatedApps: [] }
    })
  })
})

describe('failureLine', () => {
  test('is undefined when everything succeeded', () => {
    expect(failureLine([ok('cn-a:x', 1)])).toBeUndefined()
  })

  test('is the error itself for a single namespace', () => {
    expect(failureLine([failed('cn-a:x', 'InvalidNamespaceId.NotFound')])).toMatch(
      /^ListSecrets failed: InvalidNamespaceId\.NotFound \(HTTP 404, RequestId R1\)/
    )
  })

  test('names each failed namespace with its code on one line', () => {
    const line = failureLine([
      ok('cn-a:x', 1),
      failed('cn-a:y', 'InvalidNamespaceId.NotFound'),
      failed('cn-b:z', 'Forbidden.RAM')
    ])!
    expect(line).toMatch(
      /^2 of 3 namespaces failed \(cn-a:y InvalidNamespaceId\.NotFound, cn-b:z Forbidden\.RAM\) — cn-a:y: ListSecrets failed/
    )
    expect(line).not.toContain('\n')
  })
})

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

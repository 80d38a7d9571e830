import { describe, expect, test } from '@jest/globals'
import { failed, ok as okWith } from './support/outcomes.js'
import type { NamespaceOutcome } from '../../../src/sae/provision.js'
import { ActionError } from '../../../src/domain/errors.js'
import {
  failedBy,
  failureCode,
  failureLine,
  failureMessage,
  resultsOutput,
  stepOutputs
} from '../../../src/report/results.js'

const ok = (namespaceId: string, secretId: number): NamespaceOutcome =>
  okWith(namespaceId, { secretId, result: 'created', relatedApps: [] })

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

describe('failedBy: a registry refusal fails every namespace, even where nothing needed writing', () => {
  test('each success becomes the refusal; each failure keeps its own error', () => {
    const refusal = new Error('Registry r refused the username and password')
    const outcomes = failedBy([ok('cn-a:x', 1), failed('cn-a:y', 'Forbidden.RAM')], refusal)
    expect(outcomes[0]).toEqual({ namespaceId: 'cn-a:x', outcome: { ok: false, error: refusal } })
    expect(outcomes[1].outcome.ok).toBe(false)
    expect(failureCode(outcomes[1].outcome.ok ? undefined : outcomes[1].outcome.error)).toBe('Forbidden.RAM')
  })

  test('no refusal: the outcomes as they were', () => {
    const outcomes = [ok('cn-a:x', 1)]
    expect(failedBy(outcomes, undefined)).toBe(outcomes)
  })
})

describe('stepOutputs', () => {
  const created = (secretId: number) => ({ secretId, result: 'created' as const, relatedApps: [] })

  test('one namespace: results, secret-id and result', () => {
    expect(stepOutputs([{ namespaceId: 'cn-a:x', outcome: { ok: true, value: created(16) } }])).toEqual([
      ['results', '{"cn-a:x":{"secretId":16,"result":"created","relatedApps":[]}}'],
      ['secret-id', '16'],
      ['result', 'created']
    ])
  })

  test('a deleted Secret has no secret-id to pass on, though results names the id it had', () => {
    const deleted = { secretId: 9, result: 'deleted' as const, relatedApps: [] }
    expect(stepOutputs([{ namespaceId: 'cn-a:x', outcome: { ok: true, value: deleted } }])).toEqual([
      ['results', '{"cn-a:x":{"secretId":9,"result":"deleted","relatedApps":[]}}'],
      ['result', 'deleted']
    ])
  })

  test('an absent Secret: result only', () => {
    const absent = { result: 'absent' as const, relatedApps: [] }
    expect(stepOutputs([{ namespaceId: 'cn-a:x', outcome: { ok: true, value: absent } }])).toEqual([
      ['results', '{"cn-a:x":{"result":"absent","relatedApps":[]}}'],
      ['result', 'absent']
    ])
  })

  test('several namespaces, or one that failed: results alone', () => {
    expect(stepOutputs([ok('cn-a:x', 1), ok('cn-b:y', 2)])).toEqual([
      [
        'results',
        '{"cn-a:x":{"secretId":1,"result":"created","relatedApps":[]},"cn-b:y":{"secretId":2,"result":"created","relatedApps":[]}}'
      ]
    ])
    expect(stepOutputs([failed('cn-a:x', 'Forbidden.RAM')])).toEqual([['results', '{}']])
  })
})

describe('failureCode and failureMessage', () => {
  class Refused extends ActionError {
    readonly code = 'Some.Refusal'
  }

  test('an ActionError by its code and message; anything else is a bug of ours, said as such', () => {
    expect(failureCode(new Refused('the registry said no'))).toBe('Some.Refusal')
    expect(failureMessage(new Refused('the registry said no'))).toBe('the registry said no')
    expect(failureCode(new TypeError('x is undefined'))).toBe('TypeError')
    expect(failureMessage(new TypeError('x is undefined'))).toBe('Unexpected error (please report it): x is undefined')
    expect(failureCode('a string')).toBe('Error')
    expect(failureMessage('a string')).toBe('Unexpected error (please report it): a string')
  })
})

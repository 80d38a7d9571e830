import { describe, expect, test } from '@jest/globals'
import {
  checkLines,
  driftWarnings,
  lostAnswerLine,
  outcomeLine,
  plannedLines,
  provisionedLines,
  refusedLines,
  retryLine,
  wrote
} from '../../../src/report/lines.js'
import { ApiError } from '../../../src/sae/sdk/api-errors.js'
import { RegistryCheckError } from '../../../src/registry/checks.js'
import { failed, ok, plansOf } from './support/outcomes.js'

const [plan] = plansOf()
const apps = [
  { appId: '7171a6ca', appName: 'shop-web' },
  { appId: '2b2c', appName: 'shop-worker' }
]

describe('plannedLines', () => {
  test('several namespaces: where their SecretIds are', () => {
    expect(plannedLines(plansOf({ 'namespace-id': 'cn-hangzhou:dev,cn-hangzhou:prod' }))).toEqual([
      {
        level: 'info',
        text: "2 namespaces: secret-id and result are set only for one; read each namespace's SecretId from the results output"
      }
    ])
  })

  test('one namespace: nothing to say', () => expect(plannedLines([plan])).toEqual([]))
})

test('checkLines: what was proved as lines, what could not be checked as warnings, in that order', () => {
  expect(checkLines({ passed: ['Registry login accepted by r (Basic)'], warnings: ['Could not verify s'] })).toEqual([
    { level: 'info', text: 'Registry login accepted by r (Basic)' },
    { level: 'warning', text: 'Could not verify s' }
  ])
})

describe('retryLine', () => {
  test('an API error by its brief, with the wait the answer asked for', () => {
    const throttled = new ApiError(
      { action: 'ListSecrets', code: 'Throttling.User', status: 400, requestId: 'R9' },
      { retryAfterMs: 1500 }
    )
    expect(retryLine(throttled, 1, 1620, 4)).toEqual({
      level: 'info',
      text:
        'ListSecrets: Throttling.User (HTTP 400, RequestId R9); the answer says the limit resets in 1500 ms; ' +
        'retrying in 1620 ms (attempt 2 of 4)'
    })
  })

  test('anything else by its message', () => {
    expect(retryLine(new Error('socket hang up'), 2, 800, 4).text).toBe(
      'socket hang up; retrying in 800 ms (attempt 3 of 4)'
    )
  })
})

describe('lostAnswerLine', () => {
  const lost = new ApiError({ action: 'CreateSecret', code: 'ServiceUnavailable', status: 503, requestId: 'R2' })
  const said = (applied: boolean, attempt: number) => lostAnswerLine('cn-hangzhou:dev', lost, applied, attempt, 3).text

  test('what looking found: applied, not applied and sent again, not applied at the last attempt', () => {
    const prefix =
      'cn-hangzhou:dev: CreateSecret: ServiceUnavailable (HTTP 503, RequestId R2) may have hidden an applied write; looked: '
    expect(said(true, 1)).toBe(`${prefix}it was applied`)
    expect(said(false, 2)).toBe(`${prefix}it was not, sending it again (attempt 3 of 3)`)
    expect(said(false, 3)).toBe(`${prefix}it was not`)
  })
})

describe("a namespace's outcome", () => {
  test('one line with the SecretId; none when there was no Secret', () => {
    expect(outcomeLine(plan, { secretId: 16, result: 'created', relatedApps: [] })).toBe(
      "cn-hangzhou:dev: Secret 'registry-auth' created (SecretId 16)"
    )
    expect(outcomeLine(plan, { result: 'absent', relatedApps: [] })).toBe(
      "cn-hangzhou:dev: Secret 'registry-auth' absent"
    )
  })

  test.each([
    ['created', true],
    ['updated', true],
    ['deleted', true],
    ['unchanged', false],
    ['skipped', false],
    ['absent', false]
  ] as const)('%s wrote a Secret: %s', (result, written) => {
    expect(wrote({ result, relatedApps: [] })).toBe(written)
  })

  test('an update names the applications and when they pull with the new credentials', () => {
    expect(provisionedLines(plan, { secretId: 16, result: 'updated', relatedApps: apps })).toEqual([
      { level: 'info', text: "cn-hangzhou:dev: Secret 'registry-auth' updated (SecretId 16)" },
      {
        level: 'info',
        text:
          'cn-hangzhou:dev: 2 applications: shop-web (7171a6ca), shop-worker (2b2c) use this Secret: their new instances ' +
          'pull with the new credentials; running instances keep the images they pulled until they are restarted or redeployed'
      }
    ])
  })

  test('a deletion of a Secret in use is a warning that names the applications', () => {
    expect(provisionedLines(plan, { secretId: 16, result: 'deleted', relatedApps: apps })[1]).toEqual({
      level: 'warning',
      text:
        "cn-hangzhou:dev: Secret 'registry-auth' (SecretId 16) was deleted although 2 applications: shop-web (7171a6ca), " +
        'shop-worker (2b2c) use it (if-in-use: delete): their next instance start cannot pull images until they are given another Secret'
    })
  })

  test('a Secret left as it was says nothing of its applications', () => {
    expect(provisionedLines(plan, { secretId: 16, result: 'unchanged', relatedApps: apps })).toHaveLength(1)
  })
})

test('driftWarnings: one per Secret left in place under skip although it holds other credentials', () => {
  const plans = plansOf({ 'namespace-id': 'cn-hangzhou:dev,cn-hangzhou:prod' })
  expect(
    driftWarnings(plans, [
      ok('cn-hangzhou:dev', { secretId: 16, result: 'skipped', relatedApps: [], drifted: true }),
      ok('cn-hangzhou:prod', { secretId: 17, result: 'skipped', relatedApps: [], drifted: false })
    ])
  ).toEqual([
    {
      level: 'warning',
      text:
        "cn-hangzhou:dev: Secret 'registry-auth' (SecretId 16) holds other registry credentials than this step computed " +
        '(a rotated password?); it was left as it is because if-exists is skip. Set if-exists: update to write the new ones'
    }
  ])
})

test("refusedLines: after the registry checks' error, what it did to each namespace it decided; none for a namespace failed by its own error", () => {
  const plans = plansOf({ 'namespace-id': 'cn-hangzhou:dev,cn-hangzhou:staging,cn-hangzhou:nope' })
  const refusal = new RegistryCheckError([{ kind: 'missing', image: 'r/shop/web:9', host: 'r', how: 'HTTP 404' }])
  expect(
    refusedLines(
      plans,
      [
        ok('cn-hangzhou:dev', { secretId: 16, result: 'skipped', relatedApps: [] }),
        { namespaceId: 'cn-hangzhou:staging', outcome: { ok: false, error: refusal } },
        failed('cn-hangzhou:nope', 'InvalidNamespaceId.NotFound')
      ],
      refusal
    )
  ).toEqual([
    {
      level: 'info',
      text: "cn-hangzhou:dev: failed: ImageNotPullable (the error above); Secret 'registry-auth' (SecretId 16) was left as it is"
    },
    {
      level: 'info',
      text: "cn-hangzhou:staging: failed: ImageNotPullable (the error above); Secret 'registry-auth' was not written"
    }
  ])
})

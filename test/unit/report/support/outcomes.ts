// Plans and outcomes for the report's tests, built from inputs as a run builds them.
import { parseInputs } from '../../../../src/inputs/parse-inputs.js'
import type { NamespaceOutcome, Provisioned } from '../../../../src/sae/provision.js'
import { ApiError } from '../../../../src/sae/sdk/api-errors.js'
import { planSecrets } from '../../../../src/secret/plan.js'

export const BASE: Record<string, string> = {
  'namespace-id': 'cn-hangzhou:dev',
  'secret-name': 'registry-auth',
  username: 'deployer',
  password: 's3cret-pa55',
  'access-key-id': 'LTAI5tExample',
  'access-key-secret': 'ak-s3cret'
}

export function inputsOf(overrides: Record<string, string> = {}) {
  const values = { ...BASE, ...overrides }
  return parseInputs((name) => values[name] ?? '')
}

export function plansOf(overrides: Record<string, string> = {}) {
  return planSecrets(inputsOf(overrides))
}

export const ok = (namespaceId: string, value: Provisioned): NamespaceOutcome => ({
  namespaceId,
  outcome: { ok: true, value }
})

export const failed = (namespaceId: string, code: string, status = 404): NamespaceOutcome => ({
  namespaceId,
  outcome: { ok: false, error: new ApiError({ action: 'ListSecrets', code, status, requestId: 'R1' }) }
})

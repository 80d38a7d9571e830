import { describe, expect, test } from '@jest/globals'
import { NoCredentialsError } from '../../../src/domain/errors.js'
import { dryRunReport, type DryRunSae } from '../../../src/report/dry-run.js'
import { RegistryCheckError, type CheckVerdicts } from '../../../src/registry/checks.js'
import { SecretExistsError } from '../../../src/sae/errors.js'
import type { NamespaceOutcome } from '../../../src/sae/provision.js'
import { BASE, failed, inputsOf, ok } from './support/outcomes.js'
import { parseInputs } from '../../../src/inputs/parse-inputs.js'
import { planSecrets } from '../../../src/secret/plan.js'

const nothingChecked: CheckVerdicts = { passed: [], warnings: [] }
const NO_CREDENTIALS = new NoCredentialsError(
  'No Alibaba Cloud credentials were found. Tried, in order: … Give one of them'
)
const OFFLINE: DryRunSae = { offline: NO_CREDENTIALS }
const HANGZHOU = ['registry-vpc.cn-hangzhou.aliyuncs.com', 'registry.cn-hangzhou.aliyuncs.com']
const SHOP = [
  { appId: '7171a6ca', appName: 'shop-web' },
  { appId: '0b9b6f6e', appName: 'shop-worker' }
]

function dryRun(overrides: Record<string, string>, sae: DryRunSae = OFFLINE, verdicts = nothingChecked) {
  const inputs = inputsOf(overrides)
  return dryRunReport(inputs, planSecrets(inputs), verdicts, sae)
}

const texts = (lines: { text: string }[]) => lines.map((line) => line.text)

describe('dryRunReport without credentials: the offline plan, and a warning that says so', () => {
  test('per namespace what a real run would write, where and when; credentials none; never a secret', () => {
    const report = dryRun({ 'namespace-id': 'cn-hangzhou:dev', 'if-exists': 'update', 'verify-login': 'false' })
    const would =
      "Would ensure Secret 'registry-auth' (kubernetes.io/dockerconfigjson) in cn-hangzhou:dev via https://sae.cn-hangzhou.aliyuncs.com, " +
      'auths for registry-vpc.cn-hangzhou.aliyuncs.com, registry.cn-hangzhou.aliyuncs.com as user ' +
      "'deployer' for registry-vpc.cn-hangzhou.aliyuncs.com, registry.cn-hangzhou.aliyuncs.com (passwords redacted); " +
      'if it exists, write this data where it differs (if-exists: update); no registry check first (verify-login: false, no images)'
    expect(report.lines).toEqual([
      {
        level: 'warning',
        text:
          'This dry run planned offline: without credentials it read nothing of SAE, so it cannot say what a real run ' +
          'would do in each namespace, and a real run would fail. Given the credentials a real run uses, a dry run reads ' +
          'each namespace (ListSecrets, DescribeSecret) and writes nothing. No Alibaba Cloud credentials were found. ' +
          'Tried, in order: … Give one of them'
      },
      {
        level: 'info',
        text: 'Dry run, offline: no SAE API is called. Credentials: none found; if-exists: update.'
      },
      { level: 'info', text: would }
    ])
    expect(report.outcomes).toEqual([])
    expect(report.summary).toEqual({
      mode: 'offline-dry-run',
      rows: [{ namespaceId: 'cn-hangzhou:dev', secretName: 'registry-auth', domains: HANGZHOU, result: 'planned' }],
      failures: [],
      plan: ['Credentials: none found', would]
    })
    expect(report.failure).toBeUndefined()
    expect(JSON.stringify(report)).not.toContain('s3cret')
  })

  test('the checks a real run waits for, and that they were made', () => {
    const report = dryRun({ images: 'registry.cn-hangzhou.aliyuncs.com/shop/web:1.4.2' }, OFFLINE, {
      passed: ['Image … can be pulled'],
      warnings: []
    })
    expect(report.lines[1].text).toBe(
      'Dry run, offline: no SAE API is called (the registry checks above were made). Credentials: none found; if-exists: skip.'
    )
    expect(report.lines[2].text).toMatch(
      /; if it exists, leave it as it is \(if-exists: skip\); written only if no registry refuses its login and it pulls registry\.cn-hangzhou\.aliyuncs\.com\/shop\/web:1\.4\.2$/
    )
  })

  test('state: absent: what would be deleted, and when', () => {
    const report = dryRun({ state: 'absent', 'if-in-use': 'delete', username: '', password: '' })
    expect(texts(report.lines.slice(1))).toEqual([
      'Dry run, offline: no SAE API is called. Credentials: none found; if-exists: skip; if-in-use: delete.',
      "Would delete Secret 'registry-auth' (kubernetes.io/dockerconfigjson) from cn-hangzhou:dev via https://sae.cn-hangzhou.aliyuncs.com, " +
        'if it is there and even if applications use it (if-in-use: delete)'
    ])
    expect(report.summary.rows[0].result).toBe('planned: delete')
  })

  test('if-unverified: fail adds to what the write waits for', () => {
    expect(dryRun({ 'if-unverified': 'fail' }).lines[2].text).toMatch(
      /; written only if no registry refuses its login, each check reaching a verdict \(if-unverified: fail\)$/
    )
  })

  test("a registry's refusal fails the dry run as it would the real one, its sentence under the table", () => {
    const refusal = new RegistryCheckError([
      { kind: 'missing', image: 'r/shop/web:9', host: 'r', how: 'HTTP 404 to HEAD /v2/shop/web/manifests/9' }
    ])
    const report = dryRun({ 'namespace-id': 'cn-hangzhou:dev,cn-hangzhou:prod' }, OFFLINE, {
      passed: [],
      warnings: [],
      error: refusal
    })
    expect(report.summary.rows.map((row) => row.result)).toEqual([
      'failed: ImageNotPullable',
      'failed: ImageNotPullable'
    ])
    expect(report.summary.failures).toEqual([
      { namespaces: ['cn-hangzhou:dev', 'cn-hangzhou:prod'], reason: refusal.message }
    ])
    expect(report.failure).toBe(refusal.message)
  })
})

describe('dryRunReport having read SAE: per namespace the result a real run would output, and why', () => {
  const read = (outcomes: NamespaceOutcome[]): DryRunSae => ({ outcomes })
  const NAMESPACES = 'cn-hangzhou:a,cn-hangzhou:b,cn-hangzhou:c,cn-hangzhou:d'

  test('created, updated, unchanged, skipped: each word, with the reason SAE gave it', () => {
    const report = dryRun(
      { 'namespace-id': NAMESPACES, 'if-exists': 'update' },
      read([
        ok('cn-hangzhou:a', { result: 'created', relatedApps: [] }),
        ok('cn-hangzhou:b', { secretId: 17, result: 'updated', relatedApps: SHOP }),
        ok('cn-hangzhou:c', { secretId: 18, result: 'unchanged', relatedApps: [] }),
        ok('cn-hangzhou:d', { secretId: 19, result: 'skipped', relatedApps: [], drifted: true })
      ])
    )
    expect(report.lines[0].text).toBe(
      'Dry run: SAE is read (ListSecrets, DescribeSecret), never written. Credentials: access key LTAI5tExample from inputs; if-exists: update.'
    )
    expect(texts(report.outcomes)).toEqual([
      "cn-hangzhou:a: Secret 'registry-auth' would be created: ListSecrets lists no Secret of that name in the namespace",
      "cn-hangzhou:b: Secret 'registry-auth' would be updated (SecretId 17): it holds other data than this step computes (DescribeSecret), and if-exists is update",
      "cn-hangzhou:c: Secret 'registry-auth' would be unchanged (SecretId 18): it holds exactly the data this step computes (DescribeSecret)",
      "cn-hangzhou:d: Secret 'registry-auth' would be skipped (SecretId 19): it is there, and holds other registry credentials than this step computes " +
        '(a rotated password?); if-exists is skip, so a real run leaves it as it is, with a warning; set if-exists: update to write the new ones'
    ])
    expect(report.summary.mode).toBe('dry-run')
    expect(
      report.summary.rows.map(({ namespaceId, secretId, result, relatedApps }) => [
        namespaceId,
        secretId,
        result,
        relatedApps
      ])
    ).toEqual([
      ['cn-hangzhou:a', undefined, 'would be created', []],
      ['cn-hangzhou:b', 17, 'would be updated', SHOP],
      ['cn-hangzhou:c', 18, 'would be unchanged', []],
      ['cn-hangzhou:d', 19, 'would be skipped (differs: see the plan)', []]
    ])
    // The summary's plan holds the reasons too, after the credentials and each namespace's plan.
    expect(report.summary.plan?.slice(5)).toEqual(texts(report.outcomes))
    expect(report.failure).toBeUndefined()
  })

  test('state: absent: deleted (no application, or those that use it under if-in-use: delete), absent', () => {
    const report = dryRun(
      { 'namespace-id': 'cn-hangzhou:a,cn-hangzhou:b,cn-hangzhou:c', state: 'absent', 'if-in-use': 'delete' },
      read([
        ok('cn-hangzhou:a', { secretId: 16, result: 'deleted', relatedApps: [] }),
        ok('cn-hangzhou:b', { secretId: 17, result: 'deleted', relatedApps: SHOP }),
        ok('cn-hangzhou:c', { result: 'absent', relatedApps: [] })
      ])
    )
    expect(texts(report.outcomes)).toEqual([
      "cn-hangzhou:a: Secret 'registry-auth' would be deleted (SecretId 16): it is there, and no application uses it (ListSecrets' RelateApps)",
      "cn-hangzhou:b: Secret 'registry-auth' would be deleted (SecretId 17): it is there, and 2 applications: shop-web (7171a6ca), " +
        'shop-worker (0b9b6f6e) use it; if-in-use is delete, so their next instance start could not pull images',
      "cn-hangzhou:c: Secret 'registry-auth' would be absent: ListSecrets lists no Secret of that name in the namespace: there is nothing to delete"
    ])
  })

  test("a namespace's own failure: its code on its line, the real run's error line, its sentence under the table", () => {
    const exists = new SecretExistsError('registry-auth', 'cn-hangzhou:b', 17)
    const report = dryRun(
      { 'namespace-id': 'cn-hangzhou:a,cn-hangzhou:b,cn-hangzhou:nope', 'if-exists': 'fail' },
      read([
        ok('cn-hangzhou:a', { result: 'created', relatedApps: [] }),
        { namespaceId: 'cn-hangzhou:b', outcome: { ok: false, error: exists } },
        failed('cn-hangzhou:nope', 'InvalidNamespaceId.NotFound')
      ])
    )
    expect(texts(report.outcomes).slice(1)).toEqual([
      'cn-hangzhou:b: would fail: SecretNameConflict.AlreadyExist (the error below)',
      'cn-hangzhou:nope: would fail: InvalidNamespaceId.NotFound (the error below)'
    ])
    expect(report.refused).toBe(false)
    expect(report.failure).toMatch(
      /^2 of 3 namespaces failed \(cn-hangzhou:b SecretNameConflict\.AlreadyExist, cn-hangzhou:nope InvalidNamespaceId\.NotFound\) — cn-hangzhou:b: Secret 'registry-auth' already exists/
    )
    expect(report.summary.rows.map((row) => row.result)).toEqual([
      'would be created',
      'failed: SecretNameConflict.AlreadyExist',
      'failed: InvalidNamespaceId.NotFound'
    ])
    expect(report.summary.failures?.map((failure) => failure.namespaces)).toEqual([
      ['cn-hangzhou:b'],
      ['cn-hangzhou:nope']
    ])
  })

  test("the registry checks' refusal fails every namespace, even one that needed no write; its error comes first", () => {
    const refusal = new RegistryCheckError([{ kind: 'missing', image: 'r/shop/web:9', host: 'r', how: 'HTTP 404' }])
    const report = dryRun(
      { 'namespace-id': 'cn-hangzhou:a,cn-hangzhou:b' },
      read([
        ok('cn-hangzhou:a', { secretId: 16, result: 'skipped', relatedApps: [] }),
        { namespaceId: 'cn-hangzhou:b', outcome: { ok: false, error: refusal } }
      ]),
      { passed: [], warnings: [], error: refusal }
    )
    expect(report.refused).toBe(true)
    expect(texts(report.outcomes)).toEqual([
      'cn-hangzhou:a: would fail: ImageNotPullable (the error above)',
      'cn-hangzhou:b: would fail: ImageNotPullable (the error above)'
    ])
    expect(report.summary.failures).toEqual([
      { namespaces: ['cn-hangzhou:a', 'cn-hangzhou:b'], reason: refusal.message }
    ])
  })

  test('credentials as the SAE calls were signed: keys by ID, OIDC by role, RRSA, the instance role, chaining', () => {
    const credentialsLine = (overrides: Record<string, string>, env: NodeJS.ProcessEnv = {}) => {
      const values: Record<string, string> = { ...BASE, 'access-key-id': '', 'access-key-secret': '', ...overrides }
      const inputs = parseInputs((name) => values[name] ?? '', env)
      return dryRunReport(inputs, planSecrets(inputs), nothingChecked, read([])).summary.plan?.[0]
    }
    expect(credentialsLine({ 'access-key-id': 'LTAI5tExample', 'access-key-secret': 'x', 'security-token': 't' })).toBe(
      'Credentials: access key LTAI5tExample from inputs with an STS token'
    )
    expect(
      credentialsLine({
        'role-to-assume': 'acs:ram::123456789012:role/deploy',
        'oidc-provider-arn': 'acs:ram::123456789012:oidc-provider/github'
      })
    ).toBe('Credentials: GitHub OIDC, role acs:ram::123456789012:role/deploy')
    expect(credentialsLine({})).toBe("Credentials: the ECS instance's RAM role from the metadata service")
    expect(credentialsLine({}, { ALIBABA_CLOUD_ECS_METADATA: 'ci-runner' })).toBe(
      "Credentials: the ECS instance's RAM role 'ci-runner' from the metadata service"
    )
    expect(
      credentialsLine(
        {},
        {
          ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1:role/ack-runner',
          ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::1:oidc-provider/ack',
          ALIBABA_CLOUD_OIDC_TOKEN_FILE: '/token'
        }
      )
    ).toBe("Credentials: RRSA (the ACK pod's identity), role acs:ram::1:role/ack-runner")
    expect(
      credentialsLine(
        { 'role-to-assume': 'acs:ram::2:role/sae-deployer' },
        { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tEnv', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's' }
      )
    ).toBe(
      'Credentials: role acs:ram::2:role/sae-deployer assumed with STS AssumeRole (role chaining), signed with access key LTAI5tEnv from environment'
    )
  })
})

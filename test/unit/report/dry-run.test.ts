import { describe, expect, test } from '@jest/globals'
import { dryRunReport } from '../../../src/report/dry-run.js'
import { RegistryCheckError, type CheckVerdicts } from '../../../src/registry/checks.js'
import { BASE, inputsOf } from './support/outcomes.js'
import { parseInputs } from '../../../src/inputs/parse-inputs.js'
import { planSecrets } from '../../../src/secret/plan.js'

const nothingChecked: CheckVerdicts = { passed: [], warnings: [] }

function dryRun(overrides: Record<string, string>, verdicts: CheckVerdicts = nothingChecked) {
  const inputs = inputsOf(overrides)
  return dryRunReport(inputs, planSecrets(inputs), verdicts)
}

describe('dryRunReport', () => {
  test('per namespace what a real run would write, where and when; credentials by key ID, never a secret', () => {
    const report = dryRun({ 'namespace-id': 'cn-hangzhou:dev', 'if-exists': 'update', 'verify-login': 'false' })
    const would =
      "Would ensure Secret 'registry-auth' (kubernetes.io/dockerconfigjson) in cn-hangzhou:dev via https://sae.cn-hangzhou.aliyuncs.com, " +
      'auths for registry-vpc.cn-hangzhou.aliyuncs.com, registry.cn-hangzhou.aliyuncs.com as user ' +
      "'deployer' for registry-vpc.cn-hangzhou.aliyuncs.com, registry.cn-hangzhou.aliyuncs.com (passwords redacted); " +
      'if it exists, write this data where it differs (if-exists: update); no registry check first (verify-login: false, no images)'
    expect(report.lines).toEqual([
      {
        level: 'info',
        text: 'Dry run: no SAE API is called. Credentials: access key LTAI5tExample from inputs; if-exists: update.'
      },
      { level: 'info', text: would }
    ])
    expect(report.plan).toEqual(['Credentials: access key LTAI5tExample from inputs', would])
    expect(report.rows).toEqual([
      {
        namespaceId: 'cn-hangzhou:dev',
        secretName: 'registry-auth',
        domains: ['registry-vpc.cn-hangzhou.aliyuncs.com', 'registry.cn-hangzhou.aliyuncs.com'],
        result: 'planned'
      }
    ])
    expect(report.failure).toBeUndefined()
    expect(JSON.stringify(report)).not.toContain('s3cret')
  })

  test('the checks a real run waits for, and that they were made', () => {
    const report = dryRun(
      { images: 'registry.cn-hangzhou.aliyuncs.com/shop/web:1.4.2' },
      { passed: ['Image … can be pulled'], warnings: [] }
    )
    expect(report.lines[0].text).toBe(
      'Dry run: no SAE API is called (the registry checks above were made). Credentials: access key LTAI5tExample ' +
        'from inputs; if-exists: skip.'
    )
    expect(report.lines[1].text).toMatch(
      /; if it exists, leave it as it is \(if-exists: skip\); written only if no registry refuses its login and it pulls registry\.cn-hangzhou\.aliyuncs\.com\/shop\/web:1\.4\.2$/
    )
  })

  test('state: absent: what would be deleted, and when', () => {
    const report = dryRun({ state: 'absent', 'if-in-use': 'delete', username: '', password: '' })
    expect(report.lines.map((line) => line.text)).toEqual([
      'Dry run: no SAE API is called. Credentials: access key LTAI5tExample from inputs; if-exists: skip; if-in-use: delete.',
      "Would delete Secret 'registry-auth' (kubernetes.io/dockerconfigjson) from cn-hangzhou:dev via https://sae.cn-hangzhou.aliyuncs.com, " +
        'if it is there and even if applications use it (if-in-use: delete)'
    ])
    expect(report.rows[0].result).toBe('planned: delete')
  })

  test('credentials as a real run would take them: OIDC by role, RRSA, the instance role (not asked), chaining, none at all', () => {
    const oidc = dryRun({
      'access-key-id': '',
      'access-key-secret': '',
      'role-to-assume': 'acs:ram::123456789012:role/deploy',
      'oidc-provider-arn': 'acs:ram::123456789012:oidc-provider/github'
    })
    expect(oidc.plan[0]).toBe('Credentials: GitHub OIDC, role acs:ram::123456789012:role/deploy')
    const keyless = { 'access-key-id': '', 'access-key-secret': '' }
    const credentialsLine = (overrides: Record<string, string>, env: NodeJS.ProcessEnv) => {
      const values: Record<string, string> = { ...BASE, ...keyless, ...overrides }
      const inputs = parseInputs((name) => values[name] ?? '', env)
      return dryRunReport(inputs, planSecrets(inputs), nothingChecked).plan[0]
    }
    expect(credentialsLine({}, {})).toBe(
      "Credentials: the ECS instance's RAM role from the metadata service, if it gives one (not asked in a dry run)"
    )
    expect(credentialsLine({}, { ALIBABA_CLOUD_ECS_METADATA: 'ci-runner' })).toBe(
      "Credentials: the ECS instance's RAM role 'ci-runner' from the metadata service, if it gives one (not asked in a dry run)"
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
        { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' }
      )
    ).toBe(
      'Credentials: role acs:ram::2:role/sae-deployer assumed with STS AssumeRole (role chaining), signed with none found (a real run would fail)'
    )
    expect(dryRun({ 'role-to-assume': 'acs:ram::2:role/sae-deployer' }).plan[0]).toBe(
      'Credentials: role acs:ram::2:role/sae-deployer assumed with STS AssumeRole (role chaining), signed with access key LTAI5tExample from inputs'
    )
    expect(credentialsLine({}, { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' })).toBe(
      'Credentials: none found (a real run would fail)'
    )
  })

  test('if-unverified: fail adds to what the write waits for', () => {
    expect(dryRun({ 'if-unverified': 'fail' }).lines[1].text).toMatch(
      /; written only if no registry refuses its login, each check reaching a verdict \(if-unverified: fail\)$/
    )
  })

  test("a registry's refusal fails the dry run as it would the real one", () => {
    const refusal = new RegistryCheckError([
      { kind: 'missing', image: 'r/shop/web:9', host: 'r', how: 'HTTP 404 to HEAD /v2/shop/web/manifests/9' }
    ])
    const report = dryRun({}, { passed: [], warnings: [], error: refusal })
    expect(report.rows[0].result).toBe('failed: ImageNotPullable')
    expect(report.failure).toBe(refusal.message)
  })
})

import { describe, expect, test } from '@jest/globals'
import { parseCredentialSource } from '../../../src/inputs/credential-source.js'
import { InputError, RunnerEnvironmentError } from '../../../src/domain/errors.js'

describe('parseCredentialSource', () => {
  const read = (values: Record<string, string>) => (name: string) => values[name] ?? ''
  const ENV = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIenv',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret',
    ALIBABA_CLOUD_SECURITY_TOKEN: 'env-token'
  }
  const OIDC = {
    'role-to-assume': 'acs:ram::123:role/deploy',
    'oidc-provider-arn': 'acs:ram::123:oidc-provider/github'
  }

  test('inputs come before OIDC inputs and the environment', () => {
    expect(parseCredentialSource(read({ 'access-key-id': 'LTAIin', 'access-key-secret': 'in-secret' }), ENV)).toEqual({
      kind: 'keys',
      origin: 'inputs',
      accessKeyId: 'LTAIin',
      accessKeySecret: 'in-secret'
    })
  })

  test('OIDC inputs come before the environment', () => {
    expect(parseCredentialSource(read(OIDC), { ...ENV, GITHUB_RUN_ID: '77' })).toEqual({
      kind: 'oidc',
      roleArn: OIDC['role-to-assume'],
      oidcProviderArn: OIDC['oidc-provider-arn'],
      audience: 'sts.aliyuncs.com',
      roleSessionName: 'github-actions-77',
      durationSeconds: 900
    })
  })

  test('the environment, with its STS token, is the last resort', () => {
    expect(parseCredentialSource(read({}), ENV)).toEqual({
      kind: 'keys',
      origin: 'environment',
      accessKeyId: 'LTAIenv',
      accessKeySecret: 'env-secret',
      securityToken: 'env-token'
    })
  })

  test('an STS token input travels with its keys', () => {
    const source = parseCredentialSource(
      read({ 'access-key-id': 'STS.x', 'access-key-secret': 's', 'security-token': 't' }),
      {}
    )
    expect(source).toMatchObject({ kind: 'keys', securityToken: 't' })
  })

  test('half a key pair in the environment is an error naming what is missing', () => {
    expect(() => parseCredentialSource(read({}), { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI' })).toThrow(
      /environment holds only ALIBABA_CLOUD_ACCESS_KEY_ID/
    )
  })

  test('a malformed AccessKey ID in the environment is named', () => {
    expect(() =>
      parseCredentialSource(read({}), {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'not an id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's'
      })
    ).toThrow(/ALIBABA_CLOUD_ACCESS_KEY_ID is not an AccessKey ID/)
  })

  test('nothing given and nothing in the environment: the ECS instance role, asked of the metadata service later', () => {
    expect(parseCredentialSource(read({}), {})).toEqual({ kind: 'instance-role' })
  })

  test('ALIBABA_CLOUD_ECS_METADATA names the instance role; ALIBABA_CLOUD_ECS_METADATA_DISABLED=true (any case) leaves no source', () => {
    expect(parseCredentialSource(read({}), { ALIBABA_CLOUD_ECS_METADATA: ' ci-runner ' })).toEqual({
      kind: 'instance-role',
      roleName: 'ci-runner'
    })
    expect(parseCredentialSource(read({}), { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'TRUE' })).toEqual({ kind: 'none' })
    expect(parseCredentialSource(read({}), { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'false' })).toEqual({
      kind: 'instance-role'
    })
    expect(() => parseCredentialSource(read({}), { ALIBABA_CLOUD_ECS_METADATA: '../admin' })).toThrow(
      new RunnerEnvironmentError(
        `ALIBABA_CLOUD_ECS_METADATA must name the ECS instance's RAM role (letters, digits, ".", "@", "-", "_"); got "../admin"`
      )
    )
  })

  const RRSA_ENV = {
    ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::123:role/ack-runner',
    ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::123:oidc-provider/ack-rrsa-c0ffee',
    ALIBABA_CLOUD_OIDC_TOKEN_FILE: '/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token',
    GITHUB_RUN_ID: '77'
  }

  test('RRSA: its three variables, after the environment keys and before the instance role', () => {
    const rrsa = {
      kind: 'rrsa',
      roleArn: RRSA_ENV.ALIBABA_CLOUD_ROLE_ARN,
      oidcProviderArn: RRSA_ENV.ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
      tokenFile: RRSA_ENV.ALIBABA_CLOUD_OIDC_TOKEN_FILE,
      roleSessionName: 'github-actions-77',
      durationSeconds: 900
    }
    expect(parseCredentialSource(read({}), RRSA_ENV)).toEqual(rrsa)
    expect(parseCredentialSource(read({}), { ...RRSA_ENV, ...ENV })).toMatchObject({
      kind: 'keys',
      origin: 'environment'
    })
    expect(
      parseCredentialSource(read({ 'role-duration-seconds': '1800' }), {
        ...RRSA_ENV,
        ALIBABA_CLOUD_ROLE_SESSION_NAME: 'arc-runner-7'
      })
    ).toEqual({ ...rrsa, roleSessionName: 'arc-runner-7', durationSeconds: 1800 })
  })

  test.each([
    [
      'no token file',
      { ALIBABA_CLOUD_OIDC_TOKEN_FILE: '' },
      "RRSA (ACK's pod identity) needs ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE; this runner has no ALIBABA_CLOUD_OIDC_TOKEN_FILE. Check the pod's RRSA configuration (the ack-pod-identity-webhook sets all three)"
    ],
    [
      'no role',
      { ALIBABA_CLOUD_ROLE_ARN: '' },
      "RRSA (ACK's pod identity) needs ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE; this runner has no ALIBABA_CLOUD_ROLE_ARN. Check the pod's RRSA configuration (the ack-pod-identity-webhook sets all three)"
    ],
    [
      'a role that is no ARN',
      { ALIBABA_CLOUD_ROLE_ARN: 'ack-runner' },
      'ALIBABA_CLOUD_ROLE_ARN (RRSA) must be a RAM role ARN; got "ack-runner"'
    ],
    [
      'a provider that is no ARN',
      { ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::1:role/x' },
      'ALIBABA_CLOUD_OIDC_PROVIDER_ARN (RRSA) must be an OIDC provider ARN; got "acs:ram::1:role/x"'
    ]
  ])('RRSA with %s is an error naming the variable', (_what, change, message) => {
    expect(() => parseCredentialSource(read({}), { ...RRSA_ENV, ...change })).toThrow(
      new RunnerEnvironmentError(message)
    )
  })

  test('ALIBABA_CLOUD_ROLE_ARN alone is not RRSA (other tools read it as a role to assume): the instance role comes next', () => {
    expect(parseCredentialSource(read({}), { ALIBABA_CLOUD_ROLE_ARN: RRSA_ENV.ALIBABA_CLOUD_ROLE_ARN })).toEqual({
      kind: 'instance-role'
    })
  })

  describe('role-to-assume without oidc-provider-arn: role chaining onto the first source found', () => {
    const role = { 'role-to-assume': 'acs:ram::456:role/sae-deployer' }
    const chained = (base: object) => ({
      kind: 'chained',
      roleArn: role['role-to-assume'],
      roleSessionName: 'github-actions-77',
      durationSeconds: 900,
      base
    })

    test.each([
      [
        'key inputs',
        { 'access-key-id': 'LTAIin', 'access-key-secret': 'in-secret' },
        ENV,
        { kind: 'keys', origin: 'inputs' }
      ],
      ['environment keys', {}, ENV, { kind: 'keys', origin: 'environment', securityToken: 'env-token' }],
      ['RRSA', {}, RRSA_ENV, { kind: 'rrsa', roleArn: RRSA_ENV.ALIBABA_CLOUD_ROLE_ARN }],
      ['the instance role', {}, {}, { kind: 'instance-role' }],
      ['nothing (metadata switched off)', {}, { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' }, { kind: 'none' }]
    ])('%s', (_what, inputs, env, base) => {
      const source = parseCredentialSource(read({ ...role, ...inputs }), { GITHUB_RUN_ID: '77', ...env })
      expect(source).toMatchObject(chained(base))
    })

    test('role-session-name and role-duration-seconds are the chained session’s', () => {
      expect(
        parseCredentialSource(read({ ...role, 'role-session-name': 'nightly', 'role-duration-seconds': '3600' }), {})
      ).toEqual({ ...chained({ kind: 'instance-role' }), roleSessionName: 'nightly', durationSeconds: 3600 })
    })

    test('a role that is no RAM role ARN is an input error', () => {
      expect(() => parseCredentialSource(read({ 'role-to-assume': 'arn:aws:iam::1:role/x' }), {})).toThrow(
        /Input 'role-to-assume' must be a RAM role ARN/
      )
    })

    test('keys and oidc-provider-arn are still two explicit sets: an input error that points at chaining', () => {
      expect(() =>
        parseCredentialSource(
          read({ 'access-key-id': 'LTAI', 'access-key-secret': 's', 'oidc-provider-arn': OIDC['oidc-provider-arn'] }),
          {}
        )
      ).toThrow(
        new InputError(
          'access-key-id',
          'cannot be combined with oidc-provider-arn; use access keys or GitHub OIDC, not both (role-to-assume without oidc-provider-arn assumes the role with the access keys)'
        )
      )
    })
  })
})

import { describe, expect, test } from '@jest/globals'
import { parseCredentialSource } from '../../../src/inputs/credential-source.js'

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

  test('nothing at all is a source of kind none, refused later with the three ways', () => {
    expect(parseCredentialSource(read({}), {})).toEqual({ kind: 'none' })
  })
})

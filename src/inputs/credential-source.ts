// Where the Alibaba Cloud credentials come from (key inputs, GitHub OIDC inputs, the environment),
// decided from the inputs and the environment alone, before anything is fetched. Pure.
import { InputError } from '../domain/errors.js'
import {
  EMPTY_SECRET_HINT,
  matching,
  parseInteger,
  quote,
  singleLine,
  valueOrDefault,
  type InputReader
} from './rules.js'
import type { CredentialSource, OidcRole, StaticKeys } from '../domain/model.js'

const ROLE_ARN = /^acs:ram::\d+:role\/[\w.@-]+$/i
const OIDC_PROVIDER_ARN = /^acs:ram::\d+:oidc-provider\/[\w.@-]+$/i
const SESSION_NAME = /^[\w.@-]{2,64}$/
const ACCESS_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/
const KEY_INPUTS = ['access-key-id', 'access-key-secret', 'security-token'] as const
const OIDC_INPUTS = ['role-to-assume', 'oidc-provider-arn'] as const

/**
 * Decides where credentials come from, without fetching anything: key inputs, then OIDC inputs,
 * then the ALIBABA_CLOUD_* environment. Half a set, or two sets, is an input error.
 */
export function parseCredentialSource(read: InputReader, env: NodeJS.ProcessEnv): CredentialSource {
  const keysGiven = KEY_INPUTS.filter((name) => read(name) !== '')
  const oidcGiven = OIDC_INPUTS.filter((name) => read(name) !== '')
  if (keysGiven.length > 0 && oidcGiven.length > 0) {
    throw new InputError(
      keysGiven[0],
      `cannot be combined with ${oidcGiven.join(' and ')}; use access keys or GitHub OIDC, not both`
    )
  }
  if (keysGiven.length > 0) {
    const accessKeyId = read('access-key-id')
    const accessKeySecret = read('access-key-secret')
    if (accessKeyId === '')
      throw new InputError('access-key-id', 'is required when access-key-secret or security-token is given')
    if (accessKeySecret === '')
      throw new InputError('access-key-secret', `is required when access-key-id is given; ${EMPTY_SECRET_HINT}`)
    if (!ACCESS_KEY_ID.test(accessKeyId)) {
      throw new InputError(
        'access-key-id',
        `must be an AccessKey ID (letters, digits, "." such as LTAI5t... or STS....); got ${quote(accessKeyId)}`
      )
    }
    for (const name of ['access-key-secret', 'security-token']) singleLine(read(name), name)
    return keys('inputs', accessKeyId, accessKeySecret, read('security-token'))
  }
  if (oidcGiven.length > 0) return parseOidcRole(read, env)

  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? ''
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? ''
  if (id === '' && secret === '') return { kind: 'none' }
  if (id === '' || secret === '') {
    throw new InputError(
      id === '' ? 'access-key-id' : 'access-key-secret',
      `was not given and the environment holds only ${id === '' ? 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' : 'ALIBABA_CLOUD_ACCESS_KEY_ID'}; set both variables or both inputs`
    )
  }
  if (!ACCESS_KEY_ID.test(id.trim())) {
    throw new InputError(
      'access-key-id',
      `was not given and ALIBABA_CLOUD_ACCESS_KEY_ID is not an AccessKey ID; got ${quote(id.trim())}`
    )
  }
  return keys('environment', id.trim(), secret.trim(), (env.ALIBABA_CLOUD_SECURITY_TOKEN ?? '').trim())
}

function keys(origin: StaticKeys['origin'], accessKeyId: string, accessKeySecret: string, token: string): StaticKeys {
  return { kind: 'keys', origin, accessKeyId, accessKeySecret, ...(token === '' ? {} : { securityToken: token }) }
}

function parseOidcRole(read: InputReader, env: NodeJS.ProcessEnv): OidcRole {
  const roleArn = read('role-to-assume')
  const oidcProviderArn = read('oidc-provider-arn')
  if (roleArn === '') throw new InputError('role-to-assume', 'is required when oidc-provider-arn is given')
  if (oidcProviderArn === '') throw new InputError('oidc-provider-arn', 'is required when role-to-assume is given')
  matching(
    roleArn,
    'role-to-assume',
    ROLE_ARN,
    'must be a RAM role ARN such as acs:ram::123456789012:role/github-deploy'
  )
  matching(
    oidcProviderArn,
    'oidc-provider-arn',
    OIDC_PROVIDER_ARN,
    'must be an OIDC provider ARN such as acs:ram::123456789012:oidc-provider/github'
  )
  const audience = valueOrDefault(read('audience'), 'audience')
  singleLine(audience, 'audience', 'must be one short line')
  if (audience.length > 256) throw new InputError('audience', 'must be one short line')
  const runId = env.GITHUB_RUN_ID ?? ''
  const roleSessionName = read('role-session-name') || `github-actions-${/^\d+$/.test(runId) ? runId : 'local'}`
  matching(roleSessionName, 'role-session-name', SESSION_NAME, 'must be 2-64 letters, digits, ".", "@", "-" or "_"')
  return {
    kind: 'oidc',
    roleArn,
    oidcProviderArn,
    audience,
    roleSessionName,
    durationSeconds: parseInteger(read('role-duration-seconds'), 'role-duration-seconds')
  }
}

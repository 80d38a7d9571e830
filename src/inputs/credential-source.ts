// Where the Alibaba Cloud credentials come from, decided from the inputs and the environment alone,
// before anything is fetched or read (SPEC, Release 4, "Credentials on a runner inside Alibaba
// Cloud"): key inputs, GitHub OIDC inputs, the ALIBABA_CLOUD_* keys, ACK's RRSA, the ECS instance
// role; `role-to-assume` without `oidc-provider-arn` chains a role onto whichever of those is found. Pure.
import { InputError, RunnerEnvironmentError } from '../domain/errors.js'
import {
  EMPTY_SECRET_HINT,
  matching,
  parseInteger,
  quote,
  singleLine,
  valueOrDefault,
  type InputReader
} from './rules.js'
import type { BaseSource, CredentialSource, OidcRole, RrsaRole, StaticKeys } from '../domain/model.js'

const ROLE_ARN = /^acs:ram::\d+:role\/[\w.@-]+$/i
const OIDC_PROVIDER_ARN = /^acs:ram::\d+:oidc-provider\/[\w.@-]+$/i
const SESSION_NAME = /^[\w.@-]{2,64}$/
const ACCESS_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/
/** A RAM role's name, as ALIBABA_CLOUD_ECS_METADATA gives it and the metadata service lists it. */
export const RAM_ROLE_NAME = /^[\w.@-]{1,64}$/
const KEY_INPUTS = ['access-key-id', 'access-key-secret', 'security-token'] as const
const OIDC_INPUTS = ['role-to-assume', 'oidc-provider-arn'] as const
/** ACK's RRSA webhook sets the three in the pod; ALIBABA_CLOUD_ROLE_ARN alone is other tools' (a role to assume). */
const RRSA_VARIABLES = [
  'ALIBABA_CLOUD_ROLE_ARN',
  'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  'ALIBABA_CLOUD_OIDC_TOKEN_FILE'
] as const

/**
 * Decides where credentials come from, without fetching anything: key inputs, then GitHub OIDC
 * inputs, then the ALIBABA_CLOUD_* keys, RRSA, the ECS instance role (unless
 * ALIBABA_CLOUD_ECS_METADATA_DISABLED=true). `role-to-assume` alone chains that role onto the
 * first of the others found. Half a set, or two explicit sets, is an error.
 */
export function parseCredentialSource(read: InputReader, env: NodeJS.ProcessEnv): CredentialSource {
  const keysGiven = KEY_INPUTS.filter((name) => read(name) !== '')
  const oidcGiven = OIDC_INPUTS.filter((name) => read(name) !== '')
  const roleArn = read('role-to-assume')
  const withProvider = read('oidc-provider-arn') !== ''
  if (keysGiven.length > 0 && withProvider) {
    throw new InputError(
      keysGiven[0],
      `cannot be combined with ${oidcGiven.join(' and ')}; use access keys or GitHub OIDC, not both ` +
        '(role-to-assume without oidc-provider-arn assumes the role with the access keys)'
    )
  }
  if (withProvider) return parseOidcRole(read, env)
  const base = keysGiven.length > 0 ? keyInputs(read) : environmentSource(read, env)
  if (roleArn === '') return base
  return { kind: 'chained', ...roleSession(read, env, roleArn), base }
}

function keyInputs(read: InputReader): StaticKeys {
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

/** The sources the runner's environment offers, in order: ALIBABA_CLOUD_* keys, RRSA, the ECS instance role. */
function environmentSource(read: InputReader, env: NodeJS.ProcessEnv): BaseSource {
  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? ''
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? ''
  if (id !== '' || secret !== '') {
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
  const rrsa = rrsaRole(read, env)
  if (rrsa) return rrsa
  if ((env.ALIBABA_CLOUD_ECS_METADATA_DISABLED ?? '').trim().toLowerCase() === 'true') return { kind: 'none' }
  const roleName = (env.ALIBABA_CLOUD_ECS_METADATA ?? '').trim()
  if (roleName !== '' && !RAM_ROLE_NAME.test(roleName)) {
    throw new RunnerEnvironmentError(
      `ALIBABA_CLOUD_ECS_METADATA must name the ECS instance's RAM role (letters, digits, ".", "@", "-", "_"); got ${quote(roleName)}`
    )
  }
  return roleName === '' ? { kind: 'instance-role' } : { kind: 'instance-role', roleName }
}

function keys(origin: StaticKeys['origin'], accessKeyId: string, accessKeySecret: string, token: string): StaticKeys {
  return { kind: 'keys', origin, accessKeyId, accessKeySecret, ...(token === '' ? {} : { securityToken: token }) }
}

/** RRSA when its three variables are set; two of them without the third is a mistake worth naming. */
function rrsaRole(read: InputReader, env: NodeJS.ProcessEnv): RrsaRole | undefined {
  const values = RRSA_VARIABLES.map((name) => (env[name] ?? '').trim())
  const [roleArn, oidcProviderArn, tokenFile] = values
  if (oidcProviderArn === '' && tokenFile === '') return undefined
  const missing = RRSA_VARIABLES.filter((_, index) => values[index] === '')
  if (missing.length > 0) {
    throw new RunnerEnvironmentError(
      `RRSA (ACK's pod identity) needs ${RRSA_VARIABLES.join(', ')}; this runner has no ${missing.join(' and no ')}. ` +
        "Check the pod's RRSA configuration (the ack-pod-identity-webhook sets all three)"
    )
  }
  const malformed = (name: string, value: string, what: string) =>
    new RunnerEnvironmentError(`${name} (RRSA) must be ${what}; got ${quote(value)}`)
  if (!ROLE_ARN.test(roleArn)) throw malformed('ALIBABA_CLOUD_ROLE_ARN', roleArn, 'a RAM role ARN')
  if (!OIDC_PROVIDER_ARN.test(oidcProviderArn))
    throw malformed('ALIBABA_CLOUD_OIDC_PROVIDER_ARN', oidcProviderArn, 'an OIDC provider ARN')
  const named = (env.ALIBABA_CLOUD_ROLE_SESSION_NAME ?? '').trim()
  if (named !== '' && !SESSION_NAME.test(named))
    throw malformed('ALIBABA_CLOUD_ROLE_SESSION_NAME', named, '2-64 letters, digits, ".", "@", "-" or "_"')
  const session = roleSession(read, env, roleArn)
  return {
    kind: 'rrsa',
    ...session,
    roleSessionName: named || session.roleSessionName,
    oidcProviderArn,
    tokenFile
  }
}

/** The role, and the session's name and length from role-session-name and role-duration-seconds. */
function roleSession(read: InputReader, env: NodeJS.ProcessEnv, roleArn: string) {
  matching(
    roleArn,
    'role-to-assume',
    ROLE_ARN,
    'must be a RAM role ARN such as acs:ram::123456789012:role/github-deploy'
  )
  const runId = env.GITHUB_RUN_ID ?? ''
  const roleSessionName = read('role-session-name') || `github-actions-${/^\d+$/.test(runId) ? runId : 'local'}`
  matching(roleSessionName, 'role-session-name', SESSION_NAME, 'must be 2-64 letters, digits, ".", "@", "-" or "_"')
  return {
    roleArn,
    roleSessionName,
    durationSeconds: parseInteger(read('role-duration-seconds'), 'role-duration-seconds')
  }
}

function parseOidcRole(read: InputReader, env: NodeJS.ProcessEnv): OidcRole {
  const roleArn = read('role-to-assume')
  const oidcProviderArn = read('oidc-provider-arn')
  if (roleArn === '') throw new InputError('role-to-assume', 'is required when oidc-provider-arn is given')
  const session = roleSession(read, env, roleArn)
  matching(
    oidcProviderArn,
    'oidc-provider-arn',
    OIDC_PROVIDER_ARN,
    'must be an OIDC provider ARN such as acs:ram::123456789012:oidc-provider/github'
  )
  const audience = valueOrDefault(read('audience'), 'audience')
  singleLine(audience, 'audience', 'must be one short line')
  if (audience.length > 256) throw new InputError('audience', 'must be one short line')
  return { kind: 'oidc', ...session, oidcProviderArn, audience }
}

import { InputError } from './errors.js'

export const SECRET_TYPE = 'kubernetes.io/dockerconfigjson'

export type IfExists = 'skip' | 'update' | 'fail'

export interface Endpoint {
  protocol: 'https' | 'http'
  /** host[:port], as sent in the Host header. */
  host: string
}

export interface Namespace {
  /** As the user wrote it and SAE knows it: `<region>:<name>` or `<region>`. */
  id: string
  region: string
}

export interface StaticKeys {
  kind: 'keys'
  /** Which input set they came from, for messages: 'inputs' or 'environment'. */
  origin: 'inputs' | 'environment'
  accessKeyId: string
  accessKeySecret: string
  securityToken?: string
}

export interface OidcRole {
  kind: 'oidc'
  roleArn: string
  oidcProviderArn: string
  audience: string
  roleSessionName: string
  durationSeconds: number
}

export type CredentialSource = StaticKeys | OidcRole | { kind: 'none' }

export interface Inputs {
  namespaces: Namespace[]
  secretName: string
  username: string
  password: string
  /** Exactly the hosts given in `registry-domains`, if any. */
  registryDomains?: string[]
  acrInstanceName?: string
  registryRegion?: string
  ifExists: IfExists
  credentials: CredentialSource
  /** Overrides `sae.<region>.aliyuncs.com` for every namespace. */
  endpoint?: Endpoint
  stsEndpoint: Endpoint
  dryRun: boolean
  maxAttempts: number
  timeoutSeconds: number
}

/** Reads one input the way the runner passes it; '' when absent. */
export type InputReader = (name: string) => string

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/
const NAMESPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const HOST = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*(?::(\\d{1,5}))?$`)
const ACR_INSTANCE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/
const ROLE_ARN = /^acs:ram::\d+:role\/[\w.@-]+$/i
const OIDC_PROVIDER_ARN = /^acs:ram::\d+:oidc-provider\/[\w.@-]+$/i
const SESSION_NAME = /^[\w.@-]{2,64}$/
const ACCESS_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/
// Control characters would end a single-value input early in YAML and break the docker config.
const CONTROL = /[\u0000-\u001f\u007f]/
const MAX_VALUE_LENGTH = 4096

/** Splits a list input on newlines and commas, dropping blanks. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

export function parseInputs(read: InputReader, env: NodeJS.ProcessEnv = {}): Inputs {
  const namespaces = parseNamespaces(required(read, 'namespace-id'))
  const secretName = parseSecretName(required(read, 'secret-name'))
  const username = parseUsername(required(read, 'username'))
  const password = parsePassword(required(read, 'password'))

  const registryDomains = optional(read, 'registry-domains', parseRegistryDomains)
  const acrInstanceName = optional(read, 'acr-instance-name', (value) =>
    matching(value, 'acr-instance-name', ACR_INSTANCE, 'must be an ACR instance name: lower-case letters, digits and "-"')
  )
  if (registryDomains && acrInstanceName) {
    throw new InputError('registry-domains', 'cannot be combined with acr-instance-name; give one of them')
  }
  const registryRegion = optional(read, 'registry-region', (value) =>
    matching(value, 'registry-region', REGION, 'must be a region ID such as cn-hangzhou')
  )

  const secretType = read('secret-type')
  if (secretType !== '' && secretType !== SECRET_TYPE) {
    throw new InputError('secret-type', `must be ${SECRET_TYPE}, the only type this action writes`)
  }

  const endpoint = optional(read, 'endpoint', (value) => parseEndpoint(value, 'endpoint'))
  const stsEndpoint = parseEndpoint(read('sts-endpoint') || 'sts.aliyuncs.com', 'sts-endpoint')

  return {
    namespaces,
    secretName,
    username,
    password,
    registryDomains,
    acrInstanceName,
    registryRegion,
    ifExists: parseIfExists(read('if-exists')),
    credentials: parseCredentialSource(read, env),
    endpoint,
    stsEndpoint,
    dryRun: parseBoolean(read('dry-run'), 'dry-run', false),
    maxAttempts: parseInteger(read('max-attempts'), 'max-attempts', 4, 1, 10),
    timeoutSeconds: parseInteger(read('timeout-seconds'), 'timeout-seconds', 60, 1, 3600)
  }
}

function required(read: InputReader, name: string): string {
  const value = read(name)
  if (value === '') throw new InputError(name, 'is required and was not supplied')
  return bounded(value, name)
}

function optional<T>(read: InputReader, name: string, parse: (value: string) => T): T | undefined {
  const value = read(name)
  return value === '' ? undefined : parse(bounded(value, name))
}

function bounded(value: string, name: string): string {
  if (value.length > MAX_VALUE_LENGTH) {
    throw new InputError(name, `is ${value.length} characters long; at most ${MAX_VALUE_LENGTH} are accepted`)
  }
  return value
}

function matching(value: string, name: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) throw new InputError(name, `${expected}; got ${quote(value)}`)
  return value
}

/** Shows a rejected (non-secret) value safely on one line. */
function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value
  return JSON.stringify(shown)
}

export function parseNamespaces(value: string): Namespace[] {
  const ids = splitList(value)
  if (ids.length === 0) throw new InputError('namespace-id', 'is required and was not supplied')
  const seen = new Set<string>()
  return ids.map((id) => {
    const [region, name, ...rest] = id.split(':')
    if (rest.length > 0 || !REGION.test(region) || (name !== undefined && !NAMESPACE_NAME.test(name))) {
      throw new InputError(
        'namespace-id',
        `must be <region>:<name> (e.g. cn-hangzhou:prod) or a region alone for its default namespace; got ${quote(id)}`
      )
    }
    if (seen.has(id)) throw new InputError('namespace-id', `lists ${quote(id)} twice`)
    seen.add(id)
    return { id, region }
  })
}

function parseSecretName(value: string): string {
  if (value.length > 253) throw new InputError('secret-name', `is ${value.length} characters long; at most 253`)
  return matching(value, 'secret-name', SECRET_NAME, 'must start with a letter and hold only letters, digits, "_" and "-"')
}

function parseUsername(value: string): string {
  if (CONTROL.test(value)) throw new InputError('username', 'must be one line without control characters')
  // Registries split `auth` at the first colon, so a colon in the user name would corrupt it.
  if (value.includes(':')) throw new InputError('username', 'must not contain ":" (it separates user and password in auth)')
  return value
}

function parsePassword(value: string): string {
  // Never echo any part of the value: it is a secret.
  if (CONTROL.test(value)) {
    throw new InputError('password', 'must be one line without control characters (is the secret pasted with a line break?)')
  }
  return value
}

export function parseRegistryDomains(value: string): string[] {
  const domains = splitList(value).map((domain) => {
    if (domain.includes('://')) {
      throw new InputError('registry-domains', `takes host[:port] without a scheme; got ${quote(domain)}`)
    }
    if (domain.includes('/')) {
      throw new InputError('registry-domains', `takes host[:port] without a path; got ${quote(domain)}`)
    }
    const match = HOST.exec(domain)
    if (!match || domain.length > 253) {
      throw new InputError('registry-domains', `takes host names such as registry.cn-hangzhou.aliyuncs.com; got ${quote(domain)}`)
    }
    if (match[1] !== undefined && (Number(match[1]) < 1 || Number(match[1]) > 65535)) {
      throw new InputError('registry-domains', `has a port outside 1-65535 in ${quote(domain)}`)
    }
    return domain.toLowerCase()
  })
  return [...new Set(domains)]
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** `host[:port]` means HTTPS; `http://` is only for a loopback emulator, so credentials never cross a network in clear. */
export function parseEndpoint(value: string, name: string): Endpoint {
  let protocol: Endpoint['protocol'] = 'https'
  let rest = value
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)
  if (scheme) {
    const given = scheme[1].toLowerCase()
    if (given !== 'http' && given !== 'https') {
      throw new InputError(name, `must use https:// (or http:// for a loopback emulator); got ${quote(value)}`)
    }
    protocol = given
    rest = value.slice(scheme[0].length).replace(/\/$/, '')
  }
  if (rest.includes('/') || rest.includes('?') || rest.includes('@')) {
    throw new InputError(name, `must be a host[:port] or a URL without a path; got ${quote(value)}`)
  }
  const hostname = rest.replace(/:\d{1,5}$/, '')
  if (!HOST.test(rest) && !LOOPBACK.test(hostname)) {
    throw new InputError(name, `must be a host name such as sae.cn-hangzhou.aliyuncs.com; got ${quote(value)}`)
  }
  if (protocol === 'http' && !LOOPBACK.test(hostname)) {
    throw new InputError(name, `may use http:// only for a loopback host (a local emulator); use https for ${quote(value)}`)
  }
  return { protocol, host: rest.toLowerCase() }
}

function parseIfExists(value: string): IfExists {
  const policy = value === '' ? 'skip' : value
  if (policy !== 'skip' && policy !== 'update' && policy !== 'fail') {
    throw new InputError('if-exists', `must be skip, update or fail; got ${quote(value)}`)
  }
  return policy
}

/** The YAML 1.2 core-schema booleans, as @actions/core's getBooleanInput accepts them. */
export function parseBoolean(value: string, name: string, fallback: boolean): boolean {
  if (value === '') return fallback
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(name, `must be true or false; got ${quote(value)}`)
}

export function parseInteger(value: string, name: string, fallback: number, min: number, max: number): number {
  if (value === '') return fallback
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InputError(name, `must be a whole number from ${min} to ${max}; got ${quote(value)}`)
  }
  return Number(value)
}

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
    if (accessKeyId === '') throw new InputError('access-key-id', 'is required when access-key-secret or security-token is given')
    if (accessKeySecret === '') throw new InputError('access-key-secret', 'is required when access-key-id is given')
    if (!ACCESS_KEY_ID.test(accessKeyId)) {
      throw new InputError('access-key-id', `must be an AccessKey ID (letters, digits, "." such as LTAI5t... or STS....); got ${quote(accessKeyId)}`)
    }
    for (const name of ['access-key-secret', 'security-token']) {
      if (CONTROL.test(read(name))) throw new InputError(name, 'must be one line without control characters')
    }
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
    throw new InputError('access-key-id', `was not given and ALIBABA_CLOUD_ACCESS_KEY_ID is not an AccessKey ID; got ${quote(id.trim())}`)
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
  matching(roleArn, 'role-to-assume', ROLE_ARN, 'must be a RAM role ARN such as acs:ram::123456789012:role/github-deploy')
  matching(
    oidcProviderArn,
    'oidc-provider-arn',
    OIDC_PROVIDER_ARN,
    'must be an OIDC provider ARN such as acs:ram::123456789012:oidc-provider/github'
  )
  const audience = read('audience') || 'sts.aliyuncs.com'
  if (CONTROL.test(audience) || audience.length > 256) throw new InputError('audience', 'must be one short line')
  const runId = env.GITHUB_RUN_ID ?? ''
  const roleSessionName = read('role-session-name') || `github-actions-${/^\d+$/.test(runId) ? runId : 'local'}`
  matching(roleSessionName, 'role-session-name', SESSION_NAME, 'must be 2-64 letters, digits, ".", "@", "-" or "_"')
  return {
    kind: 'oidc',
    roleArn,
    oidcProviderArn,
    audience,
    roleSessionName,
    durationSeconds: parseInteger(read('role-duration-seconds'), 'role-duration-seconds', 900, 900, 43200)
  }
}

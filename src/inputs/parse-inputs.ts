// What each input of action.yml means: read, checked and turned into one typed `Inputs`, before
// anything is called. Pure: an InputReader and the environment in, values or an InputError out.
import { parseCredentialSource } from './credential-source.js'
import { InputError } from '../domain/errors.js'
import { parseImageReference } from '../kubelet/image-ref.js'
import {
  EMPTY_SECRET_HINT,
  HOST,
  matching,
  oneOf,
  optional,
  outsidePortRange,
  parseBoolean,
  parseInteger,
  parsePassword,
  parseRegistryHosts,
  parseUsername,
  portOf,
  quote,
  required,
  splitList,
  type InputReader
} from './rules.js'
import { hostnameOf, isLoopbackHost } from '../domain/hosts.js'
import {
  SECRET_TYPE,
  type CredentialSource,
  type Endpoint,
  type ImageReference,
  type Namespace
} from '../domain/model.js'
import { type IfExists, type IfInUse, type IfUnverified, type Network, type SecretState } from './table.js'

export type { InputReader } from './rules.js'

export interface Inputs {
  namespaces: Namespace[]
  secretName: string
  state: SecretState
  /** The registry credentials; '' with `state: absent`, which needs none. */
  username: string
  password: string
  /** Exactly the hosts given in `registry-domains`, if any. */
  registryDomains?: string[]
  acrInstanceName?: string
  registryRegion?: string
  /** The `extra-registries` YAML as given; extra-registries.ts reads it (its parser loads only then). */
  extraRegistries?: string
  /** The images the Secret must be able to pull, each checked before any write. */
  images: ImageReference[]
  ifExists: IfExists
  /** With `state: absent`: what to do with a Secret that applications use. */
  ifInUse: IfInUse
  verifyLogin: boolean
  credentials: CredentialSource
  /** Overrides each namespace's `sae[-vpc].<region>.aliyuncs.com` for every namespace. */
  endpoint?: Endpoint
  /** `sts-endpoint` as given, else derived from `network` (and the first namespace's region). */
  stsEndpoint: Endpoint
  /** Where the runner's traffic goes: public endpoints, or a VPC's (SAE, STS and ACR's VPC domains). */
  network: Network
  /** What a registry check that reached no verdict does. */
  ifUnverified: IfUnverified
  dryRun: boolean
  maxAttempts: number
  timeoutSeconds: number
}

const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/
const NAMESPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/
const ACR_INSTANCE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/

export function parseInputs(read: InputReader, env: NodeJS.ProcessEnv = {}): Inputs {
  const namespaces = parseNamespaces(required(read, 'namespace-id'))
  const secretName = parseSecretName(required(read, 'secret-name'))
  const state = oneOf<SecretState>(read('state'), 'state')
  // Deleting needs no registry credentials; anything given is still masked by the caller.
  const username = state === 'absent' ? '' : parseUsername(required(read, 'username', EMPTY_SECRET_HINT), 'username')
  const password = state === 'absent' ? '' : parsePassword(required(read, 'password', EMPTY_SECRET_HINT), 'password')

  const registryDomains = optional(read, 'registry-domains', (value) =>
    parseRegistryHosts(splitList(value), 'registry-domains')
  )
  const acrInstanceName = optional(read, 'acr-instance-name', (value) =>
    matching(
      value,
      'acr-instance-name',
      ACR_INSTANCE,
      'must be an ACR instance name: lower-case letters, digits and "-"'
    )
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

  const images = optional(read, 'images', (value) => parseImages(value, state)) ?? []

  const endpoint = optional(read, 'endpoint', (value) => parseEndpoint(value, 'endpoint'))
  const network = oneOf<Network>(read('network'), 'network')
  const stsEndpoint =
    optional(read, 'sts-endpoint', (value) => parseEndpoint(value, 'sts-endpoint')) ??
    defaultStsEndpoint(network, namespaces[0].region)

  return {
    namespaces,
    secretName,
    state,
    username,
    password,
    registryDomains,
    acrInstanceName,
    registryRegion,
    // Longer than other inputs may be (several JSON keys): extra-registries.ts bounds it.
    extraRegistries: state === 'absent' ? undefined : read('extra-registries') || undefined,
    images,
    ifExists: oneOf<IfExists>(read('if-exists'), 'if-exists'),
    ifInUse: oneOf<IfInUse>(read('if-in-use'), 'if-in-use'),
    verifyLogin: parseBoolean(read('verify-login'), 'verify-login'),
    credentials: parseCredentialSource(read, env),
    endpoint,
    stsEndpoint,
    network,
    ifUnverified: oneOf<IfUnverified>(read('if-unverified'), 'if-unverified'),
    dryRun: parseBoolean(read('dry-run'), 'dry-run'),
    maxAttempts: parseInteger(read('max-attempts'), 'max-attempts'),
    timeoutSeconds: parseInteger(read('timeout-seconds'), 'timeout-seconds')
  }
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

/** Image references, one per line or comma-separated, each once. */
function parseImages(value: string, state: SecretState): ImageReference[] {
  const texts = [...new Set(splitList(value))]
  if (texts.length > 0 && state === 'absent') {
    throw new InputError(
      'images',
      'cannot be combined with state: absent (a deleted Secret pulls nothing); remove images from this step'
    )
  }
  return texts.map(parseImageReference)
}

function parseSecretName(value: string): string {
  if (value.length > 253) throw new InputError('secret-name', `is ${value.length} characters long; at most 253`)
  return matching(
    value,
    'secret-name',
    SECRET_NAME,
    'must start with a letter and hold only letters, digits, "_" and "-"'
  )
}

/**
 * STS when sts-endpoint is not given: its public endpoint, or inside a VPC the VPC endpoint of the
 * first namespace's region (STS has no global VPC endpoint; docs/sae-api.md).
 */
export function defaultStsEndpoint(network: Network, region: string): Endpoint {
  if (network === 'public') return { protocol: 'https', host: 'sts.aliyuncs.com', input: 'sts-endpoint' }
  return { protocol: 'https', host: `sts-vpc.${region}.aliyuncs.com`, input: 'sts-endpoint', region }
}

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
  const hostname = hostnameOf(rest)
  if (!HOST.test(rest) && !isLoopbackHost(hostname)) {
    throw new InputError(name, `must be a host name such as sae.cn-hangzhou.aliyuncs.com; got ${quote(value)}`)
  }
  if (outsidePortRange(portOf(rest))) throw new InputError(name, `has a port outside 1-65535 in ${quote(value)}`)
  if (protocol === 'http' && !isLoopbackHost(hostname)) {
    throw new InputError(
      name,
      `may use http:// only for a loopback host (a local emulator); use https for ${quote(value)}`
    )
  }
  return { protocol, host: rest.toLowerCase(), input: name }
}

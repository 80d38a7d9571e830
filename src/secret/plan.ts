// What each namespace will get: its registries, docker config and SAE endpoint. Pure.
import { buildDockerConfig, encodeDockerConfig, registryDomains, secretDataParameter } from './docker-config.js'
import { InputError } from '../domain/errors.js'
import { hostnameOf, isLoopbackHost } from '../domain/hosts.js'
import { unknownRegionWarnings } from '../domain/regions.js'
import { expiryWarnings } from '../inputs/expiring-credentials.js'
import type { Inputs } from '../inputs/parse-inputs.js'
import { SECRET_TYPE, type DockerConfig, type Endpoint, type RegistryCredential } from '../domain/model.js'
import type { IfExists, IfInUse, Network, SecretState } from '../inputs/table.js'

/** What one namespace is to hold: the input of the provisioning policy. */
export interface SecretPlan {
  namespaceId: string
  secretName: string
  secretType: string
  state: SecretState
  /** The computed docker config, to compare with what is stored. */
  dockerConfig: DockerConfig
  /** base64 of the docker config, the `.dockerconfigjson` value. */
  encodedConfig: string
  /** The SecretData query value that carries `encodedConfig`. */
  secretData: string
  ifExists: IfExists
  ifInUse: IfInUse
}

/** A SecretPlan with where it goes and what it is made of. */
export interface NamespacePlan extends SecretPlan {
  region: string
  endpoint: Endpoint
  /** The registries in the Secret with their credentials: the main one first, then extra-registries. */
  registries: RegistryCredential[]
  /** Every key of `auths`, in order. */
  domains: string[]
}

export function planSecrets(inputs: Inputs, extraRegistries: RegistryCredential[] = []): NamespacePlan[] {
  return inputs.namespaces.map((namespace) => {
    const registries =
      inputs.state === 'absent'
        ? []
        : [
            {
              origin: { kind: 'main' } as const,
              domains: registryDomains({
                registryDomains: inputs.registryDomains,
                acrInstanceName: inputs.acrInstanceName,
                region: inputs.registryRegion ?? namespace.region
              }),
              username: inputs.username,
              password: inputs.password
            },
            ...extraRegistries
          ]
    const main = new Set(registries[0]?.domains ?? [])
    extraRegistries.forEach((extra, index) => {
      const shared = extra.domains.find((domain) => main.has(domain))
      if (shared) {
        throw new InputError(
          'extra-registries',
          `item ${index + 1} lists ${shared}, which is already one of the Secret's main registry domains; give each registry once`
        )
      }
    })
    const dockerConfig = buildDockerConfig(registries)
    const encodedConfig = registries.length > 0 ? encodeDockerConfig(dockerConfig) : ''
    return {
      namespaceId: namespace.id,
      region: namespace.region,
      endpoint: inputs.endpoint ?? saeEndpoint(inputs.network, namespace.region),
      registries,
      domains: Object.keys(dockerConfig.auths),
      secretName: inputs.secretName,
      secretType: SECRET_TYPE,
      state: inputs.state,
      dockerConfig,
      encodedConfig,
      secretData: encodedConfig === '' ? '' : secretDataParameter(encodedConfig),
      ifExists: inputs.ifExists,
      ifInUse: inputs.ifInUse
    }
  })
}

/** What the plans warn of before anything is called: passwords that expire, unknown regions, an endpoint for another region. */
export function planWarnings(plans: NamespacePlan[], endpoint: Endpoint | undefined, now: number): string[] {
  return [
    ...expiryWarnings(plans[0].registries, now),
    ...unknownRegionWarnings(plans.map((plan) => plan.region)),
    ...endpointWarnings(plans, endpoint)
  ]
}

/** A namespace's SAE endpoint when `endpoint` is not given: its own region's, public or VPC. */
export function saeEndpoint(network: Network, region: string): Endpoint {
  const host = `${network === 'vpc' ? 'sae-vpc' : 'sae'}.${region}.aliyuncs.com`
  return { protocol: 'https', host, input: 'namespace-id', region }
}

/**
 * An `endpoint` given for namespaces of several regions sends them all to one endpoint. SAE's
 * endpoints are regional, so a warning names each namespace sent to another region's endpoint
 * (`sae[-vpc].<r>.aliyuncs.com`), or, for an endpoint that names no region (a gateway), every region
 * it gets. Not an error: a gateway may route by region. A loopback endpoint (an emulator) serves every region.
 */
export function endpointWarnings(plans: NamespacePlan[], given: Endpoint | undefined): string[] {
  const regions = [...new Set(plans.map((plan) => plan.region))]
  if (!given || isLoopbackHost(hostnameOf(given.host))) return []
  const own = /^sae(?:-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com$/.exec(hostnameOf(given.host))?.[1]
  const fix =
    'remove endpoint so that each namespace goes to its own region (network: vpc for sae-vpc), or use one step per region'
  if (own === undefined) {
    if (regions.length < 2) return []
    return [
      `endpoint ${given.host} receives the namespaces of ${regions.length} regions (${regions.join(', ')}); ` +
        `unless it routes each to its region, ${fix}`
    ]
  }
  const elsewhere = plans.filter((plan) => plan.region !== own).map((plan) => plan.namespaceId)
  if (elsewhere.length === 0) return []
  return [
    `endpoint ${given.host} is the endpoint of ${own}, and ${elsewhere.join(', ')} ${elsewhere.length === 1 ? 'is' : 'are'} ` +
      `in another region; SAE answers for its own region's namespaces: ${fix}`
  ]
}

// What each namespace will get: its registries, docker config and SAE endpoint. Pure.
import { buildDockerConfig, encodeDockerConfig, registryDomains, secretDataParameter } from './docker-config.js'
import { InputError } from '../domain/errors.js'
import type { Inputs } from '../inputs/parse-inputs.js'
import { SECRET_TYPE, type DockerConfig, type Endpoint, type RegistryCredential } from '../domain/model.js'
import type { IfExists, IfInUse, SecretState } from '../inputs/table.js'

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
      endpoint: inputs.endpoint ?? {
        protocol: 'https',
        host: `sae.${namespace.region}.aliyuncs.com`,
        input: 'namespace-id',
        region: namespace.region
      },
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

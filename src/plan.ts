import { buildDockerConfig, encodeDockerConfig, registryDomains, secretDataParameter } from './docker-config.js'
import { SECRET_TYPE, type Endpoint, type Inputs } from './inputs.js'
import type { SecretPlan } from './provision.js'

export interface NamespacePlan extends SecretPlan {
  region: string
  endpoint: Endpoint
  domains: string[]
}

/** What each namespace will get: its registry domains, docker config and SAE endpoint. Pure. */
export function planSecrets(inputs: Inputs): NamespacePlan[] {
  return inputs.namespaces.map((namespace) => {
    const domains = registryDomains({
      registryDomains: inputs.registryDomains,
      acrInstanceName: inputs.acrInstanceName,
      region: inputs.registryRegion ?? namespace.region
    })
    const dockerConfig = buildDockerConfig(domains, inputs.username, inputs.password)
    const encodedConfig = encodeDockerConfig(dockerConfig)
    return {
      namespaceId: namespace.id,
      region: namespace.region,
      endpoint: inputs.endpoint ?? { protocol: 'https', host: `sae.${namespace.region}.aliyuncs.com` },
      domains,
      secretName: inputs.secretName,
      secretType: SECRET_TYPE,
      dockerConfig,
      encodedConfig,
      secretData: secretDataParameter(encodedConfig),
      ifExists: inputs.ifExists
    }
  })
}

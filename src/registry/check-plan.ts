// Which registry requests prove that a Secret can pull: for each image, the `auths` entry kubelet
// would use (kubelet/keyring.ts) and the host that answers for it (an ACR VPC domain through its public
// twin); for each registry whose images are not checked, one login (an ACR twin pair: the public
// domain stands for both). Pure: registries and images in, the checks out.
import { acrTwin, reachableHost, registryApiHost } from '../domain/hosts.js'
import { InputError } from '../domain/errors.js'
import { matchingAuthKeys } from '../kubelet/keyring.js'
import type { DockerConfig, ImageReference, RegistryCredential } from '../domain/model.js'
import type { NamespacePlan } from '../secret/plan.js'

export interface LoginCheck {
  /** Where the login goes. */
  host: string
  /** The `auths` keys its verdict stands for: one domain, or an ACR twin pair. */
  domains: string[]
  credential: RegistryCredential
}

export interface PullCheck {
  image: ImageReference
  /** The `auths` key whose credentials kubelet would use. */
  key: string
  /** Where the image is asked for: the key's registry (Docker Hub at its API host; an ACR VPC domain through its public twin). */
  host: string
  credential: RegistryCredential
}

export interface CheckPlan {
  /** Every `auths` key of the Secret, for messages. */
  keys: string[]
  logins: LoginCheck[]
  pulls: PullCheck[]
  /** Images that no entry of the Secret matches: the Secret could not pull them. */
  unmatched: ImageReference[]
}

/**
 * The checks for one Secret's registries. `verifyLogin` false: no logins; images are checked
 * whatever it says. An image check covers the login of its registry with the same credentials.
 */
export function planChecks(
  registries: RegistryCredential[],
  images: ImageReference[],
  verifyLogin: boolean
): CheckPlan {
  const byKey = new Map<string, RegistryCredential>()
  for (const registry of registries)
    for (const domain of registry.domains) if (!byKey.has(domain)) byKey.set(domain, registry)
  const pulls: PullCheck[] = []
  const unmatched: ImageReference[] = []
  for (const image of images) {
    const [key] = matchingAuthKeys(image, [...byKey.keys()])
    if (key === undefined) unmatched.push(image)
    // The image's own registry answers for it; the key only chose the credentials (it may be a glob).
    else pulls.push({ image, key, host: reachableHost(registryApiHost(image.registry)!), credential: byKey.get(key)! })
  }
  const logins: LoginCheck[] = []
  for (const credential of verifyLogin ? registries : []) {
    const domainsByHost = new Map<string, string[]>()
    for (const domain of credential.domains) {
      const twin = acrTwin(domain)
      const host =
        twin && twin.vpc === domain && credential.domains.includes(twin.public) ? twin.public : registryApiHost(domain)
      // A glob key (a stored Secret's `*.example.com`) names no host to log in to.
      if (host !== undefined) domainsByHost.set(host, [...(domainsByHost.get(host) ?? []), domain])
    }
    for (const [host, domains] of domainsByHost) {
      const covered = pulls.some(
        (pull) => pull.host === reachableHost(host) && sameCredentials(pull.credential, credential)
      )
      if (!covered) logins.push({ host, domains, credential })
    }
  }
  return { keys: [...byKey.keys()], logins, pulls, unmatched }
}

/**
 * The checks of the Secret each namespace will get. An image that none of a Secret's entries
 * matches is an input error before any call: that Secret could not pull it.
 */
export function planSecretChecks(plans: NamespacePlan[], images: ImageReference[], verifyLogin: boolean): CheckPlan[] {
  return plans
    .filter((plan) => plan.state === 'present')
    .map((plan) => {
      const checks = planChecks(plan.registries, images, verifyLogin)
      const [image] = checks.unmatched
      if (image) {
        throw new InputError(
          'images',
          `has ${image.text}, which no registry of the Secret for ${plan.namespaceId} matches (its auths keys: ${checks.keys.join(', ')}), ` +
            'so the Secret could not pull it; add its registry to registry-domains or extra-registries, or correct the image'
        )
      }
      return checks
    })
}

/**
 * The checks of a stored Secret left in place (`if-exists: skip` with drift): each image with the
 * stored credentials kubelet would pick for it, and logins only where the computed Secret (`keys`)
 * or an image names the registry; never to every other host a stored Secret lists, each of them
 * someone else's choice.
 */
export function planStoredChecks(
  config: DockerConfig,
  origin: { namespaceId: string; secretId: number },
  named: { keys: string[]; images: ImageReference[] },
  verifyLogin: boolean
): CheckPlan {
  const plan = planChecks(storedRegistries(config, origin), named.images, verifyLogin)
  const hosts = new Set([...named.keys, ...named.images.map((image) => image.registry)].map(registryApiHost))
  return {
    ...plan,
    logins: plan.logins.filter((login) => login.domains.some((key) => hosts.has(registryApiHost(key))))
  }
}

/**
 * The registries of a stored docker config, for checking the Secret in place: entries with the
 * same username and password are one registry (so an ACR twin pair is logged in to once).
 */
export function storedRegistries(
  config: DockerConfig,
  origin: { namespaceId: string; secretId: number }
): RegistryCredential[] {
  const registries = new Map<string, RegistryCredential>()
  for (const [key, { username, password }] of Object.entries(config.auths)) {
    const id = JSON.stringify([username, password])
    const registry = registries.get(id)
    if (registry) registry.domains.push(key)
    else registries.set(id, { domains: [key], username, password, origin: { kind: 'stored', ...origin } })
  }
  return [...registries.values()]
}

export function sameCredentials(
  a: Pick<RegistryCredential, 'username' | 'password'>,
  b: Pick<RegistryCredential, 'username' | 'password'>
): boolean {
  return a.username === b.username && a.password === b.password
}

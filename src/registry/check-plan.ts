// Which registry requests prove that a Secret can pull: for each image, the `auths` entry kubelet
// would use (kubelet/keyring.ts) and the host that answers for it (an ACR domain at the twin this
// runner's `network` reaches first, the other twin if that one cannot be reached); for each registry
// whose images are not checked, one login (an ACR twin pair: once, for both). Pure: registries and
// images in, the checks out.
import {
  acrTwin,
  hostnameOf,
  isLoopbackHost,
  registryApiHost,
  registryIdentity,
  tokenServiceHost
} from '../domain/hosts.js'
import { InputError } from '../domain/errors.js'
import { matchingAuthKeys } from '../kubelet/keyring.js'
import type { DockerConfig, ImageReference, RegistryCredential } from '../domain/model.js'
import type { Network } from '../inputs/table.js'
import type { NamespacePlan } from '../secret/plan.js'

export interface LoginCheck {
  /** Where the login goes first. */
  host: string
  /** The ACR twin of `host`, tried when `host` cannot be reached (DNS, refused, timeout). */
  fallback?: string
  /** The `auths` keys its verdict stands for: one domain, or an ACR twin pair. */
  domains: string[]
  credential: RegistryCredential
}

export interface PullCheck {
  image: ImageReference
  /** The `auths` key whose credentials kubelet would use. */
  key: string
  /** Where the image is asked for first: its registry (Docker Hub at its API host; an ACR domain at the twin `network` prefers). */
  host: string
  /** The ACR twin of `host`, tried when `host` cannot be reached. */
  fallback?: string
  credential: RegistryCredential
}

/**
 * Where a check of an ACR domain goes first, and then: inside a VPC its VPC domain (public egress
 * may be closed), elsewhere its public one (a VPC domain answers only inside its VPC). Any other
 * host: itself, with no second try.
 */
export function checkHosts(host: string, network: Network): { host: string; fallback?: string } {
  const twin = acrTwin(host)
  if (!twin) return { host }
  return network === 'vpc' ? { host: twin.vpc, fallback: twin.public } : { host: twin.public, fallback: twin.vpc }
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
  verifyLogin: boolean,
  network: Network = 'public'
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
    else
      pulls.push({ image, key, ...checkHosts(registryApiHost(image.registry)!, network), credential: byKey.get(key)! })
  }
  const logins: LoginCheck[] = []
  for (const credential of verifyLogin ? registries : []) {
    const domainsByHost = new Map<string, string[]>()
    for (const domain of credential.domains) {
      const twin = acrTwin(domain)
      const paired =
        twin !== undefined && credential.domains.includes(twin.vpc) && credential.domains.includes(twin.public)
      // A pair is logged in to once, where `network` reaches first; a lone ACR domain is tried as itself first.
      const host = paired ? checkHosts(domain, network).host : registryApiHost(domain)
      // A glob key (a stored Secret's `*.example.com`) names no host to log in to.
      if (host !== undefined) domainsByHost.set(host, [...(domainsByHost.get(host) ?? []), domain])
    }
    for (const [host, domains] of domainsByHost) {
      const covered = pulls.some(
        (pull) => registryIdentity(pull.host) === registryIdentity(host) && sameCredentials(pull.credential, credential)
      )
      const twin = acrTwin(host)
      const fallback = twin && (twin.vpc === host ? twin.public : twin.vpc)
      if (!covered) logins.push({ host, ...(fallback ? { fallback } : {}), domains, credential })
    }
  }
  return { keys: [...byKey.keys()], logins, pulls, unmatched }
}

/**
 * The checks of the Secret each namespace will get. An image that none of a Secret's entries
 * matches is an input error before any call: that Secret could not pull it.
 */
export function planSecretChecks(
  plans: NamespacePlan[],
  { images, verifyLogin, network }: { images: ImageReference[]; verifyLogin: boolean; network: Network }
): CheckPlan[] {
  return plans
    .filter((plan) => plan.state === 'present')
    .map((plan) => {
      const checks = planChecks(plan.registries, images, verifyLogin, network)
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
 * The HTTPS hosts the checks will ask first, to connect to before they ask: each check's first host
 * (never its twin, asked only when the first cannot be reached), and beside it the token service its
 * challenge will name where that is a published fact (tokenServiceHost). A challenge that names
 * another realm only leaves that connection unused. Loopback registries (plain HTTP) are left out.
 */
export function hostsToPreconnect(plans: CheckPlan[]): string[] {
  const hosts = plans
    .flatMap((plan) => [...plan.pulls, ...plan.logins])
    .map((check) => check.host)
    .filter((host) => !isLoopbackHost(hostnameOf(host)))
  const tokenServices = hosts.map(tokenServiceHost).filter((host) => host !== undefined)
  return [...new Set([...hosts, ...tokenServices])]
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
  verifyLogin: boolean,
  network: Network = 'public'
): CheckPlan {
  const plan = planChecks(storedRegistries(config, origin), named.images, verifyLogin, network)
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

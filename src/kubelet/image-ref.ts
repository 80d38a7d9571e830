// Image references as users write them in the `images` input, read as kubelet reads them: with
// distribution/reference's ParseNormalizedNamed (grammar of reference.go and regexp.go, defaults of
// normalize.go, read at github.com/distribution/reference 0965666a). Pure: a string in, a value or
// an InputError out.
import { InputError } from '../domain/errors.js'
import type { ImageReference } from '../domain/model.js'

export type { ImageReference } from '../domain/model.js'

const DOCKER_HUB = 'docker.io'
/** The Docker Index's old name; normalize.go rewrites it to docker.io (registry-1.docker.io it keeps). */
const LEGACY_DOCKER_HUB = 'index.docker.io'
const OFFICIAL_PREFIX = 'library/'
const DEFAULT_TAG = 'latest'
const REPOSITORY_MAX = 255

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const REGISTRY = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`)
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/
/** A bare image ID, which ParseNormalizedNamed refuses as a name. */
const IMAGE_ID = /^[a-f0-9]{64}$/
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//
/** Hex digits per algorithm that kubelet can verify (it links crypto/sha256 and crypto/sha512). */
const DIGEST_HEX_LENGTH = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128]
])

/** Throws InputError('images', …) naming the reference and what is wrong. */
export function parseImageReference(text: string): ImageReference {
  const written = text.trim()
  const refuse = (problem: string): never => {
    throw new InputError('images', `has ${JSON.stringify(written)} which is not an image reference: ${problem}`)
  }

  if (written === '') refuse('it is empty')
  const scheme = SCHEME.exec(written)
  if (scheme) refuse(`an image reference has no scheme; write ${JSON.stringify(written.slice(scheme[0].length))}`)
  if (/\s/.test(written)) refuse('it contains white space')
  if (IMAGE_ID.test(written))
    refuse('a 64-digit hexadecimal string is an image ID, not a name; write name@sha256:<digest>')

  const at = written.indexOf('@')
  const nameAndTag = at < 0 ? written : written.slice(0, at)
  const digest = at < 0 ? undefined : written.slice(at + 1)

  // A ':' after the last '/' starts the tag; one before it belongs to the registry's port.
  const colon = nameAndTag.lastIndexOf(':')
  const hasTag = colon > nameAndTag.lastIndexOf('/')
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined

  if (name === '') refuse('the name before the tag or digest is empty')
  if (!name.includes('/') && name.startsWith('['))
    refuse('a registry alone is not an image; add the repository path (host/path:tag)')
  const [registry, repository] = splitRegistry(name)

  // Checked before the registry, as ParseNormalizedNamed does: "Shop/Web" is refused for "Web".
  if (repository !== repository.toLowerCase()) refuse('repository names are lower-case')
  if (!REGISTRY.test(registry))
    refuse(`the registry ${JSON.stringify(registry)} is not a host name or IP address with an optional :port`)
  for (const component of repository.split('/')) {
    if (component === '') refuse('the repository path has an empty component (a doubled, leading or trailing "/")')
    if (!PATH_COMPONENT.test(component)) {
      refuse(
        `${JSON.stringify(component)} is not a valid path component: lower-case letters and digits, separated by ".", "_", "__" or "-"`
      )
    }
  }
  if (repository.length > REPOSITORY_MAX) {
    refuse(`the repository path has ${repository.length} characters; at most ${REPOSITORY_MAX} are allowed`)
  }
  if (tag !== undefined && !TAG.test(tag)) {
    refuse(
      tag === ''
        ? 'the tag after ":" is empty'
        : `the tag ${JSON.stringify(tag)} is not valid: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"`
    )
  }
  if (digest !== undefined) checkDigest(digest, refuse)

  return {
    text: written,
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
    reference: digest ?? tag ?? DEFAULT_TAG
  }
}

/**
 * normalize.go's splitDockerDomain: the first component names a registry only if it is `localhost`,
 * contains "." or ":", or has upper case; otherwise the image is on Docker Hub, where a one-component
 * name is an official image under `library/`.
 */
function splitRegistry(name: string): [registry: string, repository: string] {
  const slash = name.indexOf('/')
  let registry = DOCKER_HUB
  let repository = name
  if (slash >= 0) {
    const first = name.slice(0, slash)
    if (first === LEGACY_DOCKER_HUB) {
      repository = name.slice(slash + 1)
    } else if (first === 'localhost' || /[.:]/.test(first) || first !== first.toLowerCase()) {
      registry = first
      repository = name.slice(slash + 1)
    }
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = OFFICIAL_PREFIX + repository
  return [registry, repository]
}

/** The reference grammar's digest, then what go-digest accepts for the algorithms kubelet links. */
function checkDigest(digest: string, refuse: (problem: string) => never): void {
  if (!DIGEST.test(digest)) {
    refuse(`${JSON.stringify(digest)} after "@" is not a digest: write algorithm:hex, e.g. sha256: and 64 hex digits`)
  }
  const [algorithm, hex] = digest.split(':') as [string, string]
  const length = DIGEST_HEX_LENGTH.get(algorithm)
  if (length === undefined)
    refuse(`the digest algorithm ${JSON.stringify(algorithm)} is not supported; use sha256, sha384 or sha512`)
  if (hex.length !== length) refuse(`a ${algorithm} digest has ${length} hex digits, this one has ${hex.length}`)
  if (hex !== hex.toLowerCase()) refuse('the hex digits of a digest are lower-case')
}

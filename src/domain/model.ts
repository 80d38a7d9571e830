// The domain's vocabulary: what input parsing produces and what the clients, the checks and the
// policy consume. Types, constants and a few pure facts, so any module can import it and stay below it.

/** The one Secret type this action writes. */
export const SECRET_TYPE = 'kubernetes.io/dockerconfigjson'

/** An HTTP(S) endpoint of an API: SAE, STS or a local emulator. */
export interface Endpoint {
  protocol: 'https' | 'http'
  /** host[:port], as sent in the Host header. */
  host: string
  /** The input to check when it cannot be reached: `endpoint`, `sts-endpoint` or `namespace-id`. */
  input: string
  /** Set when the host was derived from a namespace's region rather than given. */
  region?: string
}

export interface Namespace {
  /** As the user wrote it and SAE knows it: `<region>:<name>` or `<region>`. */
  id: string
  region: string
}

/** Where a registry's credentials came from: the `username`/`password` inputs, an `extra-registries` item, or a Secret already stored. */
export type CredentialOrigin =
  { kind: 'main' } | { kind: 'extra'; item: number } | { kind: 'stored'; namespaceId: string; secretId: number }

/** One registry of the Secret and the credentials stored for it. */
export interface RegistryCredential {
  /** The keys under `auths`: host[:port], or Docker Hub's `https://index.docker.io/v1/`. */
  domains: string[]
  username: string
  password: string
  origin: CredentialOrigin
}

/** Where the credentials came from, as a message names them. */
export function describeOrigin(origin: CredentialOrigin): string {
  if (origin.kind === 'main') return 'the username and password inputs'
  if (origin.kind === 'extra') return `item ${origin.item} of extra-registries`
  return `the Secret stored in ${origin.namespaceId} (SecretId ${origin.secretId})`
}

/** An AccessKey that signs SAE calls; `securityToken` for STS temporary keys. */
export interface AccessKey {
  accessKeyId: string
  accessKeySecret: string
  securityToken?: string
}

export interface StaticKeys extends AccessKey {
  kind: 'keys'
  /** Which input set they came from, for messages: 'inputs' or 'environment'. */
  origin: 'inputs' | 'environment'
}

/** What STS needs to start a role's session: the role, the session's name and length. */
export interface RoleSession {
  roleArn: string
  roleSessionName: string
  durationSeconds: number
}

/** GitHub OIDC: the job's ID token for `audience`, exchanged with STS AssumeRoleWithOIDC. */
export interface OidcRole extends RoleSession {
  kind: 'oidc'
  oidcProviderArn: string
  audience: string
}

/** ACK's RRSA (the pod's identity): the token in `tokenFile`, exchanged with STS AssumeRoleWithOIDC. */
export interface RrsaRole extends RoleSession {
  kind: 'rrsa'
  oidcProviderArn: string
  /** ALIBABA_CLOUD_OIDC_TOKEN_FILE: read at each run (the cluster rotates it). */
  tokenFile: string
}

/** The ECS instance's RAM role, from the metadata service; `roleName` when ALIBABA_CLOUD_ECS_METADATA names it. */
export interface InstanceRole {
  kind: 'instance-role'
  roleName?: string
}

/** No source at all: nothing given, nothing in the environment, and the metadata service switched off. */
export interface NoSource {
  kind: 'none'
}

/** The credentials found without role-to-assume: keys (inputs or environment), RRSA, the instance role. */
export type BaseSource = StaticKeys | RrsaRole | InstanceRole | NoSource

/** role-to-assume without oidc-provider-arn: STS AssumeRole signed with the base credentials (role chaining). */
export interface ChainedRole extends RoleSession {
  kind: 'chained'
  base: BaseSource
}

export type CredentialSource = BaseSource | OidcRole | ChainedRole

/** An application that uses a Secret (ListSecrets' `RelateApps`). */
export interface RelatedApp {
  appId: string
  appName: string
}

/** One registry's entry in `auths`, as docker and kubelet read it. */
export interface RegistryAuth {
  username: string
  password: string
  auth: string
}

export interface DockerConfig {
  auths: Record<string, RegistryAuth>
}

/** An image reference of the `images` input, normalised as kubelet reads it. */
export interface ImageReference {
  /** As written (trimmed), for messages. */
  text: string
  /** host[:port] of the registry after normalising: `docker.io` for Docker Hub images. */
  registry: string
  /** Repository path inside the registry, e.g. `library/nginx`, `shop/web`. */
  repository: string
  tag?: string
  digest?: string
  /** What a manifest request names: the digest if given, else the tag, else `latest`. */
  reference: string
}

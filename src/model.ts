// The domain's vocabulary: what input parsing produces and what the clients and the policy
// consume. Types, constants and one pure fact, so any module can import it and stay below it.

/** The one Secret type this action writes. */
export const SECRET_TYPE = 'kubernetes.io/dockerconfigjson'

/** What to do when a Secret of the name already exists (`if-exists`). */
export type IfExists = 'skip' | 'update' | 'fail'

/** Whether the Secret should exist (`state`). */
export type SecretState = 'present' | 'absent'

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

/** One registry of the Secret and the credentials stored for it. */
export interface RegistryCredential {
  /** The keys under `auths`: host[:port], or Docker Hub's `https://index.docker.io/v1/`. */
  domains: string[]
  username: string
  password: string
  /** Where it was given, for messages: `username`/`password`, or `extra-registries` item N. */
  source: string
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

export interface OidcRole {
  kind: 'oidc'
  roleArn: string
  oidcProviderArn: string
  audience: string
  roleSessionName: string
  durationSeconds: number
}

export type CredentialSource = StaticKeys | OidcRole | { kind: 'none' }

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i

/** localhost, 127.0.0.0/8 or [::1]: the only hosts plain HTTP may go to. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOST.test(hostname)
}

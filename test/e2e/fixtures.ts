import { startEmulator } from '../../devkit/emulator/sae-emulator.mjs'

export type Emulator = Awaited<ReturnType<typeof startEmulator>>

export const KEY = { accessKeyId: 'LTAI5tE2eKeyId', accessKeySecret: 'e2e-ak-s3cret/+=' }
export const PASSWORD = 'pa55:"w\\o rd\'ü'
export const USERNAME = 'deploy@octo'

export const NAMESPACES = [
  'cn-hangzhou:dev',
  'cn-hangzhou:staging',
  'cn-hangzhou:prod',
  'cn-beijing:prod',
  'cn-hangzhou'
]

export function emulator(options: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  return startEmulator({ keys: [KEY], namespaces: NAMESPACES, ...options })
}

/**
 * The step's `with:` for one namespace, keys as inputs, the emulator as endpoint. verify-login is
 * off: the default registry domains are real hosts, and tests contact no real registry (the login
 * tests point registry-domains at loopback fakes).
 */
export function stepInputs(sae: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'verify-login': 'false',
    'namespace-id': 'cn-hangzhou:prod',
    'secret-name': 'registry-auth',
    username: USERNAME,
    password: PASSWORD,
    endpoint: sae.origin,
    'access-key-id': KEY.accessKeyId,
    'access-key-secret': KEY.accessKeySecret,
    ...extra
  }
}

/** The step's inputs for a delete (`state: absent`): no registry credentials needed. */
export function absentInputs(sae: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  const { username: _u, password: _p, ...inputs } = stepInputs(sae, { state: 'absent', ...extra })
  void _u
  void _p
  return inputs
}

/** base64 of a docker config JSON text, as a Secret stores it. */
export function stored(json: unknown): { '.dockerconfigjson': string } {
  const text = typeof json === 'string' ? json : JSON.stringify(json)
  return { '.dockerconfigjson': Buffer.from(text).toString('base64') }
}

export function authOf(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64')
}

interface StoredConfig {
  auths: Record<string, { username: string; password: string; auth: string }>
}

/**
 * What the action must mask once DescribeSecret returns a Secret seeded with `config` (for
 * runAction's expectMasked): the stored value, its decoded text, and each entry's password and auth.
 */
export function storedCredentials(config: StoredConfig): Record<string, string> {
  const masks: Record<string, string> = {
    'stored .dockerconfigjson': stored(config)['.dockerconfigjson'],
    'stored docker config text': JSON.stringify(config)
  }
  for (const [host, entry] of Object.entries(config.auths)) {
    masks[`stored password for ${host}`] = entry.password
    masks[`stored auth for ${host}`] = entry.auth
  }
  return masks
}

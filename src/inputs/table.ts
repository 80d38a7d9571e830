// The action's inputs, one row each: the one place an input's default, the values it accepts, its
// bounds, whether it holds a secret and the release that added it are written. The parsers read
// their defaults and value sets here; test/project/metadata.test.ts holds action.yml and the README
// to it, and scripts/validate-action.mjs checks workflows against it. Scripts import this file as
// it is (Node strips the types), so it holds only erasable TypeScript and imports nothing.

export interface InputSpec {
  /** action.yml's `required`: an input that another input's value waives is `false` there (see `requiredUnless`). */
  required: boolean
  /** action.yml's default, as the runner passes it; none where the input is required or derived when absent. */
  default?: string
  /** The spellings it accepts, when they are a fixed set. */
  values?: readonly string[]
  /** A whole number from `min` to `max`. */
  range?: { min: number; max: number }
  /** Holds a secret: masked before anything is validated or printed, and never echoed. */
  secret: boolean
  /** Required unless this other input has this value. */
  requiredUnless?: { input: string; value: string }
  /** The release that added it. */
  release: 1 | 2 | 3 | 4
}

/** The YAML 1.2 core-schema booleans, as @actions/core's getBooleanInput accepts them. */
export const BOOLEAN_VALUES = ['true', 'True', 'TRUE', 'false', 'False', 'FALSE'] as const

const WITHOUT_ABSENT = { input: 'state', value: 'absent' } as const

export const INPUTS = {
  'namespace-id': { required: true, secret: false, release: 1 },
  'secret-name': { required: true, secret: false, release: 1 },
  username: { required: false, secret: false, requiredUnless: WITHOUT_ABSENT, release: 1 },
  password: { required: false, secret: true, requiredUnless: WITHOUT_ABSENT, release: 1 },
  'registry-domains': { required: false, secret: false, release: 1 },
  'acr-instance-name': { required: false, secret: false, release: 1 },
  'registry-region': { required: false, secret: false, release: 1 },
  'extra-registries': { required: false, secret: false, release: 2 },
  'secret-type': {
    required: false,
    default: 'kubernetes.io/dockerconfigjson',
    values: ['kubernetes.io/dockerconfigjson'],
    secret: false,
    release: 1
  },
  images: { required: false, secret: false, release: 3 },
  'if-exists': { required: false, default: 'skip', values: ['skip', 'update', 'fail'], secret: false, release: 1 },
  'verify-login': { required: false, default: 'true', values: BOOLEAN_VALUES, secret: false, release: 2 },
  state: { required: false, default: 'present', values: ['present', 'absent'], secret: false, release: 2 },
  'if-in-use': { required: false, default: 'fail', values: ['fail', 'delete'], secret: false, release: 3 },
  'access-key-id': { required: false, secret: false, release: 1 },
  'access-key-secret': { required: false, secret: true, release: 1 },
  'security-token': { required: false, secret: true, release: 1 },
  'role-to-assume': { required: false, secret: false, release: 1 },
  'oidc-provider-arn': { required: false, secret: false, release: 1 },
  audience: { required: false, default: 'sts.aliyuncs.com', secret: false, release: 1 },
  'role-session-name': { required: false, secret: false, release: 1 },
  'role-duration-seconds': {
    required: false,
    default: '900',
    range: { min: 900, max: 43200 },
    secret: false,
    release: 1
  },
  endpoint: { required: false, secret: false, release: 1 },
  // No default in action.yml since Release 4, so that one given can be told from none: parse-inputs derives it from `network`.
  'sts-endpoint': { required: false, secret: false, release: 1 },
  network: { required: false, default: 'public', values: ['public', 'vpc'], secret: false, release: 4 },
  'if-unverified': { required: false, default: 'warn', values: ['warn', 'fail'], secret: false, release: 4 },
  'dry-run': { required: false, default: 'false', values: BOOLEAN_VALUES, secret: false, release: 1 },
  'max-attempts': { required: false, default: '4', range: { min: 1, max: 10 }, secret: false, release: 1 },
  'timeout-seconds': { required: false, default: '60', range: { min: 1, max: 3600 }, secret: false, release: 1 }
} as const satisfies Record<string, InputSpec>

export type InputName = keyof typeof INPUTS

/** What to do when a Secret of the name already exists (`if-exists`). */
export type IfExists = (typeof INPUTS)['if-exists']['values'][number]

/** Whether the Secret should exist (`state`). */
export type SecretState = (typeof INPUTS)['state']['values'][number]

/** What `state: absent` does with a Secret that applications use (`if-in-use`). */
export type IfInUse = (typeof INPUTS)['if-in-use']['values'][number]

/** Where the runner's traffic goes (`network`): public endpoints, or an Alibaba Cloud VPC's. */
export type Network = (typeof INPUTS)['network']['values'][number]

/** What a registry check that reached no verdict does (`if-unverified`). */
export type IfUnverified = (typeof INPUTS)['if-unverified']['values'][number]

/** The inputs that hold secrets, masked before anything (validation included) could print them. */
export const SECRET_INPUTS: InputName[] = (Object.keys(INPUTS) as InputName[]).filter(
  (name) => (INPUTS[name] as InputSpec).secret
)

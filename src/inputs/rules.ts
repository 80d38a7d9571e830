// How one input value is read and checked: the rules every input's parser shares (parse-inputs.ts,
// credential-source.ts, extra-registries.ts), and the rules for values given in more than one place
// (registry hosts, user names, passwords). Pure: values in, values or an InputError out.
import { InputError } from '../domain/errors.js'
import { INPUTS, type InputName, type InputSpec } from './table.js'

/** Reads one input the way the runner passes it; '' when absent. */
export type InputReader = (name: string) => string

// Control characters would end a single-value input early in YAML and break the docker config.
const CONTROL = /[\u0000-\u001f\u007f]/
const MAX_VALUE_LENGTH = 4096
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
/** host[:port]; group 1 is the port. */
export const HOST = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*(?::(\\d{1,5}))?$`)

/**
 * Said with every required secret that arrives empty: GitHub passes an unset secret, and every
 * secret in a pull request from a fork, as an empty string rather than failing the expression.
 */
export const EMPTY_SECRET_HINT =
  'if it comes from a secret, check that the secret exists for this repository (or its organisation or environment): ' +
  'an unset secret, and every secret in a pull request from a fork, reaches the action as an empty string'

/** Splits a list input on newlines and commas, dropping blanks. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

export function required(read: InputReader, name: string, hint?: string): string {
  const value = read(name)
  if (value === '') throw new InputError(name, `is required and was not supplied${hint ? `; ${hint}` : ''}`)
  return bounded(value, name)
}

export function optional<T>(read: InputReader, name: string, parse: (value: string) => T): T | undefined {
  const value = read(name)
  return value === '' ? undefined : parse(bounded(value, name))
}

function bounded(value: string, name: string): string {
  if (value.length > MAX_VALUE_LENGTH) {
    throw new InputError(name, `is ${value.length} characters long; at most ${MAX_VALUE_LENGTH} are accepted`)
  }
  return value
}

export function matching(value: string, name: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) throw new InputError(name, `${expected}; got ${quote(value)}`)
  return value
}

/** Shows a rejected (non-secret) value safely on one line. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value
  return JSON.stringify(shown)
}

/** An input's value as given, else its default in the table ('' for an input without one). */
export function valueOrDefault(value: string, name: InputName): string {
  return value === '' ? ((INPUTS[name] as InputSpec).default ?? '') : value
}

/** One of the input's fixed set of values (the table's), its default when absent. */
export function oneOf<T extends string>(value: string, name: InputName): T {
  const given = valueOrDefault(value, name)
  const values = (INPUTS[name] as InputSpec).values ?? []
  if (!values.includes(given)) throw new InputError(name, `must be ${alternatives(values)}; got ${quote(value)}`)
  return given as T
}

/** `a, b or c`, each spelling once whatever its case (true, True and TRUE are `true`). */
export function alternatives(values: readonly string[]): string {
  const shown = [...new Set(values.map((value) => value.toLowerCase()))]
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}` : shown.join('')
}

/** The YAML 1.2 core-schema booleans, as @actions/core's getBooleanInput accepts them (BOOLEAN_VALUES). */
export function parseBoolean(value: string, name: InputName): boolean {
  return oneOf(value, name).toLowerCase() === 'true'
}

/** A whole number within the input's range in the table, its default when absent. */
export function parseInteger(value: string, name: InputName): number {
  const given = valueOrDefault(value, name)
  const { min, max } = (INPUTS[name] as InputSpec).range ?? { min: 0, max: Number.MAX_SAFE_INTEGER }
  if (!/^\d+$/.test(given) || Number(given) < min || Number(given) > max) {
    throw new InputError(name, `must be a whole number from ${min} to ${max}; got ${quote(value)}`)
  }
  return Number(given)
}

/** A value that must be one line: control characters would end it early in YAML and break what it goes into. */
export function singleLine(
  value: string,
  name: string,
  problem = 'must be one line without control characters'
): string {
  if (CONTROL.test(value)) throw new InputError(name, problem)
  return value
}

/** The user name of ACR's temporary login (`GetAuthorizationToken`, `docker login` from the console's "temporary password"). */
export const ACR_TEMPORARY_USER = 'cr_temp_user'
/** The user name of ACR Enterprise Edition's temporary login (its instance's `GetAuthorizationToken`). */
export const ACR_EE_TEMPORARY_USER = 'temp_user_cr'

/** A registry user name; `name` says where it was given (an input, or an item of extra-registries). */
export function parseUsername(value: string, name: string, where = ''): string {
  singleLine(value, name, `${where}must be one line without control characters`)
  // Registries split `auth` at the first colon, so a colon in the user name would corrupt it.
  if (value.includes(':'))
    throw new InputError(name, `${where}must not contain ":" (it separates user and password in auth)`)
  if (value === ACR_TEMPORARY_USER || value === ACR_EE_TEMPORARY_USER) {
    // SAE pulls again at every instance start: the Secret would break at the next scale-out.
    const which = value === ACR_TEMPORARY_USER ? "ACR's temporary login" : "ACR Enterprise Edition's temporary login"
    throw new InputError(
      name,
      `${where}is ${value}, ${which}: its password is a token that expires in about an hour, and SAE pulls ` +
        "again at every instance start, so the Secret would stop working at the next scale-out. Use the registry's fixed password " +
        "(ACR console, Instance, Access Credentials: Set Fixed Password) or a RAM user's credentials"
    )
  }
  return value
}

/** A registry password: never echoed, not even in part. */
export function parsePassword(value: string, name: string, where = ''): string {
  singleLine(
    value,
    name,
    `${where}must be one line without control characters (is the secret pasted with a line break?)`
  )
  if (value.startsWith('ghs_')) {
    // GITHUB_TOKEN and GitHub App installation tokens: SAE would pull with it long after it stopped working.
    throw new InputError(
      name,
      `${where}is a GitHub Actions or GitHub App installation token (ghs_…), which stops working when the job ends or ` +
        'within an hour, and SAE pulls again at every instance start, so the Secret would stop working at the next scale-out. ' +
        'For ghcr.io, use a personal access token (classic) with read:packages, or a fine-grained one, kept in a secret'
    )
  }
  return value
}

/** The port of `host:port` (or `[v6]:port`), undefined when there is none. */
export function portOf(hostPort: string): string | undefined {
  return /^(?:\[[^\]]*\]|[^:]*):(\d+)$/.exec(hostPort)?.[1]
}

/** A port given, and not one a TCP connection can use (1 to 65535). */
export function outsidePortRange(port: string | undefined): boolean {
  return port !== undefined && (Number(port) < 1 || Number(port) > 65535)
}

/** Registry hosts (`host[:port]`), lower-cased, each once; `where` prefixes messages about one list item. */
export function parseRegistryHosts(hosts: string[], name: string, where = ''): string[] {
  const domains = hosts.map((domain) => {
    if (domain.includes('://'))
      throw new InputError(name, `${where}takes host[:port] without a scheme; got ${quote(domain)}`)
    if (domain.includes('/'))
      throw new InputError(name, `${where}takes host[:port] without a path; got ${quote(domain)}`)
    const match = HOST.exec(domain)
    if (!match || domain.length > 253) {
      throw new InputError(
        name,
        `${where}takes host names such as registry.cn-hangzhou.aliyuncs.com; got ${quote(domain)}`
      )
    }
    if (outsidePortRange(match[1])) {
      throw new InputError(name, `${where}has a port outside 1-65535 in ${quote(domain)}`)
    }
    return domain.toLowerCase()
  })
  return [...new Set(domains)]
}

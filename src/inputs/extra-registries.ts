// `extra-registries`: more registries in the same Secret, each with its own credentials, given as
// a YAML list of { registry, username, password }. The YAML parser is loaded only when the input
// is given, so other runs do not pay its start-up. Every error names the input and the item, and
// never shows a value that could be a password.
import { authKeyFor, DOCKER_HUB_KEY } from '../domain/hosts.js'
import { InputError } from '../domain/errors.js'
import { parsePassword, parseRegistryHosts, parseUsername, quote } from './rules.js'
import type { RegistryCredential } from '../domain/model.js'

const INPUT = 'extra-registries'
const FIELDS = ['registry', 'username', 'password']
/** Several registries with long credentials (JSON keys run to 2-3 KB each). */
export const MAX_EXTRA_REGISTRIES_LENGTH = 64 * 1024

/** Where and what, never the parser's own message: it quotes the offending line, which may hold a password. */
function yamlError(code: string, at: { line: number; col: number } | undefined): InputError {
  return new InputError(
    INPUT,
    `is not valid YAML${at ? ` (line ${at.line}, column ${at.col})` : ''}: ${code}; it must be a list of { registry, username, password }, ` +
      'and a value that starts with ! & * { [ or holds ": " or " #" must be quoted'
  )
}

export async function parseExtraRegistries(text: string | undefined): Promise<RegistryCredential[]> {
  if (text === undefined || text === '') return []
  if (text.length > MAX_EXTRA_REGISTRIES_LENGTH) {
    throw new InputError(
      INPUT,
      `is ${text.length} characters long; at most ${MAX_EXTRA_REGISTRIES_LENGTH} are accepted`
    )
  }
  const { parseDocument } = await import('yaml')
  let document: unknown
  try {
    // Warnings are refused rather than printed: the parser would print the offending line, unmasked.
    const parsed = parseDocument(text, { logLevel: 'error' })
    const problem = parsed.errors[0] ?? parsed.warnings[0]
    if (problem) throw yamlError(problem.code, problem.linePos?.[0])
    document = parsed.toJS()
  } catch (error) {
    if (error instanceof InputError) throw error
    // An unresolved alias (`*…`, a password that starts with *) is reported by name: never pass the parser's words on.
    throw yamlError(error instanceof Error ? error.name : 'Error', undefined)
  }
  if (document === null || document === undefined) return []
  if (!Array.isArray(document)) {
    throw new InputError(
      INPUT,
      'must be a YAML list, one "- registry: …" item per registry, each with registry, username and password'
    )
  }
  const registries = document.map((item: unknown, index) => parseItem(item, index + 1))
  const seen = new Map<string, number>()
  registries.forEach((registry, index) => {
    for (const domain of registry.domains) {
      const first = seen.get(domain)
      if (first !== undefined)
        throw new InputError(
          INPUT,
          `item ${index + 1} lists ${domain}, which item ${first} lists too; give each registry once`
        )
      seen.set(domain, index + 1)
    }
  })
  return registries
}

function parseItem(item: unknown, position: number): RegistryCredential {
  const where = `item ${position}: `
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new InputError(INPUT, `${where}must be a mapping with registry, username and password`)
  }
  const fields = item as Record<string, unknown>
  const unknown = Object.keys(fields).filter((name) => !FIELDS.includes(name))
  if (unknown.length > 0)
    throw new InputError(
      INPUT,
      `${where}has no field ${quote(unknown[0])}; the fields are registry, username and password`
    )
  const text = (name: string): string => {
    const value = fields[name]
    if (value === undefined || value === null || value === '') {
      throw new InputError(
        INPUT,
        `${where}${name} is missing or empty${name === 'password' ? ' (an unset secret arrives empty)' : ''}`
      )
    }
    // YAML reads 0123 as 123 and 1e3 as 1000: a credential that is not a string would be stored wrong.
    if (typeof value !== 'string')
      throw new InputError(INPUT, `${where}${name} must be a string; quote it (or write \${{ toJSON(secrets.NAME) }})`)
    return value
  }
  const registry = fields.registry
  const hosts = Array.isArray(registry) ? registry : [registry]
  if (registry === undefined || registry === null || registry === '' || hosts.length === 0) {
    throw new InputError(INPUT, `${where}registry is missing or empty; give a host[:port] or a list of them`)
  }
  if (hosts.some((host) => typeof host !== 'string' || host.trim() === '')) {
    throw new InputError(INPUT, `${where}registry must be a host[:port] or a list of them`)
  }
  const domains = (hosts as string[]).map((host) => (host.trim() === DOCKER_HUB_KEY ? 'docker.io' : host.trim()))
  return {
    domains: [...new Set(parseRegistryHosts(domains, INPUT, `${where}registry `).map(authKeyFor))],
    username: parseUsername(text('username'), INPUT, `${where}username `),
    password: parsePassword(text('password'), INPUT, `${where}password `),
    origin: { kind: 'extra', item: position }
  }
}

/**
 * Every form in which a secret could reach a log: GitHub masks only the exact strings it is
 * given, and a secret travels URL-encoded in query strings, JSON-escaped inside SecretData, and
 * base64-encoded in `auth` and the docker config.
 */
export function secretForms(value: string): string[] {
  if (value === '') return []
  const jsonEscaped = JSON.stringify(value).slice(1, -1)
  const forms = [
    value,
    encodeURIComponent(value),
    encodeURIComponent(encodeURIComponent(value)),
    encodeURIComponent(value).replace(/%20/g, '+'),
    jsonEscaped,
    JSON.stringify(jsonEscaped).slice(1, -1),
    encodeURIComponent(jsonEscaped),
    encodeURIComponent(JSON.stringify(jsonEscaped).slice(1, -1)),
    Buffer.from(value, 'utf8').toString('base64')
  ]
  return [...new Set(forms)]
}

/** Holds the secrets of one run and removes each of their forms from any text. */
export class Redactor {
  /** Longest first, so a form that contains another is replaced whole; kept sorted as forms arrive. */
  private readonly forms: string[] = []

  /** Registers a secret; returns the forms that are new, for the runner's mask list. */
  register(value: string | undefined): string[] {
    if (!value) return []
    // A form of white space alone hides nothing (the runner refuses it, with a warning of its own),
    // and taking it out of every line would mangle the log.
    const added = secretForms(value).filter((form) => form.trim() !== '' && !this.forms.includes(form))
    this.forms.push(...added)
    this.forms.sort((a, b) => b.length - a.length)
    return added
  }

  redact(text: string): string {
    let result = text
    for (const form of this.forms) result = result.split(form).join('***')
    return result
  }
}

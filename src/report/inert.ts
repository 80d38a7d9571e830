// Text made inert for the runner before it reaches the log. A line of a step's output is read by the
// runner as a command when, after leading white space, it starts with `::name` (the V2 form), or
// when it holds `##[name` anywhere (the legacy form); a CR or LF starts a new line that is read the
// same way; a terminal acts on ESC sequences. Much of what the step prints comes from outside (a
// stored Secret's keys, a registry's answer, SAE's messages, RequestIds and application names, an
// echoed input), so every line goes through here on its way out (runner/step-report.ts).
// docs/sae-api.md, "How the runner reads a step's output", has the rules and their source. Pure.

/**
 * Characters shown as escapes rather than printed: control characters (C0, DEL and C1: CR and LF
 * end a line for the runner, ESC and CSI start terminal sequences), the line and paragraph
 * separators, lone surrogates, and the invisible characters (format and default-ignorable ones,
 * such as U+00AD or U+200B) that the runner's culture-sensitive search may skip over, so that
 * `#\u00AD#[` cannot be read as `##[`.
 */
const UNSEEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu

/** The runner's legacy command marker, read anywhere in a line. */
const LEGACY_MARKER = /##\[/g

/** `::` at the start of a line, after the space characters the runner's TrimStart drops (the others are escaped first). */
const LEADING_COMMAND = /^(\p{Zs}*)::/u

const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** `\n`, `\r`, `\t`, else `\uXXXX` (`\u{XXXXX}` beyond the first plane): what the character was, in visible text. */
function escape(character: string): string {
  const named = NAMED_ESCAPES[character]
  if (named) return named
  const hex = character.codePointAt(0)!.toString(16).padStart(4, '0')
  // Beyond the first plane a character is two UTF-16 units (a surrogate pair).
  return character.length > 1 ? `\\u{${hex}}` : `\\u${hex}`
}

/**
 * One line that the runner shows as it is: no control or invisible character (each is shown as
 * its escape), no `##[` (shown as `## [`) and no `::` at its start (shown as `: :`). Text without
 * any of these is returned unchanged.
 */
export function inert(text: string): string {
  return text.replace(UNSEEN, escape).replace(LEGACY_MARKER, '## [').replace(LEADING_COMMAND, '$1: :')
}

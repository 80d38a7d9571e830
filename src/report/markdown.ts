// Text from outside shown in the job summary's Markdown as it is: GitHub renders nothing of it.

/**
 * Markdown that shows `text` as it is, inside a table cell or a sentence: GitHub renders nothing of
 * it (no emphasis, strikethrough, HTML, entity, link or autolink). A line break, which would end
 * the table row (or start a block), shows as a space.
 */
export function escapeMarkdown(text: string): string {
  return (
    text
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .replace(/[|\\`*_~<>[\]&@]/g, (c) => `\\${c}`)
      // GFM links a bare `scheme://…` or `www.…`; an escaped `:` or `.` is not one.
      .replace(/:\/\//g, '\\://')
      .replace(/\b(www)\./gi, '$1\\.')
  )
}

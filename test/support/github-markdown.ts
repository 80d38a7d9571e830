// A job summary as GitHub shows it: CommonMark + GFM (micromark and its GFM extension, as GitHub's
// renderer), read back into the parts a reader sees: headings, tables, list items, links, and the
// raw HTML the Markdown carried through (which GitHub's sanitizer would strip, unless it keeps it).
import { micromark } from 'micromark'
import { gfm, gfmHtml } from 'micromark-extension-gfm'

export interface RenderedSummary {
  html: string
  headings: string[]
  /** Each table: its header cells and its rows of cells, every cell as text (see `textOf`). */
  tables: Array<{ header: string[]; rows: string[][]; html: string }>
  paragraphs: string[]
  listItems: string[]
  links: Array<{ href: string; text: string }>
  /** Every tag of the Markdown's own raw HTML, as written (`<br>`), in order. */
  rawHtml: string[]
}

export function renderMarkdown(markdown: string, allowDangerousHtml: boolean): string {
  return micromark(markdown, { allowDangerousHtml, extensions: [gfm()], htmlExtensions: [gfmHtml()] })
}

export function readSummary(markdown: string): RenderedSummary {
  const html = renderMarkdown(markdown, true)
  const tables = matches(html, /<table>([\s\S]*?)<\/table>/g).map((table) => ({
    html: `<table>${table}</table>`,
    header: matches(table, /<th(?: [^>]*)?>([\s\S]*?)<\/th>/g).map(textOf),
    rows: matches(/<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '', /<tr>([\s\S]*?)<\/tr>/g).map((row) =>
      matches(row, /<td(?: [^>]*)?>([\s\S]*?)<\/td>/g).map(textOf)
    )
  }))
  return {
    html,
    headings: matches(html, /<h[1-6]>([\s\S]*?)<\/h[1-6]>/g).map(textOf),
    tables,
    paragraphs: matches(html, /<p>([\s\S]*?)<\/p>/g).map(textOf),
    listItems: matches(html, /<li>([\s\S]*?)<\/li>/g).map(textOf),
    links: [...html.matchAll(/<a href="([^"]*)">([\s\S]*?)<\/a>/g)].map((match) => ({
      href: decode(match[1]),
      text: textOf(match[2])
    })),
    rawHtml: rawHtml(html, renderMarkdown(markdown, false))
  }
}

/**
 * What a reader sees of an element's content: `<br>` as a line break, entities decoded. Content
 * that holds any other element (emphasis, a link, code, raw HTML) is returned as `HTML: <its html>`,
 * so that it can never equal a name expected as plain text.
 */
export function textOf(inner: string): string {
  const lines = inner.replace(/\n$/, '').split('<br>')
  if (lines.some((line) => line.includes('<'))) return `HTML: ${inner}`
  return lines.map(decode).join('\n')
}

function decode(text: string): string {
  return text.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(lt|gt|amp|quot));/gi, (_, hex: string, dec: string, named: string) =>
    hex
      ? String.fromCodePoint(parseInt(hex, 16))
      : dec
        ? String.fromCodePoint(Number(dec))
        : { lt: '<', gt: '>', amp: '&', quot: '"' }[named.toLowerCase()]!
  )
}

function matches(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((match) => match[1])
}

/** The tags of the render that lets raw HTML through which the render that escapes it lacks: the Markdown's raw HTML. */
function rawHtml(dangerous: string, safe: string): string[] {
  const left = new Map<string, number>()
  for (const tag of safe.match(/<[^>]+>/g) ?? []) left.set(tag, (left.get(tag) ?? 0) + 1)
  const raw: string[] = []
  for (const tag of dangerous.match(/<[^>]+>/g) ?? []) {
    const count = left.get(tag) ?? 0
    if (count > 0) left.set(tag, count - 1)
    else raw.push(tag)
  }
  return raw
}

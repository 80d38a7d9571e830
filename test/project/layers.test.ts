// The house's floors: each folder of src/ imports only from folders on a lower floor (or from
// itself), so no arrow runs back up and no cycle can form. A new folder needs a floor here, and a
// move that breaks the order fails with the import that does it.
import { describe, expect, test } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, posix, relative } from 'node:path'

/** Lowest floor first; folders on one floor do not import each other. */
const FLOORS: string[][] = [
  ['domain'],
  ['network', 'kubelet'],
  ['inputs', 'sae/sdk'],
  ['secret', 'sae/credentials'],
  ['registry', 'sae'],
  ['report'],
  ['runner'],
  ['.']
]
const floorOf = new Map(FLOORS.flatMap((folders, floor) => folders.map((folder) => [folder, floor] as const)))

function sources(dir = 'src'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** The folder a file of src/ belongs to: `sae/sdk` for src/sae/sdk/openapi.ts, `.` for src/main.ts. */
const folderOf = (file: string) => relative('src', dirname(file)).split('\\').join('/') || '.'

/** Every relative import of a file, as the folder it lands in. */
function importedFolders(file: string): { specifier: string; folder: string }[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)]
    .map((match) => match[1])
    .filter((specifier) => !specifier.endsWith('.json'))
    .map((specifier) => ({
      specifier,
      folder: folderOf(posix.join(posix.dirname(file.split('\\').join('/')), specifier))
    }))
}

describe('src/ is built in floors', () => {
  const files = sources()

  test('every folder has a floor', () => {
    expect([...new Set(files.map(folderOf))].filter((folder) => !floorOf.has(folder))).toEqual([])
  })

  test('no folder holds more than eight modules', () => {
    const counts = new Map<string, number>()
    for (const file of files) counts.set(folderOf(file), (counts.get(folderOf(file)) ?? 0) + 1)
    expect([...counts].filter(([, count]) => count > 8)).toEqual([])
  })

  test('every import points down a floor, or stays in its folder', () => {
    const upward = files.flatMap((file) =>
      importedFolders(file)
        .filter(({ folder }) => folder !== folderOf(file) && !(floorOf.get(folder)! < floorOf.get(folderOf(file))!))
        .map(({ specifier }) => `${file} imports ${specifier}`)
    )
    expect(upward).toEqual([])
  })

  test('the rule sees an import that runs up', () => {
    // src/domain is the lowest floor: an import of report/ from there would run up.
    const folder = folderOf('src/domain/model.ts')
    const landed = folderOf(posix.join('src/domain', '../report/lines.js'))
    expect([folder, landed]).toEqual(['domain', 'report'])
    expect(floorOf.get(landed)! < floorOf.get(folder)!).toBe(false)
  })
})

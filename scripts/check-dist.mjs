// Fails when dist/ differs from a fresh build of src/: the committed bundle is what users run.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from './build.mjs'

const fresh = mkdtempSync(join(tmpdir(), 'dist-check-'))
try {
  await build(fresh)
  const names = new Set([...readdirSync('dist'), ...readdirSync(fresh)])
  const differences = []
  for (const name of [...names].sort()) {
    const read = (dir) => {
      try {
        return readFileSync(join(dir, name))
      } catch {
        return undefined
      }
    }
    const committed = read('dist')
    const built = read(fresh)
    if (!committed) differences.push(`${name}: built from src/ but missing from dist/`)
    else if (!built) differences.push(`${name}: in dist/ but not built from src/`)
    else if (!committed.equals(built)) differences.push(`${name}: differs from a fresh build`)
  }
  if (differences.length > 0) {
    console.error(`dist/ does not match src/ (run npm run build and commit dist/):\n  ${differences.join('\n  ')}`)
    process.exitCode = 1
  } else {
    console.log(`dist/ matches a fresh build of src/ (${names.size} files)`)
  }
} finally {
  rmSync(fresh, { recursive: true, force: true })
}

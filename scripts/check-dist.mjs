// Fails when dist/ differs from a fresh build of src/: the committed bundle is what users run.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const fresh = mkdtempSync(join(tmpdir(), 'dist-check-'))
try {
  execFileSync(process.execPath, ['node_modules/@vercel/ncc/dist/ncc/cli.js', 'build', 'src/index.ts', '-o', fresh, '--minify', '--license', 'licenses.txt', '--quiet'], {
    stdio: 'inherit'
  })
  const files = (dir) => readdirSync(dir).sort()
  const differences = []
  const names = new Set([...files('dist'), ...files(fresh)])
  for (const name of names) {
    let committed, built
    try {
      committed = readFileSync(join('dist', name))
    } catch {
      differences.push(`${name}: missing from dist/`)
      continue
    }
    try {
      built = readFileSync(join(fresh, name))
    } catch {
      differences.push(`${name}: in dist/ but not built from src/`)
      continue
    }
    if (!committed.equals(built)) differences.push(`${name}: differs from a fresh build`)
  }
  if (differences.length > 0) {
    console.error(`dist/ does not match src/ (run npm run build and commit dist/):\n  ${differences.join('\n  ')}`)
    process.exit(1)
  }
  console.log(`dist/ matches a fresh build (${names.size} files)`)
} finally {
  rmSync(fresh, { recursive: true, force: true })
}

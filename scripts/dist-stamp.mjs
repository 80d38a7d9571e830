// What dist/ was built from: a digest of everything the build reads (src/, the lockfile, tsconfig,
// the build script) and of each file it wrote, kept in dist/build-stamp.json. check-dist proves in
// CI that the committed dist/ is a fresh build of its src/; this stamp lets the end-to-end tests
// and the demo tell in milliseconds whether the dist/ on disk still is, without building again.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const STAMP = 'build-stamp.json'
const INPUTS = ['package-lock.json', 'tsconfig.json', 'scripts/build.mjs']

function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
}

function digest(paths, base) {
  const hash = createHash('sha256')
  for (const path of [...paths].sort()) {
    // Line endings as git stores them (LF), so a Windows checkout digests the same.
    hash
      .update(`${relative(base, path).split('\\').join('/')}\n`)
      .update(readFileSync(path, 'utf8').replace(/\r\n/g, '\n'))
      .update('\n')
  }
  return hash.digest('hex')
}

export function sourceDigest() {
  return digest([...files(join(ROOT, 'src')), ...INPUTS.map((path) => join(ROOT, path))], ROOT)
}

function builtFiles(outDir) {
  return files(outDir).filter((path) => !path.endsWith(STAMP))
}

export function writeStamp(outDir) {
  const stamp = { sources: sourceDigest(), files: digest(builtFiles(outDir), outDir) }
  writeFileSync(join(outDir, STAMP), `${JSON.stringify(stamp, null, 2)}\n`)
}

/** Why dist/ is not a build of today's sources, or undefined when it is. */
export function staleness(outDir = join(ROOT, 'dist')) {
  const path = join(outDir, STAMP)
  if (!existsSync(path)) return 'dist/ has no build stamp (never built here?)'
  const stamp = JSON.parse(readFileSync(path, 'utf8'))
  if (stamp.sources !== sourceDigest())
    return 'src/ (or the lockfile, tsconfig or build script) changed since dist/ was built'
  if (stamp.files !== digest(builtFiles(outDir), outDir)) return 'dist/ was changed after it was built'
  return undefined
}

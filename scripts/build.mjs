// Bundles src/ into dist/ with ncc, then minifies the lazily loaded chunks too (ncc's --minify
// covers only the entry file, and every byte of a chunk is parsed when its path loads), and writes
// dist/licenses.txt from the modules actually bundled (ncc's --license lists only one chunk's),
// and dist/build-stamp.json (scripts/dist-stamp.mjs).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { minify } from 'terser'
import { writeStamp } from './dist-stamp.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Runs ncc's CLI: `build <entry> -o <outDir> --minify --quiet`, plus `args`. */
export function ncc(entry, outDir, args = []) {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'), 'build', entry, '-o', outDir, '--minify', '--quiet', ...args], {
    cwd: ROOT,
    stdio: 'inherit'
  })
}

export async function build(outDir = join(ROOT, 'dist')) {
  // Start empty, so no chunk of an earlier build lingers in dist/.
  rmSync(outDir, { recursive: true, force: true })
  const statsDir = mkdtempSync(join(tmpdir(), 'ncc-stats-'))
  const stats = join(statsDir, 'stats.json')
  try {
    ncc('src/index.ts', outDir, ['--stats-out', stats])
    writeFileSync(join(outDir, 'licenses.txt'), licenses(JSON.parse(readFileSync(stats, 'utf8'))))
  } finally {
    rmSync(statsDir, { recursive: true, force: true })
  }
  for (const file of readdirSync(outDir).filter((name) => /^\d+\.index\.js$/.test(name))) {
    const path = join(outDir, file)
    const { code } = await minify(readFileSync(path, 'utf8'), { module: true, compress: { passes: 1 }, mangle: true, format: { comments: false } })
    writeFileSync(path, code)
  }
  writeStamp(outDir)
}

/** The licence of every package with code in the bundle, for redistribution. */
function licenses(stats) {
  const packages = new Set()
  const collect = (module) => {
    for (const name of [module.name ?? '', ...(module.modules ?? []).map((inner) => inner.name ?? '')]) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(name)
      if (match) packages.add(match[1])
    }
  }
  for (const module of stats.modules ?? []) collect(module)
  const sections = [...packages].sort().map((name) => {
    const dir = join(ROOT, 'node_modules', name)
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    const file = readdirSync(dir).find((entry) => /^(licen[cs]e|copying)(\.|$)/i.test(entry))
    const text = file ? readFileSync(join(dir, file), 'utf8').replace(/\r\n?/g, '\n').trim() : `${manifest.license ?? 'UNKNOWN'} (no licence file in the package)`
    return `${manifest.name}@${manifest.version} — ${manifest.license ?? 'UNKNOWN'}\n\n${text}\n`
  })
  return `Third-party software bundled in dist/\n\n${sections.join('\n' + '-'.repeat(72) + '\n\n')}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build(process.argv[2])

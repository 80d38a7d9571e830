// Bundles src/ into dist/ with ncc, then minifies the lazily loaded chunks too: ncc's --minify
// covers only the entry file, and every byte of a chunk is parsed when its path loads.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { minify } from 'terser'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export async function build(outDir = join(ROOT, 'dist')) {
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'), 'build', 'src/index.ts', '-o', outDir, '--minify', '--license', 'licenses.txt', '--quiet'],
    { cwd: ROOT, stdio: 'inherit' }
  )
  for (const file of readdirSync(outDir).filter((name) => /^\d+\.index\.js$/.test(name))) {
    const path = join(outDir, file)
    const { code } = await minify(readFileSync(path, 'utf8'), { module: true, compress: { passes: 1 }, mangle: true, format: { comments: false } })
    writeFileSync(path, code)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build(process.argv[2])

// Bundles src/ into dist/: tsc turns src/ into JavaScript (emit only: `npm run typecheck` checks
// the types, and ncc's own TypeScript loader would check them all again), ncc bundles that and
// minifies the entry (its --minify skips lazily loaded chunks; terser does those), then every module
// factory is wrapped in parentheses again (rewrapFactories); then dist/licenses.txt from the modules
// actually bundled (ncc's --license lists only one chunk's) and dist/build-stamp.json
// (scripts/dist-stamp.mjs). The benchmark's floors go through the same bundle(), so that they are
// built exactly as the action is.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { minify } from 'terser'
import ts from 'typescript'
import { writeStamp } from './dist-stamp.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Runs ncc's CLI: `build <entry> -o <outDir> --quiet --no-cache`, plus `args`, from `cwd`. No cache:
 * it saves nothing here (measured), and it would grow by a copy for every temporary directory.
 */
export function ncc(entry, outDir, args = [], cwd = ROOT) {
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      entry,
      '-o',
      resolve(outDir),
      '--quiet',
      '--no-cache',
      ...args
    ],
    {
      cwd,
      stdio: 'inherit'
    }
  )
}

/**
 * Emits the TypeScript of `entry`'s directory as JavaScript into a new directory under
 * node_modules/.cache/ (which git, ESLint and tsc all leave alone, so a build may run beside them)
 * and returns it. Always at the same depth below ROOT, and ncc is run from there, so that the module
 * ids ncc derives from relative paths do not depend on the directory's random name.
 */
function emitJavaScript(entry) {
  const cache = join(ROOT, 'node_modules', '.cache', 'sae-image-pull-secret')
  mkdirSync(cache, { recursive: true })
  const work = mkdtempSync(join(cache, 'build-'))
  const fromWork = (path) => relative(work, resolve(ROOT, path)).split('\\').join('/')
  const config = {
    extends: fromWork('tsconfig.json'),
    compilerOptions: { noEmit: false, noCheck: true, rootDir: fromWork(dirname(entry)), outDir: 'js' },
    include: [`${fromWork(dirname(entry))}/**/*.ts`]
  }
  try {
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(config))
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(work, 'tsconfig.json')], {
      cwd: ROOT,
      stdio: 'inherit'
    })
    // src/ reads its release from ../package.json: only the fields it reads, and the module type, go into the bundle.
    const { type, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    writeFileSync(join(work, 'package.json'), `${JSON.stringify({ type, version })}\n`)
  } catch (error) {
    rmSync(work, { recursive: true, force: true })
    throw error
  }
  return work
}

/**
 * Wraps each webpack module factory of a bundle (`{1234:function(e,t,r){…},…}`, the entry's
 * modules or a chunk's `export const modules=`) in parentheses. webpack emits them so; terser drops
 * the parentheses. V8 compiles a parenthesized function as it loads the file; any other it only
 * pre-parses, then parses again in full when it is first called: every factory on the start-up
 * path would be parsed twice.
 */
export function rewrapFactories(code) {
  const file = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS)
  const factories = []
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue
    for (const { initializer } of statement.declarationList.declarations) {
      if (!initializer || !ts.isObjectLiteralExpression(initializer) || initializer.properties.length === 0) continue
      const values = initializer.properties.map((property) =>
        ts.isPropertyAssignment(property) && ts.isNumericLiteral(property.name) ? property.initializer : undefined
      )
      if (values.every((value) => value && (ts.isFunctionExpression(value) || ts.isArrowFunction(value))))
        factories.push(...values)
    }
  }
  if (factories.length === 0) throw new Error('rewrapFactories: no webpack module table in the bundle')
  let wrapped = ''
  let at = 0
  for (const factory of factories) {
    const start = factory.getStart(file)
    wrapped += `${code.slice(at, start)}(${code.slice(start, factory.end)})`
    at = factory.end
  }
  return wrapped + code.slice(at)
}

/**
 * Bundles `entry` into `outDir` the way dist/ is built; `statsFile`: where ncc writes webpack's
 * stats, whose module names are relative to the directory returned. `minify` and `rewrap` off give
 * the other builds scripts/bench/builds.mjs compares.
 */
export async function bundle(entry, outDir, { statsFile, minify: minified = true, rewrap = true } = {}) {
  // Start empty, so no chunk of an earlier build lingers.
  rmSync(outDir, { recursive: true, force: true })
  const args = [...(minified ? ['--minify'] : []), ...(statsFile ? ['--stats-out', resolve(statsFile)] : [])]
  let context = ROOT
  if (entry.endsWith('.ts')) {
    const work = emitJavaScript(entry)
    // ncc runs from an empty directory beside the JavaScript: its asset relocator reads a dependency's
    // `process.cwd()` (@actions/exec resolves a tool's path with it) as the build's directory, and
    // would copy that directory, were it the JavaScript's own, into dist/ as an asset.
    context = join(work, 'cwd')
    mkdirSync(context)
    try {
      ncc(`../js/${basename(entry).replace(/\.ts$/, '.js')}`, outDir, args, context)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  } else {
    ncc(entry, outDir, args)
  }
  for (const name of readdirSync(outDir).filter((file) => file.endsWith('.js'))) {
    const path = join(outDir, name)
    let code = readFileSync(path, 'utf8')
    if (minified && name !== 'index.js')
      code = (await minify(code, { module: true, compress: { passes: 1 }, mangle: true, format: { comments: false } }))
        .code
    // Unminified, webpack's own parentheses are still there.
    if (minified && rewrap) code = rewrapFactories(code)
    writeFileSync(path, code)
  }
  return context
}

export async function build(outDir = join(ROOT, 'dist')) {
  const statsDir = mkdtempSync(join(tmpdir(), 'ncc-stats-'))
  const stats = join(statsDir, 'stats.json')
  try {
    const context = await bundle('src/index.ts', outDir, { statsFile: stats })
    writeFileSync(join(outDir, 'licenses.txt'), licenses(JSON.parse(readFileSync(stats, 'utf8')), context))
  } finally {
    rmSync(statsDir, { recursive: true, force: true })
  }
  writeStamp(outDir)
}

/** The licence of every package with code in the bundle, for redistribution; module names are relative to `context`. */
function licenses(stats, context) {
  const packages = new Set()
  const collect = (module) => {
    for (const name of [module.name ?? '', ...(module.modules ?? []).map((inner) => inner.name ?? '')]) {
      // The innermost package; not node_modules/.cache/, where the emitted src/ lives.
      const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(
        resolve(context, name.replace(/ \+ \d+ modules$/, ''))
          .split('\\')
          .join('/')
      )
      if (match && !match[1].startsWith('.')) packages.add(match[1])
    }
  }
  for (const module of stats.modules ?? []) collect(module)
  const sections = [...packages].sort().map((name) => {
    const dir = join(ROOT, 'node_modules', name)
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    const file = readdirSync(dir).find((entry) => /^(licen[cs]e|copying)(\.|$)/i.test(entry))
    const text = file
      ? readFileSync(join(dir, file), 'utf8').replace(/\r\n?/g, '\n').trim()
      : `${manifest.license ?? 'UNKNOWN'} (no licence file in the package)`
    return `${manifest.name}@${manifest.version} — ${manifest.license ?? 'UNKNOWN'}\n\n${text}\n`
  })
  return `Third-party software bundled in dist/\n\n${sections.join('\n' + '-'.repeat(72) + '\n\n')}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build(process.argv[2])

// environment.ts, loaded first by index.ts: DEBUG is cleared before the SDK can read it, and the
// SDK's url.parse() deprecation (DEP0169) is dropped while every other warning still reaches the
// log. Each case runs the real module in a fresh Node 24 process, as the runner runs the step
// (Node 24 strips the types itself; the module imports nothing).
import { describe, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { node24, ROOT } from '../../../../devkit/harness/action-runner.mjs'

const MODULE = pathToFileURL(join(ROOT, 'src', 'sae', 'sdk', 'environment.ts')).href

/** Runs `script` as an ES module in Node 24, after importing the module unless `load` is false. */
function run(script: string, options: { load?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const load = options.load ?? true
  const source = `${load ? `await import(${JSON.stringify(MODULE)})\n` : ''}${script}`
  // Nothing of the parent's environment but PATH: no NODE_OPTIONS, no DEBUG of the machine that runs the tests.
  const env = { PATH: process.env.PATH, ...options.env }
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(node24(), ['--input-type=module', '-e', source], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr })
    )
  })
}

/** The warnings a run printed, as Node prints them: `(node:<pid>) [<code>] <type>: <message>`. */
const warnings = (stderr: string) =>
  stderr
    .split(/\r?\n/)
    .filter((line) => line.startsWith('(node:'))
    .map((line) => line.replace(/^\(node:\d+\) /, ''))

const URL_PARSE_WARNING =
  '[DEP0169] DeprecationWarning: `url.parse()` behavior is not standardized and prone to errors that have security ' +
  'implications. Use the WHATWG URL API instead. CVEs are not issued for `url.parse()` vulnerabilities.'

describe('DEBUG', () => {
  test('is deleted, whatever it named, before anything after the module runs', async () => {
    const result = await run("process.stdout.write(JSON.stringify('DEBUG' in process.env))", {
      env: { DEBUG: 'httpx,*' }
    })
    expect(result).toEqual({ code: 0, stdout: 'false', stderr: '' })
  })

  test('without the module, the variable would still be there (the check above can tell)', async () => {
    const result = await run('process.stdout.write(String(process.env.DEBUG))', {
      load: false,
      env: { DEBUG: 'httpx,*' }
    })
    expect(result.stdout).toBe('httpx,*')
  })
})

describe('warnings', () => {
  const SCRIPT = [
    "import url from 'node:url'",
    "url.parse('http://registry.example/v2/')",
    "process.emitWarning('the old form', 'DeprecationWarning', 'DEP0169')",
    "process.emitWarning('something else is going away', { type: 'DeprecationWarning', code: 'DEP0999' })",
    "process.emitWarning('a warning of the step', 'Warning')"
  ].join('\n')

  test("url.parse()'s DEP0169 is dropped, in either form; any other warning still reaches stderr", async () => {
    const result = await run(SCRIPT)
    expect(result.code).toBe(0)
    expect(warnings(result.stderr)).toEqual([
      '[DEP0999] DeprecationWarning: something else is going away',
      'Warning: a warning of the step'
    ])
  })

  test('without the module, the same script prints DEP0169 (the check above can tell)', async () => {
    const result = await run(SCRIPT, { load: false })
    expect(warnings(result.stderr)).toEqual([
      URL_PARSE_WARNING,
      '[DEP0169] DeprecationWarning: the old form',
      '[DEP0999] DeprecationWarning: something else is going away',
      'Warning: a warning of the step'
    ])
  })
})

// A stored Secret is someone else's text, read with bounds: at most 32 auths entries, and its
// credentials tried only at the registries this step names (the computed Secret, the images).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import { runAction } from '../../devkit/harness/action-runner.mjs'
import { authOf, emulator, stepInputs, stored, USERNAME, type Emulator } from './fixtures.js'

let sae: Emulator
let registry: Server
/** Every request the registry got, as `METHOD path user`. */
let seen: string[]
let host: string
beforeEach(async () => {
  sae = await emulator()
  seen = []
  // Accepts any Basic credentials at /v2/ and counts who asked.
  registry = createServer((req, res) => {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    seen.push(`${req.method} ${req.url} ${basic ? Buffer.from(basic, 'base64').toString().split(':')[0] : '-'}`)
    if (basic) return void res.writeHead(200).end('{}')
    res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end()
  })
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve))
  host = `127.0.0.1:${(registry.address() as { port: number }).port}`
})
afterEach(async () => {
  registry.closeAllConnections()
  await new Promise((resolve) => registry.close(resolve))
  await sae.stop()
})

/** `n` entries at `at`, each its own user and password. */
function config(n: number, at: (i: number) => string) {
  return {
    auths: Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        at(i),
        { username: `u${i}`, password: `pw-${i}-x`, auth: authOf(`u${i}`, `pw-${i}-x`) }
      ])
    )
  }
}

describe('a stored Secret of more than 32 entries is not read', () => {
  test('33 entries: skipped with a warning naming the count, no login with any of them, the value masked whole and no entry on its own', async () => {
    const big = config(33, (i) => `${host}/r${i}`)
    sae.seedSecret('cn-hangzhou:prod', { name: 'registry-auth', data: stored(big) })
    const run = await runAction({
      inputs: stepInputs(sae, { 'verify-login': 'true', 'registry-domains': host }),
      expectMasked: { 'stored .dockerconfigjson': stored(big)['.dockerconfigjson'], 'stored text': JSON.stringify(big) }
    })
    expect([run.code, run.outputs.result]).toEqual([0, 'skipped'])
    expect(seen.filter((request) => !request.endsWith(` ${USERNAME}`) && !request.endsWith(' -'))).toEqual([])
    expect(run.stdout).toContain(
      "::warning::Secret 'registry-auth' (SecretId 16) in cn-hangzhou:prod holds a docker config of 33 registries (auths entries), more than the 32 this step reads, so what it can pull could not be checked; set if-exists: update to replace it\n"
    )
    // The stored value and its text are masked; no entry's password or auth on its own.
    expect(run.masks).toContain(JSON.stringify(big))
    expect(run.masks.filter((mask: string) => /^pw-\d+-x$/.test(mask) || mask === authOf('u0', 'pw-0-x'))).toEqual([])
  })

  test('32 entries at hosts this step does not name: read and masked, but no login to any of them', async () => {
    const other = config(32, (i) => `127.0.0.${i + 2}:1/r`)
    sae.seedSecret('cn-hangzhou:prod', { name: 'registry-auth', data: stored(other) })
    const run = await runAction({
      inputs: stepInputs(sae, { 'verify-login': 'true', 'registry-domains': host }),
      expectMasked: { 'stored password 0': 'pw-0-x', 'stored password 31': 'pw-31-x' }
    })
    expect([run.code, run.outputs.result]).toEqual([0, 'skipped'])
    expect(seen).toEqual([`GET /v2/ -`, `GET /v2/ ${USERNAME}`])
    expect(run.visible).not.toContain('127.0.0.2:1')
  })

  test('a stored entry at the registry this step names is tried there, and only there', async () => {
    const mixed = {
      auths: {
        [host]: { username: 'old', password: 'old-pw-1', auth: authOf('old', 'old-pw-1') },
        ...config(3, (i) => `127.0.0.${i + 2}:1`).auths
      }
    }
    sae.seedSecret('cn-hangzhou:prod', { name: 'registry-auth', data: stored(mixed) })
    const run = await runAction({
      inputs: stepInputs(sae, { 'verify-login': 'true', 'registry-domains': host }),
      expectMasked: { 'stored password': 'old-pw-1' }
    })
    expect([run.code, run.outputs.result]).toEqual([0, 'skipped'])
    expect([...seen].sort()).toEqual([`GET /v2/ -`, `GET /v2/ -`, `GET /v2/ ${USERNAME}`, 'GET /v2/ old'])
  })
})

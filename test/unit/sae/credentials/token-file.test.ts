import { afterAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CredentialsError } from '../../../../src/domain/errors.js'
import { readTokenFile } from '../../../../src/sae/credentials/token-file.js'

const dir = mkdtempSync(join(tmpdir(), 'rrsa-token-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

describe('readTokenFile (RRSA)', () => {
  test('the token as the cluster writes it, without the line break at its end', async () => {
    await expect(readTokenFile(file('token', 'eyJhbGciOi.eyJzdWIiOi.c2ln\n'))).resolves.toBe(
      'eyJhbGciOi.eyJzdWIiOi.c2ln'
    )
  })

  test('read again at each call: a rotated token is the new one', async () => {
    const path = file('rotating', 'first.token.one')
    await readTokenFile(path)
    writeFileSync(path, 'second.token.two')
    await expect(readTokenFile(path)).resolves.toBe('second.token.two')
  })

  test('a missing file names the file and the variable', async () => {
    const path = join(dir, 'missing')
    await expect(readTokenFile(path)).rejects.toEqual(
      new CredentialsError(
        `Could not read the RRSA token file ${path} (ALIBABA_CLOUD_OIDC_TOKEN_FILE): it does not exist; check the pod's RRSA configuration (the volume that holds the token)`
      )
    )
  })

  test('more than 64 KiB is not read as a token, and the error holds none of it', async () => {
    const path = file('huge', Buffer.alloc(64 * 1024 + 1, 0x61))
    const failure = readTokenFile(path)
    await expect(failure).rejects.toEqual(
      new CredentialsError(
        `the RRSA token file ${path} (ALIBABA_CLOUD_OIDC_TOKEN_FILE) is larger than 64 KiB: it holds no token`
      )
    )
  })

  test('exactly 64 KiB is read', async () => {
    await expect(readTokenFile(file('max', Buffer.alloc(64 * 1024, 0x61)))).resolves.toHaveLength(64 * 1024)
  })

  test.each([
    ['empty', ''],
    ['two lines', 'one.token\nanother.token\n']
  ])('%s: no token, and not echoed', async (name, content) => {
    const path = file(name.replace(' ', '-'), content)
    await expect(readTokenFile(path)).rejects.toEqual(
      new CredentialsError(
        `the RRSA token file ${path} (ALIBABA_CLOUD_OIDC_TOKEN_FILE) holds no token (empty, or more than one line)`
      )
    )
  })
})

// The token file of ACK's RRSA (ALIBABA_CLOUD_OIDC_TOKEN_FILE): the pod's service-account token,
// which the cluster rotates, so it is read again at each run. Bounded, trimmed (a file ends with a
// line break the token does not have), and masked by the caller before any use; a failure names the
// file, never what it holds.
import { open } from 'node:fs/promises'
import { CredentialsError } from '../../domain/errors.js'

/** A service-account token is about a kilobyte; far more is not a token. */
export const MAX_TOKEN_BYTES = 64 * 1024

export async function readTokenFile(path: string): Promise<string> {
  const what = `the RRSA token file ${path} (ALIBABA_CLOUD_OIDC_TOKEN_FILE)`
  let text: string
  try {
    const file = await open(path, 'r')
    try {
      const buffer = Buffer.alloc(MAX_TOKEN_BYTES + 1)
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0)
      if (bytesRead > MAX_TOKEN_BYTES) throw new CredentialsError(`${what} is larger than 64 KiB: it holds no token`)
      text = buffer.subarray(0, bytesRead).toString('utf8')
    } finally {
      await file.close()
    }
  } catch (error) {
    if (error instanceof CredentialsError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new CredentialsError(
      `Could not read ${what}: ${code === 'ENOENT' ? 'it does not exist' : (code ?? 'unreadable')}; ` +
        "check the pod's RRSA configuration (the volume that holds the token)"
    )
  }
  const token = text.trim()
  if (token === '' || /\s/.test(token))
    throw new CredentialsError(`${what} holds no token (empty, or more than one line)`)
  return token
}

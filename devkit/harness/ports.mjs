// Loopback ports for the tests' servers and for "nothing listens here" cases.
import { createServer } from 'node:net'

/**
 * A loopback port that was free a moment ago: bound, then released, so nothing listens on it now.
 * A server started on it retries if someone took it first; a connection to it is refused.
 */
export async function freePort() {
  const probe = createServer()
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address()
  await new Promise((resolve) => probe.close(() => resolve()))
  return port
}

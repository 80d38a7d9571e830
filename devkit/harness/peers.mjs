// The real programs some tests run beside the bundle (a CNCF registry, squid, htpasswd): found
// where Debian installs them, or on PATH. A missing one fails its test with the install command;
// it is never a reason to skip.
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Each program a test may need, where Debian puts it, and the package that brings it. */
export const PEERS = {
  'docker-registry': { path: '/usr/bin/docker-registry', debianPackage: 'docker-registry' },
  squid: { path: '/usr/sbin/squid', debianPackage: 'squid' },
  basic_ncsa_auth: { path: '/usr/lib/squid/basic_ncsa_auth', debianPackage: 'squid' },
  htpasswd: { path: '/usr/bin/htpasswd', debianPackage: 'apache2-utils' }
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The message a test fails with when `name` is missing: how to install it, and what installs everything. */
export function missingPeerMessage(name) {
  const peer = PEERS[name]
  if (!peer) throw new Error(`unknown peer ${name}: known are ${Object.keys(PEERS).join(', ')}`)
  return `${name} is not installed: run \`apt-get install ${peer.debianPackage}\` (Debian), or .ci/run, which installs what npm test needs`
}

/**
 * The absolute path of an installed peer program: Debian's place first, then PATH.
 * @param {keyof typeof PEERS} name
 * @param {{path?: string, searchPath?: string}} [where] for the harness's own tests: another place and PATH
 * @returns {string}
 * @throws {Error} saying how to install it, when it is nowhere
 */
export function requirePeer(name, where = {}) {
  const peer = PEERS[name]
  if (!peer) throw new Error(`unknown peer ${name}: known are ${Object.keys(PEERS).join(', ')}`)
  const debianPath = where.path ?? peer.path
  if (isExecutable(debianPath)) return debianPath
  const searchPath = where.searchPath ?? process.env.PATH ?? ''
  for (const folder of searchPath.split(delimiter).filter(Boolean)) {
    const candidate = join(folder, name)
    if (isExecutable(candidate)) return candidate
  }
  throw new Error(missingPeerMessage(name))
}

// A network namespace of a test's own, for what needs the ECS metadata service's real address,
// 100.100.100.200: `unshare -n` (as root; `sudo -n` otherwise, as on GitHub's Ubuntu runners) gives a
// process a network with nothing but its own loopback, so nothing it does can reach any other
// machine, and the address exists there only if the test puts it on that loopback. A test that
// cannot make its namespace fails with the reason; it never falls back to this machine's network.
import { execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { node24 } from './action-runner.mjs'

export const METADATA_ADDRESS = '100.100.100.200'
/** A loopback address of the namespace's own, the next hop of the blackhole route. */
const NEXT_HOP = '10.255.255.1'

/**
 * Runs `script` (a Node module) with Node 24 inside a new network namespace, with `config` as its one
 * argument (JSON), and returns the JSON it printed last. Throws, with unshare's own words, when no
 * namespace can be made here.
 * @param {string | URL} script
 * @param {unknown} config
 */
export async function inOwnNetwork(script, config) {
  const path = script instanceof URL ? fileURLToPath(script) : script
  const command = [...(process.getuid?.() === 0 ? [] : ['sudo', '-n']), 'unshare', '--net', '--', node24(), path]
  const child = spawn(command[0], [...command.slice(1), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise((resolve) => {
    child.on('error', (error) => {
      stderr += String(error)
      resolve(-1)
    })
    child.on('close', resolve)
  })
  const last = stdout.trim().split('\n').at(-1) ?? ''
  let result
  try {
    result = JSON.parse(last)
  } catch {
    throw new Error(
      `no network namespace of the test's own could be made, or the run in it failed (${command.slice(0, -2).join(' ')}, exit ${code}): ${stderr.trim() || stdout.trim() || 'no output'}. ` +
        'These tests need root, or sudo without a password (GitHub-hosted Ubuntu runners have it), and util-linux unshare and iproute2 ip'
    )
  }
  if (result.error) throw new Error(`in the test's own network namespace: ${result.error}`)
  return result
}

/**
 * Inside the namespace, first thing: checks that it is a new one (nothing but a loopback that is
 * down), brings its loopback up, and sets up the metadata address as asked:
 * - `absent`: no such address; connecting fails at once (ENETUNREACH), as on a machine outside Alibaba Cloud;
 * - `address`: 100.100.100.200 on the loopback (a fake service listens there, or nothing: ECONNREFUSED);
 * - `blackhole`: a route to it through a loopback next hop, where the kernel drops what it cannot
 *   deliver: a connection attempt gets no answer at all, as where SYNs are dropped.
 * @param {'absent' | 'address' | 'blackhole'} metadata
 */
export function setUpOwnNetwork(metadata) {
  const ip = (...args) => execFileSync('ip', args, { encoding: 'utf8' })
  const links = ip('-o', 'link', 'show')
    .trim()
    .split('\n')
    .map((line) => line.split(':')[1]?.trim())
  if (links.length !== 1 || links[0] !== 'lo' || !/state DOWN/.test(ip('-o', 'link', 'show', 'lo'))) {
    throw new Error(`refusing to touch a network that is not a new namespace's own (links: ${links.join(', ')})`)
  }
  ip('link', 'set', 'lo', 'up')
  if (metadata === 'address') ip('addr', 'add', `${METADATA_ADDRESS}/32`, 'dev', 'lo')
  if (metadata === 'blackhole') {
    ip('addr', 'add', `${NEXT_HOP}/32`, 'dev', 'lo')
    ip('route', 'add', `${METADATA_ADDRESS}/32`, 'via', NEXT_HOP)
  }
}

// Debian's squid on loopback, as a corporate proxy a self-hosted runner sits behind: proxy
// authentication through basic_ncsa_auth, CONNECT allowed only to loopback names, chosen ports
// denied by an ACL (a real 403), no cache. Each start has its own temp dir (config, password file,
// pid file, logs), port and service name, so several run at once; stop removes it all.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { PROXIED_NAMES } from './connect-proxy.mjs'
import { requirePeer } from './peers.mjs'
import { freePort } from './ports.mjs'

const START_ATTEMPTS = 5
const START_TIMEOUT_MS = 15000
const POLL_MS = 20

/** The user squid drops to when started as root (Debian's cache_effective_user). */
function proxyUser() {
  try {
    const uid = Number(execFileSync('id', ['-u', 'proxy'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'proxy'], { encoding: 'utf8' }).trim())
    return { uid, gid }
  } catch {
    throw new Error(
      'squid runs as the user `proxy` when started as root, and there is none: reinstall squid (apt-get install --reinstall squid)'
    )
  }
}

/**
 * One line of squid's native access log:
 * `time elapsed client code/status bytes method URL user hierarchy/peer type`.
 */
export function parseAccessLine(line) {
  const fields = line.trim().split(/\s+/)
  if (fields.length < 10) return undefined
  const [result, status] = fields[3].split('/')
  return {
    time: Number(fields[0]),
    elapsedMs: Number(fields[1]),
    client: fields[2],
    result,
    status: Number(status),
    bytes: Number(fields[4]),
    method: fields[5],
    url: fields[6],
    user: fields[7] === '-' ? undefined : fields[7],
    hierarchy: fields[8],
    line
  }
}

function squidConf({ dir, port, passwords, deniedPorts, idleSeconds }) {
  const lines = [
    `http_port 127.0.0.1:${port}`,
    `pid_filename ${join(dir, 'squid.pid')}`,
    `access_log stdio:${join(dir, 'access.log')} squid`,
    `cache_log ${join(dir, 'cache.log')}`,
    'cache_store_log none',
    `coredump_dir ${dir}`,
    'cache deny all',
    'cache_mem 8 MB',
    'logfile_rotate 0',
    'netdb_filename none',
    'pinger_enable off',
    // Only the test's own ports: no ICP, HTCP or SNMP listeners.
    'icp_port 0',
    'htcp_port 0',
    // No DNS query may leave the machine: names resolve from the test's hosts file, anything else fails here.
    `hosts_file ${join(dir, 'hosts')}`,
    'dns_nameservers 127.0.0.1',
    'dns_timeout 2 seconds',
    ...(idleSeconds === undefined ? [] : [`client_idle_pconn_timeout ${idleSeconds} seconds`]),
    `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${passwords}`,
    'auth_param basic children 3 startup=1 idle=1',
    'auth_param basic realm sae-test-squid',
    'auth_param basic casesensitive on',
    'acl authenticated proxy_auth REQUIRED',
    // By name, so allowing needs no DNS (-n: no reverse look-up either).
    `acl loopback_targets dstdomain -n 127.0.0.1 localhost ${PROXIED_NAMES.join(' ')}`,
    'acl CONNECT method CONNECT',
    ...(deniedPorts.length > 0 ? [`acl denied_ports port ${deniedPorts.join(' ')}`] : []),
    'http_access deny !authenticated',
    ...(deniedPorts.length > 0 ? ['http_access deny denied_ports'] : []),
    'http_access allow loopback_targets authenticated',
    'http_access deny all'
  ]
  return `${lines.join('\n')}\n`
}

/**
 * Starts squid in the foreground on 127.0.0.1 and a free port, and waits until it accepts connections.
 * @param {object} [options]
 * @param {Record<string, string>} [options.users] username → password it accepts (bcrypt in its password file)
 * @param {number[]} [options.deniedPorts] CONNECT (or GET) to these ports on loopback is answered 403 by an ACL
 * @param {number} [options.idleSeconds] close a client connection idle this long (squid's
 *   client_idle_pconn_timeout; default squid's own, 2 minutes: after a 407 or 403 the connection
 *   stays open that long unless the client closes it)
 */
export async function startSquid(options = {}) {
  const squid = requirePeer('squid')
  requirePeer('basic_ncsa_auth')
  const htpasswd = requirePeer('htpasswd')
  const users = options.users ?? { 'runner-svc': 'Pr0xy:p@ss/w0rd' }
  const deniedPorts = options.deniedPorts ?? []
  const idleSeconds = options.idleSeconds

  const dir = mkdtempSync(join(tmpdir(), 'sae-squid-'))
  // localhost, and the names the action does not take for loopback but squid delivers there (PROXIED_NAMES).
  writeFileSync(join(dir, 'hosts'), `127.0.0.1 localhost ${PROXIED_NAMES.join(' ')}\n`)
  const passwords = join(dir, 'passwd')
  // bcrypt: Debian's basic_ncsa_auth hands the hash to crypt(3), which takes $2y$ (also $apr1$, $5$, $6$; not {SHA}).
  writeFileSync(
    passwords,
    `${Object.entries(users)
      .map(([username, password]) =>
        execFileSync(htpasswd, ['-nBi', username], { input: password, encoding: 'utf8' }).trim()
      )
      .join('\n')}\n`
  )
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    // Started as root, squid and its helpers run as `proxy`, which must write the logs and read the passwords.
    const { uid, gid } = proxyUser()
    chownSync(dir, uid, gid)
    chownSync(passwords, uid, gid)
  }
  const serviceName = `saetest${randomBytes(6).toString('hex')}`
  const accessLogFile = join(dir, 'access.log')
  const cacheLogFile = join(dir, 'cache.log')
  const output = []

  let child
  let port
  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      const conf = join(dir, 'squid.conf')
      writeFileSync(conf, squidConf({ dir, port, passwords, deniedPorts, idleSeconds }))
      rmSync(cacheLogFile, { force: true })
      // -N: foreground, no daemon, no SMP kids; -n: a service name of its own (shared memory, pid).
      child = spawn(squid, ['-N', '-n', serviceName, '-f', conf], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '' }
      })
      for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => output.push(String(chunk)))
      const started = await listening(child, cacheLogFile, port)
      if (started.ok) break
      await stopProcess(child)
      if (!started.portTaken || attempt === START_ATTEMPTS)
        throw new Error(`squid did not start: ${started.reason}\n${output.join('').slice(-2000)}`)
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }

  const stopChild = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')
  process.once('exit', stopChild)
  const readAccessLog = () =>
    existsSync(accessLogFile) ? readFileSync(accessLogFile, 'utf8').split('\n').filter(Boolean) : []

  const api = {
    port,
    /** Its temp dir (config, passwords, pid file, logs), gone after stop. */
    dir,
    /** `127.0.0.1:port`, as error messages name the proxy. */
    host: `127.0.0.1:${port}`,
    /** The proxy URL without credentials. */
    plainUrl: `http://127.0.0.1:${port}`,
    /** The proxy URL with credentials, as HTTPS_PROXY carries them. */
    url(username, password) {
      return `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${port}`
    },
    /** The access log's lines so far (squid writes one when a transaction ends: a tunnel, when it closes). */
    accessLog: readAccessLog,
    /** The access log's CONNECT entries: target host:port, status, user. */
    connects() {
      return readAccessLog()
        .map(parseAccessLine)
        .filter((entry) => entry?.method === 'CONNECT')
        .map((entry) => ({ target: entry.url, status: entry.status, result: entry.result, user: entry.user }))
    },
    /**
     * Waits until the access log holds at least `count` lines and has not grown for a moment: a
     * tunnel is logged when squid sees it close, just after the client has gone.
     */
    async settled(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      let seen = -1
      let stableSince = Date.now()
      while (Date.now() < deadline) {
        const lines = readAccessLog().length
        if (lines !== seen) {
          seen = lines
          stableSince = Date.now()
        } else if (lines >= count && Date.now() - stableSince >= 150) {
          return readAccessLog()
        }
        await sleep(POLL_MS)
      }
      return readAccessLog()
    },
    /** squid's own log (start-up, errors), for a failing test's message. */
    cacheLog() {
      return existsSync(cacheLogFile) ? readFileSync(cacheLogFile, 'utf8') : ''
    },
    /** Stops squid (and its helpers), and removes its temp dir. */
    async stop() {
      process.off('exit', stopChild)
      await stopProcess(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return api
}

/** Polls squid's cache.log until it accepts on `port`, or says why it will not. */
async function listening(child, cacheLogFile, port) {
  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    const log = existsSync(cacheLogFile) ? readFileSync(cacheLogFile, 'utf8') : ''
    if (log.includes(`Accepting HTTP Socket connections at`) && log.includes(`local=127.0.0.1:${port} `))
      return { ok: true }
    if (child.exitCode !== null || child.signalCode !== null || /FATAL/.test(log)) {
      return {
        ok: false,
        portTaken: /Address already in use/.test(log),
        reason: (/FATAL: .*/.exec(log) ?? [`exited with ${child.exitCode ?? child.signalCode}`])[0]
      }
    }
    await sleep(POLL_MS)
  }
  return { ok: false, portTaken: false, reason: `not listening on 127.0.0.1:${port} after ${START_TIMEOUT_MS} ms` }
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  // SIGTERM costs about 2 s of squid's shutdown steps, even with shutdown_lifetime 0; nothing of a
  // test's squid is worth keeping (its helpers read EOF and exit with it).
  child.kill('SIGKILL')
  await exited
}

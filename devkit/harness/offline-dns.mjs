// Preloaded (node --import) into every bundle a test runs: host names resolve only to loopback.
// Any other name fails at once with ENOTFOUND, as a mistyped region's endpoint does, so no test
// can send a DNS query (or anything else) off this machine, whatever host a run derives.
import dns from 'node:dns'

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i
const lookup = dns.lookup

dns.lookup = function offlineLookup(hostname, options, callback) {
  if (LOOPBACK.test(hostname)) return lookup.call(this, hostname, options, callback)
  const done = typeof options === 'function' ? options : callback
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname
  })
  process.nextTick(() => done(error))
}

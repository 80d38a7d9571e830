// Preloaded (node --import) into every bundle a test runs in the machine's own network namespace:
// the ECS metadata service's address, 100.100.100.200, is never connected to. A connection to it
// goes to the loopback fake that SAE_DEVKIT_METADATA_ADDRESS names (`127.0.0.1:<port>`), or, when
// that is unset, is refused at once, as on a GitHub-hosted runner (where nothing listens there).
// Tests that need the real address run the bundle without this, inside a network namespace of
// their own (devkit/harness/netns.mjs) where that address exists only on their loopback.
import net from 'node:net'

const METADATA_ADDRESS = '100.100.100.200'
const redirect = /^(127(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(process.env.SAE_DEVKIT_METADATA_ADDRESS ?? '')
if (process.env.SAE_DEVKIT_METADATA_ADDRESS && !redirect) {
  throw new Error('SAE_DEVKIT_METADATA_ADDRESS must be a loopback 127.x.y.z:port')
}

const connect = net.Socket.prototype.connect

/** The options object of a connect call, in each of its forms (options; normalized [options, cb]; port, host). */
function optionsOf(args) {
  if (Array.isArray(args[0])) return args[0][0]
  if (args[0] !== null && typeof args[0] === 'object') return args[0]
  return undefined
}

net.Socket.prototype.connect = function guardedConnect(...args) {
  let options = optionsOf(args)
  if (!options && typeof args[1] === 'string' && args[1] === METADATA_ADDRESS) {
    options = { port: args[0], host: args[1] }
    args = [options, ...args.slice(2)]
  }
  if (options?.host !== METADATA_ADDRESS) return connect.apply(this, args)
  if (redirect) {
    // A copy: http.Agent names its pooled sockets by these very options, so they must stay as they were.
    const callback = (Array.isArray(args[0]) ? args[0] : args).find((arg) => typeof arg === 'function')
    const target = { ...options, host: redirect[1], port: Number(redirect[2]) }
    return callback ? connect.call(this, target, callback) : connect.call(this, target)
  }
  const port = options.port ?? 80
  const refused = Object.assign(new Error(`connect ECONNREFUSED ${METADATA_ADDRESS}:${port}`), {
    errno: -111,
    code: 'ECONNREFUSED',
    syscall: 'connect',
    address: METADATA_ADDRESS,
    port
  })
  process.nextTick(() => this.destroy(refused))
  return this
}

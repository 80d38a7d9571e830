// Connections opened before anything is sent on them: an HTTPS agent that can open a connection to
// an origin (DNS, TCP, TLS) as soon as the run knows it will call there, and hands it to the first
// request for that origin. Nothing is written on it before that request: no request, no header, no
// credential; a TLS ClientHello naming the host (SNI) is all that leaves. It goes through the
// documented seam of Node's agents, `createConnection` (an agent asks it for each new connection), so
// the agent pools, reuses and closes it like any other; test/unit/network/preconnect.test.ts pins it.
import https from 'node:https'
import { isIP } from 'node:net'
import type { Duplex } from 'node:stream'

/** `host[:port]` → its host name and port (443 when none is written); an IPv6 literal keeps no brackets. */
export function originOf(host: string): { hostname: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host)
  const hostname = (match?.[1] ?? host).replace(/^\[|\]$/g, '')
  return { hostname, port: match?.[2] ? Number(match[2]) : 443 }
}

export class PreconnectingAgent extends https.Agent {
  /** Connections opened ahead, not yet asked for, by the agent's name of their origin. */
  private readonly ahead = new Map<string, Duplex>()

  /**
   * Opens a connection to `host[:port]` now (once per origin), for the first request that goes there.
   * Settles once it is dialled: its name looked up (or given as an address), or failed. Its failure is
   * not reported here: the request then gets a new connection, which fails alike, in its own words.
   */
  preconnect(host: string): Promise<void> {
    const { hostname, port } = originOf(host)
    // As the agent names a request's options: its name decides which connection a request may take.
    const target = { host: hostname, port, servername: isIP(hostname) ? '' : hostname }
    const name = this.getName(target)
    if (this.ahead.has(name)) return Promise.resolve()
    const socket = super.createConnection({
      ...this.options,
      ...target,
      _agentKey: name,
      keepAlive: true,
      keepAliveInitialDelay: this.options.keepAliveMsecs ?? 1000
    } as https.RequestOptions)
    if (!socket) return Promise.resolve()
    // Until a request takes it, no one else listens: an error must not end the process.
    socket.on('error', () => {})
    this.ahead.set(name, socket)
    // Node dials (connect()) in the same callback that emits 'lookup', right after it.
    if (isIP(hostname)) return Promise.resolve()
    return new Promise((resolve) => {
      for (const event of ['lookup', 'error', 'close']) socket.once(event, () => resolve())
    })
  }

  /** The connection opened ahead for this origin, when there is one still open; else a new one. */
  override createConnection(
    options: https.RequestOptions,
    callback?: (error: Error | null, stream: Duplex) => void
  ): Duplex | null | undefined {
    const name = this.getName(options)
    const socket = this.ahead.get(name)
    this.ahead.delete(name)
    if (socket && !socket.destroyed) return socket
    return super.createConnection(options, callback)
  }

  /** Destroys what was opened ahead and never asked for, and everything the agent holds. */
  override destroy(): void {
    for (const socket of this.ahead.values()) socket.destroy()
    this.ahead.clear()
    super.destroy()
  }
}

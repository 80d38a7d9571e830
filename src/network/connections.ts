// The run's connections: one keep-alive agent pair that SAE, STS and the registry checks share
// (tunnelling through the runner's proxy when one is set, never for loopback), and every client
// socket the run opens; and connections opened ahead, before the first request needs them (preconnect.ts).
// Closing them when the step ends leaves nothing to keep the process alive: not a proxy that
// holds its connection open after a 407 (Node keeps such a tunnel's socket out of the agent's
// reach), not a registry that never answers, not a keep-alive socket.
import dc from 'node:diagnostics_channel'
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import { PreconnectingAgent } from './preconnect.js'
import { proxySettings, type ProxySettings } from './proxy.js'

export interface RunConnections {
  http: http.Agent
  https: https.Agent
  /**
   * The ECS metadata service's (100.100.100.200): plain HTTP, one socket, and never through a proxy,
   * whatever HTTP_PROXY and NO_PROXY say (a proxy would fetch the proxy host's own role, or leak the token).
   */
  metadata: http.Agent
  /** The proxy each protocol goes through (host:port, never its credentials), for messages. */
  proxies: ProxySettings['proxies']
  /**
   * Opens a connection (DNS, TCP, TLS) to each HTTPS `host[:port]` now, for the first request that
   * goes there; nothing is sent on it before that request. Settles when each is dialled (its name
   * looked up) or failed. Not through a proxy: with HTTPS_PROXY set, it opens nothing (Node's agents
   * give a tunnel to the request that asked for it, never to another).
   */
  preconnect(hosts: string[]): Promise<void>
  /** Destroys every socket the run opened and both agents; what is in flight fails at once. */
  close(): void
}

/**
 * Loopback as Node's NO_PROXY matching reads it (exact names, an IPv4 range): always reached direct,
 * whatever NO_PROXY says, so no credential (an Authorization header, a tunnel to a loopback registry)
 * goes through a proxy to a host on this machine.
 */
export const LOOPBACK_NO_PROXY = ['localhost', '127.0.0.0-127.255.255.255', '::1', '[::1]']

/** Node publishes every client socket it creates (net.connect, a proxy's tunnel included) on this channel. */
const CLIENT_SOCKETS = 'net.client.socket'

export function openConnections(env: NodeJS.ProcessEnv, nodeVersion = process.versions.node): RunConnections {
  const proxy = proxySettings(env, nodeVersion)
  const noProxy = [proxy?.proxyEnv.NO_PROXY, ...LOOPBACK_NO_PROXY].filter(Boolean).join(',')
  const options = proxy ? { keepAlive: true, proxyEnv: { ...proxy.proxyEnv, NO_PROXY: noProxy } } : { keepAlive: true }
  const agents = {
    http: new http.Agent(options),
    https: new PreconnectingAgent(options),
    metadata: new http.Agent({ keepAlive: true, maxSockets: 1 })
  }
  const sockets = new Set<Socket>()
  const track = (message: unknown) => {
    const { socket } = message as { socket: Socket }
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  dc.subscribe(CLIENT_SOCKETS, track)
  return {
    ...agents,
    proxies: proxy?.proxies ?? {},
    async preconnect(hosts) {
      if (proxy?.proxies.https) return
      await Promise.all([...new Set(hosts)].map((host) => agents.https.preconnect(host)))
    },
    close() {
      dc.unsubscribe(CLIENT_SOCKETS, track)
      agents.http.destroy()
      agents.https.destroy()
      agents.metadata.destroy()
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    }
  }
}

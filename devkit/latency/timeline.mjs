// A latency world's timeline (world.timeline()) read per connection: the client's side (the
// preload's events: socket, DNS, TCP on loopback, TLS, requests) joined to the relay's side (accept,
// the modeled TCP handshake, the first byte relayed, the requests the server received) by the
// client's local port, which is the relay's accepted remote port.

/**
 * @typedef {{method: string, path: string, created: number, reused?: boolean, sent?: number,
 *   answered?: number, ended?: number, status?: number, received?: number}} Request
 * @typedef {{conn?: number, host?: string, socketAt: number, dnsStart?: number, dnsEnd?: number,
 *   tcpKernel?: number, accept?: number, tcpModeled?: number, firstByteRelayed?: number, tlsDone?: number,
 *   requests: Request[]}} Connection
 */

/**
 * The client's connections, in the order they were opened, times in ms as in `events`.
 * @param {Array<{source: string, kind: string, ms: number, [field: string]: unknown}>} events
 * @returns {Connection[]}
 */
export function connectionsOf(events) {
  const sockets = new Map()
  const requests = new Map()
  const relayByPort = new Map()
  const relayByConn = new Map()
  /** host -> DNS lookups in the order they started, each paired with the next end. */
  const lookups = new Map()
  for (const e of events) {
    if (e.source === 'relay') {
      if (e.kind === 'accept') {
        const relay = { accept: e.ms, conn: e.conn, host: e.host, received: [] }
        relayByConn.set(e.conn, relay)
        relayByPort.set(e.clientPort, relay)
      }
      const relay = relayByConn.get(e.conn)
      if (!relay) continue
      if (e.kind === 'tcp-up') relay.tcpModeled = e.ms
      if (e.kind === 'up-first-byte') relay.firstByteRelayed = e.ms
      if (e.kind === 'server-request') relay.received.push(e.ms)
      continue
    }
    const socket = sockets.get(e.sid)
    const request = requests.get(e.rid)
    switch (e.kind) {
      case 'dns-start':
        if (!lookups.has(e.host)) lookups.set(e.host, [])
        lookups.get(e.host).push({ start: e.ms })
        break
      case 'dns-end': {
        const pending = lookups.get(e.host)?.find((lookup) => lookup.end === undefined)
        if (pending) pending.end = e.ms
        break
      }
      case 'socket':
        sockets.set(e.sid, { socketAt: e.ms, requests: [] })
        break
      case 'socket-lookup':
        if (socket) socket.host = e.host
        break
      case 'tcp-connect':
        if (socket) Object.assign(socket, { tcpKernel: e.ms, localPort: e.localPort })
        break
      case 'tls-done':
        if (socket) Object.assign(socket, { tlsDone: e.ms, host: socket.host ?? e.servername })
        break
      case 'request-created':
        requests.set(e.rid, { method: e.method, path: e.path, created: e.ms })
        break
      case 'request-socket':
        if (request) {
          const taken = sockets.get(e.sid)
          // Kept alive: the connection carried a request before. (The preload's own flag, a socket no
          // longer connecting, is also true of a connection opened ahead whose first request this is.)
          request.reused = taken ? taken.requests.length > 0 : e.reused
          taken?.requests.push(request)
        }
        break
      case 'request-sent':
        if (request) request.sent = e.ms
        break
      case 'response':
        if (request) Object.assign(request, { answered: e.ms, status: e.status })
        break
      case 'response-end':
        if (request) request.ended = e.ms
        break
    }
  }
  const connections = [...sockets.values()].map((socket) => {
    const relay = relayByPort.get(socket.localPort)
    const host = socket.host ?? relay?.host
    const lookup = host === undefined ? undefined : lookups.get(host)?.shift()
    socket.requests.forEach((request, i) => (request.received = relay?.received[i]))
    return {
      conn: relay?.conn,
      host,
      socketAt: socket.socketAt,
      dnsStart: lookup?.start,
      dnsEnd: lookup?.end,
      tcpKernel: socket.tcpKernel,
      accept: relay?.accept,
      tcpModeled: relay?.tcpModeled,
      firstByteRelayed: relay?.firstByteRelayed,
      tlsDone: socket.tlsDone,
      requests: socket.requests
    }
  })
  return connections.sort((a, b) => a.socketAt - b.socketAt)
}

/**
 * The round trips on a run's critical path, counted from its timeline rather than timed, so load on
 * the machine cannot move it. A request's answer comes `leg` round trips after it could leave; it
 * could leave once its connection was up (TCP + TLS, 2 legs after it was opened, whether or not it
 * carried a request before, so a connection opened ahead of its first request counts its handshake
 * too) and once every answer that came before the request was made was in (a request made after an
 * answer is taken to need it: exact when each request is made as soon as what it needs has arrived,
 * which holds at a large RTT). A connection opened after an answer is taken to need it too. The count
 * is the deepest answer.
 * @param {Connection[]} connections
 * @param {(host: string | undefined) => number} [legOf] round trips of one leg to `host` (1; 0 for a
 *   host next to the runner)
 * @returns {number}
 */
export function roundTripsOf(connections, legOf = () => 1) {
  const answered = connections
    .flatMap((connection) =>
      connection.requests.filter((r) => r.answered !== undefined).map((request) => ({ connection, request }))
    )
    .sort((a, b) => a.request.answered - b.request.answered)
  const depths = []
  /** The deepest answer in before `t`. */
  const needed = (t) => depths.filter(({ at }) => at < t).reduce((deepest, { depth }) => Math.max(deepest, depth), 0)
  for (const { connection, request } of answered) {
    const leg = legOf(connection.host)
    const ready = needed(connection.socketAt) + 2 * leg
    depths.push({ at: request.answered, depth: Math.max(ready, needed(request.created)) + leg })
  }
  return depths.reduce((deepest, { depth }) => Math.max(deepest, depth), 0)
}

// The one seam in the Alibaba SDK's transport. `@alicloud/tea-typescript`'s doAction sends through
// `httpx.request` without an agent (it drops the client's proxy settings) and keeps nothing of an
// answer it cannot parse as JSON: neither the status of a gateway's page nor the rate-limit headers
// of a throttled answer reach the caller. Inside `withExchange`, a request goes through the run's
// agents (its proxy; closed when the step ends), and its answer's status and headers are kept for
// the caller. test/unit/sae/sdk/seam.test.ts pins this against the real SDK: it fails if an upgrade makes
// the SDK stop sending through here.
import { AsyncLocalStorage } from 'node:async_hooks'
import type http from 'node:http'
import httpx from 'httpx'
import type { Answer } from './transport-errors.js'

/** One call's traffic: the agents it goes through, and the last answer it got. */
export interface Exchange {
  agents?: { http: http.Agent; https: http.Agent }
  answer?: Answer
}

const current = new AsyncLocalStorage<Exchange>()
let installed = false

/** Runs one SDK call inside an exchange: its requests use `exchange.agents`, its answers are recorded in `exchange.answer`. */
export function withExchange<T>(exchange: Exchange, call: () => Promise<T>): Promise<T> {
  install()
  return current.run(exchange, call)
}

function install(): void {
  if (installed) return
  installed = true
  const send = httpx.request
  httpx.request = async (url, opts = {}) => {
    const exchange = current.getStore()
    if (!exchange) return send(url, opts)
    const agents = exchange.agents
    const agent = opts.agent ?? (agents && (url.startsWith('https:') ? agents.https : agents.http))
    const response = await send(url, agent ? { ...opts, agent } : opts)
    exchange.answer = { statusCode: response.statusCode ?? 0, headers: response.headers }
    return response
  }
}

// The one seam in the Alibaba SDK's transport. `@alicloud/tea-typescript`'s doAction sends through
// `httpx.request` without an agent (it drops the client's proxy settings) and keeps nothing of an
// answer it cannot parse as JSON: neither the status of a gateway's page nor the rate-limit headers
// of a throttled answer reach the caller. Inside `withExchange`, a request goes through the run's
// agents (its proxy; closed when the step ends), and its answer's status and headers are kept for
// the caller. Every answer is read through a bound (MAX_ANSWER_BYTES): past it, the connection is closed
// and the call fails naming the host, never gigabytes in memory. test/unit/sae/sdk/seam.test.ts pins this
// against the real SDK: it fails if an upgrade makes the SDK stop sending through here.
import { AsyncLocalStorage } from 'node:async_hooks'
import type http from 'node:http'
import { pipeline, Transform } from 'node:stream'
import httpx from 'httpx'
import { AnswerTooLarge, MAX_ANSWER_BYTES, type Answer } from './transport-errors.js'

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
    return bounded(response, new URL(url).host)
  }
}

/**
 * The answer as the SDK reads it (its status, headers and body stream), cut at MAX_ANSWER_BYTES:
 * one byte more and the body fails with AnswerTooLarge, and the connection is closed.
 */
function bounded(response: http.IncomingMessage, host: string): http.IncomingMessage {
  let read = 0
  const body = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length
      if (read > MAX_ANSWER_BYTES) done(new AnswerTooLarge(host))
      else done(null, chunk)
    }
  })
  // An error on either side destroys both: the endless answer's socket is closed.
  pipeline(response, body, () => {})
  const { statusCode, statusMessage, headers, socket } = response
  return Object.assign(body, { statusCode, statusMessage, headers, socket }) as unknown as http.IncomingMessage
}

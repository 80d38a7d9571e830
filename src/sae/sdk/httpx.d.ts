// httpx (the Alibaba SDK's HTTP layer) ships no types; these are the parts seam.ts relies on.
declare module 'httpx' {
  import type { Agent } from 'node:http'
  import type { IncomingMessage } from 'node:http'

  export interface RequestOptions {
    agent?: Agent
    [option: string]: unknown
  }
  export function request(url: string, opts?: RequestOptions): Promise<IncomingMessage>
  const httpx: { request: typeof request }
  export default httpx
}

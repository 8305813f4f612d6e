/**
 * Helpers for the client SDK tests: a `KafdoClient` wired to the Worker under test through `SELF.fetch`,
 * fetch wrappers that record or disturb requests, and unique topic names (storage is per file, not per test).
 */
import { SELF } from 'cloudflare:test'
import { KafdoClient, type FetchLike, type KafdoClientConfig } from '../../client/index.js'

export const BASE_URL = 'http://kafdo.test'

/** Delegates to the Worker under test. */
export const workerFetch: FetchLike = (input, init) => SELF.fetch(input, init)

export function testClient(config: Partial<KafdoClientConfig> = {}): KafdoClient {
  return new KafdoClient({ baseUrl: BASE_URL, fetch: workerFetch, ...config })
}

let counter = 0
export function uniqueTopic(prefix = 'client'): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`
}

export interface RecordedRequest {
  url: string
  method: string
  headers: Record<string, string>
  body: unknown
}

/** A fetch that records each request, then answers with `respond` (by default the Worker). */
export function recordingFetch(respond: FetchLike = workerFetch): { fetch: FetchLike; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = []
  const fetch: FetchLike = (input, init) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries())
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined
    requests.push({ url: input, method: init.method ?? 'GET', headers, body })
    return respond(input, init)
  }
  return { fetch, requests }
}

/** An error response in the server's shape. */
export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json', ...headers } })
}

/** Test helpers for the Workers pool: unique names and JSON requests against the Worker under test. */
import { SELF } from 'cloudflare:test'
import { expect } from 'vitest'

let counter = 0

/** Storage is shared by the tests of one file, so every test names its own topics. */
export function uniqueName(prefix = 't'): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`
}

export interface JsonResponse<T = any> {
  status: number
  body: T
  headers: Headers
}

export async function request<T = any>(method: string, path: string, body?: unknown): Promise<JsonResponse<T>> {
  const init: RequestInit = { method }
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    init.headers = { 'content-type': 'application/json' }
  }
  const response = await SELF.fetch(`http://kafdo.test${path}`, init)
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers }
}

/** The one error shape: `{"error": {"code", "message", "details"?}}` and nothing else. */
export function expectErrorShape(res: JsonResponse): void {
  expect(Object.keys(res.body)).toEqual(['error'])
  expect(res.body.error.code).toMatch(/^[A-Z_]+$/)
  expect(typeof res.body.error.message).toBe('string')
  for (const key of Object.keys(res.body.error)) expect(['code', 'message', 'details']).toContain(key)
}

export async function createTopic(topic: string, partitions = 1, config?: Record<string, string | number>): Promise<void> {
  const res = await request('POST', '/admin/topics', { topic, partitions, ...(config ? { config } : {}) })
  if (res.status !== 201) throw new Error(`createTopic ${topic}: ${res.status} ${JSON.stringify(res.body)}`)
}

export async function produceBatch(topic: string, records: unknown[], extra: Record<string, unknown> = {}) {
  return request('POST', `/topics/${topic}/produce-batch`, { records, ...extra })
}

export async function fetchMessages(topic: string, partition: number, query = '') {
  return request('GET', `/topics/${topic}/partitions/${partition}/messages${query ? `?${query}` : ''}`)
}

export async function latestOffsets(topic: string): Promise<number[]> {
  const res = await request('GET', `/admin/topics/${topic}/offsets`)
  return (res.body.partitions as Array<{ latest: number }>).map((p) => p.latest)
}

/** Helpers for the example's tests: JSON requests to the Worker, and a topic's records by key. */
import { SELF } from 'cloudflare:test'
import type { FetchedRecord } from '../../../src/index'

let counter = 0

export function uniqueName(prefix: string): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`
}

export async function call(method: string, path: string, body?: BodyInit): Promise<Response> {
  return SELF.fetch(`http://example.test${path}`, { method, ...(body === undefined ? {} : { body }) })
}

/** Every record of a topic (empty if it does not exist yet), all partitions. */
export async function topicRecords(topic: string): Promise<FetchedRecord[]> {
  const described = await call('GET', `/admin/topics/${topic}`)
  if (described.status === 404) return []
  const { partitions } = (await described.json()) as { partitions: unknown[] }
  const records: FetchedRecord[] = []
  for (let partition = 0; partition < partitions.length; partition++) {
    const res = await call('GET', `/topics/${topic}/partitions/${partition}/messages?offset=0&limit=1000`)
    records.push(...((await res.json()) as { messages: FetchedRecord[] }).messages)
  }
  return records
}

export async function createTopic(topic: string, partitions: number, config: Record<string, number> = {}): Promise<void> {
  const res = await call('POST', '/admin/topics', JSON.stringify({ topic, partitions, config }))
  if (res.status !== 201) throw new Error(`createTopic ${topic}: ${res.status} ${await res.text()}`)
}

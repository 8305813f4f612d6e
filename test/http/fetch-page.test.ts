import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { join } from '../support/groups'
import { createTopic, produceBatch, uniqueName } from '../support/http'

/** The raw answer: the fetch page is assembled as bytes in the partition, so its exact text is the contract. */
async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; type: string | null }> {
  const res = await SELF.fetch(`http://kafdo.test${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  })
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') }
}

/** Records of every kind: keyed and not, headers (a schema id among them), base64 and JSON values, non-ASCII text. */
const RECORDS = [
  { key: 'customer-1', value: { id: 1, note: 'plain' }, headers: { 'kafdo-schema-id': '7', source: 'web' } },
  { key: null, value: 'aGVsbG8gd29ybGQ=', valueEncoding: 'base64' },
  { key: 'ключ', value: { text: 'naïve café – 東京 🚀' }, headers: { 'x-emoji': '😀' } },
  { value: null },
  { key: 'k5', value: [1, 'two', { three: 3 }], headers: { a: 'b' } },
]

/** What a record must look like in a page, in the order the page writes its fields. */
function served(record: (typeof RECORDS)[number], offset: number, timestamp: number) {
  return {
    offset,
    timestamp,
    key: record.key ?? null,
    value: record.value,
    headers: record.headers ?? {},
    ...(record.valueEncoding ? { valueEncoding: record.valueEncoding } : {}),
  }
}

async function topicWithEveryKind(): Promise<{ topic: string; expected: Array<ReturnType<typeof served>> }> {
  const topic = uniqueName('page')
  await createTopic(topic)
  const expected: Array<ReturnType<typeof served>> = []
  // Three produce calls: pages cut inside stored batches as well as at their edges.
  for (const call of [RECORDS, RECORDS.slice(0, 2), RECORDS]) {
    const res = await produceBatch(
      topic,
      call.map((record) => ({ ...record, partition: 0 })),
    )
    expect(res.status).toBe(200)
    res.body.results.forEach((result: { offset: number; timestamp: number }, i: number) =>
      expected.push(served(call[i]!, result.offset, result.timestamp)),
    )
  }
  return { topic, expected }
}

describe('HTTP > fetch page', () => {
  it('is exactly the compact JSON of the records as produced, from any offset and limit', async () => {
    const { topic, expected } = await topicWithEveryKind()
    for (const [offset, limit] of [
      [0, 100],
      [1, 3],
      [4, 5],
      [6, 1],
      [11, 100],
    ] as const) {
      const res = await raw('GET', `/topics/${topic}/partitions/0/messages?offset=${offset}&limit=${limit}`)
      expect(res.status).toBe(200)
      expect(res.type).toBe('application/json')
      const messages = expected.slice(offset, offset + limit)
      const next = offset + messages.length
      expect(res.text).toBe(JSON.stringify({ topic, partition: 0, messages, nextOffset: next, highWatermark: 12, logStartOffset: 0 }))
    }
  })

  it('honours maxBytes by stored batch, always answering with at least one', async () => {
    const { topic, expected } = await topicWithEveryKind()
    const one = JSON.parse((await raw('GET', `/topics/${topic}/partitions/0/messages?maxBytes=1`)).text)
    expect(one.messages).toEqual(expected.slice(0, 5)) // the first produce call is one stored batch
    expect(one.nextOffset).toBe(5)
  })

  it('splices each partition page unchanged into a fetch through a group', async () => {
    const { topic, expected } = await topicWithEveryKind()
    const member = await join(uniqueName('page-group'), { clientId: 'c', topics: [topic] })
    const res = await raw('POST', `/consumer-groups/${member.group}/fetch`, {
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      partitions: [{ topic, partition: 0, offset: 2 }],
      maxRecords: 4,
    })
    expect(res.status).toBe(200)
    expect(res.text).toBe(
      JSON.stringify({ partitions: [{ topic, partition: 0, messages: expected.slice(2, 6), nextOffset: 6, highWatermark: 12, logStartOffset: 0 }] }),
    )
  })
})

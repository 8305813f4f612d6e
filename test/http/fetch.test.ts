import { describe, expect, it } from 'vitest'
import { createTopic, fetchMessages, produceBatch, request, uniqueName } from '../support/http'

async function topicWith(values: number, partitions = 1) {
  const topic = uniqueName('fetch')
  await createTopic(topic, partitions)
  await produceBatch(
    topic,
    Array.from({ length: values }, (_, i) => ({ value: i, partition: 0 })),
  )
  return topic
}

const offsetsOf = (res: { body: { messages: Array<{ offset: number }> } }) => res.body.messages.map((m) => m.offset)

describe('HTTP > fetch', () => {
  it('reads from an offset with a limit and says where to continue', async () => {
    const topic = await topicWith(10)
    const res = await fetchMessages(topic, 0, 'offset=3&limit=4')
    expect(offsetsOf(res)).toEqual([3, 4, 5, 6])
    expect(res.body).toMatchObject({ topic, partition: 0, nextOffset: 7, highWatermark: 10, logStartOffset: 0 })
  })

  it('reads from earliest by default and from latest on request', async () => {
    const topic = await topicWith(3)
    expect(offsetsOf(await fetchMessages(topic, 0))).toEqual([0, 1, 2])
    const latest = await fetchMessages(topic, 0, 'offset=latest')
    expect(latest.body).toMatchObject({ messages: [], nextOffset: 3 })
  })

  it('caps a fetch by bytes, returning at least one batch', async () => {
    const topic = uniqueName('bytes')
    await createTopic(topic)
    for (let i = 0; i < 5; i++) await produceBatch(topic, [{ value: 'x'.repeat(500) }])
    const res = await fetchMessages(topic, 0, 'maxBytes=1')
    expect(offsetsOf(res)).toEqual([0])
    const two = await fetchMessages(topic, 0, 'maxBytes=1100')
    expect(offsetsOf(two)).toEqual([0, 1])
  })

  it('finds the first offset at or after a timestamp', async () => {
    const topic = uniqueName('time')
    await createTopic(topic)
    // Recent timestamps: records older than retention.ms (7 days by default) are deleted on arrival.
    const base = Date.now() - 60_000
    await produceBatch(
      topic,
      [10, 20, 30, 40].map((t) => ({ value: t, timestamp: base + t })),
    )
    const res = await fetchMessages(topic, 0, `timestamp=${base + 25}`)
    expect(offsetsOf(res)).toEqual([2, 3])
    const iso = await fetchMessages(topic, 0, `timestamp=${new Date(base + 25).toISOString()}`)
    expect(offsetsOf(iso)).toEqual([2, 3])
    const after = await fetchMessages(topic, 0, `timestamp=${base + 99}`)
    expect(after.body).toMatchObject({ messages: [], nextOffset: 4 })
  })

  it('answers an offset past the end with 416 OFFSET_OUT_OF_RANGE unless asked to reset', async () => {
    const topic = await topicWith(2)
    const res = await fetchMessages(topic, 0, 'offset=5')
    expect(res.status).toBe(416)
    expect(res.body.error).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', details: { offset: 5, earliest: 0, latest: 2 } })
    expect(offsetsOf(await fetchMessages(topic, 0, 'offset=5&reset=earliest'))).toEqual([0, 1])
  })

  it('waits for records when a long-poll reaches the end of the log', async () => {
    const topic = await topicWith(1)
    const pending = fetchMessages(topic, 0, 'offset=1&maxWaitMs=10000')
    await new Promise((resolve) => setTimeout(resolve, 50))
    await produceBatch(topic, [{ value: 'late', partition: 0 }])
    const res = await pending
    expect(res.body.messages.map((m: { value: string }) => m.value)).toEqual(['late'])
  })

  it('returns empty when a long-poll times out with nothing new', async () => {
    const topic = await topicWith(1)
    const res = await fetchMessages(topic, 0, 'offset=1&maxWaitMs=20')
    expect(res.body).toMatchObject({ messages: [], nextOffset: 1 })
  })

  it('validates the query: limits, waits and unknown parameters', async () => {
    const topic = await topicWith(1)
    for (const query of ['limit=0', 'limit=100000', 'maxWaitMs=600000', 'offset=-1', 'offset=abc', 'colour=blue']) {
      const res = await fetchMessages(topic, 0, query)
      expect(res.status, query).toBe(400)
      expect(res.body.error.code).toBe('INVALID_REQUEST')
    }
  })

  it('answers a partition out of range and an unknown topic with 404', async () => {
    const topic = await topicWith(1)
    expect((await fetchMessages(topic, 3)).status).toBe(404)
    expect((await fetchMessages(uniqueName('none'), 0)).status).toBe(404)
  })

  it('reports partition offsets', async () => {
    const topic = await topicWith(4)
    const res = await request('GET', `/topics/${topic}/partitions/0/offsets`)
    expect(res.body).toEqual({ topic, partition: 0, earliest: 0, latest: 4 })
  })
})

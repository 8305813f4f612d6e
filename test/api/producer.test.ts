import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createProducer } from '../../src/api/producer'
import { withRetries } from '../../src/api/retry'
import { KafdoError } from '../../src/protocol/errors'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { partitionStub } from '../../src/services/stubs'
import { requireTopic } from '../../src/services/topic-cache'
import { createTopic, fetchMessages, latestOffsets, uniqueName } from '../support/http'

async function storedBatches(topic: string, partitions: number): Promise<number> {
  const meta = await requireTopic(env, DEFAULT_TENANT, topic, true)
  let rows = 0
  for (let partition = 0; partition < partitions; partition++) {
    const stub = partitionStub(env, { tenant: DEFAULT_TENANT, topic, topicId: meta.topicId, partition })
    rows += await runInDurableObject(
      stub,
      (_i: TopicPartitionDO, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM batches').one().n,
    )
  }
  return rows
}

describe('Producer > send', () => {
  it('returns RecordMetadata with topic, partition, offset and timestamp', async () => {
    const topic = uniqueName('send')
    await createTopic(topic)
    const producer = createProducer(env)
    const first = await producer.send({ topic, value: { n: 1 } })
    const second = await producer.send({ topic, key: 'k', value: { n: 2 }, headers: { h: 'v' } })
    expect(first).toEqual({ topic, partition: 0, offset: 0, timestamp: expect.any(Number) })
    expect(second.offset).toBe(1)
  })

  it('validates records before writing: a bad one throws INVALID_REQUEST and nothing is stored', async () => {
    const topic = uniqueName('invalid')
    await createTopic(topic)
    const producer = createProducer(env)
    const bad = { topic, value: 1, headers: { n: 5 } } as unknown as Parameters<typeof producer.send>[0]
    await expect(producer.sendBatch([{ topic, value: 'ok' }, bad])).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    await expect(producer.send({ topic, value: 10n } as never)).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    expect(await latestOffsets(topic)).toEqual([0])
  })

  it('sends a batch across topics, one request per topic, results in input order', async () => {
    const [a, b] = [uniqueName('a'), uniqueName('b')]
    await createTopic(a)
    await createTopic(b)
    const results = await createProducer(env).sendBatch([
      { topic: a, value: 1 },
      { topic: b, value: 2 },
      { topic: a, value: 3 },
    ])
    expect(results.map((r) => [r.topic, r.offset])).toEqual([
      [a, 0],
      [b, 0],
      [a, 1],
    ])
  })

  it('writes concurrent sends once each, in per-partition order, coalescing them behind the request in flight', async () => {
    const topic = uniqueName('concurrent')
    await createTopic(topic, 3)
    const producer = createProducer(env)
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => producer.send({ topic, key: `k${i % 5}`, value: i })))
    for (let partition = 0; partition < 3; partition++) {
      const offsets = results.filter((r) => r.partition === partition).map((r) => r.offset)
      expect(offsets.sort((a, b) => a - b)).toEqual(offsets.map((_, i) => i))
    }
    expect((await latestOffsets(topic)).reduce((a, b) => a + b, 0)).toBe(30)
    // The first send went alone; the 29 sent while it was in flight went as one request (a row per partition).
    expect(await storedBatches(topic, 3)).toBeLessThanOrEqual(4)
    // Per key, the values are stored in the order they were sent.
    const stored = (await Promise.all([0, 1, 2].map((p) => fetchMessages(topic, p, 'limit=100')))).flatMap((r) => r.body.messages)
    for (let k = 0; k < 5; k++) {
      const sent = stored.filter((m: { key: string }) => m.key === `k${k}`).map((m: { value: number }) => m.value)
      expect(sent).toEqual([...sent].sort((a, b) => a - b))
    }
  })

  it('refuses to send after close', async () => {
    const topic = uniqueName('closed')
    await createTopic(topic)
    const producer = createProducer(env)
    await producer.close()
    await expect(producer.send({ topic, value: 1 })).rejects.toThrow('closed')
  })
})

describe('Producer > batching', () => {
  it('with batchSize, buffers sends and writes them as one batch when full', async () => {
    const topic = uniqueName('batchsize')
    await createTopic(topic)
    const producer = createProducer(env, { batchSize: 3, lingerMs: 60_000 })
    const pending = [producer.send({ topic, value: 'a' }), producer.send({ topic, value: 'b' })]
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await latestOffsets(topic)).toEqual([0])
    pending.push(producer.send({ topic, value: 'c' }))
    const results = await Promise.all(pending)
    expect(results.map((r) => r.offset)).toEqual([0, 1, 2])
  })

  it('with lingerMs, writes a partial batch when the linger time passes', async () => {
    const topic = uniqueName('linger')
    await createTopic(topic)
    const producer = createProducer(env, { lingerMs: 10 })
    const results = await Promise.all([producer.send({ topic, value: 1 }), producer.send({ topic, value: 2 })])
    expect(results.map((r) => r.offset)).toEqual([0, 1])
  })

  it('flush and close write what is buffered', async () => {
    const topic = uniqueName('flush')
    await createTopic(topic)
    const producer = createProducer(env, { batchSize: 100, lingerMs: 60_000 })
    const sent = producer.send({ topic, value: 'buffered' })
    await producer.flush()
    expect((await sent).offset).toBe(0)
    const late = producer.send({ topic, value: 'at close' })
    await producer.close()
    expect((await late).offset).toBe(1)
    const fetched = await fetchMessages(topic, 0)
    expect(fetched.body.messages.map((m: { value: string }) => m.value)).toEqual(['buffered', 'at close'])
  })

  it('rejects every buffered send when the batch fails', async () => {
    const producer = createProducer(env, { lingerMs: 5 })
    const topic = uniqueName('missing')
    const results = await Promise.allSettled([producer.send({ topic, value: 1 }), producer.send({ topic, value: 2 })])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
  })
})

describe('Producer > retries', () => {
  it('retries retriable errors a bounded number of times, and nothing else', async () => {
    let calls = 0
    const flaky = () => {
      calls++
      return calls < 3 ? Promise.reject(new KafdoError('SERVICE_UNAVAILABLE', 'busy')) : Promise.resolve('done')
    }
    expect(await withRetries(3, flaky, 1)).toBe('done')
    expect(calls).toBe(3)

    calls = 0
    await expect(withRetries(2, () => (calls++, Promise.reject(new KafdoError('SERVICE_UNAVAILABLE', 'busy'))), 1)).rejects.toThrow('busy')
    expect(calls).toBe(3)

    calls = 0
    await expect(withRetries(5, () => (calls++, Promise.reject(new KafdoError('INVALID_REQUEST', 'bad'))), 1)).rejects.toThrow('bad')
    expect(calls).toBe(1)
  })
})

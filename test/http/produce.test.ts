import { describe, expect, it } from 'vitest'
import { partitionForKey } from '../../src/core/murmur2'
import { createTopic, fetchMessages, latestOffsets, produceBatch, request, uniqueName } from '../support/http'

describe('HTTP > produce', () => {
  it('writes a keyed record with headers to the partition Kafka would choose', async () => {
    const topic = uniqueName('orders')
    await createTopic(topic, 3)
    const res = await request('POST', `/topics/${topic}/produce`, { key: 'order-123', value: { amount: 99.99 }, headers: { source: 'web' } })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ topic, partition: partitionForKey('order-123', 3), offset: 0 })
    const fetched = await fetchMessages(topic, res.body.partition, 'offset=0')
    expect(fetched.body.messages).toEqual([
      { offset: 0, timestamp: res.body.timestamp, key: 'order-123', value: { amount: 99.99 }, headers: { source: 'web' } },
    ])
  })

  it('numbers a batch with contiguous offsets from 0 and returns results in request order', async () => {
    const topic = uniqueName('batch')
    await createTopic(topic, 1)
    const first = await produceBatch(topic, [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
    const second = await produceBatch(topic, [{ value: 'd' }, { value: 'e' }])
    expect(first.body.results.map((r: { offset: number }) => r.offset)).toEqual([0, 1, 2])
    expect(second.body.results.map((r: { offset: number }) => r.offset)).toEqual([3, 4])
    const fetched = await fetchMessages(topic, 0)
    expect(fetched.body.messages.map((m: { value: string }) => m.value)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('keeps every key on its murmur2 partition across a batch, in order per key', async () => {
    const topic = uniqueName('keys')
    await createTopic(topic, 6)
    const records = Array.from({ length: 60 }, (_, i) => ({ key: `user-${i % 7}`, value: i }))
    const res = await produceBatch(topic, records)
    res.body.results.forEach((meta: { partition: number }, i: number) => expect(meta.partition).toBe(partitionForKey(`user-${i % 7}`, 6)))
    const partition = partitionForKey('user-3', 6)
    const fetched = await fetchMessages(topic, partition, 'limit=1000')
    const values = fetched.body.messages.filter((m: { key: string }) => m.key === 'user-3').map((m: { value: number }) => m.value)
    expect(values).toEqual(records.filter((r) => r.key === 'user-3').map((r) => r.value))
  })

  it('spreads keyless single sends round-robin and keeps a keyless batch on one partition', async () => {
    const topic = uniqueName('rr')
    await createTopic(topic, 4)
    const partitions = new Set<number>()
    for (let i = 0; i < 8; i++) partitions.add((await request('POST', `/topics/${topic}/produce`, { value: i })).body.partition)
    expect(partitions.size).toBe(4)
    const batch = await produceBatch(topic, [{ value: 1 }, { value: 2 }, { value: 3 }])
    expect(new Set(batch.body.results.map((r: { partition: number }) => r.partition)).size).toBe(1)
  })

  it('honours an explicit partition and producer timestamp (ms or ISO-8601)', async () => {
    const topic = uniqueName('explicit')
    await createTopic(topic, 3)
    const at = Date.now() - 1000
    const iso = new Date(at - 5000).toISOString()
    const res = await produceBatch(topic, [
      { key: 'k', value: 1, partition: 2, timestamp: at },
      { value: 2, partition: 2, timestamp: iso },
    ])
    expect(res.body.results).toEqual([
      { topic, partition: 2, offset: 0, timestamp: at },
      { topic, partition: 2, offset: 1, timestamp: Date.parse(iso) },
    ])
  })

  it('carries base64 values with their encoding', async () => {
    const topic = uniqueName('bin')
    await createTopic(topic)
    await request('POST', `/topics/${topic}/produce`, { value: 'AAEC/w==', valueEncoding: 'base64' })
    const fetched = await fetchMessages(topic, 0)
    expect(fetched.body.messages[0]).toMatchObject({ value: 'AAEC/w==', valueEncoding: 'base64' })
    const bad = await request('POST', `/topics/${topic}/produce`, { value: 'not base64!', valueEncoding: 'base64' })
    expect(bad.status).toBe(400)
  })
})

describe('HTTP > produce refuses bad input and writes nothing', () => {
  async function expectNothingWritten(topic: string, partitions: number) {
    expect(await latestOffsets(topic)).toEqual(Array(partitions).fill(0))
  }

  it('answers invalid JSON with 400 INVALID_JSON', async () => {
    const topic = uniqueName('badjson')
    await createTopic(topic)
    const res = await request('POST', `/topics/${topic}/produce`, '{"value": ')
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('INVALID_JSON')
    await expectNothingWritten(topic, 1)
  })

  it('names the failing path of a schema violation, e.g. an unknown field', async () => {
    const topic = uniqueName('badfield')
    await createTopic(topic)
    const res = await produceBatch(topic, [{ value: 1 }, { vaule: 2 }])
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('INVALID_REQUEST')
    expect(res.body.error.details.issues).toContainEqual({ path: 'records[1].vaule', message: 'record 1: unknown field "vaule"' })
    await expectNothingWritten(topic, 1)
  })

  it('answers an unknown topic with 404 UNKNOWN_TOPIC_OR_PARTITION (auto-creation is off)', async () => {
    const res = await request('POST', `/topics/${uniqueName('ghost')}/produce`, { value: 1 })
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })

  it('answers a bad topic name with 400', async () => {
    const res = await request('POST', '/topics/bad%20name!/produce', { value: 1 })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('INVALID_REQUEST')
  })

  it('refuses a whole batch when one record names a partition out of range', async () => {
    const topic = uniqueName('range')
    await createTopic(topic, 2)
    const res = await produceBatch(topic, [
      { value: 1, partition: 0 },
      { value: 2, partition: 5 },
    ])
    expect(res.status).toBe(404)
    expect(res.body.error).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', details: { partition: 5, index: 1 } })
    await expectNothingWritten(topic, 2)
  })

  it('refuses a whole batch holding one record over max.message.bytes with 413', async () => {
    const topic = uniqueName('big')
    await createTopic(topic, 2, { 'max.message.bytes': 2000 })
    const res = await produceBatch(topic, [
      { value: 'small', partition: 0 },
      { value: 'x'.repeat(3000), partition: 1 },
    ])
    expect(res.status).toBe(413)
    expect(res.body.error).toMatchObject({ code: 'RECORD_TOO_LARGE', details: { index: 1, maxMessageBytes: 2000 } })
    await expectNothingWritten(topic, 2)
  })

  it('refuses a body over the request limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const topic = uniqueName('huge')
    await createTopic(topic)
    const res = await request('POST', `/topics/${topic}/produce`, { value: 'x'.repeat(11 * 1024 * 1024) })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE')
    await expectNothingWritten(topic, 1)
  })

  it('refuses an empty batch, and one of more than 10,000 records', async () => {
    const topic = uniqueName('count')
    await createTopic(topic)
    expect((await produceBatch(topic, [])).status).toBe(400)
    expect(
      (
        await produceBatch(
          topic,
          Array.from({ length: 10_001 }, () => ({ value: 1 })),
        )
      ).status,
    ).toBe(400)
    await expectNothingWritten(topic, 1)
  })

  it('refuses too many headers, and a header value over 16 KiB', async () => {
    const topic = uniqueName('headers')
    await createTopic(topic)
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`h${i}`, 'v']))
    expect((await produceBatch(topic, [{ value: 1, headers: many }])).status).toBe(400)
    expect((await produceBatch(topic, [{ value: 1, headers: { big: 'x'.repeat(16 * 1024 + 1) } }])).status).toBe(400)
    await expectNothingWritten(topic, 1)
  })

  it("reserves producer ids starting with 'dlq/' for dead-letter routing", async () => {
    const topic = uniqueName('reserved')
    await createTopic(topic)
    expect((await produceBatch(topic, [{ value: 1 }], { producerId: 'dlq/x/0', sequence: 1e9 })).status).toBe(400)
    await expectNothingWritten(topic, 1)
  })

  it('takes a record stamped far in the future without failing the partition', async () => {
    const topic = uniqueName('future')
    await createTopic(topic)
    expect((await produceBatch(topic, [{ value: 1, timestamp: 9.3e12 }])).status).toBe(200)
    expect((await produceBatch(topic, [{ value: 2 }])).status).toBe(200)
    expect(await latestOffsets(topic)).toEqual([2])
  })

  it('refuses producerId without sequence', async () => {
    const topic = uniqueName('half')
    await createTopic(topic)
    const res = await produceBatch(topic, [{ value: 1 }], { producerId: 'p1' })
    expect(res.status).toBe(400)
    await expectNothingWritten(topic, 1)
  })
})

describe('HTTP > idempotent produce', () => {
  it('writes a retried (producerId, sequence) once and returns the original offsets', async () => {
    const topic = uniqueName('idem')
    await createTopic(topic, 3)
    const records = [{ key: 'a', value: 1 }, { key: 'b', value: 2 }, { value: 3 }, { value: 4 }]
    const first = await produceBatch(topic, records, { producerId: 'p-1', sequence: 0 })
    const retry = await produceBatch(topic, records, { producerId: 'p-1', sequence: 0 })
    expect(first.status).toBe(200)
    expect(retry.body).toEqual(first.body)
    const total = (await latestOffsets(topic)).reduce((a, b) => a + b, 0)
    expect(total).toBe(4)
  })

  it('refuses a sequence older than the remembered window with 409 and writes nothing', async () => {
    const topic = uniqueName('old')
    await createTopic(topic, 1)
    for (let sequence = 0; sequence < 7; sequence++) await produceBatch(topic, [{ value: sequence }], { producerId: 'p-2', sequence })
    const stale = await produceBatch(topic, [{ value: 'again' }], { producerId: 'p-2', sequence: 0 })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe('DUPLICATE_SEQUENCE_NUMBER')
    expect(await latestOffsets(topic)).toEqual([7])
  })
})

import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { PartitionLog } from '../../src/durable-objects/partition-log'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import type { PartitionRef } from '../../src/protocol/partition-rpc'
import { DEFAULT_QUEUE_POLICY } from '../../src/protocol/queues'
import { DEFAULT_TOPIC_CONFIG } from '../../src/protocol/topic-config'
import { partitionStub } from '../../src/services/stubs'
import { requireTopic } from '../../src/services/topic-cache'
import { createTopic, fetchMessages, produceBatch, request, uniqueName } from '../support/http'

async function partitionOf(topic: string, partition = 0) {
  const meta = await requireTopic(env, DEFAULT_TENANT, topic, true)
  const ref: PartitionRef = { tenant: DEFAULT_TENANT, topic, topicId: meta.topicId, partition }
  return { ref, stub: partitionStub(env, ref) }
}

function rowCount(stub: DurableObjectStub<TopicPartitionDO>, table: string): Promise<number> {
  return runInDurableObject(
    stub,
    (_instance: TopicPartitionDO, state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n,
  )
}

describe('TopicPartitionDO > durability', () => {
  it('keeps offsets, records and producer state across a restart', async () => {
    const topic = uniqueName('restart')
    await createTopic(topic)
    await produceBatch(topic, [{ value: 'a' }, { value: 'b' }], { producerId: 'p', sequence: 0 })
    const { stub } = await partitionOf(topic)
    await evictDurableObject(stub)
    const retry = await produceBatch(topic, [{ value: 'a' }, { value: 'b' }], { producerId: 'p', sequence: 0 })
    expect(retry.body.results.map((r: { offset: number }) => r.offset)).toEqual([0, 1])
    const next = await produceBatch(topic, [{ value: 'c' }])
    expect(next.body.results[0].offset).toBe(2)
    const fetched = await fetchMessages(topic, 0)
    expect(fetched.body.messages.map((m: { value: string }) => m.value)).toEqual(['a', 'b', 'c'])
  })

  it('stores a produce call as one row, and a large one as several rows under the row limit', async () => {
    const topic = uniqueName('rows')
    await createTopic(topic)
    await produceBatch(
      topic,
      Array.from({ length: 100 }, (_, i) => ({ value: i })),
    )
    const { stub } = await partitionOf(topic)
    expect(await rowCount(stub, 'batches')).toBe(1)
    await produceBatch(
      topic,
      Array.from({ length: 6 }, () => ({ value: 'x'.repeat(400_000) })),
    )
    const sizes = await runInDurableObject(stub, (_i: TopicPartitionDO, state) =>
      state.storage.sql
        .exec<{ size: number }>('SELECT LENGTH(payload) AS size FROM batches')
        .toArray()
        .map((r) => r.size),
    )
    expect(sizes.length).toBeGreaterThan(2)
    for (const size of sizes) expect(size).toBeLessThan(2_000_000)
    const fetched = await fetchMessages(topic, 0, 'offset=100&limit=10&maxBytes=8388608')
    expect(fetched.body.messages.map((m: { offset: number }) => m.offset)).toEqual([100, 101, 102, 103, 104, 105])
  })

  it('refuses calls for a topic id the cluster does not know, and stores nothing', async () => {
    const ref: PartitionRef = { tenant: DEFAULT_TENANT, topic: 'forged', topicId: crypto.randomUUID(), partition: 0 }
    const stub = partitionStub(env, ref)
    const result = await stub.append(ref, { records: [{ body: '"key":null,"value":1,"headers":{}', bytes: 10 }] })
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_TOPIC_OR_PARTITION' } })
    expect(await rowCount(stub, 'batches')).toBe(0)
    expect(await rowCount(stub, 'partition_meta')).toBe(0)
  })

  it('a log that is not open is a type: it cannot append or read until it is opened, and holds nothing', async () => {
    const ref: PartitionRef = { tenant: DEFAULT_TENANT, topic: 'never-opened', topicId: crypto.randomUUID(), partition: 0 }
    await runInDurableObject(partitionStub(env, ref), (_instance: TopicPartitionDO, state) => {
      const log = new PartitionLog(state.storage)
      log.load()
      expect(log.isOpen()).toBe(false)
      expect(log.logStart).toBe(0)
      // @ts-expect-error an unopened log has no topic settings to append with
      expect(() => log.append({ records: [] }, Date.now())).toThrow(TypeError)
      const opened = log.initialize({ ...ref, config: DEFAULT_TOPIC_CONFIG, queue: DEFAULT_QUEUE_POLICY, logStartOffset: 0 }, Date.now())
      expect(opened.isOpen()).toBe(true)
      expect(opened.append({ records: [{ body: '"key":null,"value":1,"headers":{}', bytes: 33 }] }, Date.now())).toMatchObject({
        ok: true,
        value: { baseOffset: 0 },
      })
      expect(new TextDecoder().decode(opened.readPage(0, 10, 1_000_000, Date.now()).page)).toContain('"value":1')
    })
  })
})

describe('TopicPartitionDO > retention', () => {
  it('deletes batches past retention.ms when its timer fires, moving earliest forward', async () => {
    const topic = uniqueName('ttl')
    await createTopic(topic, 1, { 'retention.ms': 60_000 })
    const now = Date.now()
    await produceBatch(topic, [{ value: 'old', timestamp: now - 59_000 }])
    await produceBatch(topic, [{ value: 'new', timestamp: now + 3_600_000 }])
    expect((await fetchMessages(topic, 0)).body.logStartOffset).toBe(0)
    const { stub } = await partitionOf(topic)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const after = await fetchMessages(topic, 0)
    expect(after.body).toMatchObject({ logStartOffset: 1, highWatermark: 2 })
    expect(after.body.messages.map((m: { value: string }) => m.value)).toEqual(['new'])
    const below = await fetchMessages(topic, 0, 'offset=0')
    expect(below.status).toBe(416)
    expect(below.body.error.code).toBe('OFFSET_OUT_OF_RANGE')
    expect(await rowCount(stub, 'batches')).toBe(1)
  })

  it('deletes the oldest batches as soon as retention.bytes is exceeded', async () => {
    const topic = uniqueName('bytes')
    await createTopic(topic, 1, { 'retention.bytes': 2500 })
    for (let i = 0; i < 5; i++) await produceBatch(topic, [{ value: 'x'.repeat(1000) }])
    const offsets = (await request('GET', `/topics/${topic}/partitions/0/offsets`)).body
    expect(offsets).toMatchObject({ earliest: 3, latest: 5 })
    const fetched = await fetchMessages(topic, 0)
    expect(fetched.body.messages.map((m: { offset: number }) => m.offset)).toEqual([3, 4])
  })

  it('keeps offsets after retention empties the log and a restart follows', async () => {
    const topic = uniqueName('empty')
    await createTopic(topic, 1, { 'retention.bytes': 10 })
    await produceBatch(topic, [{ value: 'x'.repeat(100) }, { value: 'y'.repeat(100) }])
    const { stub } = await partitionOf(topic)
    await evictDurableObject(stub)
    const offsets = (await request('GET', `/topics/${topic}/partitions/0/offsets`)).body
    expect(offsets).toMatchObject({ earliest: 2, latest: 2 })
    expect((await produceBatch(topic, [{ value: 'z' }])).body.results[0].offset).toBe(2)
  })
})

describe('TopicPartitionDO > deleting records', () => {
  it('moves the log start into the middle of a stored batch and keeps the records after it', async () => {
    const topic = uniqueName('delrec')
    await createTopic(topic)
    await produceBatch(topic, [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
    const { ref, stub } = await partitionOf(topic)
    expect(await stub.deleteRecordsBefore(ref, 1)).toEqual({ ok: true, value: { earliest: 1, latest: 3 } })
    expect((await fetchMessages(topic, 0)).body.messages.map((m: { value: string }) => m.value)).toEqual(['b', 'c'])
    expect((await fetchMessages(topic, 0, 'offset=0')).status).toBe(416)
  })
})

describe('TopicPartitionDO > topic deletion', () => {
  it('removes the partitions storage', async () => {
    const topic = uniqueName('wipe')
    await createTopic(topic, 2)
    await produceBatch(
      topic,
      [
        { value: 1, partition: 0 },
        { value: 2, partition: 1 },
      ],
      { producerId: 'w', sequence: 1 },
    )
    const partitions = [await partitionOf(topic, 0), await partitionOf(topic, 1)]
    expect(await rowCount(partitions[0]!.stub, "sqlite_master WHERE name IN ('batches', 'producers', 'partition_meta', 'timers')")).toBe(4)
    await request('DELETE', `/admin/topics/${topic}`)
    for (const { stub, ref } of partitions) {
      expect(await stub.offsets(ref)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_TOPIC_OR_PARTITION' } })
      // deleteAll() dropped the tables themselves, not just their rows.
      expect(await rowCount(stub, "sqlite_master WHERE name IN ('batches', 'producers', 'partition_meta', 'timers')")).toBe(0)
      // A restarted object comes back empty and still refuses the deleted topic.
      await evictDurableObject(stub)
      expect(await stub.offsets(ref)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_TOPIC_OR_PARTITION' } })
      expect(await rowCount(stub, 'batches')).toBe(0)
    }
  })
})

describe('TopicPartitionDO > timers', () => {
  type Watched = SqlStorage & { timerWrites?: string[] }

  /** Records every statement the object runs that writes its timers table, from now on. */
  async function watchTimerWrites(stub: DurableObjectStub<TopicPartitionDO>): Promise<() => Promise<string[]>> {
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
      const sql = state.storage.sql as Watched
      const exec = sql.exec.bind(sql)
      sql.timerWrites = []
      sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
        if (/^\s*(INSERT INTO|DELETE FROM|UPDATE) timers/i.test(query)) sql.timerWrites!.push(`${query.trim().split(/\s+/)[0]} ${bindings[0]}`)
        return exec(query, ...bindings)
      }) as SqlStorage['exec']
    })
    return () => runInDurableObject(stub, (_i: TopicPartitionDO, state) => [...((state.storage.sql as Watched).timerWrites ?? [])])
  }

  const timers = (stub: DurableObjectStub<TopicPartitionDO>) =>
    runInDurableObject(stub, (_i: TopicPartitionDO, state) =>
      Object.fromEntries(
        state.storage.sql
          .exec<{ kind: string; due_at: number }>('SELECT kind, due_at FROM timers')
          .toArray()
          .map((t) => [t.kind, t.due_at]),
      ),
    )

  it('writes no timer row for an append whose timers are pending as early, and moves the TTL timer only earlier', async () => {
    const topic = uniqueName('timers')
    await createTopic(topic, 1, { 'cleanup.policy': 'compact,delete', 'retention.ms': 86_400_000 })
    const now = Date.now()
    await produceBatch(topic, [{ key: 'k', value: 1, timestamp: now, ttlMs: 600_000 }], { producerId: 'p', sequence: 0 })
    const { stub } = await partitionOf(topic)
    const first = await timers(stub)
    expect(Object.keys(first).sort()).toEqual(['compaction', 'producers', 'retention', 'ttl'])
    expect(first.ttl).toBe(now + 600_000)
    // The object keeps no copy of its timers: after a restart it reads them from the table.
    await evictDurableObject(stub)
    const writes = await watchTimerWrites(stub)
    await produceBatch(topic, [{ key: 'k', value: 2, timestamp: now, ttlMs: 900_000 }], { producerId: 'p', sequence: 1 })
    expect(await writes()).toEqual([])
    expect(await timers(stub)).toEqual(first)
    await produceBatch(topic, [{ key: 'k', value: 3, timestamp: now, ttlMs: 300_000 }], { producerId: 'p', sequence: 2 })
    expect(await writes()).toEqual(['INSERT ttl'])
    expect(await timers(stub)).toEqual({ ...first, ttl: now + 300_000 })
  })

  it('runs the due timers through their handlers and sets again the ones with more to do', async () => {
    const topic = uniqueName('timers-run')
    await createTopic(topic, 1, { 'cleanup.policy': 'compact' })
    const now = Date.now()
    await produceBatch(topic, [
      { key: 'gone', value: 1, timestamp: now - 10_000, ttlMs: 5_000 },
      { key: 'kept', value: 2, timestamp: now, ttlMs: 3_600_000 },
    ])
    const { stub } = await partitionOf(topic)
    const before = await timers(stub)
    // Due at once: the expired record's TTL (the earliest expiry). The alarm purges it and sets the TTL
    // timer for the record that expires next; the compaction timer, not due yet, stays as it was.
    expect(before.ttl).toBe(now - 5_000)
    // (The runtime may fire the alarm, set in the past, on its own first: it does the same.)
    await runDurableObjectAlarm(stub)
    expect(await timers(stub)).toEqual({ ...before, ttl: now + 3_600_000 })
    expect((await fetchMessages(topic, 0)).body.messages.map((m: { value: number }) => m.value)).toEqual([2])
  })
})

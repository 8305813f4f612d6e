import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { encodeRecordBody, utf8Length } from '../../src/core/record-codec'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { metadataStub, partitionStub } from '../../src/services/stubs'
import { PARTITION_MIGRATIONS } from '../../src/storage/partition-store'
import { request, uniqueName } from '../support/http'
import { ack, ackAll, createQueue, deadLetters, fastRetry, partition, receive, send, stats } from '../support/queues'

/** The tables of schema version 4 that version 5 replaced, as versions 2 and 3 created them. */
const V4_DELIVERIES = `CREATE TABLE deliveries (
  group_id TEXT NOT NULL, record_offset INTEGER NOT NULL, state TEXT NOT NULL, member_id TEXT, token TEXT, visible_at INTEGER,
  attempts INTEGER NOT NULL, first_failure_at INTEGER, last_failure_at INTEGER, last_error TEXT, dlq_sequence INTEGER,
  PRIMARY KEY (group_id, record_offset))`
const V4_EXPIRED_LEASES = `CREATE TABLE expired_leases (
  group_id TEXT NOT NULL, record_offset INTEGER NOT NULL, token TEXT NOT NULL, member_id TEXT, expired_at INTEGER NOT NULL,
  outcome TEXT NOT NULL, PRIMARY KEY (group_id, record_offset))`

/** Rewrites the partition's queue tables as schema version 4 kept them (a row per record), empty. */
function storeAsVersion4(state: DurableObjectState): void {
  const sql = state.storage.sql
  sql.exec('DROP TABLE delivery_ranges')
  sql.exec('DROP TABLE expired_lease_ranges')
  sql.exec('ALTER TABLE partition_meta DROP COLUMN dlq_batch_through')
  sql.exec(V4_DELIVERIES)
  sql.exec(V4_EXPIRED_LEASES)
  sql.exec('UPDATE _schema_version SET version = 4')
}

const version = (stub: DurableObjectStub<TopicPartitionDO>) =>
  runInDurableObject(stub, (_i: TopicPartitionDO, state) => state.storage.sql.exec<{ v: number }>('SELECT version AS v FROM _schema_version').one().v)

describe('TopicPartitionDO > schema migrations', () => {
  it('brings a partition stored at schema version 2 up to date, keeping its records and deliveries', async () => {
    const name = uniqueName('v2')
    await createQueue({ name, retry: fastRetry(1) })
    await send(name, [{ value: 'kept' }])
    const { stub } = await partition(name)
    // The partition as version 2 left it: no table of expired leases, no activity counters.
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
      storeAsVersion4(state)
      state.storage.sql.exec('DROP TABLE expired_leases')
      state.storage.sql.exec('ALTER TABLE partition_meta DROP COLUMN activity')
      state.storage.sql.exec('UPDATE _schema_version SET version = 2')
    })
    await evictDurableObject(stub)

    const [m] = await receive(name, 'a', { visibilityTimeoutMs: 1000 })
    expect(m!.value).toBe('kept')
    expect(await version(stub)).toBe(PARTITION_MIGRATIONS.length)
    // The new tables work: the lease's expiry dead-letters the record and is remembered.
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await ack(name, 'a', [m!.leaseId])).body.error).toMatchObject({ code: 'LEASE_EXPIRED', details: { deadLettered: true } })
  })

  it('brings a partition stored at schema version 3 up to date: its counters start from zero and count from then on', async () => {
    const name = uniqueName('v3')
    await createQueue({ name, retry: fastRetry(1) })
    await send(name, [{ value: 'a' }, { value: 'b' }])
    const { stub, ref } = await partition(name)
    // The partition as version 3 left it: no activity counters.
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
      storeAsVersion4(state)
      state.storage.sql.exec('ALTER TABLE partition_meta DROP COLUMN activity')
      state.storage.sql.exec('UPDATE _schema_version SET version = 3')
    })
    await evictDurableObject(stub)

    const [m] = await receive(name, 'a', { max: 1 })
    expect(m!.value).toBe('a')
    const metrics = await stub.metrics(ref)
    expect(metrics).toMatchObject({ producedRecords: 2, fetchedRecords: 1, logEnd: 2 })
    // Written by the scrape, so an eviction keeps them.
    await evictDurableObject(stub)
    expect(await stub.metrics(ref)).toMatchObject({ producedRecords: 2, fetchedRecords: 1 })
  })

  it('carries the records in flight at schema version 4 (a row each) over to ranges: leases, redeliveries, dead letters, expired leases', async () => {
    const name = uniqueName('v4')
    await createQueue({ name, retry: fastRetry(3) })
    await send(
      name,
      Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })),
    )
    const { stub, ref } = await partition(name)
    await receive(name, 'warm-up', { max: 1 }) // creates the queue tables as today's code has them
    const future = Date.now() + 600_000
    // A DLQ the old code had started writing to: record 3 (dead-letter sequence 5) is in it already, and
    // the crash came before the partition forgot it.
    const dlq = await metadataStub(env, DEFAULT_TENANT).createTopic(DEFAULT_TENANT, {
      topic: `${name}-dlq`,
      partitions: 1,
      queue: { deadLetter: { enabled: false } },
      system: true,
    })
    if (!dlq.ok) throw new Error('cannot create the DLQ topic')
    const dlqRef = { tenant: DEFAULT_TENANT, topic: dlq.value.topic, topicId: dlq.value.topicId, partition: 0 }
    const body = encodeRecordBody({ key: null, value: 'r3', headers: { 'kafdo-dlq-original-offset': '3' } })
    await partitionStub(env, dlqRef).append(dlqRef, { records: [{ body, bytes: utf8Length(body) }], producerId: `dlq/${ref.topicId}/0`, sequence: 5 })

    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
      storeAsVersion4(state)
      const sql = state.storage.sql
      sql.exec('DELETE FROM share_groups')
      sql.exec("INSERT INTO share_groups (group_id, cursor) VALUES ('default', 7)")
      const row = `INSERT INTO deliveries (group_id, record_offset, state, member_id, token, visible_at, attempts, first_failure_at, last_failure_at, last_error, dlq_sequence)
        VALUES ('default', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
      sql.exec(row, 0, 'leased', 'a', 'tok0aaaa', future, 1, null, null, null, null)
      sql.exec(row, 1, 'leased', 'a', 'tok1aaaa', future, 2, 1000, 1000, 'boom', null)
      sql.exec(row, 2, 'delayed', null, null, future, 1, 1000, 1000, 'nacked', null)
      sql.exec(row, 3, 'dead', null, null, null, 3, 1000, 2000, 'gave up', 5)
      sql.exec(row, 4, 'dead', null, null, null, 3, 1000, 2000, 'gave up', 6)
      sql.exec(
        "INSERT INTO expired_leases (group_id, record_offset, token, member_id, expired_at, outcome) VALUES ('default', 5, 'tok5aaaa', 'a', ?, 'dead-lettered')",
        Date.now(),
      )
      sql.exec('UPDATE partition_meta SET dlq_sequence = 6')
    })
    await evictDurableObject(stub)

    // Leases held before the upgrade are still held, by their holder only, with their delivery counts.
    expect((await ack(name, 'b', [`0:1:tok1aaaa`])).body.error).toMatchObject({ code: 'LEASE_NOT_HELD' })
    expect((await ack(name, 'a', [`0:0:tok0aaaa`])).body).toEqual({ acked: 1 })
    expect((await ack(name, 'a', [`0:0:tok0aaaa`])).body.error).toMatchObject({ code: 'UNKNOWN_LEASE' })
    expect((await ack(name, 'a', [`0:5:tok5aaaa`])).body.error).toMatchObject({ code: 'LEASE_EXPIRED', details: { deadLettered: true } })
    expect(await version(stub)).toBe(PARTITION_MIGRATIONS.length)
    // 1 leased, 2 delayed, 7-9 never delivered; 3 and 4 went to the DLQ, record 3 only once.
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => state.storage.setAlarm(Date.now()))
    await runDurableObjectAlarm(stub)
    expect(await stats(name)).toMatchObject({ inFlight: 1, delayed: 1, ready: 3, depth: 5 })
    const dead = await deadLetters(name)
    expect(dead.map((m) => m.headers['kafdo-dlq-original-offset']).sort()).toEqual(['3', '4'])
    expect((await request('GET', `/queues/${name}`)).body.stats.deadLettered).toBe(2)
    // A receive finds only what was never delivered: nothing leased, delayed, finished or dead comes back.
    const fresh = await receive(name, 'c', { max: 10 })
    expect(fresh.map((m) => [m.offset, m.deliveryCount])).toEqual([
      [7, 1],
      [8, 1],
      [9, 1],
    ])
    expect((await ackAll(name, 'c', fresh)).body).toEqual({ acked: 3 })
    // The lease on record 1 is still its holder's to settle.
    expect((await ack(name, 'a', [`0:1:tok1aaaa`])).body).toEqual({ acked: 1 })
    expect(await stats(name)).toMatchObject({ inFlight: 0, delayed: 1, ready: 0, depth: 1 })
  })
})

import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { PARTITION_MIGRATIONS } from '../../src/storage/partition-store'
import { uniqueName } from '../support/http'
import { ack, createQueue, fastRetry, partition, receive, send } from '../support/queues'

describe('TopicPartitionDO > schema migrations', () => {
  it('brings a partition stored at schema version 2 up to date, keeping its records and deliveries', async () => {
    const name = uniqueName('v2')
    await createQueue({ name, retry: fastRetry(1) })
    await send(name, [{ value: 'kept' }])
    const { stub } = await partition(name)
    // The partition as version 2 left it: no table of expired leases, no activity counters.
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
      state.storage.sql.exec('DROP TABLE expired_leases')
      state.storage.sql.exec('ALTER TABLE partition_meta DROP COLUMN activity')
      state.storage.sql.exec('UPDATE _schema_version SET version = 2')
    })
    await evictDurableObject(stub)

    const [m] = await receive(name, 'a', { visibilityTimeoutMs: 1000 })
    expect(m!.value).toBe('kept')
    const version = await runInDurableObject(
      stub,
      (_i: TopicPartitionDO, state) => state.storage.sql.exec<{ v: number }>('SELECT version AS v FROM _schema_version').one().v,
    )
    expect(version).toBe(PARTITION_MIGRATIONS.length)
    // The new table works: the lease's expiry dead-letters the record and is remembered.
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
})

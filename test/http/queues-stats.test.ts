import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { uniqueName } from '../support/http'
import { ack, createQueue, nack, partition, receive, reject, send, stats } from '../support/queues'

/**
 * Moves a record's redelivery time or lease deadline into the past, as if time had passed for it alone:
 * the record gets a range of its own (the records leased with it keep theirs).
 */
async function makeDue(queue: string, offset: number) {
  const { stub } = await partition(queue)
  await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
    const sql = state.storage.sql
    const row = sql
      .exec<Record<string, SqlStorageValue>>('SELECT * FROM delivery_ranges WHERE first_offset <= ?1 AND last_offset >= ?1', offset)
      .one()
    sql.exec('DELETE FROM delivery_ranges WHERE group_id = ? AND first_offset = ?', row.group_id, row.first_offset)
    const pieces: Array<[number, number, SqlStorageValue | undefined]> = [
      [row.first_offset as number, offset - 1, row.visible_at],
      [offset, offset, Date.now() - 1],
      [offset + 1, row.last_offset as number, row.visible_at],
    ]
    for (const [first, last, visibleAt] of pieces) {
      if (first > last) continue
      const copy = { ...row, first_offset: first, last_offset: last, visible_at: visibleAt }
      sql.exec(
        `INSERT INTO delivery_ranges (${Object.keys(copy).join(', ')}) VALUES (${Object.keys(copy)
          .map(() => '?')
          .join(', ')})`,
        ...Object.values(copy),
      )
    }
  })
}

describe('Queues > stats', () => {
  it('counts a nacked record as ready once its redelivery time has passed, not as delayed', async () => {
    const name = uniqueName('due')
    await createQueue({ name })
    await send(name, [{ value: 1 }])
    const [m] = await receive(name, 'w')
    await nack(name, 'w', m!.leaseId, { delayMs: 1000 })
    expect(await stats(name)).toMatchObject({ depth: 1, ready: 0, delayed: 1, inFlight: 0 })
    await makeDue(name, m!.offset)
    expect(await stats(name)).toMatchObject({ depth: 1, ready: 1, delayed: 0, inFlight: 0 })
  })

  it('counts a record nacked with no delay as ready at once', async () => {
    const name = uniqueName('nodelay')
    await createQueue({ name })
    await send(name, [{ value: 1 }])
    const [m] = await receive(name, 'w')
    await nack(name, 'w', m!.leaseId, { delayMs: 0 })
    expect(await stats(name)).toMatchObject({ depth: 1, ready: 1, delayed: 0 })
  })

  it('splits unfinished records into ready, delayed and in flight, and depth is their sum', async () => {
    const name = uniqueName('split')
    await createQueue({ name, partitions: 1, retry: { strategy: 'fixed', delayMs: 600_000, maxAttempts: 5 } })
    await send(
      name,
      Array.from({ length: 8 }, (_, i) => ({ value: i })),
    )
    const leased = await receive(name, 'w', { max: 6, visibilityTimeoutMs: 600_000 })
    expect(leased.map((m) => m.offset)).toEqual([0, 1, 2, 3, 4, 5])
    await ack(name, 'w', [leased[0]!.leaseId]) // 0: finished
    await reject(name, 'w', leased[1]!.leaseId) // 1: dead-lettered
    await nack(name, 'w', leased[2]!.leaseId) // 2: delayed for 10 minutes
    await nack(name, 'w', leased[3]!.leaseId)
    await makeDue(name, 3) // 3: its redelivery is due
    await makeDue(name, 4) // 4: its lease ran out, the timer has not run yet
    // 5: in flight; 6 and 7: never delivered
    expect(await stats(name)).toMatchObject({ ready: 4, delayed: 1, inFlight: 1, depth: 6, deadLettered: 1, expired: 0 })
    expect((await stats(name)).oldestMessageAgeMs).toEqual(expect.any(Number))
  })

  it('reports no oldest message age when nothing is left to deliver', async () => {
    const name = uniqueName('empty')
    await createQueue({ name })
    await send(name, [{ value: 1 }])
    const [m] = await receive(name, 'w')
    expect((await stats(name)).oldestMessageAgeMs).toEqual(expect.any(Number))
    await ack(name, 'w', [m!.leaseId])
    expect(await stats(name)).toMatchObject({ depth: 0, ready: 0, delayed: 0, inFlight: 0, oldestMessageAgeMs: null })
  })

  it('does not count records that a TTL purge removed', async () => {
    const name = uniqueName('purged')
    await createQueue({ name })
    await send(name, [{ value: 'kept' }])
    await send(name, [{ value: 'gone', timestamp: Date.now() - 10_000, ttlMs: 1000 }])
    const { stub } = await partition(name)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await stats(name)).toMatchObject({ depth: 1, ready: 1, expired: 1 })
    expect((await receive(name, 'w')).map((m) => m.value)).toEqual(['kept'])
    expect(await stats(name)).toMatchObject({ depth: 1, ready: 0, inFlight: 1 })
  })

  it('keeps stats per share group', async () => {
    const name = uniqueName('groups')
    await createQueue({ name })
    await send(name, [{ value: 1 }, { value: 2 }])
    await receive(name, 'w', { group: 'billing', max: 1 })
    expect(await stats(name, 'billing')).toMatchObject({ depth: 2, ready: 1, inFlight: 1 })
    expect(await stats(name)).toMatchObject({ depth: 2, ready: 2, inFlight: 0 })
  })
})

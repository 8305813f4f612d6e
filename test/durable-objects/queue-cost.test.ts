/**
 * What queue consumption costs in rows written, counted from SQLite itself (each statement's
 * `rowsWritten`, which is what Cloudflare bills) in every partition object of the queue: receive + ack in
 * steady state, and dead-letter routing. bench/lib/queues.mjs derives its rows-written figures from the
 * same design; these tests hold the design to them.
 */
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { request, uniqueName } from '../support/http'
import { ack, alarmNow, createQueue, fastRetry, partition, receive, send, stats } from '../support/queues'

type Counted = SqlStorage & { rowsWrittenSoFar?: number }

/**
 * Counts the rows the partition objects of `queue` write from now on: every statement's cursor adds its
 * `rowsWritten` (read after the statement ran to its end). Resolves a function that reads the total.
 */
async function countRowsWritten(queue: string, partitions: number): Promise<() => Promise<number>> {
  const stubs = await Promise.all(Array.from({ length: partitions }, async (_, p) => (await partition(queue, p)).stub))
  for (const stub of stubs) {
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
      // The object's stores hold this same SqlStorage, so wrapping its exec counts their statements.
      const sql = state.storage.sql as Counted
      if (sql.rowsWrittenSoFar !== undefined) return
      const exec = sql.exec.bind(sql)
      sql.rowsWrittenSoFar = 0
      sql.exec = ((query: string, ...bindings: SqlStorageValue[]) => {
        const cursor = exec(query, ...bindings)
        queueMicrotask(() => (sql.rowsWrittenSoFar! += cursor.rowsWritten))
        return cursor
      }) as SqlStorage['exec']
    })
  }
  const read = async () => {
    let total = 0
    for (const stub of stubs)
      total += await runInDurableObject(stub, (_i: TopicPartitionDO, state) => (state.storage.sql as Counted).rowsWrittenSoFar ?? 0)
    return total
  }
  const start = await read()
  return async () => (await read()) - start
}

async function queueOf(records: number, partitions: number, policy: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName('cost')
  await createQueue({ name, partitions, ...policy })
  for (let first = 0; first < records; first += 1000) {
    await send(
      name,
      Array.from({ length: Math.min(1000, records - first) }, (_, i) => ({ key: `k${first + i}`, value: first + i })),
    )
  }
  return name
}

describe('Queues > rows written', () => {
  it('writes 3 rows per partition a receive leases from (range, cursor, and the ack deleting the range), whatever the batch', async () => {
    const name = await queueOf(600, 1)
    // The first receive creates the group's cursor row and the lease timer; steady state starts after it.
    const warm = await receive(name, 'w', { max: 100 })
    await ack(
      name,
      'w',
      warm.map((m) => m.leaseId),
    )
    const rows = await countRowsWritten(name, 1)
    for (let round = 0; round < 5; round++) {
      const leased = await receive(name, 'w', { max: 100 })
      expect(leased).toHaveLength(100)
      expect(
        (
          await ack(
            name,
            'w',
            leased.map((m) => m.leaseId),
          )
        ).body,
      ).toEqual({ acked: 100 })
    }
    expect(await rows()).toBe(5 * 3)
    expect(await stats(name)).toMatchObject({ depth: 0, inFlight: 0 })
  })

  it('stays under 0.05 rows per message with 4 consumers on 4 partitions receiving 1000 at a time', async () => {
    const name = await queueOf(8_000, 4)
    const rows = await countRowsWritten(name, 4)
    let acked = 0
    await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (consumer) => {
        for (;;) {
          const leased = await receive(name, consumer, { max: 1000 })
          if (leased.length === 0) return
          const answer = await ack(
            name,
            consumer,
            leased.map((m) => m.leaseId),
          )
          acked += answer.body.acked as number
        }
      }),
    )
    expect(acked).toBe(8_000)
    const written = await rows()
    expect(written / acked).toBeLessThanOrEqual(0.05)
    expect(await stats(name)).toMatchObject({ depth: 0, inFlight: 0 })
  })

  it('routes leases that run out together in one batch: 3 rows per range and 4 per pass at the source, 2 per batch at the DLQ', async () => {
    const name = await queueOf(800, 1, { retry: fastRetry(1) })
    const { stub } = await partition(name)
    /** Four consumers lease 100 records each, and all four leases run out before the alarm runs. */
    const leaseAndExpire = async () => {
      for (const consumer of ['a', 'b', 'c', 'd']) expect(await receive(name, consumer, { max: 100, visibilityTimeoutMs: 1000 })).toHaveLength(100)
      await runInDurableObject(stub, (_i: TopicPartitionDO, state) =>
        state.storage.sql.exec('UPDATE delivery_ranges SET visible_at = ?', Date.now() - 1),
      )
    }
    // The first round creates the DLQ (its partition's metadata, timers and producer are first-use costs).
    await leaseAndExpire()
    await alarmNow(name)
    await leaseAndExpire()
    const sourceRows = await countRowsWritten(name, 1)
    const dlqRows = await countRowsWritten(`${name}-dlq`, 1)
    await alarmNow(name)
    expect((await request('GET', `/queues/${name}`)).body.stats).toMatchObject({ deadLettered: 800, depth: 0 })
    // One alarm run, one death: per range its state, its expired lease, and its deletion once written;
    // one sequence; the alarm's timer (deleted, not set again: nothing is left in flight); the batch's bound
    // and its finish. The DLQ stores the batch (one row) and its producer's state. bench/lib/queues.mjs
    // derives the same (counting 3 timer rows per alarm, as when leases are left in flight).
    expect(await sourceRows()).toBe(4 * 3 + 1 + 1 + 2)
    expect(await dlqRows()).toBe(2)
  })
})

/**
 * Queue bookkeeping in ranges: a receive's records are one range row, acks split it (in any order) and
 * remove it, records that become alike merge again; lease expiry inside a range; TTL inside a range;
 * crashes (evictions and aborts) between a lease and its ack lose nothing and settle nothing twice.
 * Dead letters in batches: queues-dlq-batches.test.ts.
 */
import { abortAllDurableObjects, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { request, uniqueName } from '../support/http'
import { ack, ackAll, alarmNow, createQueue, fastRetry, nack, partition, partitionQueueIn, receive, send, stats } from '../support/queues'

type Row = { first: number; last: number; state: string; token: string | null }

/** The group's range rows as stored. */
async function ranges(queue: string): Promise<Row[]> {
  const { stub } = await partition(queue)
  return runInDurableObject(stub, (_i: TopicPartitionDO, state) =>
    state.storage.sql
      .exec<Row>(
        "SELECT first_offset AS first, last_offset AS last, state, token FROM delivery_ranges WHERE group_id = 'default' ORDER BY first_offset",
      )
      .toArray(),
  )
}
const spans = (rows: Row[]) => rows.map((r) => [r.first, r.last, r.state])

async function queueOf(records: number, policy: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName('ranges')
  await createQueue({ name, ...policy })
  await send(
    name,
    Array.from({ length: records }, (_, i) => ({ value: i })),
  )
  return name
}

describe('Queues > ranges', () => {
  it('stores a receive as one range, splits it by acks in any order, and removes it when every record is acked', async () => {
    const name = await queueOf(10)
    const leased = await receive(name, 'w', { max: 10 })
    expect(spans(await ranges(name))).toEqual([[0, 9, 'leased']])
    const id = (offset: number) => leased[offset]!.leaseId

    expect((await ack(name, 'w', [id(5)])).body).toEqual({ acked: 1 })
    expect((await ack(name, 'w', [id(9), id(2)])).body).toEqual({ acked: 2 })
    expect(spans(await ranges(name))).toEqual([
      [0, 1, 'leased'],
      [3, 4, 'leased'],
      [6, 8, 'leased'],
    ])
    expect(await stats(name)).toMatchObject({ inFlight: 7, depth: 7 })
    // Acked records stay acked; the others are still held.
    expect((await ack(name, 'w', [id(5)])).body.error).toMatchObject({ code: 'UNKNOWN_LEASE' })
    expect((await ack(name, 'w', [0, 1, 3, 4, 6, 7, 8].map(id))).body).toEqual({ acked: 7 })
    expect(await ranges(name)).toEqual([])
    expect(await stats(name)).toMatchObject({ inFlight: 0, depth: 0 })
  })

  it('splits a range around records nacked one by one; a redelivery leases them again, each with its delivery count', async () => {
    const name = await queueOf(6, { retry: fastRetry(5) })
    const leased = await receive(name, 'w', { max: 6 })
    for (const offset of [4, 1, 2]) await nack(name, 'w', leased[offset]!.leaseId, { delayMs: 0 })
    // Records 1 and 2 failed at different moments, so they may or may not share a range; 0, 3 and 5 keep the lease.
    const nacked = await ranges(name)
    expect(nacked.filter((r) => r.state === 'leased').map((r) => [r.first, r.last])).toEqual([
      [0, 0],
      [3, 3],
      [5, 5],
    ])
    expect(nacked.filter((r) => r.state === 'delayed').reduce((n, r) => n + r.last - r.first + 1, 0)).toBe(3)
    const again = await receive(name, 'v', { max: 6 })
    expect(again.map((m) => [m.offset, m.deliveryCount])).toEqual([
      [1, 2],
      [2, 2],
      [4, 2],
    ])
    expect((await ackAll(name, 'v', again)).body).toEqual({ acked: 3 })
    expect(
      (
        await ack(
          name,
          'w',
          [0, 3, 5].map((o) => leased[o]!.leaseId),
        )
      ).body,
    ).toEqual({ acked: 3 })
    expect(await ranges(name)).toEqual([])
  })

  it('merges ranges that become alike: two receives whose leases expire together come back as one range', async () => {
    const name = await queueOf(6, { retry: fastRetry(5) })
    const first = await receive(name, 'w', { max: 3 })
    const second = await receive(name, 'v', { max: 3 })
    expect(spans(await ranges(name))).toEqual([
      [0, 2, 'leased'],
      [3, 5, 'leased'],
    ])
    // Both leases run out before the alarm runs: one expiry pass fails them alike (each keeps its holder).
    const { stub } = await partition(name)
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) =>
      state.storage.sql.exec('UPDATE delivery_ranges SET visible_at = ?', Date.now() - 1),
    )
    await alarmNow(name)
    expect(spans(await ranges(name))).toEqual([
      [0, 2, 'delayed'],
      [3, 5, 'delayed'],
    ])
    expect((await ack(name, 'v', [second[0]!.leaseId])).body.error).toMatchObject({ code: 'LEASE_EXPIRED' })
    const again = await receive(name, 'x', { max: 6 })
    expect(again.map((m) => [m.offset, m.deliveryCount])).toEqual([0, 1, 2, 3, 4, 5].map((o) => [o, 2]))
    expect(spans(await ranges(name))).toEqual([[0, 5, 'leased']])
    expect((await ack(name, 'w', [first[0]!.leaseId])).body.error).toMatchObject({ code: 'UNKNOWN_LEASE' })
    expect((await ackAll(name, 'x', again)).body).toEqual({ acked: 6 })
    expect(await ranges(name)).toEqual([])
  })

  it('expires what is left of a lease when part of its range was acked: those records come back, the acked ones never', async () => {
    const name = await queueOf(8, { retry: fastRetry(3) })
    const leased = await receive(name, 'w', { max: 8, visibilityTimeoutMs: 1000 })
    await ack(
      name,
      'w',
      leased.slice(0, 3).map((m) => m.leaseId),
    )
    await ack(name, 'w', [leased[6]!.leaseId])
    await alarmNow(name)
    // Still held by its holder's lease id, which is told it expired; the acked ones are gone for good.
    expect((await ack(name, 'w', [leased[4]!.leaseId])).body.error).toMatchObject({
      code: 'LEASE_EXPIRED',
      details: { redeliverAt: expect.any(Number) },
    })
    expect((await ack(name, 'x', [leased[4]!.leaseId])).body.error).toMatchObject({ code: 'LEASE_NOT_HELD' })
    expect((await ack(name, 'w', [leased[1]!.leaseId])).body.error).toMatchObject({ code: 'UNKNOWN_LEASE' })
    expect(await stats(name)).toMatchObject({ ready: 4, inFlight: 0, depth: 4 })
    const again = await receive(name, 'x', { max: 8 })
    expect(again.map((m) => [m.offset, m.deliveryCount])).toEqual([
      [3, 2],
      [4, 2],
      [5, 2],
      [7, 2],
    ])
    expect((await ack(name, 'w', [leased[4]!.leaseId])).body.error).toMatchObject({ code: 'UNKNOWN_LEASE' })
    expect((await ackAll(name, 'x', again)).body).toEqual({ acked: 4 })
    expect(await stats(name)).toMatchObject({ depth: 0 })
  })

  it('extends one record of a range alone: the rest of the range expires, that record stays leased', async () => {
    const name = await queueOf(3, { retry: fastRetry(3) })
    const leased = await receive(name, 'w', { max: 3, visibilityTimeoutMs: 1000 })
    expect(
      (await request('POST', `/queues/${name}/extend`, { consumerId: 'w', leaseId: leased[1]!.leaseId, visibilityTimeoutMs: 600_000 })).status,
    ).toBe(200)
    const { stub } = await partition(name)
    await runDurableObjectAlarm(stub) // the earliest deadline: records 0 and 2
    expect(await stats(name)).toMatchObject({ ready: 2, inFlight: 1 })
    expect((await ack(name, 'w', [leased[1]!.leaseId])).body).toEqual({ acked: 1 })
  })

  it('acks a span of leases over several ranges at once, or refuses all of it at the first lease not held', async () => {
    const name = await queueOf(5, { retry: fastRetry(3) })
    const leased = await receive(name, 'w', { max: 5 })
    const ids = leased.map((m) => m.leaseId)
    // Extending record 2 gives it a range of its own: the receive's leases now lie in three ranges.
    expect((await request('POST', `/queues/${name}/extend`, { consumerId: 'w', leaseId: ids[2], visibilityTimeoutMs: 600_000 })).status).toBe(200)
    expect(spans(await ranges(name))).toEqual([
      [0, 1, 'leased'],
      [2, 2, 'leased'],
      [3, 4, 'leased'],
    ])
    expect((await ack(name, 'x', ids)).body.error).toMatchObject({ code: 'LEASE_NOT_HELD', details: { offset: 0 } })
    expect((await ack(name, 'w', [ids[3]!])).body).toEqual({ acked: 1 })
    // Record 3 is finished: an ack naming it again is refused, and acks nothing else either.
    expect((await ack(name, 'w', ids)).body.error).toMatchObject({ code: 'UNKNOWN_LEASE', details: { offset: 3 } })
    expect(await stats(name)).toMatchObject({ inFlight: 4 })
    expect((await ack(name, 'w', [ids[0]!, ids[1]!, ids[2]!, ids[4]!])).body).toEqual({ acked: 4 })
    expect(await ranges(name)).toEqual([])
  })

  it('acks leases a Worker of the previous version sends one by one ({ offset, token }), during a deploy', async () => {
    const name = await queueOf(3)
    const leased = await receive(name, 'w', { max: 3 })
    const { ref, stub } = await partition(name)
    const leases = leased.map((m) => ({ offset: m.offset, token: m.leaseId.split(':')[2]! }))
    expect(await stub.ack(ref, 'default', 'w', leases)).toEqual({ ok: true, value: { acked: 3 } })
    expect(await ranges(name)).toEqual([])
  })

  it('keeps leases and acks across an eviction between lease and ack: nothing lost, nothing settled twice', async () => {
    const name = await queueOf(10, { retry: fastRetry(3) })
    const first = await receive(name, 'w', { max: 6, visibilityTimeoutMs: 1000 })
    const { stub } = await partition(name)
    await evictDurableObject(stub)
    expect(
      (
        await ack(
          name,
          'w',
          first.slice(0, 4).map((m) => m.leaseId),
        )
      ).body,
    ).toEqual({ acked: 4 })
    await evictDurableObject(stub)
    // The acked records are finished for good; the other two come back after their lease ran out.
    expect((await ack(name, 'w', [first[0]!.leaseId])).body.error).toMatchObject({ code: 'UNKNOWN_LEASE' })
    await alarmNow(name)
    const rest = await receive(name, 'v', { max: 10 })
    expect(rest.map((m) => [m.offset, m.deliveryCount])).toEqual([
      [4, 2],
      [5, 2],
      [6, 1],
      [7, 1],
      [8, 1],
      [9, 1],
    ])
    expect((await ackAll(name, 'v', rest)).body).toEqual({ acked: 6 })
    expect(await stats(name)).toMatchObject({ depth: 0, inFlight: 0 })
  })

  it('loses no lease and no ack when every object is aborted (a crash) between a receive and its ack', async () => {
    const name = await queueOf(5, { retry: fastRetry(3) })
    const leased = await receive(name, 'w', { max: 5 })
    await abortAllDurableObjects()
    expect(
      (
        await ack(
          name,
          'w',
          leased.slice(0, 2).map((m) => m.leaseId),
        )
      ).body,
    ).toEqual({ acked: 2 })
    await abortAllDurableObjects()
    expect(await stats(name)).toMatchObject({ inFlight: 3, depth: 3 })
    expect(await receive(name, 'v', { max: 5 })).toEqual([])
    expect(
      (
        await ack(
          name,
          'w',
          leased.slice(2).map((m) => m.leaseId),
        )
      ).body,
    ).toEqual({ acked: 3 })
    expect(await stats(name)).toMatchObject({ depth: 0 })
  })

  it('leaves out of a redelivered range the records whose TTL ran out meanwhile, and redelivers the rest', async () => {
    const name = uniqueName('ranges-ttl')
    await createQueue({ name, retry: fastRetry(3) })
    const now = Date.now()
    // Record 1 expires 5 s from now; 0 and 2 live an hour.
    await send(name, [
      { value: 0, ttlMs: 3_600_000 },
      { value: 1, timestamp: now, ttlMs: 5_000 },
      { value: 2, ttlMs: 3_600_000 },
    ])
    const { stub } = await partition(name)
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
      const { queue } = partitionQueueIn(state)
      const first = queue.receive({ group: 'default', memberId: 'w', max: 3, visibilityTimeoutMs: 1000 }, now)
      expect(first.count).toBe(3)
      // 10 s on: the lease ran out, and so did record 1's TTL.
      const later = now + 10_000
      expect(queue.failExpiredLeases(later)).toBe(3)
      const again = JSON.parse(`[${queue.receive({ group: 'default', memberId: 'v', max: 3 }, later).messages}]`) as Array<{
        offset: number
        deliveryCount: number
      }>
      expect(again.map((m) => [m.offset, m.deliveryCount])).toEqual([
        [0, 2],
        [2, 2],
      ])
      expect(queue.stats('default', later)).toMatchObject({ inFlight: 2, ready: 0, delayed: 0 })
    })
    expect(spans(await ranges(name))).toEqual([
      [0, 0, 'leased'],
      [2, 2, 'leased'],
    ])
  })
})

/**
 * Dead letters in batches: records that die together go to the DLQ in one idempotent write; a batch is
 * written once even when routing runs again after a crash between the DLQ write and the partition
 * forgetting the batch; nacks that arrive while a batch is being written join a later batch.
 */
import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { partitionDeadLetterSource } from '../../src/durable-objects/dead-letter-source'
import { routeDeadLetters, type DlqTopicCache } from '../../src/durable-objects/dead-letters'
import { MonitorOutbox } from '../../src/durable-objects/monitor-outbox'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import type { KafdoEnv } from '../../src/env'
import { DEFAULT_QUEUE_POLICY } from '../../src/protocol/queues'
import { DEFAULT_TOPIC_CONFIG } from '../../src/protocol/topic-config'
import { request, uniqueName } from '../support/http'
import { alarmNow, createQueue, fastRetry, nack, partition, partitionQueueIn, receive, send } from '../support/queues'

async function queueOf(records: number, policy: Record<string, unknown> = {}): Promise<string> {
  const name = uniqueName('dlq-batches')
  await createQueue({ name, ...policy })
  await send(
    name,
    Array.from({ length: records }, (_, i) => ({ value: i })),
  )
  return name
}

/** The original offsets of the dead letters in the DLQ (its first page of up to 1000). */
async function deadLetterOffsets(queue: string): Promise<string[]> {
  const res = await request('GET', `/queues/${queue}/dlq?limit=1000`)
  return res.body.messages.map((m: { headers: Record<string, string> }) => m.headers['kafdo-dlq-original-offset'])
}

/** How many appends the queue's DLQ partition took (each stores at least one batch row). */
async function dlqWrites(queue: string): Promise<number> {
  const { stub } = await partition(`${queue}-dlq`)
  return runInDurableObject(stub, (_i: TopicPartitionDO, state) => state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM batches').one().n)
}

/** Inside the partition object: its leases run out now (`expected` records die), and its dead-letter source. */
function expireLeases(state: DurableObjectState, expected: number) {
  const { log, queue } = partitionQueueIn(state)
  expect(queue.failExpiredLeases(Date.now() + 5_000)).toBe(expected)
  const source = partitionDeadLetterSource(state.storage, env as KafdoEnv, log, queue, new MonitorOutbox(env as KafdoEnv))
  if (!source) throw new Error('the partition is not open')
  return { log, source }
}

describe('Queues > dead letters in batches', () => {
  it('writes the records that die together (an expired lease of 300) to the DLQ in one batch', async () => {
    const name = await queueOf(300, { retry: fastRetry(1) })
    const leased = await receive(name, 'w', { max: 300, visibilityTimeoutMs: 1000 })
    expect(leased).toHaveLength(300)
    await alarmNow(name)
    expect((await request('GET', `/queues/${name}`)).body.stats).toMatchObject({ deadLettered: 300, depth: 0 })
    const offsets = await deadLetterOffsets(name)
    expect(offsets).toHaveLength(300)
    expect(new Set(offsets).size).toBe(300)
    // One idempotent write for all of them, under the sequence of their death.
    const dlq = await partition(`${name}-dlq`)
    const recent = await runInDurableObject(dlq.stub, (_i: TopicPartitionDO, state) =>
      state.storage.sql.exec<{ recent: string }>('SELECT recent FROM producers').toArray(),
    )
    expect(recent.map((r) => JSON.parse(r.recent) as unknown[])).toEqual([[[1, 0, 299]]])
  })

  it('writes a batch once when routing stops after the DLQ write and before the partition forgot it (a crash), and what died since in a batch of its own', async () => {
    const name = await queueOf(60, { retry: fastRetry(1) })
    await receive(name, 'w', { max: 50, visibilityTimeoutMs: 1000 })
    const { stub } = await partition(name)
    // The lease expires (its 50 records die together); routing writes the batch, then the object "crashes"
    // before finishing it: the partition still has the batch's bound and its dead records.
    await runInDurableObject(stub, async (_i: TopicPartitionDO, state) => {
      const { log, source } = expireLeases(state, 50)
      const crashing = {
        ...source,
        finish: () => {
          throw new Error('crash after the DLQ write')
        },
      }
      await expect(routeDeadLetters(crashing)).rejects.toThrow('crash after the DLQ write')
      expect(log.store.readDlqBatch()).not.toBeNull()
      expect(log.deliveries.deadCount()).toBe(50)
    })
    await evictDurableObject(stub)
    expect(await dlqWrites(name)).toBe(1)
    // More records die before routing runs again: the batch under way is written again as it was (and
    // the DLQ answers with its first write), then they follow in a batch of their own.
    const more = await receive(name, 'v', { max: 10 })
    expect(more.map((m) => m.offset)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59])
    expect((await nack(name, 'v', more[0]!.leaseId)).body).toEqual({ state: 'dead' })
    await alarmNow(name)
    expect((await request('GET', `/queues/${name}`)).body.stats).toMatchObject({ deadLettered: 51, depth: 9 })
    const offsets = await deadLetterOffsets(name)
    expect(offsets).toHaveLength(51)
    expect(new Set(offsets).size).toBe(51)
    expect(await dlqWrites(name)).toBe(2)
    const pending = await runInDurableObject(stub, (_i: TopicPartitionDO, state) =>
      state.storage.sql
        .exec<{ n: number; b: number | null }>(
          "SELECT COUNT(*) AS n, (SELECT dlq_batch_through FROM partition_meta) AS b FROM delivery_ranges WHERE state = 'dead'",
        )
        .one(),
    )
    expect(pending).toEqual({ n: 0, b: null })
  })

  it('batches nacks that arrive while a batch is being written, each record written once', async () => {
    const name = await queueOf(40, { retry: fastRetry(1) })
    const leased = await receive(name, 'w', { max: 40 })
    const answers = await Promise.all(leased.map((m) => nack(name, 'w', m.leaseId)))
    expect(answers.map((a) => a.body)).toEqual(leased.map(() => ({ state: 'dead' })))
    // Each nack answers once its record is in the DLQ.
    expect((await request('GET', `/queues/${name}`)).body.stats).toMatchObject({ deadLettered: 40, depth: 0 })
    const offsets = await deadLetterOffsets(name)
    expect(new Set(offsets).size).toBe(40)
    expect(offsets).toHaveLength(40)
    expect(await dlqWrites(name)).toBeLessThan(40)
  })

  it('looks the DLQ topic up afresh when the one it knew is gone (UNKNOWN_TOPIC_OR_PARTITION), and writes the records there', async () => {
    const name = await queueOf(5, { retry: fastRetry(1) })
    await receive(name, 'w', { max: 2, visibilityTimeoutMs: 1000 })
    const { stub } = await partition(name)
    await runInDurableObject(stub, async (_i: TopicPartitionDO, state) => {
      const { log, source } = expireLeases(state, 2)
      // What a pass looked up before the DLQ topic was deleted and created again: a topic id no longer known.
      const stale = {
        topic: `${name}-dlq`,
        topicId: crypto.randomUUID(),
        partitions: 1,
        config: DEFAULT_TOPIC_CONFIG,
        queue: DEFAULT_QUEUE_POLICY,
        createdAt: 0,
      }
      const cache: DlqTopicCache = { dlq: stale }
      expect(await routeDeadLetters(source, cache)).toBe(false)
      expect(cache.dlq).toBeUndefined()
      expect(log.deliveries.deadCount()).toBe(2)
      expect(await routeDeadLetters(source, cache)).toBe(true)
      expect(cache.dlq?.topicId).not.toBe(stale.topicId)
      expect(log.deliveries.deadCount()).toBe(0)
    })
    expect(await deadLetterOffsets(name)).toEqual(['0', '1'])
  })
})

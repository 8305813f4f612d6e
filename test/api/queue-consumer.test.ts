import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createQueueConsumer } from '../../src/api/queue-consumer'
import type { QueueMessage } from '../../src/protocol/queues'
import { request, uniqueName } from '../support/http'

async function queueWith(values: unknown[], extra: Record<string, unknown> = {}) {
  const name = uniqueName('q')
  const created = await request('POST', '/queues', { name, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 2 }, ...extra })
  expect(created.status).toBe(201)
  if (values.length > 0) await request('POST', `/queues/${name}/messages`, { messages: values.map((value) => ({ value })) })
  return name
}

const stats = async (queue: string) => (await request('GET', `/queues/${queue}`)).body.stats

describe('QueueConsumer', () => {
  it('acks each message when the loop moves on, and nacks the one in hand when the loop throws', async () => {
    const queue = await queueWith(['a', 'b', 'c'])
    const consumer = createQueueConsumer(env, { queue, waitMs: 0 })
    const seen: unknown[] = []
    await expect(
      (async () => {
        for await (const message of consumer) {
          seen.push(message.value)
          if (message.value === 'b') throw new Error('cannot handle b')
        }
      })(),
    ).rejects.toThrow('cannot handle b')
    expect(seen).toEqual(['a', 'b'])
    // 'a' was acked; 'b' was nacked (redelivery due at once); 'c' was never leased (the iterator takes
    // one message at a time), so nothing is left to time out.
    expect(await stats(queue)).toMatchObject({ inFlight: 0, delayed: 0, ready: 2 })
    const other = createQueueConsumer(env, { queue, waitMs: 0 })
    const again = await other.receive()
    expect(again.map((m) => [m.value, m.deliveryCount])).toEqual([
      ['b', 2],
      ['c', 1],
    ])
  })

  it('run() acks what the handler finishes and nacks what it throws on, until stopped', async () => {
    const queue = await queueWith([1, 2, 3, 4])
    const consumer = createQueueConsumer(env, { queue, waitMs: 0 })
    const handled: number[] = []
    await consumer.run(async (message: QueueMessage) => {
      handled.push(message.value as number)
      if (message.value === 3 && message.deliveryCount === 1) throw new Error('transient')
      if (handled.length >= 5) consumer.stop()
    })
    expect(handled.sort()).toEqual([1, 2, 3, 3, 4])
    expect(await stats(queue)).toMatchObject({ depth: 0, inFlight: 0, delayed: 0 })
  })

  it('gives each record to one consumer at a time', async () => {
    const queue = await queueWith(
      Array.from({ length: 30 }, (_, i) => i),
      { partitions: 3 },
    )
    const consumers = [1, 2, 3].map(() => createQueueConsumer(env, { queue, maxMessages: 7, waitMs: 0 }))
    const batches = await Promise.all(consumers.map((c) => c.receive()))
    const keys = batches.flat().map((m) => `${m.partition}/${m.offset}`)
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys.length).toBe(21)
    await Promise.all(consumers.map((c, i) => c.ack(batches[i]!)))
    expect(await stats(queue)).toMatchObject({ depth: 9, inFlight: 0 })
  })

  it('dead-letters after maxAttempts and refuses to settle a lease twice', async () => {
    const queue = await queueWith(['poison'])
    const consumer = createQueueConsumer(env, { queue, waitMs: 0 })
    const [first] = await consumer.receive()
    await consumer.nack(first!, new Error('one'))
    const [second] = await consumer.receive()
    expect(await consumer.nack(second!, 'two')).toEqual({ state: 'dead' })
    await expect(consumer.ack(second!)).rejects.toMatchObject({ code: 'UNKNOWN_LEASE' })
    expect((await stats(queue)).deadLettered).toBe(1)
  })
})

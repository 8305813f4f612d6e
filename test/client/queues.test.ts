import { describe, expect, it } from 'vitest'
import { DLQ_HEADERS, KafdoError, type FetchLike, type QueueMessage } from '../../client/index.js'
import { errorResponse, recordingFetch, testClient, uniqueTopic, workerFetch } from './support.js'

const fastRetry = (maxAttempts: number) => ({ strategy: 'fixed' as const, delayMs: 0, maxAttempts })

/** A queue with a retry policy that redelivers at once, holding `values`. */
async function queueWith(values: unknown[], extra: { partitions?: number; maxAttempts?: number } = {}) {
  const queues = testClient().queues()
  const name = uniqueTopic('q')
  await queues.create({ name, partitions: extra.partitions ?? 1, retry: fastRetry(extra.maxAttempts ?? 3) })
  if (values.length > 0)
    await queues.send(
      name,
      values.map((value) => ({ value })),
    )
  return name
}

/** A fetch that routes requests whose path ends in `suffix` through `intercept`, the rest to the Worker. */
function interceptFetch(suffix: string, intercept: (call: number, input: string, init: RequestInit) => Promise<Response>) {
  let calls = 0
  const fetch: FetchLike = (input, init) => {
    if (new URL(input).pathname.endsWith(suffix)) return intercept(++calls, input, init)
    return workerFetch(input, init)
  }
  return { fetch, calls: () => calls }
}

describe('KafdoClient > queues admin', () => {
  it('creates, lists, describes, updates (with a dry run) and deletes a queue', async () => {
    const queues = testClient().queues()
    const name = uniqueTopic('orders')
    const tag = `team:${name}`

    const dryRun = await queues.create({ name, partitions: 2, tags: [tag] }, { dryRun: true })
    expect(dryRun).toMatchObject({ name, partitions: 2, dryRun: true })
    expect((await queues.list({ prefix: name })).map((q) => q.name)).toEqual([])

    const created = await queues.create({ name, partitions: 2, tags: [tag], retry: { strategy: 'exponential', delayMs: 500, maxAttempts: 4 } })
    expect(created).toMatchObject({
      name,
      partitions: 2,
      tags: [tag],
      dryRun: false,
      deadLetterTopic: `${name}-dlq`,
      policy: { retry: { maxAttempts: 4 } },
    })

    expect((await queues.list({ tag })).map((q) => q.name)).toEqual([name])
    expect((await queues.list({ prefix: name })).map((q) => q.name)).toEqual([name])
    expect(await queues.list({ tag: `${tag}-none` })).toEqual([])

    const details = await queues.get(name, { group: 'billing' })
    expect(details).toMatchObject({ name, group: 'billing', stats: { depth: 0, inFlight: 0, delayed: 0, deadLettered: 0, oldestMessageAgeMs: null } })

    const preview = await queues.update(name, { visibilityTimeoutMs: 60_000 }, { dryRun: true })
    expect(preview).toMatchObject({
      applied: false,
      before: { policy: { visibilityTimeoutMs: 30_000 } },
      after: { policy: { visibilityTimeoutMs: 60_000 } },
    })
    expect((await queues.get(name)).policy.visibilityTimeoutMs).toBe(30_000)

    const updated = await queues.update(name, { visibilityTimeoutMs: 60_000, partitions: 3 })
    expect(updated).toMatchObject({ applied: true, after: { partitions: 3, policy: { visibilityTimeoutMs: 60_000 } } })
    expect(await queues.get(name)).toMatchObject({ partitions: 3, policy: { visibilityTimeoutMs: 60_000 } })

    await queues.delete(name)
    expect(await queues.list({ prefix: name })).toEqual([])
    await expect(queues.get(name)).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
  })

  it('validates requests before sending them', async () => {
    const { fetch, requests } = recordingFetch()
    const queues = testClient({ fetch }).queues()

    await expect(queues.create({ name: 'bad-dlq' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    await expect(queues.seek('q', { offset: 1, to: 'latest' })).rejects.toBeInstanceOf(KafdoError)
    expect(() => testClient().queueConsumer({ queue: 'q', maxMessages: 0 })).toThrow(KafdoError)
    expect(requests).toEqual([])
  })

  it('sends one message or several and reads them back without leasing them', async () => {
    const queues = testClient().queues()
    const name = await queueWith([], { partitions: 2 })

    const one = await queues.send(name, { key: 'k', value: { n: 0 }, headers: { h: 'v' }, partition: 0 })
    const many = await queues.send(name, [
      { value: 1, partition: 0 },
      { value: 2, partition: 1 },
      { value: 3, partition: 1 },
    ])

    expect(one).toMatchObject({ topic: name, partition: 0, offset: 0 })
    expect(many.map((m) => [m.partition, m.offset])).toEqual([
      [0, 1],
      [1, 0],
      [1, 1],
    ])
    const all = await queues.read(name)
    expect(all).toHaveLength(4)
    expect(all.find((m) => m.partition === 0 && m.offset === 0)).toMatchObject({ key: 'k', value: { n: 0 }, headers: { h: 'v' } })
    expect((await queues.read(name, { partition: 1, offset: 1 })).map((m) => m.value)).toEqual([3])
    expect((await queues.read(name, { last: 2 })).map((m) => m.value).sort()).toEqual([2, 3])
    expect(await queues.read(name, { timestamp: new Date(Date.now() + 60_000) })).toEqual([])
    // Reading leased nothing: every message is still there to receive.
    expect((await queues.get(name)).stats).toMatchObject({ depth: 4, inFlight: 0 })
  })

  it('moves a share group cursor with seek', async () => {
    const client = testClient()
    const name = await queueWith(['a', 'b', 'c'])
    const consumer = client.queueConsumer({ queue: name, group: 'replay', waitMs: 0 })
    await consumer.ack(await consumer.receive())

    expect(await client.queues().seek(name, { group: 'replay', offset: 1 })).toEqual([{ partition: 0, offset: 1 }])
    expect((await consumer.receive()).map((m) => m.value)).toEqual(['b', 'c'])
    expect(await client.queues().seek(name, { group: 'replay', to: 'latest' })).toEqual([{ partition: 0, offset: 3 }])
    expect(await consumer.receive()).toEqual([])
  })
})

describe('KafdoClient > queue consumers', () => {
  it('never gives a record to two consumers at once', async () => {
    const client = testClient()
    const name = await queueWith(
      Array.from({ length: 30 }, (_, i) => i),
      { partitions: 3 },
    )
    const a = client.queueConsumer({ queue: name, maxMessages: 12, waitMs: 0 })
    const b = client.queueConsumer({ queue: name, maxMessages: 12, waitMs: 0 })

    const [fromA, fromB] = await Promise.all([a.receive(), b.receive()])
    const keys = [...fromA!, ...fromB!].map((m) => `${m.partition}/${m.offset}`)

    expect(new Set(keys).size).toBe(keys.length)
    expect(keys).toHaveLength(24)
    // Each may settle only its own leases.
    await expect(a.ack(fromB![0]!)).rejects.toMatchObject({ code: 'LEASE_NOT_HELD' })
    expect(await a.ack(fromA!)).toBe(12)
    expect(await b.ack(fromB!.map((m) => m.leaseId))).toBe(12)
    const rest = await a.receive(100)
    expect(rest).toHaveLength(6)
    expect(new Set([...keys, ...rest.map((m) => `${m.partition}/${m.offset}`)]).size).toBe(30)
  })

  it('iterates: acks each message when the next is asked for, nacks the one in hand when the loop throws', async () => {
    const client = testClient()
    const name = await queueWith(['a', 'b', 'c'])
    const consumer = client.queueConsumer({ queue: name, waitMs: 0 })
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
    // 'a' acked; 'b' nacked (due again at once); 'c' never leased: the iterator takes one at a time.
    expect((await client.queues().get(name)).stats).toMatchObject({ inFlight: 0, delayed: 0, ready: 2 })
    const again = await client.queueConsumer({ queue: name, waitMs: 0 }).receive()
    expect(again.map((m) => [m.value, m.deliveryCount])).toEqual([
      ['b', 2],
      ['c', 1],
    ])
  })

  it('iterates until stop(), leaving messages the caller settled itself alone', async () => {
    const client = testClient()
    const name = await queueWith(['a', 'b', 'c', 'd'])
    const consumer = client.queueConsumer({ queue: name, waitMs: 0, maxMessages: 1 })
    const seen: unknown[] = []

    for await (const message of consumer) {
      seen.push(message.value)
      if (message.value === 'b' && message.deliveryCount === 1) await consumer.nack(message, 'later')
      if (message.value === 'c') await consumer.ack(message)
      if (seen.length === 4) consumer.stop()
    }

    // 'b' was nacked by the caller and came back at once; nothing was settled twice (that would have thrown).
    expect(seen).toEqual(['a', 'b', 'b', 'c'])
    expect((await client.queues().get(name)).stats).toMatchObject({ depth: 1, inFlight: 0, delayed: 0 })
  })

  it('nacks the message in hand when the loop breaks', async () => {
    const client = testClient()
    const name = await queueWith(['x'])
    const consumer = client.queueConsumer({ queue: name, waitMs: 0 })

    for await (const message of consumer) {
      expect(message.deliveryCount).toBe(1)
      break
    }

    const [again] = await consumer.receive()
    expect(again).toMatchObject({ value: 'x', deliveryCount: 2 })
  })

  it('run() acks what the handler finishes and nacks what it throws on, with the error message', async () => {
    const client = testClient()
    const name = await queueWith([1, 2, 3], { maxAttempts: 2 })
    const consumer = client.queueConsumer({ queue: name, waitMs: 0 })
    const handled: Array<[unknown, number]> = []

    await consumer.run((message: QueueMessage) => {
      handled.push([message.value, message.deliveryCount])
      if (handled.length === 4) consumer.stop()
      if (message.value === 2) throw new Error(`bad ${message.deliveryCount}`)
    })

    expect(handled.sort()).toEqual([
      [1, 1],
      [2, 1],
      [2, 2],
      [3, 1],
    ])
    const dead = await client.queues().deadLetters(name)
    expect(dead.map((m) => [m.value, m.headers[DLQ_HEADERS.error]])).toEqual([[2, 'bad 2']])
    expect((await client.queues().get(name)).stats).toMatchObject({ depth: 0, inFlight: 0, deadLettered: 1 })
  })

  it('extends a lease and rejects a record straight to the DLQ', async () => {
    const client = testClient()
    const name = await queueWith(['slow', 'poison'])
    const consumer = client.queueConsumer({ queue: name, waitMs: 0, visibilityTimeoutMs: 5_000 })
    const [slow, poison] = await consumer.receive()

    const { visibleUntil } = await consumer.extend(slow!, 600_000)
    expect(visibleUntil).toBeGreaterThan(Date.now() + 500_000)
    expect(await consumer.reject(poison!, new Error('schema mismatch'))).toEqual({ state: 'dead' })
    expect(await consumer.ack(slow!)).toBe(1)

    const [dead] = await client.queues().deadLetters(name)
    expect(dead).toMatchObject({ value: 'poison', headers: { [DLQ_HEADERS.error]: 'schema mismatch' } })
  })

  it('cuts an error message to what the server keeps', async () => {
    const client = testClient()
    const name = await queueWith(['x'], { maxAttempts: 1 })
    const consumer = client.queueConsumer({ queue: name, waitMs: 0 })
    const [message] = await consumer.receive()

    expect(await consumer.nack(message!, new Error('e'.repeat(10_000)))).toEqual({ state: 'dead' })
    const [dead] = await client.queues().deadLetters(name)
    expect(dead!.headers[DLQ_HEADERS.error]).toHaveLength(4096)
  })

  it('waits for records with a long poll longer than the client timeout', async () => {
    const client = testClient({ timeout: 100 })
    const name = await queueWith([])
    const consumer = client.queueConsumer({ queue: name })

    const received = consumer.receive(1, 400)
    await new Promise((resolve) => setTimeout(resolve, 150))
    await client.queues().send(name, { value: 'late' })

    expect((await received).map((m) => m.value)).toEqual(['late'])
  })
})

describe('KafdoClient > dead-letter queue', () => {
  it('dead-letters a record nacked maxAttempts times, with the kafdo-dlq headers', async () => {
    const client = testClient()
    const name = await queueWith([], { maxAttempts: 3 })
    await client.queues().send(name, { key: 'order-1', value: { bad: true }, headers: { source: 'web' } })
    const consumer = client.queueConsumer({ queue: name, waitMs: 0 })

    for (let attempt = 1; attempt <= 3; attempt++) {
      const [message] = await consumer.receive()
      expect(message!.deliveryCount).toBe(attempt)
      expect((await consumer.nack(message!, `failure ${attempt}`)).state).toBe(attempt < 3 ? 'delayed' : 'dead')
    }

    expect(await consumer.receive()).toEqual([])
    const dead = await client.queues().deadLetters(name)
    expect(dead).toHaveLength(1)
    expect(dead[0]).toMatchObject({
      key: 'order-1',
      value: { bad: true },
      headers: {
        source: 'web',
        [DLQ_HEADERS.topic]: name,
        [DLQ_HEADERS.partition]: '0',
        [DLQ_HEADERS.offset]: '0',
        [DLQ_HEADERS.group]: 'default',
        [DLQ_HEADERS.attempts]: '3',
        [DLQ_HEADERS.error]: 'failure 3',
      },
    })
    const headers = dead[0]!.headers
    expect(Date.parse(headers[DLQ_HEADERS.firstFailure]!)).toBeLessThanOrEqual(Date.parse(headers[DLQ_HEADERS.lastFailure]!))
    expect((await client.queues().get(name)).stats).toMatchObject({ depth: 0, inFlight: 0, deadLettered: 1 })
  })

  it('re-drives dead letters back to the queue, where they are received again, and purges the DLQ', async () => {
    const client = testClient()
    const queues = client.queues()
    const name = await queueWith([], { maxAttempts: 1 })
    await queues.send(name, [
      { value: 'x1', headers: { kind: 'x' } },
      { value: 'y1', headers: { kind: 'y' } },
      { value: 'x2', headers: { kind: 'x' } },
    ])
    const consumer = client.queueConsumer({ queue: name, waitMs: 0 })
    for (const message of await consumer.receive()) await consumer.nack(message, 'boom')
    expect(await queues.deadLetters(name)).toHaveLength(3)

    expect(await queues.redrive(name, { header: { name: 'kind', value: 'x' } })).toEqual({ redriven: 2 })

    const again = await consumer.receive()
    expect(again.map((m) => m.value)).toEqual(['x1', 'x2'])
    expect(
      again.every((m) => m.deliveryCount === 1 && m.headers[DLQ_HEADERS.attempts] === undefined && m.headers['kafdo-redriven-from'] !== undefined),
    ).toBe(true)
    expect(await consumer.ack(again)).toBe(2)

    expect(await queues.purgeDeadLetters(name, { beforeOffset: 1 })).toEqual({ purged: 1 })
    expect(await queues.deadLetters(name)).toHaveLength(2)
    expect(await queues.purgeDeadLetters(name)).toEqual({ purged: 2 })
    expect(await queues.deadLetters(name)).toEqual([])
    expect((await queues.get(name)).stats.deadLettered).toBe(0)
  })
})

describe('KafdoClient > queue retries', () => {
  it('does not retry a receive after a network error', async () => {
    const name = await queueWith(['a'])
    const { fetch, calls } = interceptFetch('/receive', async () => {
      throw new TypeError('connection reset')
    })
    const consumer = testClient({ fetch, retries: 3 }).queueConsumer({ queue: name, waitMs: 0 })

    const error = await consumer.receive().catch((e: unknown) => e)

    expect(error).toBeInstanceOf(KafdoError)
    expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' })
    expect(calls()).toBe(1)
  })

  it('does not retry a receive whose answer was lost, so no second batch is leased', async () => {
    const name = await queueWith(['a', 'b'])
    const { fetch, calls } = interceptFetch('/receive', async (_call, input, init) => {
      await (await workerFetch(input, init)).text()
      throw new TypeError('connection reset after the request was sent')
    })
    const consumer = testClient({ fetch, retries: 3 }).queueConsumer({ queue: name, waitMs: 0, maxMessages: 1 })

    await expect(consumer.receive()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' })

    expect(calls()).toBe(1)
    expect((await testClient().queues().get(name)).stats).toMatchObject({ inFlight: 1 })
  })

  it('does not retry a nack', async () => {
    const name = await queueWith(['a'])
    const { fetch, calls } = interceptFetch('/nack', async () => errorResponse(503, 'SERVICE_UNAVAILABLE', 'try again'))
    const consumer = testClient({ fetch }).queueConsumer({ queue: name, waitMs: 0 })
    const [message] = await consumer.receive()

    await expect(consumer.nack(message!)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' })
    expect(calls()).toBe(1)
  })

  it('retries an ack whose answer was lost and takes UNKNOWN_LEASE on the retry as done', async () => {
    const name = await queueWith(['a'])
    const { fetch, calls } = interceptFetch('/ack', async (call, input, init) => {
      const response = await workerFetch(input, init)
      if (call === 1) {
        await response.text()
        throw new TypeError('connection reset after the ack was applied')
      }
      return response
    })
    const consumer = testClient({ fetch }).queueConsumer({ queue: name, waitMs: 0 })
    const [message] = await consumer.receive()

    expect(await consumer.ack(message!)).toBe(1)
    expect(calls()).toBe(2)
    expect((await testClient().queues().get(name)).stats).toMatchObject({ depth: 0, inFlight: 0 })
  })

  it('reports UNKNOWN_LEASE on a retried ack when the first attempt was refused', async () => {
    const name = await queueWith(['a'])
    const client = testClient()
    const consumer = client.queueConsumer({ queue: name, waitMs: 0 })
    const [message] = await consumer.receive()
    await consumer.ack(message!)
    const { fetch, calls } = interceptFetch('/ack', async (call, input, init) =>
      call === 1 ? errorResponse(429, 'THROTTLING_QUOTA_EXCEEDED', 'slow down', { 'retry-after': '0' }) : workerFetch(input, init),
    )
    const sameConsumer = testClient({ fetch }).queueConsumer({ queue: name, consumerId: consumer.consumerId, waitMs: 0 })

    await expect(sameConsumer.ack(message!)).rejects.toMatchObject({ code: 'UNKNOWN_LEASE' })
    expect(calls()).toBe(2)
  })

  it('retries an extend after a network error', async () => {
    const name = await queueWith(['a'])
    const { fetch, calls } = interceptFetch('/extend', async (call, input, init) => {
      if (call === 1) throw new TypeError('connection reset')
      return workerFetch(input, init)
    })
    const consumer = testClient({ fetch }).queueConsumer({ queue: name, waitMs: 0 })
    const [message] = await consumer.receive()

    const { visibleUntil } = await consumer.extend(message!, 120_000)

    expect(visibleUntil).toBeGreaterThan(Date.now() + 100_000)
    expect(calls()).toBe(2)
  })
})

import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { partitionStub } from '../../src/services/stubs'
import { requireTopic } from '../../src/services/topic-cache'
import { fetchMessages, request, uniqueName } from '../support/http'

interface Leased {
  leaseId: string
  partition: number
  offset: number
  value: unknown
  deliveryCount: number
  headers: Record<string, string>
}

const fastRetry = (maxAttempts: number) => ({ strategy: 'fixed', delayMs: 0, maxAttempts })

async function createQueue(body: Record<string, unknown>) {
  const res = await request('POST', '/queues', body)
  if (res.status !== 201) throw new Error(`createQueue: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

const send = (queue: string, messages: unknown[]) => request('POST', `/queues/${queue}/messages`, { messages })
const receive = async (queue: string, consumerId: string, extra: Record<string, unknown> = {}) =>
  (await request('POST', `/queues/${queue}/receive`, { consumerId, max: 10, ...extra })).body.messages as Leased[]
const nack = (queue: string, consumerId: string, leaseId: string, error = 'boom') =>
  request('POST', `/queues/${queue}/nack`, { consumerId, leaseId, error })
const ack = (queue: string, consumerId: string, leaseIds: string[]) => request('POST', `/queues/${queue}/ack`, { consumerId, leaseIds })

async function partition(queue: string, p = 0) {
  const topic = await requireTopic(env, DEFAULT_TENANT, queue, true)
  const ref = { tenant: DEFAULT_TENANT, topic: queue, topicId: topic.topicId, partition: p }
  return { ref, stub: partitionStub(env, ref) }
}

describe('Queues > admin', () => {
  it('creates a queue as a topic with a policy, visible through /queues and /admin/topics', async () => {
    const name = uniqueName('orders')
    const created = await createQueue({
      name,
      partitions: 2,
      retry: { strategy: 'exponential', delayMs: 500, factor: 3, maxDelayMs: 60_000, jitter: 0.2, maxAttempts: 4 },
      tags: ['team:payments'],
    })
    expect(created).toMatchObject({
      name,
      partitions: 2,
      tags: ['team:payments'],
      deadLetterTopic: `${name}-dlq`,
      policy: { retry: { strategy: 'exponential', maxAttempts: 4 } },
    })
    expect((await request('GET', `/admin/topics/${name}`)).status).toBe(200)
    const listed = await request('GET', '/queues?tag=team:payments')
    expect(listed.body.queues.map((q: { name: string }) => q.name)).toEqual([name])
    expect((await request('GET', `/queues?prefix=${name}`)).body.queues).toHaveLength(1)
  })

  it('validates a queue in a dry run without creating it', async () => {
    const name = uniqueName('dry')
    const res = await request('POST', '/queues?dryRun=true', { name, partitions: 3 })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ name, partitions: 3, dryRun: true })
    expect((await request('GET', `/queues/${name}`)).status).toBe(404)
  })

  it('refuses bad policies with 400 and creates nothing', async () => {
    const bad = [
      { retry: { strategy: 'fixed', delayMs: 100, maxAttempts: 0 } },
      { retry: { strategy: 'linear', delayMs: -5, maxAttempts: 3 } },
      { retry: { strategy: 'fibonacci', delayMs: 5, maxAttempts: 3 } },
      { retry: { strategy: 'fixed', delayMs: 5, maxAttempts: 3, surprise: true } },
      { visibilityTimeoutMs: 10 },
      { colour: 'blue' },
    ]
    for (const extra of bad) {
      const name = uniqueName('bad')
      const res = await request('POST', '/queues', { name, ...extra })
      expect(res.status, JSON.stringify(extra)).toBe(400)
      expect((await request('GET', `/queues/${name}`)).status).toBe(404)
    }
  })

  it('changes config with PATCH, and a dry run shows the change without applying it', async () => {
    const name = uniqueName('patch')
    await createQueue({ name })
    const dry = await request('PATCH', `/queues/${name}/config?dryRun=true`, { retentionMs: 3_600_000, visibilityTimeoutMs: 5_000 })
    expect(dry.body).toMatchObject({
      applied: false,
      before: { config: { 'retention.ms': '604800000' } },
      after: { config: { 'retention.ms': '3600000' }, policy: { visibilityTimeoutMs: 5000 } },
    })
    expect((await request('GET', `/queues/${name}`)).body.config['retention.ms']).toBe('604800000')
    const applied = await request('PATCH', `/queues/${name}/config`, { retentionMs: 3_600_000, visibilityTimeoutMs: 5_000 })
    expect(applied.body.applied).toBe(true)
    expect((await request('GET', `/queues/${name}`)).body).toMatchObject({
      config: { 'retention.ms': '3600000' },
      policy: { visibilityTimeoutMs: 5000 },
    })
    expect((await request('PATCH', `/queues/${name}/config`, { retry: { strategy: 'fixed', delayMs: 1, maxAttempts: 0 } })).status).toBe(400)
  })

  it('deletes a queue and its dead-letter topic', async () => {
    const name = uniqueName('del')
    await createQueue({ name, retry: fastRetry(1) })
    await send(name, [{ value: 1 }])
    const [m] = await receive(name, 'c')
    await nack(name, 'c', m!.leaseId)
    expect((await request('GET', `/admin/topics/${name}-dlq`)).status).toBe(200)
    expect((await request('DELETE', `/queues/${name}`)).status).toBe(200)
    expect((await request('GET', `/admin/topics/${name}`)).status).toBe(404)
    expect((await request('GET', `/admin/topics/${name}-dlq`)).status).toBe(404)
  })
})

describe('Queues > leases', () => {
  it('never gives one record to two members, and an acked record is not delivered again', async () => {
    const name = uniqueName('share')
    await createQueue({ name, partitions: 2 })
    await send(
      name,
      Array.from({ length: 20 }, (_, i) => ({ value: i })),
    )
    const [a, b] = await Promise.all([receive(name, 'a', { max: 8 }), receive(name, 'b', { max: 8 })])
    const offsets = (ms: Leased[]) => ms.map((m) => `${m.partition}/${m.offset}`)
    expect(new Set([...offsets(a!), ...offsets(b!)]).size).toBe(a!.length + b!.length)
    expect(a!.length + b!.length).toBe(16)
    expect(
      (
        await ack(
          name,
          'a',
          a!.map((m) => m.leaseId),
        )
      ).body,
    ).toEqual({ acked: a!.length })
    const rest = await receive(name, 'c', { max: 100 })
    expect(rest).toHaveLength(4)
    const stats = (await request('GET', `/queues/${name}`)).body.stats
    expect(stats).toMatchObject({ inFlight: b!.length + 4, ready: 0, depth: b!.length + 4 })
  })

  it('refuses to ack an unknown or foreign lease, changing nothing', async () => {
    const name = uniqueName('foreign')
    await createQueue({ name })
    await send(name, [{ value: 1 }])
    const [m] = await receive(name, 'owner')
    const foreign = await ack(name, 'thief', [m!.leaseId])
    expect(foreign.status).toBe(409)
    expect(foreign.body.error.code).toBe('LEASE_NOT_HELD')
    const unknown = await ack(name, 'owner', [m!.leaseId.replace(/:[a-z0-9]+$/, ':000000000000')])
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('UNKNOWN_LEASE')
    expect((await request('POST', `/queues/${name}/ack`, { consumerId: 'owner', leaseIds: ['garbage'] })).status).toBe(400)
    expect((await request('GET', `/queues/${name}`)).body.stats.inFlight).toBe(1)
    expect((await ack(name, 'owner', [m!.leaseId])).body).toEqual({ acked: 1 })
  })

  it('redelivers a record whose lease expired to another member, counting the attempt', async () => {
    const name = uniqueName('expire')
    await createQueue({ name, retry: fastRetry(5) })
    await send(name, [{ value: 'slow' }])
    const [first] = await receive(name, 'a', { visibilityTimeoutMs: 1000 })
    expect(await receive(name, 'b')).toEqual([])
    const { stub } = await partition(name)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const [again] = await receive(name, 'b')
    expect(again).toMatchObject({ offset: first!.offset, value: 'slow', deliveryCount: 2 })
    expect((await ack(name, 'a', [first!.leaseId])).status).toBe(404)
  })

  it('answers a long poll with a lease that is still valid when a record arrives on one of several partitions', async () => {
    const name = uniqueName('longpoll')
    await createQueue({ name, partitions: 2 })
    const pending = request('POST', `/queues/${name}/receive`, { consumerId: 'w', waitMs: 4000, visibilityTimeoutMs: 3000 })
    await new Promise((resolve) => setTimeout(resolve, 100))
    await request('POST', `/queues/${name}/messages`, { value: 'late', partition: 1 })
    const [m] = (await pending).body.messages as Leased[]
    expect(m!.value).toBe('late')
    expect((await ack(name, 'w', [m!.leaseId])).body).toEqual({ acked: 1 })
  })

  it('purges dead letters before an offset, keeping the rest', async () => {
    const name = uniqueName('purgemid')
    await createQueue({ name, retry: fastRetry(1) })
    await send(name, [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
    for (const m of await receive(name, 'w')) await nack(name, 'w', m.leaseId)
    expect((await request('DELETE', `/queues/${name}/dlq?beforeOffset=1`)).body).toEqual({ purged: 1 })
    expect((await request('GET', `/queues/${name}/dlq`)).body.messages.map((m: { value: string }) => m.value)).toEqual(['b', 'c'])
  })

  it('extends a lease so it outlives its first deadline', async () => {
    const name = uniqueName('extend')
    await createQueue({ name })
    await send(name, [{ value: 1 }])
    const [m] = await receive(name, 'a', { visibilityTimeoutMs: 1000 })
    const extended = await request('POST', `/queues/${name}/extend`, { consumerId: 'a', leaseId: m!.leaseId, visibilityTimeoutMs: 600_000 })
    expect(extended.body.visibleUntil).toBeGreaterThan(Date.now() + 500_000)
    const { stub } = await partition(name)
    await runDurableObjectAlarm(stub)
    expect(await receive(name, 'b')).toEqual([])
    expect((await ack(name, 'a', [m!.leaseId])).body.acked).toBe(1)
  })
})

describe('Queues > retries and dead letters', () => {
  it('moves a record nacked maxAttempts times to the DLQ with headers naming its origin', async () => {
    const name = uniqueName('poison')
    await createQueue({ name, retry: fastRetry(3) })
    await send(name, [{ key: 'order-1', value: { bad: true }, headers: { source: 'web' } }])
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [m] = await receive(name, 'worker')
      expect(m!.deliveryCount).toBe(attempt)
      expect((await nack(name, 'worker', m!.leaseId, `failure ${attempt}`)).status).toBe(200)
    }
    expect(await receive(name, 'worker')).toEqual([])
    const dlq = await request('GET', `/queues/${name}/dlq`)
    expect(dlq.body.messages).toHaveLength(1)
    expect(dlq.body.messages[0]).toMatchObject({
      key: 'order-1',
      value: { bad: true },
      headers: {
        source: 'web',
        'kafdo-dlq-original-topic': name,
        'kafdo-dlq-original-partition': '0',
        'kafdo-dlq-original-offset': '0',
        'kafdo-dlq-attempts': '3',
        'kafdo-dlq-last-error': 'failure 3',
        'kafdo-dlq-group': 'default',
      },
    })
    expect(Date.parse(dlq.body.messages[0].headers['kafdo-dlq-first-failure-at'])).toBeLessThanOrEqual(
      Date.parse(dlq.body.messages[0].headers['kafdo-dlq-last-failure-at']),
    )
    const stats = (await request('GET', `/queues/${name}`)).body.stats
    expect(stats).toMatchObject({ depth: 0, inFlight: 0, delayed: 0, deadLettered: 1 })
  })

  it('dead-letters a rejected record at once', async () => {
    const name = uniqueName('reject')
    await createQueue({ name })
    await send(name, [{ value: 'x' }])
    const [m] = await receive(name, 'w')
    expect((await request('POST', `/queues/${name}/reject`, { consumerId: 'w', leaseId: m!.leaseId, error: 'schema' })).body.state).toBe('dead')
    expect((await request('GET', `/queues/${name}/dlq`)).body.messages[0].headers['kafdo-dlq-last-error']).toBe('schema')
  })

  it('waits for the policy delay before redelivering a nacked record', async () => {
    const name = uniqueName('delay')
    await createQueue({ name, retry: { strategy: 'fixed', delayMs: 60_000, maxAttempts: 5 } })
    await send(name, [{ value: 1 }])
    const [m] = await receive(name, 'w')
    const res = await nack(name, 'w', m!.leaseId)
    expect(res.body.redeliverAt).toBeGreaterThanOrEqual(Date.now() + 55_000)
    expect(await receive(name, 'w')).toEqual([])
    expect((await request('GET', `/queues/${name}`)).body.stats).toMatchObject({ delayed: 1, depth: 1 })
  })

  it('writes a dead record to the DLQ once even if routing runs again after it was written', async () => {
    const name = uniqueName('once')
    await createQueue({ name, retry: fastRetry(1) })
    await send(name, [{ value: 'poison' }])
    const [m] = await receive(name, 'w')
    await nack(name, 'w', m!.leaseId)
    const { stub } = await partition(name)
    // Simulate a crash after the DLQ write but before the source forgot the record: put it back as
    // pending, with the same dead-letter sequence, and let the alarm route it twice more.
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
      const seq = state.storage.sql.exec<{ s: number }>('SELECT dlq_sequence AS s FROM partition_meta').one().s
      state.storage.sql.exec(
        "INSERT INTO delivery_ranges (group_id, first_offset, last_offset, state, attempts, last_error, dlq_sequence) VALUES ('default', ?1, ?1, 'dead', 1, 'boom', ?2)",
        m!.offset,
        seq,
      )
      return state.storage.setAlarm(Date.now())
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    await runInDurableObject(stub, (_i: TopicPartitionDO, state) => state.storage.setAlarm(Date.now()))
    await runDurableObjectAlarm(stub)
    expect((await request('GET', `/queues/${name}/dlq`)).body.messages).toHaveLength(1)
    const pending = await runInDurableObject(
      stub,
      (_i: TopicPartitionDO, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM delivery_ranges WHERE state = 'dead'").one().n,
    )
    expect(pending).toBe(0)
  })

  it('re-drives dead letters back to the queue, where they can be consumed, and purges the DLQ', async () => {
    const name = uniqueName('redrive')
    await createQueue({ name, retry: fastRetry(1) })
    await send(name, [
      { value: 'a', headers: { kind: 'x' } },
      { value: 'b', headers: { kind: 'y' } },
      { value: 'c', headers: { kind: 'x' } },
    ])
    for (const m of await receive(name, 'w')) await nack(name, 'w', m.leaseId)
    expect((await request('GET', `/queues/${name}/dlq`)).body.messages).toHaveLength(3)
    const redriven = await request('POST', `/queues/${name}/dlq/redrive`, { header: { name: 'kind', value: 'x' } })
    expect(redriven.body).toEqual({ redriven: 2 })
    const again = await receive(name, 'w2')
    expect(again.map((m) => m.value).sort()).toEqual(['a', 'c'])
    expect(
      again.every((m) => m.headers.kind === 'x' && m.headers['kafdo-dlq-attempts'] === undefined && m.headers['kafdo-redriven-from'] !== undefined),
    ).toBe(true)
    expect((await request('DELETE', `/queues/${name}/dlq`)).body).toEqual({ purged: 3 })
    expect((await request('GET', `/queues/${name}/dlq`)).body.messages).toEqual([])
  })
})

describe('Queues > TTL, messages, seek and compaction', () => {
  it('never delivers an expired record to fetch or receive, and purges and counts it', async () => {
    const name = uniqueName('ttl')
    await createQueue({ name })
    const past = Date.now() - 10_000
    await send(name, [{ value: 'expired', timestamp: past, ttlMs: 1000 }, { value: 'alive', ttlMs: 3_600_000 }, { value: 'forever' }])
    const fetched = await fetchMessages(name, 0)
    expect(fetched.body.messages.map((m: { value: string }) => m.value)).toEqual(['alive', 'forever'])
    expect((await receive(name, 'w')).map((m) => m.value)).toEqual(['alive', 'forever'])
    const { stub } = await partition(name)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await request('GET', `/queues/${name}`)).body.stats.expired).toBe(1)
    const stored = await runInDurableObject(stub, (_i: TopicPartitionDO, state) =>
      state.storage.sql
        .exec<{ p: string }>('SELECT payload AS p FROM batches')
        .toArray()
        .map((r) => r.p)
        .join(),
    )
    expect(stored).not.toContain('"expired"')
  })

  it("applies the queue's default TTL to records produced without one", async () => {
    const name = uniqueName('defttl')
    await createQueue({ name, defaultTtlMs: 1000 })
    await send(name, [{ value: 'old', timestamp: Date.now() - 5000 }, { value: 'new' }])
    expect((await fetchMessages(name, 0)).body.messages.map((m: { value: string }) => m.value)).toEqual(['new'])
  })

  it('reads messages by offset, timestamp and last N without leasing them', async () => {
    const name = uniqueName('read')
    await createQueue({ name })
    const base = Date.now() - 10_000
    await send(
      name,
      [0, 1, 2, 3, 4].map((i) => ({ value: i, timestamp: base + i * 1000 })),
    )
    const byOffset = await request('GET', `/queues/${name}/messages?offset=3`)
    expect(byOffset.body.messages.map((m: { value: number }) => m.value)).toEqual([3, 4])
    const byTime = await request('GET', `/queues/${name}/messages?timestamp=${base + 1500}`)
    expect(byTime.body.messages.map((m: { value: number }) => m.value)).toEqual([2, 3, 4])
    const last = await request('GET', `/queues/${name}/messages?last=2`)
    expect(last.body.messages.map((m: { value: number }) => m.value)).toEqual([3, 4])
    expect((await receive(name, 'w', { max: 100 })).length).toBe(5)
  })

  it('rewinds a group with seek so records are delivered again', async () => {
    const name = uniqueName('seek')
    await createQueue({ name })
    await send(name, [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
    const got = await receive(name, 'w')
    await ack(
      name,
      'w',
      got.map((m) => m.leaseId),
    )
    expect(await receive(name, 'w')).toEqual([])
    const seek = await request('POST', `/queues/${name}/seek`, { offset: 1 })
    expect(seek.body.partitions).toEqual([{ partition: 0, offset: 1 }])
    expect((await receive(name, 'w')).map((m) => m.value)).toEqual(['b', 'c'])
    expect((await request('POST', `/queues/${name}/seek`, { offset: 1, to: 'earliest' })).status).toBe(400)
  })

  it('compacts to the latest value per key without renumbering offsets', async () => {
    const name = uniqueName('compact')
    await request('POST', '/admin/topics', { topic: name, config: { 'cleanup.policy': 'compact' } })
    for (const [key, value] of [
      ['k1', 'v1'],
      ['k2', 'v1'],
      ['k1', 'v2'],
      ['k3', 'v1'],
      ['k2', null],
    ] as const) {
      await request('POST', `/topics/${name}/produce`, { key, value })
    }
    const { stub } = await partition(name)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const fetched = await fetchMessages(name, 0)
    expect(fetched.body.messages.map((m: { offset: number; key: string; value: unknown }) => [m.offset, m.key, m.value])).toEqual([
      [2, 'k1', 'v2'],
      [3, 'k3', 'v1'],
      [4, 'k2', null],
    ])
    expect(fetched.body).toMatchObject({ highWatermark: 5 })
    expect((await request('POST', `/topics/${name}/produce`, { key: 'k4', value: 'v' })).body.offset).toBe(5)
  })
})

import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { createAdmin } from '../../src/api/admin'
import { createConsumer, type ConsumerRecord } from '../../src/api/consumer'
import { createProducer } from '../../src/api/producer'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { groupStub } from '../../src/services/stubs'
import { createTopic, request, uniqueName } from '../support/http'
import consumerExample from './readme/consumer-example'
import { asyncIteratorExample, rebalanceListenerExample } from './readme/iterator-example'

async function topicWith(partitions: number, records: number, name = uniqueName('c')) {
  await createTopic(name, partitions)
  if (records > 0) await createProducer(env).sendBatch(Array.from({ length: records }, (_, i) => ({ topic: name, key: `k${i}`, value: i })))
  return name
}

const values = (records: ConsumerRecord[]) => records.map((r) => r.value as number).sort((a, b) => a - b)

describe('README > Consumer API examples', () => {
  it('polls, commits and closes as written', async () => {
    await topicWith(3, 6, 'orders')
    await createAdmin(env).resetOffsets('order-processor', { topic: 'orders', to: 'earliest' })
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    const response = await consumerExample.fetch(new Request('http://worker/'), env)
    const lines = log.mock.calls.map((args) => String(args[0]))
    log.mockRestore()
    expect(await response.text()).toBe('Processed 6 messages')
    expect(lines.filter((line) => line.startsWith('Received: k'))).toHaveLength(6)
    const group = await createAdmin(env).describeGroup('order-processor')
    expect(group.state).toBe('Empty')
    expect(group.totalLag).toBe(0)
    expect(group.offsets.map((o) => o.offset).reduce((a, b) => a + b, 0)).toBe(6)
  })

  it('iterates records as they arrive (async iterator), resuming from the committed offsets', async () => {
    await topicWith(3, 4, 'orders-iter')
    const admin = createAdmin(env)
    await admin.resetOffsets('my-group', { topic: 'orders-iter', to: 'earliest' })
    // The example subscribes to 'orders'; that topic (from the test above) has its own 6 records.
    await admin.resetOffsets('my-group', { topic: 'orders', to: 'earliest' })
    const seen: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => {
      seen.push(line)
      if (seen.length === 6) throw new Error('enough')
    })
    await expect(asyncIteratorExample(env)).rejects.toThrow('enough')
    log.mockRestore()
    expect(seen.every((line) => /^Processing: k\d$/.test(line))).toBe(true)
    expect(new Set(seen).size).toBe(6)
  })

  it('calls the rebalance listener: revoked before the partitions move, then assigned', async () => {
    const topic = await topicWith(6, 0)
    const group = uniqueName('listener')
    const events: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((label: string, partitions: unknown[]) => events.push(`${label} ${partitions.length}`))
    const config = { groupId: group, heartbeatIntervalMs: 0, autoCommitIntervalMs: 0 }
    const a = rebalanceListenerExample(env, { ...config, clientId: 'a' })
    await a.subscribe([topic])
    await a.poll()
    expect(events).toEqual(['Assigned: 6'])
    const b = rebalanceListenerExample(env, { ...config, clientId: 'b' })
    await b.subscribe([topic])
    // b's join answers at once, with nothing yet: a holds every partition.
    await b.poll()
    expect(b.assignment()).toEqual([])
    // a's next poll heartbeats: it revokes three (and says so at once); b's next poll gets them.
    await a.poll()
    await b.poll()
    log.mockRestore()
    expect(events).toEqual(['Assigned: 6', 'Revoked: 3', 'Assigned: 3'])
    const owned = [...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort()
    expect(owned).toEqual([0, 1, 2, 3, 4, 5])
    await a.close()
    await b.close()
  })
})

describe('Consumer > delivery', () => {
  it('starts at the end by default and from the beginning with fromBeginning', async () => {
    const topic = await topicWith(2, 5)
    const latest = createConsumer(env, { groupId: uniqueName('g') })
    await latest.subscribe([topic])
    expect(await latest.poll()).toEqual([])
    await createProducer(env).send({ topic, key: 'k0', value: 99 })
    expect(values(await latest.poll(1000))).toEqual([99])
    await latest.close()

    const earliest = createConsumer(env, { groupId: uniqueName('g'), fromBeginning: true })
    await earliest.subscribe([topic])
    expect(values(await earliest.poll())).toEqual([0, 1, 2, 3, 4, 99])
    await earliest.close()
  })

  it('returns at most maxPollRecords and continues where it stopped', async () => {
    const topic = await topicWith(1, 7)
    const consumer = createConsumer(env, { groupId: uniqueName('g'), fromBeginning: true, maxPollRecords: 3 })
    await consumer.subscribe([topic])
    const batches = [await consumer.poll(), await consumer.poll(), await consumer.poll()]
    expect(batches.map(values)).toEqual([[0, 1, 2], [3, 4, 5], [6]])
    await consumer.close()
  })

  it('waits for a record when polled with a timeout at the end of the log', async () => {
    const topic = await topicWith(2, 0)
    const consumer = createConsumer(env, { groupId: uniqueName('g') })
    await consumer.subscribe([topic])
    await consumer.poll()
    const pending = consumer.poll(5000)
    await new Promise((resolve) => setTimeout(resolve, 30))
    await createProducer(env).send({ topic, key: 'late', value: 1 })
    expect((await pending).map((r) => r.key)).toEqual(['late'])
    await consumer.close()
  })

  it('pauses and resumes partitions, and seeks', async () => {
    const topic = uniqueName('pause')
    await createTopic(topic, 2)
    await createProducer(env).sendBatch(
      [0, 1, 2].flatMap((i) => [
        { topic, value: i, partition: 0 },
        { topic, value: 10 + i, partition: 1 },
      ]),
    )
    const consumer = createConsumer(env, { groupId: uniqueName('g'), fromBeginning: true })
    await consumer.subscribe([topic])
    await consumer.poll()
    consumer.seek({ topic, partition: 0 }, 1)
    consumer.seek({ topic, partition: 1, offset: 2 })
    consumer.pause([{ topic, partition: 1 }])
    expect(values(await consumer.poll())).toEqual([1, 2])
    consumer.resume([{ topic, partition: 1 }])
    expect(values(await consumer.poll())).toEqual([12])
    await consumer.close()
  })

  it('redelivers what was not committed after a crash, skipping nothing', async () => {
    const topic = await topicWith(1, 10)
    const group = uniqueName('crash')
    const first = createConsumer(env, { groupId: group, fromBeginning: true, autoCommit: false, sessionTimeoutMs: 2_000 })
    await first.subscribe([topic])
    expect(values(await first.poll())).toHaveLength(10)
    await first.commitSync([{ topic, partition: 0, offset: 5 }])
    // `first` dies without closing; its session expires on the coordinator's alarm.
    await runDurableObjectAlarm(groupStub(env, DEFAULT_TENANT, group))
    const second = createConsumer(env, { groupId: group, autoCommit: false })
    await second.subscribe([topic])
    expect(values(await second.poll())).toEqual([5, 6, 7, 8, 9])
    await second.close()
  })

  it('commits positions on close with autoCommit, so the next consumer continues after them', async () => {
    const topic = await topicWith(2, 6)
    const group = uniqueName('auto')
    const first = createConsumer(env, { groupId: group, fromBeginning: true })
    await first.subscribe([topic])
    expect(await first.poll()).toHaveLength(6)
    await first.close()
    await createProducer(env).send({ topic, key: 'k0', value: 100 })
    const second = createConsumer(env, { groupId: group, fromBeginning: true })
    await second.subscribe([topic])
    expect(values(await second.poll())).toEqual([100])
    await second.close()
    expect((await request('GET', `/admin/groups/${group}`)).body.totalLag).toBe(0)
  })

  it('subscribes by pattern', async () => {
    const prefix = uniqueName('pat')
    await topicWith(1, 2, `${prefix}.a`)
    await topicWith(1, 3, `${prefix}.b`)
    await topicWith(1, 4, `${uniqueName('other')}.a`)
    const consumer = createConsumer(env, { groupId: uniqueName('g'), fromBeginning: true })
    await consumer.subscribe(new RegExp(`${prefix}\\..*`))
    expect(await consumer.poll()).toHaveLength(5)
    await consumer.close()
  })

  it('keeps consuming when a subscribed topic is deleted, and the group keeps no offsets for it', async () => {
    const prefix = uniqueName('del')
    const [gone, kept] = [`${prefix}.gone`, `${prefix}.kept`]
    await topicWith(2, 4, gone)
    await topicWith(1, 2, kept)
    const group = uniqueName('g')
    const consumer = createConsumer(env, { groupId: group, fromBeginning: true, autoCommitIntervalMs: 0 })
    await consumer.subscribe(new RegExp(`${prefix}\\..*`))
    expect(await consumer.poll()).toHaveLength(6)

    await createAdmin(env).deleteTopic(gone)
    await createProducer(env).send({ topic: kept, value: 'after' })
    let records: ConsumerRecord[] = []
    for (let i = 0; i < 5 && records.length === 0; i++) records = await consumer.poll()
    expect(records.map((r) => r.value)).toEqual(['after'])
    await consumer.close()
    expect((await createAdmin(env).describeGroup(group)).offsets.map((o) => o.topic)).toEqual([kept])

    // Recreated, the topic is read from its start: nothing committed for the old one carries over.
    await topicWith(2, 1, gone)
    const again = createConsumer(env, { groupId: group, fromBeginning: true })
    await again.subscribe([gone])
    expect(values(await again.poll())).toEqual([0])
    await again.close()
  })

  it('refuses to poll before subscribing, and after close', async () => {
    const consumer = createConsumer(env, { groupId: uniqueName('g') })
    await expect(consumer.poll()).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    await consumer.close()
    await expect(consumer.poll()).rejects.toThrow('closed')
  })
})

describe('Consumer > poll with a full page', () => {
  it('leaves what did not fit for the next poll when several partitions have records', async () => {
    const topic = await topicWith(3, 12)
    const group = uniqueName('full-page')
    const consumer = createConsumer(env, { groupId: group, fromBeginning: true, maxPollRecords: 2, autoCommit: false })
    await consumer.subscribe([topic])
    const seen: ConsumerRecord[] = []
    for (let i = 0; i < 20 && seen.length < 12; i++) seen.push(...(await consumer.poll(0)))
    await consumer.close()
    expect(values(seen)).toEqual(Array.from({ length: 12 }, (_, i) => i))
  })
})

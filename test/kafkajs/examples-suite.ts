/**
 * kafkajs's own documented examples (test/kafkajs/examples/, copied from its docs with only the import
 * and the constructor changed) run against Kafdo, and what they must do: the messages they produce are
 * consumed, offsets are committed, admin calls answer kafkajs's shapes. `examples-env.test.ts` runs them
 * over the Worker's bindings, `examples-http.test.ts` over HTTP; the e2e project runs them in Node.
 */
import { env } from 'cloudflare:test'
import { afterEach, beforeEach, expect, it, vi, type MockInstance } from 'vitest'
import { createAdmin } from '../../src/api/admin'
import { createProducer } from '../../src/api/producer'
import { partitionForKey } from '../../src/core/murmur2'
import { fetchRecords } from '../../src/services/read'
import { Kafka, logLevel, type KafdoOptions, type KafkaMessage } from '../../kafkajs/index.js'
import adminTopics from './examples/admin-topics.js'
import eachBatch from './examples/each-batch.js'
import gettingStarted from './examples/getting-started.js'
import { pausePartition, pauseTopic } from './examples/pause-resume.js'
import producing from './examples/producing.js'
import seek from './examples/seek.js'
import { unique, until } from './support'

const admin = () => createAdmin(env)
const logged = (spy: MockInstance, match: (arg: Record<string, unknown>) => boolean) =>
  spy.mock.calls.filter(([arg]) => typeof arg === 'object' && arg !== null && match(arg as Record<string, unknown>))

/** Committed offsets of `groupId`, by partition, as kafkajs's admin reads them. */
async function committed(kafdo: KafdoOptions, groupId: string, topic: string): Promise<Record<number, string>> {
  const [offsets] = await new Kafka({ kafdo, logLevel: logLevel.NOTHING }).admin().fetchOffsets({ groupId, topics: [topic] })
  return Object.fromEntries(offsets!.partitions.map(({ partition, offset }) => [partition, offset]))
}

class TooManyRequestsError extends Error {
  constructor(readonly retryAfter: number) {
    super('too many requests')
  }
}

export function exampleTests(kafdo: KafdoOptions): void {
  let log: MockInstance
  let warn: MockInstance
  beforeEach(() => {
    log = vi.spyOn(console, 'log').mockImplementation(() => {})
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.spyOn(console, 'info').mockImplementation(() => {})
    vi.spyOn(console, 'error').mockImplementation(() => {})
  })
  afterEach(() => vi.restoreAllMocks())

  it("Getting Started: the message produced is the message consumed, and the group's offset moves past it", async () => {
    await admin().createTopic({ topic: 'test-topic', partitions: 1 })
    const { consumer } = await gettingStarted(kafdo)
    await until(() => logged(log, (arg) => arg.value === 'Hello KafkaJS user!').length === 1, 'the message to be logged')
    await consumer.disconnect()
    expect(await committed(kafdo, 'test-group', 'test-topic')).toEqual({ 0: '1' })
  })

  it('Producing: keys go where Java and kafkajs put them, partitions and headers are kept, sendBatch writes to each topic', async () => {
    await admin().createTopic({ topic: 'topic-name', partitions: 3 })
    for (const topic of ['topic-a', 'topic-b', 'topic-c']) await admin().createTopic({ topic, partitions: 1 })
    const answers = await producing(kafdo)
    // One answer per partition written, as kafkajs's produce response has.
    expect(answers.keyed.map((m) => m.partition)).toEqual([...new Set([partitionForKey('key1', 3), partitionForKey('key2', 3)])].sort())
    for (const metadata of [...answers.keyed, ...answers.partitioned, ...answers.withHeaders]) {
      expect(metadata).toMatchObject({ topicName: 'topic-name', errorCode: 0, baseOffset: expect.stringMatching(/^\d+$/) })
    }
    expect(answers.partitioned.map((m) => m.partition)).toEqual([0, 1])
    expect(answers.batch.map((m) => m.topicName).sort()).toEqual(['topic-a', 'topic-b', 'topic-c'])
    const withHeaders = answers.withHeaders[0]!
    const stored = await fetchRecords(env, 'default', 'topic-name', withHeaders.partition, { offset: Number(withHeaders.baseOffset), limit: 1 })
    expect(stored.messages[0]).toMatchObject({
      key: 'key1',
      value: 'hello world',
      headers: { 'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67', 'system-id': 'my-system' },
    })
    expect(answers.compressed.map((m) => m.partition)).toEqual(answers.keyed.map((m) => m.partition))
    expect(warn.mock.calls.filter(([line]) => String(line).includes('compression'))).toHaveLength(1)
  })

  it('eachBatch: every message is logged with its batch, processed once, and every offset committed', async () => {
    await admin().createTopic({ topic: 'topic-eb', partitions: 3 })
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`)
    await createProducer(env).sendBatch(keys.map((key) => ({ topic: 'topic-eb', key, value: `v-${key}`, headers: { h: key } })))
    const processed: string[] = []
    const { consumer, processing } = await eachBatch(kafdo, async (message: KafkaMessage) => {
      processed.push(message.key!.toString())
    })
    await until(() => processed.length >= 30 && logged(log, (arg) => arg.topic === 'topic-eb').length >= 30, 'every message')
    await consumer.disconnect()
    await processing.disconnect()
    expect(processed.sort()).toEqual([...keys].sort())
    const lines = logged(log, (arg) => arg.topic === 'topic-eb').map(
      ([arg]) => arg as { partition: number; highWatermark: string; message: Record<string, unknown> },
    )
    expect(lines.map((line) => line.message.key).sort()).toEqual([...keys].sort())
    for (const line of lines) {
      expect(line.message.value).toBe(`v-${line.message.key}`)
      expect(String((line.message.headers as Record<string, unknown>).h)).toBe(line.message.key)
      expect(Number(line.highWatermark)).toBeGreaterThan(Number(line.message.offset))
    }
    const { partitions } = await admin().describeTopic('topic-eb')
    const latest = Object.fromEntries(partitions.map((p) => [p.partition, String(p.latest)]))
    expect(await committed(kafdo, 'eb-log', 'topic-eb')).toEqual(latest)
    expect(await committed(kafdo, 'eb-process', 'topic-eb')).toEqual(latest)
  })

  it('Admin: creates, validates, lists, grows, describes, reconfigures, deletes records and deletes topics', async () => {
    const topic = unique('admin')
    const before = Date.now()
    const answers = await adminTopics(kafdo, topic, before)
    expect(answers.validated).toBe(true)
    expect(answers.listedBefore).not.toContain(topic)
    expect([answers.created, answers.createdAgain]).toEqual([true, false])
    expect(answers.listed).toContain(topic)
    expect(answers.metadata.topics).toEqual([
      { name: topic, partitions: [0, 1, 2, 3].map((partitionId) => expect.objectContaining({ partitionId, leader: 0, partitionErrorCode: 0 })) },
    ])
    expect(answers.offsets).toEqual([
      { partition: 0, offset: '5', high: '5', low: '0' },
      { partition: 1, offset: '0', high: '0', low: '0' },
      { partition: 2, offset: '0', high: '0', low: '0' },
      { partition: 3, offset: '0', high: '0', low: '0' },
    ])
    expect(answers.offsetsByTimestamp).toEqual([
      { partition: 0, offset: '0' },
      { partition: 1, offset: '0' },
      { partition: 2, offset: '0' },
      { partition: 3, offset: '0' },
    ])
    expect(answers.configs.resources).toEqual([
      expect.objectContaining({
        resourceName: topic,
        resourceType: 2,
        errorCode: 0,
        configEntries: [expect.objectContaining({ configName: 'cleanup.policy', configValue: 'compact', isDefault: false, configSource: 1 })],
      }),
    ])
    expect(answers.altered.resources).toEqual([{ errorCode: 0, errorMessage: null, resourceName: topic, resourceType: 2 }])
    expect(answers.offsetsAfterDeletion.slice(0, 2)).toEqual([
      { partition: 0, offset: '5', high: '5', low: '3' },
      { partition: 1, offset: '0', high: '0', low: '0' },
    ])
    expect(answers.listedAfter).not.toContain(topic)
  })

  it('Seek: the consumer starts at the offset sought, and commits from there', async () => {
    await admin().createTopic({ topic: 'example', partitions: 1 })
    const producer = createProducer(env)
    for (let from = 0; from < 12_400; from += 3_100) {
      await producer.sendBatch(Array.from({ length: 3_100 }, (_, i) => ({ topic: 'example', value: from + i })))
    }
    const groupId = unique('seek')
    const { consumer } = await seek(kafdo, groupId)
    const batches: Array<{ firstOffset: string; batchSize: number }> = []
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => batches.push(payload))
    await until(async () => (await committed(kafdo, groupId, 'example'))[0] === '12400', 'the commit after the last record')
    await consumer.disconnect()
    expect(batches[0]?.firstOffset).toBe('12384')
    expect(batches.reduce((sum, b) => sum + b.batchSize, 0)).toBe(16)
  })

  it('Pause & Resume: a topic paused by an overloaded dependency resumes, and the failed message is delivered again', async () => {
    await admin().createTopic({ topic: 'jobs', partitions: 3 })
    await createProducer(env).sendBatch(['a', 'b', 'c', 'd', 'e', 'f'].map((key) => ({ topic: 'jobs', key, value: key })))
    const delivered: string[] = []
    let refused = false
    const sendToDependency = async (message: KafkaMessage) => {
      const key = message.key!.toString()
      if (key === 'c' && !refused) {
        refused = true
        throw new TooManyRequestsError(0.01)
      }
      delivered.push(key)
    }
    const { consumer } = await pauseTopic(kafdo, unique('jobs'), { sendToDependency, TooManyRequestsError })
    await until(() => delivered.length === 6, 'every job')
    await consumer.disconnect()
    expect(refused).toBe(true)
    expect(delivered.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f'])
  })

  it('Pause & Resume per partition: only the throttled partition pauses, and paused() lists it', async () => {
    await admin()
      .createTopic({ topic: 'jobs', partitions: 3 })
      .catch(() => undefined)
    const groupId = unique('jobs-p')
    const keys = ['g', 'h', 'i', 'j', 'k', 'l']
    await createProducer(env).sendBatch(keys.map((key) => ({ topic: 'jobs', key, value: key })))
    const throttled = partitionForKey('i', 3)
    const delivered: string[] = []
    let refused = false
    const sendToDependency = async (message: KafkaMessage) => {
      const key = message.key!.toString()
      if (key === 'i' && !refused) {
        refused = true
        throw new TooManyRequestsError(0.01)
      }
      delivered.push(key)
    }
    const { consumer } = await pausePartition(kafdo, groupId, { sendToDependency, TooManyRequestsError })
    await until(() => keys.every((key) => delivered.includes(key)), 'every job')
    await consumer.disconnect()
    expect(logged(log, (arg) => arg.topic === 'jobs').map(([arg]) => arg)).toEqual([{ topic: 'jobs', partitions: [throttled] }])
  })
}

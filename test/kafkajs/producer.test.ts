/**
 * kafdo/kafkajs's producer: kafkajs's answers and checks, messages stored so that Kafdo's other clients
 * read them, retries that never write twice, and the kafkajs features Kafdo cannot honour refused (or,
 * where kafkajs itself accepts and ignores them, accepted with one warning).
 */
import { env } from 'cloudflare:test'
import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { createAdmin } from '../../src/api/admin'
import { fetchRecords } from '../../src/services/read'
import {
  CompressionTypes,
  Kafka,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  logLevel,
  type KafdoFetch,
} from '../../kafkajs/index.js'
import { BASE_URL, overEnv, overHttp, recordingLogger, unique, workerFetch } from './support'

async function topicWith(partitions: number, config?: Record<string, string>): Promise<string> {
  const topic = unique('p')
  await createAdmin(env).createTopic({ topic, partitions, ...(config ? { config } : {}) })
  return topic
}

const stored = async (topic: string, partition = 0) => (await fetchRecords(env, 'default', topic, partition, { offset: 0, limit: 100 })).messages

/**
 * A producer whose first produce reaches Kafdo and is written, while its answer is lost on the way back
 * (a 503 instead): what a retry must not write twice.
 */
function producerLosingFirstAnswer() {
  let lost = 1
  const losing: KafdoFetch = async (input, init) => {
    const response = await workerFetch(input, init)
    if (input.includes('/produce') && lost-- > 0) return new Response('{"error":{"code":"SERVICE_UNAVAILABLE","message":"lost"}}', { status: 503 })
    return response
  }
  return new Kafka({ clientId: 'r', logLevel: logLevel.NOTHING, kafdo: { url: BASE_URL, fetch: losing }, retry: { initialRetryTime: 1 } }).producer()
}

describe('kafdo/kafkajs > producer', () => {
  it("answers one RecordMetadata per partition written, partitions ascending, baseOffset the partition's first new offset", async () => {
    const topic = await topicWith(3)
    const producer = overEnv().producer()
    await producer.connect()
    await producer.send({ topic, messages: [{ value: 'x', partition: 2 }] })
    const answer = await producer.send({
      topic,
      messages: [
        { value: 'a', partition: 2 },
        { value: 'b', partition: 0 },
        { value: 'c', partition: 2 },
      ],
    })
    expect(answer).toEqual([
      { topicName: topic, partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1' },
      { topicName: topic, partition: 2, errorCode: 0, baseOffset: '1', logAppendTime: '-1' },
    ])
    const appendTimed = await topicWith(1, { 'message.timestamp.type': 'LogAppendTime' })
    const [metadata] = await producer.send({ topic: appendTimed, messages: [{ value: 'a', timestamp: '1000' }] })
    expect(Number(metadata!.logAppendTime)).toBeGreaterThan(1000)
    await producer.disconnect()
  })

  it('stores strings as JSON text and Buffers as base64 bytes, and hands both back as the bytes sent', async () => {
    const topic = await topicWith(1)
    const producer = overHttp().producer()
    await producer.connect()
    const bytes = Buffer.from([0, 255, 1, 128])
    await producer.send({
      topic,
      messages: [
        { key: 'k', value: '{"amount":1}', headers: { source: 'web', raw: Buffer.from('ok') }, timestamp: '1700000000000' },
        { key: Buffer.from('binary-key'), value: bytes },
        { value: null },
        { value: 42 as unknown as string },
      ],
    })
    expect(await stored(topic)).toEqual([
      expect.objectContaining({ key: 'k', value: '{"amount":1}', headers: { source: 'web', raw: 'ok' }, timestamp: 1700000000000 }),
      expect.objectContaining({ key: 'binary-key', value: bytes.toString('base64'), valueEncoding: 'base64' }),
      expect.objectContaining({ key: null, value: null }),
      expect.objectContaining({ value: '42' }),
    ])
    const consumer = overHttp().consumer({ groupId: unique('g') })
    await consumer.subscribe({ topic, fromBeginning: true })
    const values: Array<Buffer | null> = []
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value) })
    while (values.length < 4) await new Promise((resolve) => setTimeout(resolve, 10))
    await consumer.disconnect()
    expect(values).toEqual([Buffer.from('{"amount":1}'), bytes, null, Buffer.from('42')])
  })

  it('refuses what Kafdo cannot store, naming it, and writes nothing of the request', async () => {
    const topic = await topicWith(1)
    const producer = overEnv().producer()
    await producer.connect()
    const refusals = [
      [{ key: Buffer.from([0xff, 0xfe]), value: 'v' }, 'binary keys'],
      [{ value: 'v', headers: { h: ['a', 'b'] } }, 'repeated headers'],
      [{ value: 'v', headers: { h: Buffer.from([0xc3]) } }, 'binary keys and header values'],
      [{ value: 'v', timestamp: 'yesterday' }, 'epoch milliseconds'],
      [{ key: 'k' }, 'Invalid message without value'],
    ] as const
    for (const [message, named] of refusals) {
      const error = await producer.send({ topic, messages: [{ value: 'fine' }, message as never] }).catch((e: unknown) => e)
      expect(error, named).toBeInstanceOf(KafkaJSNonRetriableError)
      expect((error as Error).message, named).toContain(named)
    }
    await expect(producer.sendBatch({ topicMessages: [{ topic: '', messages: [] }] })).rejects.toThrow('Invalid topic')
    expect(await stored(topic)).toEqual([])
  })

  it('refuses transactions and, for an idempotent producer, acks other than -1, as kafkajs does', async () => {
    const kafka = overEnv()
    const error = await kafka
      .producer({ transactionalId: 'tx' })
      .transaction()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaJSNotImplemented)
    expect((error as Error).message).toMatch(/^Transactions are not supported by Kafdo/)
    const idempotent = kafka.producer({ idempotent: true })
    await idempotent.connect()
    expect(idempotent.isIdempotent()).toBe(true)
    await expect(idempotent.send({ topic: await topicWith(1), acks: 1, messages: [{ value: 'v' }] })).rejects.toThrow(
      "Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees",
    )
    expect(() => kafka.producer({ idempotent: true, retry: { retries: 0 } })).toThrow('Idempotent producer must allow retries')
  })

  it('refuses a send before connect, and after disconnect', async () => {
    const topic = await topicWith(1)
    const producer = overEnv().producer()
    const before = await producer.send({ topic, messages: [{ value: 'v' }] }).catch((e: unknown) => e)
    expect(before).toBeInstanceOf(KafkaJSError)
    expect((before as KafkaJSError).message).toBe('The producer is disconnected')
    await producer.connect()
    await producer.disconnect()
    await expect(producer.send({ topic, messages: [{ value: 'v' }] })).rejects.toThrow('The producer is disconnected')
  })

  it('fails a send to a topic that does not exist with UNKNOWN_TOPIC_OR_PARTITION, not retried', async () => {
    const producer = overHttp().producer()
    await producer.connect()
    const error = await producer.send({ topic: unique('missing'), messages: [{ value: 'v' }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaJSProtocolError)
    expect(error).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: false })
    expect((error as Error).message).toContain('create it first')
  })

  it('accepts compression, acks: 0 and broker settings, and says once that it ignores them', async () => {
    const topic = await topicWith(2)
    const { logCreator, entries } = recordingLogger()
    const kafka = new Kafka({
      clientId: 'w',
      brokers: ['kafka1:9092'],
      ssl: true,
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
      kafdo: { env },
      logCreator,
    })
    const producer = kafka.producer()
    await producer.connect()
    for (let i = 0; i < 3; i++) await producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ key: `k${i}`, value: 'v' }] })
    expect(await producer.send({ topic, acks: 0, messages: [{ value: 'w' }] })).toEqual([])
    await producer.send({ topic, acks: 0, messages: [{ value: 'w' }] })
    const warnings = entries.filter((e) => e.level === logLevel.WARN).map((e) => e.log.message)
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toMatch(/^brokers, ssl, sasl are ignored/)
    expect(warnings[1]).toMatch(/^compression \(GZIP\) is ignored/)
    expect(warnings[2]).toMatch(/^acks: 0 is served as acks: -1/)
    expect((await stored(topic, 0)).length + (await stored(topic, 1)).length).toBe(5)
  })

  it('partitions with createPartitioner when given one', async () => {
    const topic = await topicWith(3)
    const producer = overEnv().producer({ createPartitioner: () => () => 1 })
    await producer.connect()
    expect((await producer.send({ topic, messages: [{ key: 'a', value: '1' }, { value: '2' }] })).map((m) => m.partition)).toEqual([1])
  })

  it('retries a retriable failure with the same sequence, so a request whose answer was lost is written once', async () => {
    const topic = await topicWith(1)
    const producer = producerLosingFirstAnswer()
    await producer.connect()
    const [metadata] = await producer.send({ topic, messages: [{ value: 'once' }] })
    expect(metadata!.baseOffset).toBe('0')
    expect((await stored(topic)).map((r) => r.value)).toEqual(['once'])
  })

  it('retries keyless messages to the partitions it first chose, so a lost answer does not write them twice elsewhere', async () => {
    const topic = await topicWith(3)
    const producer = producerLosingFirstAnswer()
    await producer.connect()
    // The default partitioner spreads keyless messages round-robin: partitioning again on the retry would move them.
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] })
    const stored3 = await Promise.all([0, 1, 2].map((p) => stored(topic, p)))
    expect(
      stored3
        .flat()
        .map((r) => r.value)
        .sort(),
    ).toEqual(['a', 'b'])
  })

  it('gives up after its retries with KafkaJSNumberOfRetriesExceeded', async () => {
    const topic = await topicWith(1)
    const busy: KafdoFetch = async (input, init) =>
      input.includes('/produce')
        ? new Response('{"error":{"code":"SERVICE_UNAVAILABLE","message":"busy"}}', { status: 503 })
        : workerFetch(input, init)
    const producer = new Kafka({ clientId: 'r', logLevel: logLevel.NOTHING, kafdo: { url: BASE_URL, fetch: busy } }).producer({
      retry: { retries: 2, initialRetryTime: 1, maxRetryTime: 2 },
    })
    await producer.connect()
    const error = await producer.send({ topic, messages: [{ value: 'v' }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded)
    expect(error).toMatchObject({ retryCount: 2, cause: { type: 'LEADER_NOT_AVAILABLE', retriable: true } })
  })

  it('emits its events, network requests included over HTTP, and refuses an unknown event name', async () => {
    const producer = overHttp().producer()
    const seen: string[] = []
    producer.on(producer.events.CONNECT, (event) => seen.push(event.type))
    producer.on(producer.events.REQUEST, (event) => seen.push(`${event.type} ${event.payload.apiName}`))
    await producer.connect()
    await producer.send({ topic: await topicWith(1).then((t) => t), messages: [{ value: 'v' }] })
    await producer.disconnect()
    expect(seen).toEqual([
      'producer.network.request GET /health',
      'producer.connect',
      'producer.network.request GET /admin/topics',
      expect.stringMatching(/^producer\.network\.request POST \/topics\/.+\/produce-batch$/),
    ])
    expect(() => producer.on('producer.nope' as never, () => {})).toThrow('Event name should be one of producer.events.CONNECT')
  })

  it('refuses a Kafka without kafdo, naming what to give', () => {
    expect(() => new Kafka({ clientId: 'x', brokers: ['kafka:9092'] })).toThrow(KafkaJSNonRetriableError)
    expect(() => new Kafka({ clientId: 'x', brokers: ['kafka:9092'] })).toThrow(/kafdo: \{ url, token \}/)
    expect(() => new Kafka({ kafdo: { url: 'not a url' } })).toThrow('kafdo.url must be an absolute URL')
    expect(() => new Kafka({ kafdo: { env: {} as never } })).toThrow(
      'kafdo.env lacks the Durable Object bindings TOPIC_PARTITION, CONSUMER_GROUP, CLUSTER_METADATA',
    )
  })
})

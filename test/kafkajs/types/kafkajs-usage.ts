/**
 * TypeScript written against kafkajs's published types (`kafkajs/types/index.d.ts`): the type
 * compatibility test (test/e2e/kafkajs.test.ts) compiles this file as it is against kafkajs, and a copy
 * whose only change is the import (`'kafkajs'` → `'kafdo/kafkajs'`) against the packed kafdo/kafkajs.
 * It is compiled, never run.
 */
import {
  type Admin,
  AssignerProtocol,
  CompressionTypes,
  ConfigResourceTypes,
  type Consumer,
  type ConsumerConfig,
  type EachBatchPayload,
  type EachMessagePayload,
  type IHeaders,
  type ITopicConfig,
  Kafka,
  type KafkaConfig,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  type KafkaMessage,
  type LogEntry,
  type logCreator,
  logLevel,
  type Message,
  PartitionAssigners,
  Partitioners,
  type Producer,
  type ProducerBatch,
  type ProducerRecord,
  type RecordMetadata,
  type RetryOptions,
  type TopicMessages,
  type TopicPartitionOffsetAndMetadata,
} from 'kafkajs'

const retry: RetryOptions = { initialRetryTime: 100, retries: 8, maxRetryTime: 30_000, factor: 0.2, multiplier: 2 }

const toWinstonLogLevel = (level: logLevel): string => {
  switch (level) {
    case logLevel.ERROR:
    case logLevel.NOTHING:
      return 'error'
    case logLevel.WARN:
      return 'warn'
    case logLevel.INFO:
      return 'info'
    case logLevel.DEBUG:
      return 'debug'
  }
}

const myLogCreator: logCreator =
  (level) =>
  ({ namespace, level: entryLevel, label, log }: LogEntry) => {
    const { message, ...extra } = log
    console.log(toWinstonLogLevel(level), toWinstonLogLevel(entryLevel), namespace, label, message, extra)
  }

const config: KafkaConfig = {
  clientId: 'orders-service',
  brokers: ['kafka1:9092', 'kafka2:9092'],
  ssl: true,
  sasl: { mechanism: 'plain', username: 'user', password: 'secret' },
  connectionTimeout: 3000,
  requestTimeout: 25000,
  retry,
  logLevel: logLevel.WARN,
  logCreator: myLogCreator,
}

export const kafka = new Kafka(config)

export async function produce(producer: Producer): Promise<string[]> {
  await producer.connect()
  const headers: IHeaders = { 'correlation-id': '42', trace: Buffer.from('abc') }
  const messages: Message[] = [
    { key: 'order-1', value: JSON.stringify({ amount: 10 }), headers },
    { key: Buffer.from('order-2'), value: Buffer.from([1, 2, 3]), partition: 0, timestamp: Date.now().toString() },
    { key: null, value: null },
  ]
  const record: ProducerRecord = { topic: 'orders', messages, acks: -1, timeout: 30000, compression: CompressionTypes.GZIP }
  const sent: RecordMetadata[] = await producer.send(record)
  const topicMessages: TopicMessages[] = [
    { topic: 'orders', messages: [{ value: 'a' }] },
    { topic: 'audit', messages: [{ value: 'b' }] },
  ]
  const batch: ProducerBatch = { topicMessages, acks: -1 }
  const sentBatch = await producer.sendBatch(batch)
  const removeListener = producer.on(producer.events.CONNECT, (event) => console.log(event.timestamp))
  removeListener()
  await producer.disconnect()
  return [...sent, ...sentBatch].map((metadata) => `${metadata.topicName}/${metadata.partition}@${metadata.baseOffset ?? ''}:${metadata.errorCode}`)
}

export function createProducer(): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, retry, allowAutoTopicCreation: false })
}

async function handle(message: KafkaMessage): Promise<void> {
  const value = message.value?.toString() ?? ''
  const key = message.key?.toString()
  const correlation = message.headers?.['correlation-id']?.toString()
  console.log(message.offset, message.timestamp, key, value, correlation)
}

export async function consume(consumerConfig: ConsumerConfig): Promise<Consumer> {
  const consumer = kafka.consumer({ ...consumerConfig, partitionAssigners: [PartitionAssigners.roundRobin] })
  await consumer.connect()
  await consumer.subscribe({ topics: ['orders', /^audit\..*/], fromBeginning: true })
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => console.log(payload.memberId, payload.memberAssignment, payload.isLeader))
  consumer.on(consumer.events.CRASH, ({ payload: { error, restart } }) => console.error(error.message, restart))
  consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => console.log(payload.topics.map((t) => t.partitions.length)))
  await consumer.run({
    autoCommitInterval: 5000,
    autoCommitThreshold: 100,
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ topic, partition, message, heartbeat, pause }: EachMessagePayload) => {
      try {
        await handle(message)
        await heartbeat()
      } catch (e) {
        const resume = pause()
        setTimeout(resume, 1000)
        console.log(topic, partition)
        throw e
      }
    },
  })
  consumer.seek({ topic: 'orders', partition: 0, offset: '42' })
  consumer.pause([{ topic: 'orders', partitions: [1] }])
  consumer.resume([{ topic: 'orders' }])
  const paused: Array<{ topic: string; partitions: number[] }> = consumer.paused()
  const offsets: TopicPartitionOffsetAndMetadata[] = [{ topic: 'orders', partition: 0, offset: '43', metadata: null }]
  await consumer.commitOffsets(offsets)
  const group = await consumer.describeGroup()
  for (const member of group.members) console.log(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment, paused)
  return consumer
}

export async function consumeBatches(consumer: Consumer): Promise<void> {
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, uncommittedOffsets }: EachBatchPayload) => {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break
        await handle(message)
        resolveOffset(message.offset)
        await heartbeat()
      }
      console.log(batch.highWatermark, batch.offsetLag(), batch.firstOffset(), batch.lastOffset(), uncommittedOffsets().topics)
      await commitOffsetsIfNecessary()
    },
  })
}

export async function administer(admin: Admin): Promise<boolean> {
  await admin.connect()
  const topics: ITopicConfig[] = [
    { topic: 'orders', numPartitions: 6, replicationFactor: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
  ]
  const created = await admin.createTopics({ topics, validateOnly: false, waitForLeaders: true, timeout: 5000 })
  await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 12 }] })
  const names: string[] = await admin.listTopics()
  const metadata = await admin.fetchTopicMetadata({ topics: names })
  const offsets = await admin.fetchTopicOffsets('orders')
  const byTime = await admin.fetchTopicOffsetsByTimestamp('orders', Date.now() - 3_600_000)
  await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: byTime })
  await admin.resetOffsets({ groupId: 'billing', topic: 'orders', earliest: true })
  const groupOffsets = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] })
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders' }] })
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configEntries: [{ name: 'retention.ms', value: '86400000' }] }],
  })
  const { groups } = await admin.listGroups()
  const described = await admin.describeGroups(groups.map((g) => g.groupId))
  await admin.deleteGroups(['old-group'])
  await admin.deleteTopicRecords({ topic: 'orders', partitions: [{ partition: 0, offset: '-1' }] })
  await admin.deleteTopics({ topics: ['scratch'] })
  console.log(
    metadata.topics[0]?.partitions[0]?.leader,
    offsets[0]?.high,
    groupOffsets[0]?.partitions[0]?.offset,
    configs.resources[0]?.configEntries,
    described.groups[0]?.state,
  )
  await admin.disconnect()
  return created
}

export function explain(error: unknown): string {
  if (error instanceof KafkaJSNumberOfRetriesExceeded) return `gave up after ${error.retryCount} retries`
  if (error instanceof KafkaJSProtocolError) return `${error.type} (${error.code}) retriable=${error.retriable}`
  if (error instanceof KafkaJSNonRetriableError) return error.message
  if (error instanceof KafkaJSError) return `${error.name}: ${error.retriable}`
  return String(error)
}

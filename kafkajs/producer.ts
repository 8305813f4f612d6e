/**
 * kafkajs's producer (`src/producer/`) over a transport. As kafkajs does, it validates the request,
 * looks up each topic's partitions (cached for `metadataMaxAge`), runs the partitioner on every message,
 * sends one request per topic and answers one `RecordMetadata` per topic-partition, retrying by its
 * `retry` options. Every Kafdo producer is idempotent: each request carries this producer's id and a
 * sequence number, kept across retries, so a retry never writes twice whatever `idempotent` says. A
 * topic's requests go one at a time, in call order (the partition refuses an older sequence).
 */
import { KafdoError } from '../src/protocol/errors.js'
import { CompressionTypes } from './constants.js'
import { KafkaJSError, KafkaJSNonRetriableError, KafkaJSNotImplemented, KafkaJSProtocolError } from './errors.js'
import { Instrumentation, PRODUCER_EVENTS } from './instrumentation.js'
import { toRecord } from './messages.js'
import { Partitioners } from './partitioners.js'
import { retrying } from './retry.js'
import type { KafkaContext } from './kafka-context.js'
import type { Transport, TopicInfo } from './transport.js'
import type { Logger, Message, PartitionMetadata, RecordMetadata, RetryOptions } from './types/common.js'
import type { ProducerConfig } from './types/config.js'
import type { Producer, ProducerBatch, ProducerEvents, ProducerRecord, Transaction } from './types/producer.js'

const DEFAULT_METADATA_MAX_AGE = 300_000

export class KafdoKafkaProducer implements Producer {
  readonly events: ProducerEvents = PRODUCER_EVENTS
  readonly #context: KafkaContext
  readonly #logger: Logger
  readonly #instrumentation: Instrumentation<ProducerEvents>
  readonly #partition: ReturnType<NonNullable<ProducerConfig['createPartitioner']>>
  readonly #retry: RetryOptions
  readonly #idempotent: boolean
  readonly #metadataMaxAge: number
  readonly #producerId = crypto.randomUUID()
  readonly #topics = new Map<string, { info: TopicInfo; expiresAt: number }>()
  readonly #tails = new Map<string, Promise<unknown>>()
  #transport: Promise<Transport> | undefined
  #sequence = 0
  #status: 'connected' | 'disconnecting' | 'disconnected' = 'disconnected'

  constructor(context: KafkaContext, config: ProducerConfig = {}) {
    this.#context = context
    this.#logger = context.logger.namespace('Producer')
    this.#instrumentation = new Instrumentation('producer', PRODUCER_EVENTS, this.#logger)
    this.#idempotent = config.idempotent ?? false
    this.#retry = { ...context.retry, ...(config.retry ?? { retries: this.#idempotent ? Number.MAX_SAFE_INTEGER : 5 }) }
    if (this.#idempotent && (this.#retry.retries ?? 5) < 1) {
      throw new KafkaJSNonRetriableError('Idempotent producer must allow retries to protect against transient errors')
    }
    if (this.#idempotent && (this.#retry.retries ?? 5) < Number.MAX_SAFE_INTEGER) {
      this.#logger.warn('Limiting retries for the idempotent producer may invalidate EoS guarantees')
    }
    this.#partition = (config.createPartitioner ?? Partitioners.DefaultPartitioner)()
    this.#metadataMaxAge = config.metadataMaxAge ?? DEFAULT_METADATA_MAX_AGE
    if (config.allowAutoTopicCreation === true) {
      context.warn(
        'allowAutoTopicCreation',
        'allowAutoTopicCreation is ignored: a topic must exist before kafdo/kafkajs produces to it (admin.createTopics)',
      )
    }
    if (config.maxInFlightRequests) {
      context.warn('maxInFlightRequests', 'maxInFlightRequests is ignored: a producer sends one request per topic at a time')
    }
  }

  async connect(): Promise<void> {
    await this.#transportOrThrow().then((transport) => retrying(this.#retry, () => transport.ping(), { broker: transport.broker }))
    this.#status = 'connected'
    this.#instrumentation.emit(PRODUCER_EVENTS.CONNECT)
  }

  async disconnect(): Promise<void> {
    this.#status = 'disconnecting'
    await Promise.allSettled([...this.#tails.values()])
    this.#status = 'disconnected'
    this.#instrumentation.emit(PRODUCER_EVENTS.DISCONNECT)
  }

  isIdempotent(): boolean {
    return this.#idempotent
  }

  on(eventName: string, listener: (event: never) => void): () => void {
    return this.#instrumentation.on(eventName, listener as (event: unknown) => void)
  }

  logger(): Logger {
    return this.#logger
  }

  /** Refused: Kafdo has no transactions (a produce is atomic per partition only). */
  async transaction(): Promise<Transaction> {
    throw new KafkaJSNotImplemented(
      'Transactions are not supported by Kafdo: producer.transaction() (and sendOffsets, exactly-once across topics and partitions) cannot be honoured. Each send is written atomically per partition, and idempotently.',
    )
  }

  send({ topic, messages, acks, timeout, compression }: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] })
  }

  async sendBatch({ acks = -1, timeout: _timeout, compression, topicMessages = [] }: ProducerBatch): Promise<RecordMetadata[]> {
    if (topicMessages.some(({ topic }) => !topic)) throw new KafkaJSNonRetriableError('Invalid topic')
    if (this.#idempotent && acks !== -1) {
      throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees")
    }
    for (const { topic, messages } of topicMessages) {
      if (!messages) throw new KafkaJSNonRetriableError(`Invalid messages array [${String(messages)}] for topic "${topic}"`)
      const withoutValue = messages.find((message) => message.value === undefined)
      if (withoutValue) throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${JSON.stringify(withoutValue)}`)
    }
    if (this.#status === 'disconnecting')
      throw new KafkaJSNonRetriableError("The producer is disconnecting; therefore, it can't safely accept messages anymore")
    if (this.#status === 'disconnected') throw new KafkaJSError('The producer is disconnected')
    if (compression !== undefined && compression !== CompressionTypes.None) {
      this.#context.warn('compression', `compression (${CompressionTypes[compression] ?? compression}) is ignored: Kafdo stores records uncompressed`)
    }
    if (acks === 0) {
      this.#context.warn(
        'acks0',
        'acks: 0 is served as acks: -1: Kafdo answers once a write is stored; send resolves with [] as kafkajs does for acks: 0',
      )
    }
    const merged = new Map<string, Message[]>()
    for (const { topic, messages } of topicMessages) merged.set(topic, [...(merged.get(topic) ?? []), ...messages])
    const transport = await this.#transportOrThrow()
    const answers = await Promise.all([...merged].map(([topic, messages]) => this.#inOrder(topic, () => this.#sendTopic(transport, topic, messages))))
    return acks === 0 ? [] : answers.flat()
  }

  async #sendTopic(transport: Transport, topic: string, messages: Message[]): Promise<RecordMetadata[]> {
    const sequence = this.#sequence++
    // Partitioned once: a retry must send each message to the partition it first chose, where the
    // sequence makes a write whose answer was lost a duplicate (round-robin would pick another partition).
    // Only a change in the topic's partition count partitions again.
    let planned: { partitions: number; records: ReturnType<typeof toRecord>[] } | undefined
    return retrying(
      this.#retry,
      async () => {
        const info = await this.#topic(transport, topic)
        if (planned?.partitions !== info.partitions) {
          const metadata = partitionMetadata(info.partitions)
          planned = {
            partitions: info.partitions,
            records: messages.map((message) => toRecord(message, topic, this.#partition({ topic, partitionMetadata: metadata, message }))),
          }
        }
        const { records } = planned
        if (records.length === 0) return []
        try {
          const written = await transport.produce(topic, records, { producerId: this.#producerId, sequence })
          return perPartition(topic, written, info.logAppendTime)
        } catch (err) {
          // A deleted or recreated topic: look it up again on the next send (Kafdo does not retry this).
          if (err instanceof KafdoError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') this.#topics.delete(topic)
          throw err
        }
      },
      { broker: transport.broker },
    )
  }

  async #topic(transport: Transport, topic: string): Promise<TopicInfo> {
    const cached = this.#topics.get(topic)
    if (cached && cached.expiresAt > Date.now()) return cached.info
    const info = await transport.topic(topic)
    if (!info) {
      this.#topics.delete(topic)
      throw new KafkaJSProtocolError({
        message: `This server does not host this topic-partition: topic '${topic}' does not exist (create it first: Kafdo does not create topics on produce unless the server's AUTO_CREATE_TOPICS is on, and kafdo/kafkajs needs a topic's partitions before it sends)`,
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
        code: 3,
        retriable: false,
      })
    }
    this.#topics.set(topic, { info, expiresAt: Date.now() + this.#metadataMaxAge })
    return info
  }

  /** Runs `send` after every earlier send to `topic` (max.in.flight.requests.per.connection=1 per topic). */
  #inOrder<T>(topic: string, send: () => Promise<T>): Promise<T> {
    const run = (this.#tails.get(topic) ?? Promise.resolve()).then(send, send)
    const tail = run.catch(() => undefined)
    this.#tails.set(topic, tail)
    void tail.then(() => {
      if (this.#tails.get(topic) === tail) this.#tails.delete(topic)
    })
    return run
  }

  #transportOrThrow(): Promise<Transport> {
    this.#transport ??= this.#context.transport({
      onRequest: (request) => this.#context.emitRequest(this.#instrumentation, PRODUCER_EVENTS.REQUEST, request),
    })
    return this.#transport
  }
}

/** kafkajs's view of a topic's partitions: Kafdo has one "broker", always the leader. */
export function partitionMetadata(partitions: number): PartitionMetadata[] {
  return Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    offlineReplicas: [],
  }))
}

/** One RecordMetadata per partition written, partitions in ascending order, as kafkajs answers a produce. */
function perPartition(
  topic: string,
  written: Array<{ partition: number; offset: number; timestamp: number }>,
  logAppendTime: boolean,
): RecordMetadata[] {
  const first = new Map<number, { offset: number; timestamp: number }>()
  for (const record of written) {
    const seen = first.get(record.partition)
    if (!seen || record.offset < seen.offset) first.set(record.partition, record)
  }
  return [...first]
    .sort(([a], [b]) => a - b)
    .map(([partition, { offset, timestamp }]) => ({
      topicName: topic,
      partition,
      errorCode: 0,
      baseOffset: String(offset),
      logAppendTime: logAppendTime ? String(timestamp) : '-1',
    }))
}

/**
 * kafkajs's consumer (`src/consumer/index.js`) over Kafdo: the same methods, checks, messages and events.
 * Each `run()` is a `Runner` over Kafdo's consumer core, a member of the group on Kafka 4's consumer
 * protocol: partitions are assigned by the server (sticky by default; `PartitionAssigners.roundRobin`
 * asks for round robin), and members that join or leave never stop the others. Over HTTP `run()`
 * resolves once joined and consumes in the background, restarting after a retriable crash, as kafkajs;
 * with a time budget (a Worker's default) it resolves when the budget is spent or nothing is left,
 * having committed and left the group.
 */
import type { AssignmentStrategy } from '../src/protocol/index.js'
import { consumerOptionsSchema } from '../src/protocol/consumer-options.js'
import { KafdoError } from '../src/protocol/errors.js'
import { check } from '../src/protocol/validation.js'
import { EARLIEST_OFFSET, LATEST_OFFSET } from './constants.js'
import { KafkaJSNonRetriableError } from './errors.js'
import { checkTopicPartitions, offsetOf, rootCause, strategyOf } from './consumer-args.js'
import { kafkaJSError } from './from-kafdo.js'
import { toGroupDescription } from './group-description.js'
import { CONSUMER_EVENTS, Instrumentation } from './instrumentation.js'
import type { KafkaContext } from './kafka-context.js'
import { retrying, RETRY_DEFAULTS, retryPolicy } from './retry.js'
import { Runner } from './runner.js'
import { subscriptionTopics } from './subscriptions.js'
import type { Transport } from './transport.js'
import type { Logger, RetryOptions, TopicPartitionOffset, TopicPartitionOffsetAndMetadata, TopicPartitions } from './types/common.js'
import type { ConsumerConfig } from './types/config.js'
import type {
  Consumer,
  ConsumerEvents,
  ConsumerRunConfig,
  ConsumerSubscribeTopic,
  ConsumerSubscribeTopics,
  GroupDescription,
} from './types/consumer.js'

const NOT_RUNNING = 'Consumer group was not initialized, consumer#run must be called first'

export class KafdoKafkaConsumer implements Consumer {
  readonly events: ConsumerEvents = CONSUMER_EVENTS
  readonly #context: KafkaContext
  readonly #config: ConsumerConfig
  readonly #logger: Logger
  readonly #instrumentation: Instrumentation<ConsumerEvents>
  readonly #retry: RetryOptions
  readonly #strategy: AssignmentStrategy | undefined
  /** Subscribed topics and where each starts without a committed offset (kafkajs's topic configurations). */
  readonly #topics = new Map<string, boolean>()
  #transport: Promise<Transport> | undefined
  #runner: Runner | undefined
  #restart: ReturnType<typeof setTimeout> | undefined

  constructor(context: KafkaContext, config: ConsumerConfig) {
    if (!config?.groupId) throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.')
    const { sessionTimeout = 30_000, heartbeatInterval = 3_000 } = config
    if (heartbeatInterval >= sessionTimeout) {
      throw new KafkaJSNonRetriableError(
        `Consumer heartbeatInterval (${heartbeatInterval}) must be lower than sessionTimeout (${sessionTimeout}). It is recommended to set heartbeatInterval to approximately a third of the sessionTimeout.`,
      )
    }
    this.#context = context
    this.#config = config
    this.#logger = context.logger.namespace('Consumer')
    this.#instrumentation = new Instrumentation('consumer', CONSUMER_EVENTS, this.#logger)
    this.#retry = { ...context.retry, ...(config.retry ?? { retries: 5 }) }
    this.#strategy = strategyOf(config.partitionAssigners)
    if (config.allowAutoTopicCreation === true) {
      context.warn('allowAutoTopicCreation', 'allowAutoTopicCreation is ignored: subscribing to a topic that does not exist creates nothing')
    }
    for (const option of ['maxBytesPerPartition', 'minBytes', 'maxBytes', 'rackId', 'maxInFlightRequests'] as const) {
      if (config[option] !== undefined) {
        context.warn(`consumer.${option}`, `${option} is ignored: Kafdo's fetches are sized by record count (at most 500 records per fetch)`)
      }
    }
  }

  async connect(): Promise<void> {
    const transport = await this.#transportOrThrow()
    await retrying(this.#retry, () => transport.ping(), { broker: transport.broker })
    this.#instrumentation.emit(CONSUMER_EVENTS.CONNECT)
  }

  async disconnect(): Promise<void> {
    try {
      await this.stop()
      this.#instrumentation.emit(CONSUMER_EVENTS.DISCONNECT)
    } catch (e) {
      this.#logger.error(`Caught error when disconnecting the consumer: ${(e as Error).message}`, { groupId: this.#config.groupId })
      throw e
    }
  }

  async subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    if (this.#runner) throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running')
    const fromBeginning = subscription?.fromBeginning ?? false
    const transport = await this.#transportOrThrow()
    const topics = await subscriptionTopics(subscription, () =>
      retrying(this.#retry, async () => (await transport.listTopics()).map((t) => t.topic), { broker: transport.broker }),
    )
    for (const topic of topics) this.#topics.set(topic, fromBeginning)
  }

  async run(config: ConsumerRunConfig = {}): Promise<void> {
    if (this.#runner) {
      this.#logger.warn('consumer#run was called, but the consumer is already running', { groupId: this.#config.groupId })
      return
    }
    // Set up before the first await, as kafkajs's: seek() and pause() may follow an un-awaited run().
    const runner = this.#newRunner(this.#transportOrThrow(), config, (error) => this.#crash(error, config))
    this.#runner = runner
    this.#logger.info('Starting', { groupId: this.#config.groupId })
    try {
      await runner.start()
    } catch (err) {
      const error = kafkaJSError(err)
      // A failed join has not reached the loop, whose crashes the runner reports itself.
      if (!runner.running && this.#runner === runner && !runner.crashed) await this.#crash(error, config)
      if (this.#context.runBudgetMs !== undefined) throw error
      return
    }
    // With a budget, run() has consumed what it could: it leaves the group, as stop() does.
    if (this.#context.runBudgetMs !== undefined && this.#runner === runner) await this.stop()
  }

  async stop(): Promise<void> {
    clearTimeout(this.#restart)
    this.#restart = undefined
    const runner = this.#runner
    if (!runner) return
    this.#runner = undefined
    await runner.stop()
    this.#instrumentation.emit(CONSUMER_EVENTS.STOP)
    this.#logger.info('Stopped', { groupId: this.#config.groupId })
  }

  async commitOffsets(topicPartitions: TopicPartitionOffsetAndMetadata[] = []): Promise<void> {
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>()
    const metadata = new Map<string, string | null>()
    for (const { topic, partition, offset, metadata: note = null } of topicPartitions) {
      if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
      if (Number.isNaN(Number(partition))) throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${partition}`)
      const value = offsetOf(offset)
      if (value < 0n) throw new KafkaJSNonRetriableError('Offset must not be a negative number')
      if (note !== null && typeof note !== 'string')
        throw new KafkaJSNonRetriableError(`Invalid offset metadata, expected string or null, received ${note}`)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: String(value) }])
      metadata.set(`${topic}\u0000${partition}`, note)
    }
    const runner = this.#runner
    if (!runner) throw new KafkaJSNonRetriableError(NOT_RUNNING)
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
    const transport = await this.#transportOrThrow()
    await retrying(this.#retry, () => runner.commits.commit({ topics }, metadata), { broker: transport.broker })
  }

  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
    if (Number.isNaN(Number(partition))) throw new KafkaJSNonRetriableError(`Invalid partition, expected a number received ${partition}`)
    const value = offsetOf(offset)
    if (value < 0n && String(value) !== EARLIEST_OFFSET && String(value) !== LATEST_OFFSET) {
      throw new KafkaJSNonRetriableError('Offset must not be a negative number')
    }
    if (!this.#runner) throw new KafkaJSNonRetriableError(NOT_RUNNING)
    this.#runner.commits.offsets.seeks.set(`${topic}\u0000${partition}`, { topic, partition, offset: String(value) })
  }

  async describeGroup(): Promise<GroupDescription> {
    const transport = await this.#transportOrThrow()
    const group = await retrying(this.#retry, () => transport.describeGroup(this.#config.groupId), { broker: transport.broker })
    return toGroupDescription(group)
  }

  pause(topicPartitions: Array<{ topic: string; partitions?: number[] }> = []): void {
    checkTopicPartitions(topicPartitions, 'pause')
    if (!this.#runner) throw new KafkaJSNonRetriableError(NOT_RUNNING)
    this.#logger.info(`Pausing fetching from ${topicPartitions.length} topics`, { topicPartitions })
    this.#runner.pauses.pause(topicPartitions)
  }

  paused(): TopicPartitions[] {
    return this.#runner ? this.#runner.pauses.paused(this.#runner.core.assignment()) : []
  }

  resume(topicPartitions: Array<{ topic: string; partitions?: number[] }> = []): void {
    checkTopicPartitions(topicPartitions, 'resume')
    if (!this.#runner) throw new KafkaJSNonRetriableError(NOT_RUNNING)
    this.#logger.info(`Resuming fetching from ${topicPartitions.length} topics`, { topicPartitions })
    this.#runner.pauses.resume(topicPartitions)
  }

  on(eventName: string, listener: (event: never) => void): () => void {
    return this.#instrumentation.on(eventName, listener as (event: unknown) => void)
  }

  logger(): Logger {
    return this.#logger
  }

  #newRunner(transport: Promise<Transport>, config: ConsumerRunConfig, onCrash: (error: Error) => Promise<void>): Runner {
    const { groupId, sessionTimeout = 30_000, rebalanceTimeout = 60_000, heartbeatInterval = 3_000, maxWaitTimeInMs = 5_000 } = this.#config
    const everyFromBeginning = [...this.#topics.values()].some(Boolean)
    let options
    try {
      options = check(consumerOptionsSchema, {
        groupId,
        sessionTimeoutMs: sessionTimeout,
        rebalanceTimeoutMs: rebalanceTimeout,
        heartbeatIntervalMs: heartbeatInterval,
        autoCommit: false,
        fromBeginning: everyFromBeginning,
        topics: [...this.#topics.keys()],
        ...(this.#strategy ? { strategy: this.#strategy } : {}),
      })
    } catch (err) {
      throw err instanceof KafdoError ? new KafkaJSNonRetriableError(err.message, { cause: err }) : err
    }
    return new Runner({
      transport,
      logger: this.#context.logger,
      instrumentation: this.#instrumentation,
      core: {
        ...options,
        clientId: this.#context.clientId,
        joinHint: 'consumer#run must be called first',
        startAt: (topic) => (this.#topics.get(topic) ? 'earliest' : 'latest'),
        retry: retryPolicy(this.#retry),
      },
      maxWaitTimeInMs,
      retry: this.#retry,
      budgetMs: this.#context.runBudgetMs,
      run: {
        autoCommit: config.autoCommit ?? true,
        autoCommitInterval: config.autoCommitInterval ?? null,
        autoCommitThreshold: config.autoCommitThreshold ?? null,
        eachBatchAutoResolve: config.eachBatchAutoResolve ?? true,
        partitionsConsumedConcurrently: config.partitionsConsumedConcurrently ?? 1,
        ...(config.eachBatch ? { eachBatch: config.eachBatch } : {}),
        ...(config.eachMessage ? { eachMessage: config.eachMessage } : {}),
      },
      onCrash,
    })
  }

  /**
   * kafkajs's onCrash: disconnects, then restarts after the retry time when the error was retriable (or
   * retries ran out) and `retry.restartOnFailure` agrees. With a time budget there is no restart: run() fails.
   */
  async #crash(error: Error, config: ConsumerRunConfig): Promise<void> {
    this.#logger.error(`Crash: ${error.name}: ${error.message}`, { groupId: this.#config.groupId, stack: error.stack })
    await this.disconnect().catch(() => undefined)
    const retriable = error.name === 'KafkaJSNumberOfRetriesExceeded' || rootCause(error).retriable === true
    let restart = retriable && this.#context.runBudgetMs === undefined
    if (restart && this.#retry.restartOnFailure) {
      restart = await this.#retry.restartOnFailure(error).catch(() => true)
    }
    this.#instrumentation.emit(CONSUMER_EVENTS.CRASH, { error, groupId: this.#config.groupId, restart })
    if (restart) {
      const retryTime = (error as { retryTime?: number }).retryTime ?? this.#retry.initialRetryTime ?? RETRY_DEFAULTS.initialRetryTime
      this.#logger.error(`Restarting the consumer in ${retryTime}ms`, { groupId: this.#config.groupId, retryTime })
      this.#restart = setTimeout(() => void this.run(config).catch(() => undefined), retryTime)
    }
  }

  #transportOrThrow(): Promise<Transport> {
    this.#transport ??= this.#context.transport({
      onRequest: (request) => this.#context.emitRequest(this.#instrumentation, CONSUMER_EVENTS.REQUEST, request),
    })
    return this.#transport
  }
}

/**
 * One `consumer.run()`: kafkajs's runner (`src/consumer/runner.js`) over Kafdo's consumer core
 * (`src/core/consumer/`), which does the group membership (Kafka 4's consumer protocol), fetching,
 * pause and seek. This adds kafkajs's processing model: batches per partition handed to `eachMessage` or
 * `eachBatch` (up to `partitionsConsumedConcurrently` partitions at once), resolved offsets committed
 * after each batch (autoCommit) or by interval and threshold, unresolved messages fetched again, seeks
 * applied before the next fetch, the loop retried by the consumer's `retry` options and a crash handed
 * to the consumer. Heartbeats run in the background. A partition being revoked is stale: its batch stops
 * at the next message, its resolved offset is committed, and only then does it move on.
 */
import { ConsumerCore, type CoreOptions } from '../src/core/consumer/consumer-core.js'
import type { ConsumerRecord } from '../src/core/consumer/positions.js'
import type { TopicPartition as KafdoTopicPartition } from '../src/protocol/index.js'
import { Batch } from './batch.js'
import { CommitLog } from './commit-log.js'
import { eachBatch, eachMessage, type HandlerContext } from './handlers.js'
import { Heartbeats } from './heartbeats.js'
import { CONSUMER_EVENTS, type Instrumentation } from './instrumentation.js'
import { toKafkaMessage } from './messages.js'
import { partitionKey } from './offsets.js'
import { PauseState } from './pause-state.js'
import { retrying, sleep } from './retry.js'
import { lazyGroupPort, type Transport } from './transport.js'
import type { Logger, RetryOptions, TopicPartition } from './types/common.js'
import type { ConsumerEvents, ConsumerRunConfig } from './types/consumer.js'

export interface RunnerSettings {
  transport: Promise<Transport>
  logger: Logger
  instrumentation: Instrumentation<ConsumerEvents>
  core: CoreOptions
  maxWaitTimeInMs: number
  retry: RetryOptions
  /** A Worker's time budget: consume until it is spent or nothing is left, then resolve. */
  budgetMs: number | undefined
  run: Required<Pick<ConsumerRunConfig, 'autoCommit' | 'eachBatchAutoResolve' | 'partitionsConsumedConcurrently'>> &
    Pick<ConsumerRunConfig, 'autoCommitInterval' | 'autoCommitThreshold' | 'eachBatch' | 'eachMessage'>
  onCrash: (error: Error) => Promise<void>
}

export class Runner {
  readonly core: ConsumerCore
  readonly pauses = new PauseState()
  readonly commits: CommitLog
  readonly #settings: RunnerSettings
  readonly #inFlight = new Map<string, Promise<void>>()
  readonly #revoking = new Set<string>()
  /** Ends a long poll in flight when the consumer stops. */
  readonly #stopping = new AbortController()
  #running = false
  #joined = false
  #deadline: number | undefined
  #loop: Promise<void> | undefined
  readonly #heartbeats: Heartbeats
  #crash: Error | undefined
  #transport: Transport | undefined

  constructor(settings: RunnerSettings) {
    this.#settings = settings
    this.core = new ConsumerCore(lazyGroupPort(settings.transport, settings.core.groupId), settings.core, {
      onPartitionsAssigned: (partitions) => this.#assigned(partitions),
      onPartitionsRevoked: (partitions) => this.#revoked(partitions, true),
      onPartitionsLost: (partitions) => this.#revoked(partitions, false),
    })
    this.commits = new CommitLog(this.core, settings)
    this.#heartbeats = new Heartbeats(this.core, settings)
  }

  get running(): boolean {
    return this.#running
  }

  /** Whether the loop ended in a crash (which it reports through `onCrash`). */
  get crashed(): boolean {
    return this.#crash !== undefined
  }

  /** Joins; then consumes in the background, or, with a budget, until it is spent or nothing is left. */
  async start(): Promise<void> {
    const started = Date.now()
    this.#transport = await this.#settings.transport
    await retrying(this.#settings.retry, () => this.core.ensureJoined(), { broker: this.#transport.broker })
    this.#joined = true
    this.#emitJoin(Date.now() - started)
    this.#running = true
    if (this.#settings.budgetMs !== undefined) this.#deadline = Date.now() + this.#settings.budgetMs
    this.#heartbeats.start()
    this.#loop = this.#consume()
    if (this.#deadline === undefined) {
      // The crash handler stops this runner, which waits for the loop: it runs after the loop ended.
      void this.#loop.then(() => (this.#crash ? this.#settings.onCrash(this.#crash) : undefined))
      return
    }
    await this.#loop
    if (this.#crash) {
      await this.#settings.onCrash(this.#crash)
      throw this.#crash
    }
  }

  /** Stops fetching, lets the batches in progress finish, commits (autoCommit) and leaves the group. */
  async stop(): Promise<void> {
    this.#running = false
    this.#stopping.abort()
    await this.#loop?.catch(() => undefined)
    this.#heartbeats.stop()
    try {
      await this.core.leave()
    } catch (err) {
      this.#settings.logger.debug(`Leaving the group failed: ${(err as Error).message}`, { groupId: this.#settings.core.groupId })
    }
  }

  isRunning(): boolean {
    return this.#running && (this.#deadline === undefined || Date.now() < this.#deadline)
  }

  isStale(tp: TopicPartition): boolean {
    const key = partitionKey(tp)
    return this.commits.offsets.seeks.has(key) || this.#revoking.has(key) || !this.commits.offsets.owns(tp)
  }

  async #consume(): Promise<void> {
    const { retry } = this.#settings
    const transport = this.#transport!
    try {
      while (this.#running) {
        const drained = await retrying(retry, async () => (this.isRunning() ? this.#iteration() : true), {
          broker: transport.broker,
          ...(this.#deadline !== undefined ? { deadline: this.#deadline } : {}),
        })
        if (this.#deadline !== undefined && (drained || Date.now() >= this.#deadline)) break
      }
    } catch (err) {
      this.#running = false
      this.#crash = err instanceof Error ? err : new Error(String(err))
    }
  }

  /** One fetch and its batches; true when nothing was fetched. */
  async #iteration(): Promise<boolean> {
    const { instrumentation: events, maxWaitTimeInMs, run } = this.#settings
    await this.commits.applySeeks(this.#transport!)
    this.#syncPauses()
    const owned = this.core.assignment().length > 0
    // With a budget, a member that owns partitions reads what is there and stops once they are drained.
    const wait = this.#deadline === undefined ? maxWaitTimeInMs : owned ? 0 : Math.max(0, Math.min(maxWaitTimeInMs, this.#deadline - Date.now()))
    const startedAt = Date.now()
    events.emit(CONSUMER_EVENTS.FETCH_START, { nodeId: 0 })
    const batches = this.#batches(await this.core.poll(this.#settings.core.maxPollRecords, wait, false, this.#stopping.signal))
    events.emit(CONSUMER_EVENTS.FETCH, { numberOfBatches: batches.length, duration: Date.now() - startedAt, nodeId: 0 })
    if (batches.length === 0) return true
    const queue = [...batches]
    const workers = Array.from({ length: Math.min(Math.max(1, run.partitionsConsumedConcurrently), queue.length) }, async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) await this.#track(batch)
    })
    const outcomes = await Promise.allSettled(workers)
    // A failure leaves the batches not yet started: they are fetched again, from where each stands.
    for (const batch of queue) this.#rewind(batch)
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    if (failed) throw failed.reason
    return false
  }

  #batches(records: ConsumerRecord[]): Batch[] {
    const grouped = new Map<string, ConsumerRecord[]>()
    for (const record of records) {
      const key = partitionKey(record)
      grouped.set(key, [...(grouped.get(key) ?? []), record])
    }
    return [...grouped.values()].map((list) => {
      const { topic, partition, offset } = list[0]!
      const highWatermark = this.core.highWatermark({ topic, partition }) ?? list[list.length - 1]!.offset + 1
      return new Batch(topic, partition, offset, highWatermark, list.map(toKafkaMessage))
    })
  }

  /** Processes a batch, remembering it as in flight so that a revocation of its partition waits for it. */
  async #track(batch: Batch): Promise<void> {
    const key = partitionKey(batch)
    const work = this.#process(batch)
    this.#inFlight.set(
      key,
      work.catch(() => undefined),
    )
    try {
      await work
    } finally {
      this.#inFlight.delete(key)
    }
  }

  async #process(batch: Batch): Promise<void> {
    const { instrumentation: events, run } = this.#settings
    const startedAt = Date.now()
    const payload = {
      topic: batch.topic,
      partition: batch.partition,
      highWatermark: batch.highWatermark,
      offsetLag: batch.offsetLag(),
      offsetLagLow: batch.offsetLagLow(),
      batchSize: batch.messages.length,
      firstOffset: batch.firstOffset(),
      lastOffset: batch.lastOffset(),
    }
    try {
      events.emit(CONSUMER_EVENTS.START_BATCH_PROCESS, payload)
      if (run.eachMessage) await eachMessage(this.#handlers, batch, run.eachMessage)
      else if (run.eachBatch) await eachBatch(this.#handlers, batch, run.eachBatch)
      events.emit(CONSUMER_EVENTS.END_BATCH_PROCESS, { ...payload, duration: Date.now() - startedAt })
      await this.commits.autoCommit()
    } finally {
      this.#rewind(batch)
    }
  }

  /**
   * kafkajs fetches a partition from its resolved offset: what the handler did not resolve (an error, a
   * pause, a stop, `eachBatchAutoResolve: false`) is fetched again. A seek or a new owner wins.
   */
  #rewind(batch: Batch): void {
    if (this.commits.offsets.seeks.has(partitionKey(batch)) || !this.commits.offsets.owns(batch)) return
    const fetched = Number(batch.fetchedOffset)
    const resolved = this.commits.offsets.resolved(batch)
    const next = resolved !== undefined && resolved >= fetched ? resolved : fetched
    if (this.core.position(batch) !== next) this.core.seek(batch, next)
  }

  /** What the handlers' payloads call back into. */
  readonly #handlers: HandlerContext = {
    run: () => this.#settings.run,
    logger: () => this.#settings.logger,
    commits: () => this.commits,
    isPaused: (tp) => this.pauses.isPaused(tp),
    isRunning: () => this.isRunning(),
    isStale: (tp) => this.isStale(tp),
    pause: (tp) => this.#pauseOne(tp),
  }

  #pauseOne(tp: TopicPartition): () => void {
    this.pauses.pause([{ topic: tp.topic, partitions: [tp.partition] }])
    this.#syncPauses()
    return () => {
      this.pauses.resume([{ topic: tp.topic, partitions: [tp.partition] }])
      this.#syncPauses()
    }
  }

  /** Tells the core which owned partitions are paused. */
  #syncPauses(): void {
    const owned = this.core.assignment()
    this.core.pause(owned.filter((tp) => this.pauses.isPaused(tp)))
    this.core.resume(owned.filter((tp) => !this.pauses.isPaused(tp)))
  }

  #assigned(partitions: KafdoTopicPartition[]): void {
    for (const tp of partitions) {
      const position = this.core.position(tp)
      this.commits.offsets.assign(tp, typeof position === 'number' ? position : undefined)
      this.#revoking.delete(partitionKey(tp))
    }
    if (this.#joined) this.#emitJoin(0)
  }

  /** Revoked (`commit`: still owned, so its resolved offsets can be committed) or lost. */
  async #revoked(partitions: KafdoTopicPartition[], commit: boolean): Promise<void> {
    const { instrumentation: events, core } = this.#settings
    events.emit(CONSUMER_EVENTS.REBALANCING, { groupId: core.groupId, memberId: this.core.memberId ?? '' })
    for (const tp of partitions) this.#revoking.add(partitionKey(tp))
    const working = partitions.flatMap((tp) => this.#inFlight.get(partitionKey(tp)) ?? [])
    // The batch stops at its next message; bounded, in case its handler is itself waiting on the group.
    if (working.length > 0) await Promise.race([Promise.all(working), sleep(Math.min(core.rebalanceTimeoutMs / 2, 30_000))])
    if (commit && this.#settings.run.autoCommit) await this.commits.commitQuietly(partitions)
    for (const tp of partitions) {
      this.commits.offsets.forget(tp)
      this.#revoking.delete(partitionKey(tp))
    }
  }

  #emitJoin(duration: number): void {
    const memberAssignment: Record<string, number[]> = {}
    for (const { topic, partition } of this.core.assignment()) (memberAssignment[topic] ??= []).push(partition)
    this.#settings.instrumentation.emit(CONSUMER_EVENTS.GROUP_JOIN, {
      duration,
      groupId: this.#settings.core.groupId,
      isLeader: false,
      leaderId: '',
      groupProtocol: this.#settings.core.strategy ?? 'sticky',
      memberId: this.core.memberId ?? '',
      memberAssignment,
    })
  }
}

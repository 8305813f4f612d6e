/**
 * TopicPartitionDO: one partition's ordered log. Offsets are assigned here, inside one SQLite
 * transaction per append, so order within a partition is total. It enforces its topic's config
 * (record size, timestamps, retention, TTL, compaction), remembers idempotent producers' recent batches,
 * holds long-poll fetches until records arrive, runs queue consumption (leases, retries,
 * dead-lettering; see partition-queue.ts), and pushes records and leases to live subscribers on
 * hibernatable WebSockets (partition-subscribers.ts; `fetch` takes only their upgrades).
 *
 * A thin RPC shell over plain modules beside it: the log (partition-log.ts), the first-use check and
 * pushed settings (partition-topic.ts), its timers on one alarm (partition-timers.ts), the queue, the
 * dead-letter routing, and counters (partition-activity.ts). Deleting the topic wipes it.
 */
import { DurableObject } from 'cloudflare:workers'
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import {
  EMPTY_PARTITION_METRICS,
  type AppendRequest,
  type AppendResult,
  type PartitionFetchRequest,
  type PartitionFetchResult,
  type PartitionMetrics,
  type PartitionOffsetsResult,
  type PartitionRef,
} from '../protocol/partition-rpc.js'
import type {
  AckResult,
  ExtendResult,
  LeaseRef,
  LeaseSpan,
  NackResult,
  PartitionQueueStats,
  ReceivedMessages,
  ReceiveRequest,
  ShareGroupSeekTarget,
} from '../protocol/queue-rpc.js'
import { STREAM_CLOSE_CODES } from '../protocol/streams.js'
import type { TopicConfigPush } from '../protocol/topics.js'
import { runMigrations } from '../storage/migrations.js'
import { PARTITION_MIGRATIONS } from '../storage/partition-store.js'
import { partitionDeadLetterSource } from './dead-letter-source.js'
import { DeadLetterDrain } from './dead-letters.js'
import { MonitorOutbox } from './monitor-outbox.js'
import { PartitionActivity, partitionMetrics, partitionQueueStats } from './partition-activity.js'
import { PartitionLog, type OpenPartitionLog } from './partition-log.js'
import { logQueueHost, PartitionQueue } from './partition-queue.js'
import { PartitionSubscribers } from './partition-subscribers.js'
import { PartitionTimers } from './partition-timers.js'
import { readyPartition, takePushedConfig, type PartitionTopicHost } from './partition-topic.js'
import { Waiters } from './waiters.js'

/** Receive looks again at once (up to this often) when all it found was undeliverable, and dead-lettered. */
const MAX_RECEIVE_ROUNDS = 8

export class TopicPartitionDO extends DurableObject<KafdoEnv> {
  #log: PartitionLog
  #timers: PartitionTimers
  #queue: PartitionQueue
  #destroyed = false
  /** Fetch long polls, woken by appends; queue long polls, woken by anything that may make a record deliverable. */
  #appended = new Waiters()
  #deliverable = new Waiters()
  #deadLetters: DeadLetterDrain
  /** Counters for /metrics, and alert events for the tenant's monitor (see partition-activity.ts, monitor-outbox.ts). */
  #activity: PartitionActivity
  #outbox: MonitorOutbox
  #subscribers: PartitionSubscribers
  readonly #topicHost: PartitionTopicHost

  constructor(ctx: DurableObjectState, env: KafdoEnv) {
    super(ctx, env)
    this.#log = new PartitionLog(ctx.storage)
    this.#topicHost = { storage: ctx.storage, env, log: this.#log, isDestroyed: () => this.#destroyed }
    this.#timers = new PartitionTimers(ctx.storage, this.#log, (now) => this.#queue.failExpiredLeases(now))
    this.#activity = new PartitionActivity(this.#log.store)
    this.#outbox = new MonitorOutbox(env)
    this.#queue = new PartitionQueue({
      ...logQueueHost(this.#log, ctx.storage),
      // The lease timer is never later than a lease's end or a redelivery (see PartitionTimers.queueChanged).
      nextDueAt: () => this.#timers.deliveriesDueAt(),
      onFailure: (failure) => {
        this.#activity.failed(failure)
        if (failure.outcome === 'dead-lettered') this.#deadLetters.notify()
        // Records fail only on an open log: its leases and retries exist only there.
        if (this.#log.isOpen()) this.#outbox.retriesExhausted(this.#log.meta, failure, Date.now())
      },
    })
    this.#deadLetters = new DeadLetterDrain(() => partitionDeadLetterSource(ctx.storage, env, this.#log, this.#queue, this.#outbox))
    this.#subscribers = new PartitionSubscribers({
      ctx,
      log: this.#log,
      ready: (ref) => this.#ready(ref),
      isDestroyed: () => this.#destroyed,
      lease: (request, now) => this.#lease(request, now),
      afterLeasing: () => this.#afterQueueChange(),
      leasedTo: (group, memberId, now) => this.#log.deliveries.leasedCount(group, memberId, now),
      ack: (ref, group, memberId, leases) => this.ack(ref, group, memberId, leases),
      nack: (ref, group, memberId, lease, error, delayMs) => this.nack(ref, group, memberId, lease, error, delayMs),
      reject: (ref, group, memberId, lease, error) => this.reject(ref, group, memberId, lease, error),
      sentRecords: (count, bytes) => this.#activity.fetched(count, bytes),
    })
    ctx.blockConcurrencyWhile(async () => {
      runMigrations(ctx.storage, PARTITION_MIGRATIONS)
      this.#log.load()
      if (this.#log.meta) this.#activity.load()
    })
  }

  async append(ref: PartitionRef, request: AppendRequest): Promise<Result<AppendResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const log = ready.value
    const now = Date.now()
    const appended = log.append(request, now)
    if (!appended.ok || appended.value.duplicate) return appended
    const { earliestExpiry, ...result } = appended.value
    this.#activity.add(
      'producedBytes',
      request.records.reduce((sum, record) => sum + record.bytes, 0),
    )
    this.#activity.persist(now)
    this.#timers.appended(log, now, earliestExpiry, request.producerId !== undefined)
    await this.#timers.arm()
    this.#wakeWaiters()
    return ok(result)
  }

  async read(ref: PartitionRef, request: PartitionFetchRequest): Promise<Result<PartitionFetchResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const log = ready.value
    const start = log.resolveStart(request)
    if (!start.ok) return start
    let from = start.value
    if (from >= log.logEnd && request.maxWaitMs > 0) {
      await this.#appended.wait(request.maxWaitMs)
      // Deleting the topic wipes the log (it is no longer open) while we waited.
      if (this.#destroyed) return fail('UNKNOWN_TOPIC_OR_PARTITION', 'the topic was deleted')
      // Retention may have moved the log start while we waited.
      from = Math.max(from, log.logStart)
    }
    const { recordBytes, ...page } = log.readPage(from, request.maxRecords, request.maxBytes, Date.now())
    this.#activity.fetched(page.count, recordBytes)
    this.#activity.persist(Date.now())
    return ok(page)
  }

  async offsets(ref: PartitionRef): Promise<Result<PartitionOffsetsResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    return ok({ earliest: this.#log.logStart, latest: this.#log.logEnd })
  }

  /** Kafka's DeleteRecords: moves the log start to `offset` (at most the end), dropping what is before. */
  async deleteRecordsBefore(ref: PartitionRef, offset: number): Promise<Result<PartitionOffsetsResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    ready.value.moveLogStart(offset)
    return ok({ earliest: this.#log.logStart, latest: this.#log.logEnd })
  }

  /**
   * Takes the topic's settings as its tenant's metadata object pushes them when they change; this object
   * never asks back while that one waits. A push older than the settings held (a late arrival) is ignored.
   */
  async applyConfig(ref: PartitionRef, push: TopicConfigPush): Promise<Result<null>> {
    const ready = await this.#ready(ref, push)
    if (!ready.ok) return ready
    if (!takePushedConfig(this.#topicHost, ready.value, push)) return ok(null)
    this.#timers.configChanged(ready.value, Date.now())
    await this.#timers.arm()
    return ok(null)
  }

  /** Leases up to `max` records; with `waitMs`, waits for one when none is ready (see PartitionQueue). */
  async receive(ref: PartitionRef, request: ReceiveRequest): Promise<Result<ReceivedMessages>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const deadline = Date.now() + (request.waitMs ?? 0)
    for (let round = 1; ; round++) {
      const received = this.#lease(request, Date.now())
      await this.#afterQueueChange()
      if (this.#destroyed) return fail('UNKNOWN_TOPIC_OR_PARTITION', 'the topic was deleted')
      if (received.count > 0) return ok(received)
      if (received.backlog > 0 && round < MAX_RECEIVE_ROUNDS) continue
      const left = deadline - Date.now()
      if (left <= 0) return ok(received)
      await this.#deliverable.wait(left)
    }
  }

  /**
   * Waits (up to `waitMs`) until the group has something to receive here, without leasing it, and
   * answers about how many records (0 when the wait ran out): a receive across partitions asks this of
   * all of them and then leases from those that have records, so none sits leased in an answer that is
   * still waiting on another partition.
   */
  async awaitDeliverable(ref: PartitionRef, group: string, waitMs: number): Promise<Result<number>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const deadline = Date.now() + waitMs
    for (;;) {
      const deliverable = this.#queue.deliverable(group, Date.now())
      if (deliverable > 0) return ok(deliverable)
      const left = deadline - Date.now()
      if (left <= 0 || this.#destroyed) return ok(0)
      await this.#deliverable.wait(left)
    }
  }

  /**
   * Acks leases given as spans of consecutive offsets leased together (see queue-leases.ts). A Worker of
   * the previous version, during a deploy, sends them one by one (`{ offset, token }`): taken as spans too.
   */
  async ack(ref: PartitionRef, group: string, memberId: string, leases: Array<LeaseSpan | LeaseRef>): Promise<Result<AckResult>> {
    const spans = leases.map((l) => ('offset' in l ? { first: l.offset, last: l.offset, token: l.token } : l))
    return this.#onQueue(ref, (now) => this.#queue.ack(group, memberId, spans, now))
  }

  async nack(ref: PartitionRef, group: string, memberId: string, lease: LeaseRef, error?: string, delayMs?: number): Promise<Result<NackResult>> {
    return this.#onQueue(ref, (now) => this.#queue.nack(group, memberId, lease, error, delayMs, now))
  }

  async reject(ref: PartitionRef, group: string, memberId: string, lease: LeaseRef, error?: string): Promise<Result<NackResult>> {
    return this.#onQueue(ref, (now) => this.#queue.reject(group, memberId, lease, error, now))
  }

  async extend(ref: PartitionRef, group: string, memberId: string, lease: LeaseRef, visibilityTimeoutMs: number): Promise<Result<ExtendResult>> {
    return this.#onQueue(ref, (now) => this.#queue.extend(group, memberId, lease, visibilityTimeoutMs, now))
  }

  /** Rewinds (or advances) a share group to an offset, or to the first record at or after a timestamp. */
  async seekShareGroup(ref: PartitionRef, group: string, target: ShareGroupSeekTarget): Promise<Result<{ offset: number }>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const offset = this.#log.offsetOf(target)
    this.#queue.seek(group, offset)
    await this.#afterQueueChange()
    this.#wakeDeliverable()
    return ok({ offset: Math.min(Math.max(offset, this.#log.logStart), this.#log.logEnd) })
  }

  async queueStats(ref: PartitionRef, group: string): Promise<Result<PartitionQueueStats>> {
    const ready = await this.#ready(ref)
    return ready.ok ? ok(partitionQueueStats(this.#log, this.#queue, group, Date.now())) : ready
  }

  /**
   * The figures a scrape or health check reads (log, counters, share groups), without the first-use check
   * with the cluster: a partition never used answers zeros, and its storage stays untouched. Queue figures
   * are given for every share group that consumed here, and for `groups` besides.
   */
  async metrics(ref: PartitionRef, groups: string[] = []): Promise<PartitionMetrics> {
    const known = this.#log.meta
    if (this.#destroyed || !known || known.topicId !== ref.topicId || known.partition !== ref.partition) return EMPTY_PARTITION_METRICS
    const now = Date.now()
    this.#activity.persist(now, true)
    return partitionMetrics(this.#log, this.#queue, this.#activity, groups, now)
  }

  /** Removes the partition's storage for good; later calls answer UNKNOWN_TOPIC_OR_PARTITION. */
  async destroy(): Promise<Result<null>> {
    this.#destroyed = true
    this.#wakeWaiters()
    this.#subscribers.closeAll(STREAM_CLOSE_CODES.UNKNOWN_TOPIC_OR_PARTITION, 'UNKNOWN_TOPIC_OR_PARTITION: the topic was deleted')
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.#timers.forget()
    this.#log.reset()
    this.#activity.reset()
    return ok(null)
  }

  /** A live subscription from the Worker (a WebSocket upgrade); see partition-subscribers.ts. */
  override async fetch(request: Request): Promise<Response> {
    return this.#subscribers.accept(request)
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.#subscribers.message(ws, message)
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#subscribers.closed(ws, code, reason)
  }

  override async alarm(): Promise<void> {
    if (this.#destroyed || !this.#log.meta) return this.#timers.skip()
    const now = await this.#timers.run()
    // An alarm also looks for dead records left waiting: a routing that failed, or a crash before one ran.
    this.#deadLetters.notify()
    await this.#afterQueueChange(now)
    this.#wakeWaiters()
  }

  #ready(ref: PartitionRef, pushed?: TopicConfigPush): Promise<Result<OpenPartitionLog>> {
    return readyPartition(this.#topicHost, ref, pushed)
  }

  /** A receive's leasing, counted as fetched. */
  #lease(request: ReceiveRequest, now: number): ReceivedMessages {
    const received = this.#queue.receive(request, now)
    this.#activity.fetched(received.count, received.messages.length)
    return received
  }

  /** Runs a queue operation and then what follows any queue change (timers, DLQ routing). */
  async #onQueue<T>(ref: PartitionRef, operation: (now: number) => Result<T>): Promise<Result<T>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const result = operation(Date.now())
    await this.#afterQueueChange()
    // A nack may make its record deliverable at once, and an ack makes room for pushed leases.
    this.#wakeDeliverable()
    return result
  }

  /** Re-arms the lease/redelivery timer and writes dead records to the DLQ. */
  async #afterQueueChange(now = Date.now()): Promise<void> {
    this.#timers.queueChanged()
    if (!(await this.#deadLetters.drain())) this.#timers.deadLettersLeft(now)
    await this.#timers.arm()
    if (this.#log.meta) {
      this.#activity.persist(now)
      this.#outbox.flush(this.#log.meta.tenant)
    }
  }

  #wakeWaiters(): void {
    this.#appended.wake()
    this.#wakeDeliverable()
  }

  #wakeDeliverable(): void {
    this.#deliverable.wake()
    this.#subscribers.wake()
  }
}

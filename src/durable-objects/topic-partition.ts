/**
 * TopicPartitionDO: one partition's ordered log. Offsets are assigned here, inside one SQLite
 * transaction per append, so order within a partition is total. It enforces its topic's config
 * (record size, timestamps, retention, TTL, compaction), remembers idempotent producers' recent batches,
 * holds long-poll fetches until records arrive, and runs queue consumption (leases, retries,
 * dead-lettering; see partition-queue.ts).
 *
 * The object is created lazily: on its first call it confirms with ClusterMetadataDO that its topic id
 * and partition exist, and stores the topic config it then enforces. Deleting the topic wipes it.
 * Its timers (one alarm): retention, TTL purge, compaction, lease expiry / redelivery, DLQ routing.
 */
import { DurableObject } from 'cloudflare:workers'
import { planCompaction } from '../core/compaction.js'
import { firstOffsetAtOrAfter, packBatches, planRetention, readBatches } from '../core/log.js'
import { CLUSTER_OBJECT_NAME, type PartitionRef } from '../core/object-names.js'
import { parseBatch, recordBodyBytes, type EncodedRecord } from '../core/record-codec.js'
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import { MAX_STORED_BATCH_BYTES, PRODUCER_DEDUP_WINDOW } from '../protocol/limits.js'
import type { QueueMessage } from '../protocol/queues.js'
import type { FetchedRecord } from '../protocol/records.js'
import type { TopicConfig } from '../protocol/topic-config.js'
import { runMigrations } from '../storage/migrations.js'
import { PARTITION_MIGRATIONS, PartitionStore, type PartitionMeta, type ProducerState } from '../storage/partition-store.js'
import { TimerStore } from '../storage/timers.js'
import { routeDeadLetters } from './dead-letters.js'
import { PartitionQueue, type LeaseRef, type ReceiveRequest, type ShareGroupStats } from './partition-queue.js'

export interface AppendRequest {
  records: EncodedRecord[]
  producerId?: string
  sequence?: number
}

export interface AppendResult {
  baseOffset: number
  timestamps: number[]
  /** True when this (producerId, sequence) was already written: the offsets are the original ones. */
  duplicate: boolean
}

export interface PartitionFetchRequest {
  offset?: number | 'earliest' | 'latest'
  timestamp?: number
  maxRecords: number
  maxBytes: number
  maxWaitMs: number
  reset?: 'earliest' | 'latest' | 'none'
}

export interface PartitionFetchResult {
  /** JSON array elements, without the brackets. */
  records: string
  count: number
  nextOffset: number
  highWatermark: number
  logStartOffset: number
}

export interface PartitionOffsetsResult {
  earliest: number
  latest: number
}

export interface PartitionQueueStats extends ShareGroupStats {
  logStart: number
  logEnd: number
  expired: number
  deadLettered: number
  deadPending: number
  /** Timestamp of the oldest record the group has not finished. */
  oldestTimestamp: number | null
}

/** Kafka checks retention every 5 minutes (log.retention.check.interval.ms); we re-check at most this often. */
const RETENTION_CHECK_INTERVAL_MS = 60_000
/** How soon after a write a compacted topic is compacted (Kafka's cleaner runs continually). */
const COMPACTION_DELAY_MS = 30_000
const DLQ_RETRY_MS = 5_000
/** Kafka's producer.id.expiration.ms default: an idle producer's dedup state is forgotten after a day. */
const PRODUCER_EXPIRATION_MS = 86_400_000
const PRODUCER_CACHE_SIZE = 10_000
const TIMER = { retention: 'retention', ttl: 'ttl', compaction: 'compaction', deliveries: 'deliveries', deadLetters: 'dead-letters' } as const

export class TopicPartitionDO extends DurableObject<KafdoEnv> {
  #store: PartitionStore
  #timers: TimerStore
  #queue: PartitionQueue
  #meta: PartitionMeta | undefined
  /** The next offset to be written (the high watermark). */
  #logEnd = 0
  #totalBytes = 0
  #destroyed = false
  /** Pending timers by kind, so the hot path need not read the timers table. */
  #scheduled = new Map<string, number>()
  #producers = new Map<string, ProducerState>()
  #waiters = new Set<() => void>()
  /** The dead-letter routing pass in progress (one at a time), and whether more died meanwhile. */
  #routing: Promise<void> | undefined
  #rerouteRequested = false

  constructor(ctx: DurableObjectState, env: KafdoEnv) {
    super(ctx, env)
    this.#store = new PartitionStore(ctx.storage)
    this.#timers = new TimerStore(ctx.storage)
    this.#queue = new PartitionQueue({
      store: this.#store,
      storage: ctx.storage,
      partition: () => this.#meta!.partition,
      policy: () => this.#meta!.queue,
      logStart: () => this.#meta!.logStartOffset,
      logEnd: () => this.#logEnd,
    })
    ctx.blockConcurrencyWhile(async () => {
      runMigrations(ctx.storage, PARTITION_MIGRATIONS)
      this.#load()
    })
  }

  async append(ref: PartitionRef, request: AppendRequest): Promise<Result<AppendResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const { config, queue } = ready.value
    const tooLarge = request.records.findIndex((record) => record.bytes > config['max.message.bytes'])
    if (tooLarge >= 0) {
      return fail('RECORD_TOO_LARGE', `record ${tooLarge} is ${request.records[tooLarge]!.bytes} bytes, over max.message.bytes`, {
        index: tooLarge,
        bytes: request.records[tooLarge]!.bytes,
        maxMessageBytes: config['max.message.bytes'],
      })
    }
    const { producerId, sequence } = request
    const producer = producerId === undefined ? undefined : this.#producer(producerId)
    if (producer && sequence !== undefined && sequence <= producer.lastSequence) {
      return this.#duplicate(producerId!, producer, sequence)
    }

    const now = Date.now()
    const logAppendTime = config['message.timestamp.type'] === 'LogAppendTime'
    const timestamps = request.records.map((record) => (logAppendTime ? now : (record.timestamp ?? now)))
    const expiries = request.records.map((record, i) => {
      const ttl = record.ttlMs ?? (queue.defaultTtlMs > 0 ? queue.defaultTtlMs : undefined)
      return ttl === undefined ? undefined : timestamps[i]! + ttl
    })
    const baseOffset = this.#logEnd
    const batches = packBatches(request.records, timestamps, baseOffset, MAX_STORED_BATCH_BYTES, expiries)
    const lastOffset = baseOffset + request.records.length - 1
    this.ctx.storage.transactionSync(() => {
      for (const batch of batches) this.#store.insertBatch(batch)
      if (producerId !== undefined && sequence !== undefined) {
        const state: ProducerState = {
          lastSequence: sequence,
          recent: [...(producer?.recent ?? []), [sequence, baseOffset, lastOffset] as [number, number, number]].slice(-PRODUCER_DEDUP_WINDOW),
        }
        this.#store.writeProducer(producerId, state, now)
        if (this.#producers.size >= PRODUCER_CACHE_SIZE) this.#producers.clear()
        this.#producers.set(producerId, state)
      }
    })
    this.#logEnd = lastOffset + 1
    for (const batch of batches) this.#totalBytes += batch.byte_size
    const earliestExpiry = Math.min(...batches.map((batch) => batch.expires_at ?? Number.POSITIVE_INFINITY))
    if (Number.isFinite(earliestExpiry)) this.#schedule(TIMER.ttl, earliestExpiry, true)
    if (config['cleanup.policy'] !== 'delete') this.#schedule(TIMER.compaction, now + COMPACTION_DELAY_MS, false)
    if (this.#retentionMayApply(config)) this.#enforceRetention(now, false)
    await this.#timers.arm()
    this.#wakeWaiters()
    return ok({ baseOffset, timestamps, duplicate: false })
  }

  async read(ref: PartitionRef, request: PartitionFetchRequest): Promise<Result<PartitionFetchResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const start = this.#resolveStart(request)
    if (!start.ok) return start
    let from = start.value
    if (from >= this.#logEnd && request.maxWaitMs > 0) {
      await this.#waitForAppend(request.maxWaitMs)
      if (this.#destroyed) return fail('UNKNOWN_TOPIC_OR_PARTITION', 'the topic was deleted')
      // Retention may have moved the log start while we waited.
      from = Math.max(from, this.#meta!.logStartOffset)
    }
    const read = readBatches(this.#store.batchesFrom(this.#store.startingBatch(from)), {
      from,
      maxRecords: request.maxRecords,
      maxBytes: request.maxBytes,
      now: Date.now(),
    })
    return ok({ ...read, highWatermark: this.#logEnd, logStartOffset: this.#meta!.logStartOffset })
  }

  async offsets(ref: PartitionRef): Promise<Result<PartitionOffsetsResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    return ok({ earliest: ready.value.logStartOffset, latest: this.#logEnd })
  }

  /** Kafka's DeleteRecords: moves the log start to `offset` (at most the end), dropping what is before. */
  async deleteRecordsBefore(ref: PartitionRef, offset: number): Promise<Result<PartitionOffsetsResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const logStart = Math.min(Math.max(offset, ready.value.logStartOffset), this.#logEnd)
    this.#moveLogStart(logStart)
    return ok({ earliest: logStart, latest: this.#logEnd })
  }

  /** Replaces the enforced config (ClusterMetadataDO calls this when a topic's config changes). */
  /**
   * Takes the topic's current config from ClusterMetadataDO (which calls this when it changes). Reading
   * it, rather than taking it from the call, means concurrent changes cannot land out of order: the last
   * call to arrive always applies the latest config.
   */
  async applyConfig(ref: PartitionRef): Promise<Result<null>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const topic = await this.env.CLUSTER_METADATA.getByName(CLUSTER_OBJECT_NAME).topicById(ref.tenant, ref.topicId)
    if (!topic || this.#destroyed) return fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${ref.topic}' does not exist`)
    const { config, queue } = topic
    this.#store.writeConfig(config, queue)
    ready.value.config = config
    ready.value.queue = queue
    this.#enforceRetention(Date.now(), true)
    if (config['cleanup.policy'] !== 'delete') this.#schedule(TIMER.compaction, Date.now() + COMPACTION_DELAY_MS, false)
    await this.#timers.arm()
    return ok(null)
  }

  async receive(ref: PartitionRef, request: ReceiveRequest): Promise<Result<QueueMessage[]>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const messages = this.#queue.receive(request, Date.now())
    await this.#afterQueueChange()
    return ok(messages)
  }

  /**
   * Waits (up to `waitMs`) until the group has something to receive here, without leasing it: a long
   * poll across partitions waits on all of them and then leases from the first that answers, so no record
   * sits leased in an answer that is still waiting on another partition.
   */
  async awaitDeliverable(ref: PartitionRef, group: string, waitMs: number): Promise<Result<boolean>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const deadline = Date.now() + waitMs
    for (;;) {
      if (this.#queue.hasDeliverable(group, Date.now())) return ok(true)
      const left = deadline - Date.now()
      if (left <= 0 || this.#destroyed) return ok(false)
      await this.#waitForAppend(left)
    }
  }

  async ack(ref: PartitionRef, group: string, memberId: string, leases: LeaseRef[]): Promise<Result<{ acked: number }>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const result = this.#queue.ack(group, memberId, leases, Date.now())
    await this.#afterQueueChange()
    return result
  }

  async nack(
    ref: PartitionRef,
    group: string,
    memberId: string,
    lease: LeaseRef,
    error?: string,
    delayMs?: number,
  ): Promise<Result<{ state: string; redeliverAt?: number }>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const result = this.#queue.nack(group, memberId, lease, error, delayMs, Date.now())
    await this.#afterQueueChange()
    return result
  }

  async reject(ref: PartitionRef, group: string, memberId: string, lease: LeaseRef, error?: string): Promise<Result<{ state: string }>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const result = this.#queue.reject(group, memberId, lease, error, Date.now())
    await this.#afterQueueChange()
    return result
  }

  async extend(
    ref: PartitionRef,
    group: string,
    memberId: string,
    lease: LeaseRef,
    visibilityTimeoutMs: number,
  ): Promise<Result<{ visibleUntil: number }>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const result = this.#queue.extend(group, memberId, lease, visibilityTimeoutMs, Date.now())
    await this.#afterQueueChange()
    return result
  }

  /** Rewinds (or advances) a share group to an offset, or to the first record at or after a timestamp. */
  async seekShareGroup(
    ref: PartitionRef,
    group: string,
    target: { offset: number } | { timestamp: number } | { to: 'earliest' | 'latest' },
  ): Promise<Result<{ offset: number }>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const offset =
      'offset' in target
        ? target.offset
        : 'timestamp' in target
          ? (this.#offsetForTimestamp(target.timestamp) ?? this.#logEnd)
          : target.to === 'earliest'
            ? ready.value.logStartOffset
            : this.#logEnd
    this.#queue.seek(group, offset)
    await this.#afterQueueChange()
    return ok({ offset: Math.min(Math.max(offset, ready.value.logStartOffset), this.#logEnd) })
  }

  async queueStats(ref: PartitionRef, group: string): Promise<Result<PartitionQueueStats>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const stats = this.#queue.stats(group)
    const counters = this.#store.readCounters()
    const oldest = stats.oldestOffset === null ? undefined : this.#recordAt(stats.oldestOffset)
    return ok({
      ...stats,
      logStart: ready.value.logStartOffset,
      logEnd: this.#logEnd,
      expired: counters.expired,
      deadLettered: counters.deadLettered,
      deadPending: this.#store.deadDeliveries().length,
      oldestTimestamp: oldest?.timestamp ?? null,
    })
  }

  /** Removes the partition's storage for good; later calls answer UNKNOWN_TOPIC_OR_PARTITION. */
  async destroy(): Promise<Result<null>> {
    this.#destroyed = true
    this.#wakeWaiters()
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.#timers.forget()
    this.#meta = undefined
    this.#scheduled.clear()
    this.#producers.clear()
    this.#logEnd = 0
    this.#totalBytes = 0
    return ok(null)
  }

  override async alarm(): Promise<void> {
    const firedFor = this.#timers.alarmFired()
    if (this.#destroyed || !this.#meta) return
    const now = Math.max(Date.now(), firedFor ?? 0)
    for (const timer of this.#timers.due(now)) {
      this.#timers.delete(timer.kind, timer.key)
      this.#scheduled.delete(timer.kind)
      if (timer.kind === TIMER.retention) {
        this.#enforceRetention(now, true)
        this.#store.deleteProducersIdleSince(now - PRODUCER_EXPIRATION_MS)
      } else if (timer.kind === TIMER.ttl) this.#purgeExpired(now)
      else if (timer.kind === TIMER.compaction) this.#compact(now)
      else if (timer.kind === TIMER.deliveries) this.#queue.failExpiredLeases(now)
    }
    await this.#afterQueueChange(now)
    this.#wakeWaiters()
  }

  #load(): void {
    this.#meta = this.#store.readMeta()
    if (!this.#meta) return
    const last = this.#store.lastStoredOffset()
    this.#logEnd = Math.max(this.#meta.logStartOffset, last === undefined ? 0 : last + 1)
    this.#totalBytes = this.#store.totalBytes()
    for (const kind of Object.values(TIMER)) {
      const timer = this.#timers.get(kind)
      if (timer) this.#scheduled.set(kind, timer.dueAt)
    }
  }

  /** The partition's metadata, initialising the object on first use after checking its topic exists. */
  async #ready(ref: PartitionRef): Promise<Result<PartitionMeta>> {
    if (this.#destroyed) return fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${ref.topic}' does not exist`)
    if (this.#meta) {
      return this.#meta.topicId === ref.topicId && this.#meta.partition === ref.partition
        ? ok(this.#meta)
        : fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${ref.topic}' does not exist`)
    }
    const cluster = this.env.CLUSTER_METADATA.getByName(CLUSTER_OBJECT_NAME)
    const topic = await cluster.topicById(ref.tenant, ref.topicId)
    // The topic may have been deleted (and this object wiped) while we asked.
    if (this.#destroyed || !topic || topic.topic !== ref.topic || ref.partition >= topic.partitions) {
      return fail('UNKNOWN_TOPIC_OR_PARTITION', `partition ${ref.partition} of topic '${ref.topic}' does not exist`)
    }
    if (!this.#meta) {
      const meta: PartitionMeta = { ...ref, config: topic.config, queue: topic.queue, logStartOffset: 0 }
      this.#store.writeMeta(meta, Date.now())
      this.#meta = meta
    }
    return ok(this.#meta)
  }

  #resolveStart(request: PartitionFetchRequest): Result<number> {
    const earliest = this.#meta!.logStartOffset
    const latest = this.#logEnd
    if (request.timestamp !== undefined) {
      const offset = this.#offsetForTimestamp(request.timestamp)
      return ok(offset === undefined ? latest : Math.max(offset, earliest))
    }
    const offset = request.offset ?? 'earliest'
    if (offset === 'earliest') return ok(earliest)
    if (offset === 'latest') return ok(latest)
    if (offset >= earliest && offset <= latest) return ok(offset)
    if (request.reset === 'earliest') return ok(earliest)
    if (request.reset === 'latest') return ok(latest)
    return fail('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside the log [${earliest}, ${latest}]`, { offset, earliest, latest })
  }

  #offsetForTimestamp(timestamp: number): number | undefined {
    const batch = this.#store.firstBatchReaching(timestamp)
    return batch ? firstOffsetAtOrAfter(batch, timestamp) : undefined
  }

  #recordAt(offset: number): FetchedRecord | undefined {
    if (offset < this.#meta!.logStartOffset || offset >= this.#logEnd) return undefined
    for (const batch of this.#store.batchesFrom(this.#store.startingBatch(offset))) {
      return parseBatch(batch.payload).find((record) => record.offset === offset)
    }
    return undefined
  }

  #producer(producerId: string): ProducerState | undefined {
    let state = this.#producers.get(producerId)
    if (!state) {
      state = this.#store.readProducer(producerId)
      // A cache, not the record: short-lived producers (one per request) must not fill memory.
      if (this.#producers.size >= PRODUCER_CACHE_SIZE) this.#producers.clear()
      if (state) this.#producers.set(producerId, state)
    }
    return state
  }

  /** A retried batch: answer with the offsets it was first written at, or refuse one too old to know. */
  #duplicate(producerId: string, producer: ProducerState, sequence: number): Result<AppendResult> {
    const entry = producer.recent.find(([seq]) => seq === sequence)
    if (!entry) {
      return fail(
        'DUPLICATE_SEQUENCE_NUMBER',
        `producer '${producerId}' has written up to sequence ${producer.lastSequence}; sequence ${sequence} is not among its last ${PRODUCER_DEDUP_WINDOW} requests, so it may already be written. Send new records with a higher sequence.`,
        { producerId, sequence, lastSequence: producer.lastSequence },
      )
    }
    const [, baseOffset, lastOffset] = entry
    const read = readBatches(this.#store.batchesFrom(this.#store.startingBatch(baseOffset)), {
      from: baseOffset,
      maxRecords: lastOffset - baseOffset + 1,
      maxBytes: Number.MAX_SAFE_INTEGER,
    })
    const stored = read.count > 0 ? (JSON.parse(`[${read.records}]`) as Array<{ offset: number; timestamp: number }>) : []
    const timestamps = Array.from({ length: lastOffset - baseOffset + 1 }, (_, i) => stored.find((r) => r.offset === baseOffset + i)?.timestamp ?? -1)
    return ok({ baseOffset, timestamps, duplicate: true })
  }

  /** After an append: over the byte limit now, or time retention with no check scheduled yet. */
  #retentionMayApply(config: TopicConfig): boolean {
    if (config['cleanup.policy'] === 'compact') return false
    const overBytes = config['retention.bytes'] >= 0 && this.#totalBytes > config['retention.bytes']
    return overBytes || (config['retention.ms'] >= 0 && !this.#scheduled.has(TIMER.retention))
  }

  /** Applies delete retention; `fromTimer` re-schedules the next check no sooner than the check interval. */
  #enforceRetention(now: number, fromTimer: boolean): void {
    const meta = this.#meta!
    const plan = planRetention(this.#store.batchHeaders(), meta.config, this.#totalBytes, now)
    if (plan.deleteBefore !== undefined) this.#moveLogStart(plan.deleteBefore)
    if (plan.nextDueAt === undefined) {
      this.#unschedule(TIMER.retention)
      return
    }
    if (!fromTimer && this.#scheduled.has(TIMER.retention)) return
    this.#schedule(TIMER.retention, fromTimer ? Math.max(plan.nextDueAt, now + RETENTION_CHECK_INTERVAL_MS) : Math.max(plan.nextDueAt, now), true)
  }

  /** Deletes everything before `offset`: whole batches, and queue deliveries of those records. */
  #moveLogStart(offset: number): void {
    const logStart = Math.min(offset, this.#logEnd)
    if (logStart <= this.#meta!.logStartOffset) return
    this.ctx.storage.transactionSync(() => {
      this.#store.deleteBatchesBefore(logStart)
      this.#store.deleteDeliveriesBefore(logStart)
      this.#store.writeLogStartOffset(logStart)
    })
    this.#meta!.logStartOffset = logStart
    this.#totalBytes = this.#store.totalBytes()
  }

  /** TTL: drops expired records from their batches (a batch left empty goes), counting them. */
  #purgeExpired(now: number): void {
    let expired = 0
    this.ctx.storage.transactionSync(() => {
      for (const batch of this.#store.batchesExpiringBy(now)) {
        const records = parseBatch(batch.payload)
        const alive = records.filter((record) => record.expiresAt === undefined || record.expiresAt > now)
        expired += records.length - alive.length
        if (alive.length === 0) {
          this.#store.deleteBatch(batch.base_offset)
          continue
        }
        const expiries = alive.map((record) => record.expiresAt ?? Number.POSITIVE_INFINITY)
        this.#store.rewriteBatch({
          ...batch,
          last_offset: alive[alive.length - 1]!.offset,
          max_timestamp: Math.max(...alive.map((record) => record.timestamp)),
          byte_size: alive.reduce((sum, record) => sum + recordBodyBytes(record), 0),
          expires_at: Math.min(...expiries) === Number.POSITIVE_INFINITY ? null : Math.min(...expiries),
          payload: JSON.stringify(alive),
        })
      }
      if (expired > 0) this.#store.addCounters(expired, 0)
    })
    this.#totalBytes = this.#store.totalBytes()
    const first = this.#store.firstBatchHeader()
    this.#moveLogStart(first ? first.base_offset : this.#logEnd)
    const next = this.#store.earliestExpiry()
    if (next !== undefined) this.#schedule(TIMER.ttl, Math.max(next, now + 1_000), true)
  }

  #compact(now: number): void {
    const config = this.#meta!.config
    if (config['cleanup.policy'] === 'delete') return
    const plan = planCompaction(this.#store.allBatches(), { now, deleteRetentionMs: config['delete.retention.ms'] })
    if (plan.changes.length === 0) return
    this.ctx.storage.transactionSync(() => {
      for (const change of plan.changes) {
        if (change.action === 'delete') this.#store.deleteBatch(change.baseOffset)
        else this.#store.rewriteBatch(change.batch)
      }
    })
    this.#totalBytes = this.#store.totalBytes()
    // Tombstones kept for now must be looked at again once delete.retention.ms has passed.
    this.#schedule(TIMER.compaction, now + Math.max(COMPACTION_DELAY_MS, Math.min(config['delete.retention.ms'], 3_600_000)), false)
  }

  /** Re-arms the lease/redelivery timer and writes dead records to the DLQ. */
  async #afterQueueChange(now = Date.now()): Promise<void> {
    const next = this.#store.nextVisibleAt()
    if (next === undefined) this.#unschedule(TIMER.deliveries)
    else this.#schedule(TIMER.deliveries, next, true)
    await this.#drainDeadLetters(now)
    await this.#timers.arm()
  }

  /**
   * Writes pending dead records to the DLQ, one pass at a time: a caller arriving during a pass waits for
   * it, and the pass goes round again for records that died meanwhile. Sequential passes keep the DLQ
   * writes in sequence order, which the idempotent producer's deduplication relies on.
   */
  #drainDeadLetters(now: number): Promise<void> {
    if (this.#routing) {
      this.#rerouteRequested = true
      return this.#routing
    }
    this.#routing = (async () => {
      do {
        this.#rerouteRequested = false
        const dead = this.#store.deadDeliveries()
        if (dead.length === 0) break
        if (!(await this.#routeDeadLetters(dead))) {
          this.#schedule(TIMER.deadLetters, now + DLQ_RETRY_MS, false)
          break
        }
      } while (this.#rerouteRequested)
    })().finally(() => {
      this.#routing = undefined
    })
    return this.#routing
  }

  async #routeDeadLetters(dead: Parameters<typeof routeDeadLetters>[1]): Promise<boolean> {
    try {
      return await routeDeadLetters(
        {
          meta: this.#meta!,
          env: this.env,
          record: (offset) => this.#recordAt(offset),
          done: (delivery, written) =>
            this.ctx.storage.transactionSync(() => {
              this.#store.deleteDelivery(delivery.group, delivery.offset)
              if (written) this.#store.addCounters(0, 1)
            }),
        },
        dead,
      )
    } catch (err) {
      console.error(JSON.stringify({ level: 'warn', message: 'dead-letter routing failed; will retry', error: (err as Error).message }))
      return false
    }
  }

  /** Sets a timer; `earliest` keeps an earlier pending one of the same kind, otherwise it is left as is. */
  #schedule(kind: string, dueAt: number, earliest: boolean): void {
    const pending = this.#scheduled.get(kind)
    if (pending !== undefined && (!earliest || pending <= dueAt)) return
    this.#timers.set(kind, '', dueAt)
    this.#scheduled.set(kind, dueAt)
  }

  #unschedule(kind: string): void {
    if (!this.#scheduled.has(kind)) return
    this.#timers.delete(kind)
    this.#scheduled.delete(kind)
  }

  #waitForAppend(maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, maxWaitMs)
      this.#waiters.add(done)
    })
  }

  #wakeWaiters(): void {
    for (const wake of [...this.#waiters]) wake()
  }
}

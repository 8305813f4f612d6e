/**
 * TopicPartitionDO: one partition's ordered log. Offsets are assigned here, inside one SQLite
 * transaction per append, so order within a partition is total. It enforces its topic's config
 * (record size, timestamps, retention), remembers idempotent producers' recent batches, and holds
 * long-poll fetches until records arrive.
 *
 * The object is created lazily: on its first call it confirms with ClusterMetadataDO that its topic id
 * and partition exist, and stores the topic config it then enforces. Deleting the topic wipes it.
 */
import { DurableObject } from 'cloudflare:workers'
import { CLUSTER_OBJECT_NAME, type PartitionRef } from '../core/object-names.js'
import { firstOffsetAtOrAfter, packBatches, planRetention, readBatches } from '../core/log.js'
import type { EncodedRecord } from '../core/record-codec.js'
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import { MAX_STORED_BATCH_BYTES, PRODUCER_DEDUP_WINDOW } from '../protocol/limits.js'
import type { TopicConfig } from '../protocol/topic-config.js'
import { runMigrations } from '../storage/migrations.js'
import { PARTITION_MIGRATIONS, PartitionStore, type PartitionMeta, type ProducerState } from '../storage/partition-store.js'
import { TimerStore } from '../storage/timers.js'

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

/** Kafka checks retention every 5 minutes (log.retention.check.interval.ms); we re-check at most this often. */
const RETENTION_CHECK_INTERVAL_MS = 60_000
const RETENTION_TIMER = 'retention'

export class TopicPartitionDO extends DurableObject<KafdoEnv> {
  #store: PartitionStore
  #timers: TimerStore
  #meta: PartitionMeta | undefined
  /** The next offset to be written (the high watermark). */
  #logEnd = 0
  #totalBytes = 0
  #destroyed = false
  /** Whether a retention timer is pending, so appends need not look. */
  #retentionScheduled = false
  #producers = new Map<string, ProducerState>()
  #waiters = new Set<() => void>()

  constructor(ctx: DurableObjectState, env: KafdoEnv) {
    super(ctx, env)
    this.#store = new PartitionStore(ctx.storage)
    this.#timers = new TimerStore(ctx.storage)
    ctx.blockConcurrencyWhile(async () => {
      runMigrations(ctx.storage, PARTITION_MIGRATIONS)
      this.#load()
    })
  }

  async append(ref: PartitionRef, request: AppendRequest): Promise<Result<AppendResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    const { config } = ready.value
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
    const baseOffset = this.#logEnd
    const batches = packBatches(request.records, timestamps, baseOffset, MAX_STORED_BATCH_BYTES)
    const lastOffset = baseOffset + request.records.length - 1
    this.ctx.storage.transactionSync(() => {
      for (const batch of batches) this.#store.insertBatch(batch, null)
      if (producerId !== undefined && sequence !== undefined) {
        const state: ProducerState = {
          lastSequence: sequence,
          recent: [...(producer?.recent ?? []), [sequence, baseOffset, lastOffset] as [number, number, number]].slice(-PRODUCER_DEDUP_WINDOW),
        }
        this.#store.writeProducer(producerId, state, now)
        this.#producers.set(producerId, state)
      }
    })
    this.#logEnd = lastOffset + 1
    for (const batch of batches) this.#totalBytes += batch.byte_size
    if (this.#retentionMayApply(config)) await this.#enforceRetention(now, false)
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
    })
    return ok({
      records: read.records,
      count: read.count,
      nextOffset: read.nextOffset,
      highWatermark: this.#logEnd,
      logStartOffset: this.#meta!.logStartOffset,
    })
  }

  async offsets(ref: PartitionRef): Promise<Result<PartitionOffsetsResult>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    return ok({ earliest: ready.value.logStartOffset, latest: this.#logEnd })
  }

  /** Replaces the enforced config (ClusterMetadataDO calls this when a topic's config changes). */
  async applyConfig(ref: PartitionRef, config: TopicConfig): Promise<Result<null>> {
    const ready = await this.#ready(ref)
    if (!ready.ok) return ready
    this.#store.writeConfig(config)
    ready.value.config = config
    await this.#enforceRetention(Date.now(), true)
    return ok(null)
  }

  /** Removes the partition's storage for good; later calls answer UNKNOWN_TOPIC_OR_PARTITION. */
  async destroy(): Promise<Result<null>> {
    this.#destroyed = true
    this.#wakeWaiters()
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.#timers.forget()
    this.#meta = undefined
    this.#retentionScheduled = false
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
      if (timer.kind === RETENTION_TIMER) {
        this.#timers.delete(RETENTION_TIMER)
        this.#retentionScheduled = false
        await this.#enforceRetention(now, true)
      }
    }
    await this.#timers.arm()
  }

  #load(): void {
    this.#meta = this.#store.readMeta()
    if (!this.#meta) return
    const last = this.#store.lastStoredOffset()
    this.#logEnd = Math.max(this.#meta.logStartOffset, last === undefined ? 0 : last + 1)
    this.#totalBytes = this.#store.totalBytes()
    this.#retentionScheduled = this.#timers.get(RETENTION_TIMER) !== undefined
  }

  /** After an append: over the byte limit now, or time retention with no check scheduled yet. */
  #retentionMayApply(config: TopicConfig): boolean {
    if (config['cleanup.policy'] === 'compact') return false
    const overBytes = config['retention.bytes'] >= 0 && this.#totalBytes > config['retention.bytes']
    return overBytes || (config['retention.ms'] >= 0 && !this.#retentionScheduled)
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
    if (!topic || topic.topic !== ref.topic || ref.partition >= topic.partitions) {
      return fail('UNKNOWN_TOPIC_OR_PARTITION', `partition ${ref.partition} of topic '${ref.topic}' does not exist`)
    }
    if (!this.#meta) {
      const meta: PartitionMeta = { ...ref, config: topic.config, logStartOffset: 0 }
      this.#store.writeMeta(meta, Date.now())
      this.#meta = meta
    }
    return ok(this.#meta)
  }

  #resolveStart(request: PartitionFetchRequest): Result<number> {
    const earliest = this.#meta!.logStartOffset
    const latest = this.#logEnd
    if (request.timestamp !== undefined) {
      const batch = this.#store.firstBatchReaching(request.timestamp)
      const offset = batch ? firstOffsetAtOrAfter(batch, request.timestamp) : undefined
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

  #producer(producerId: string): ProducerState | undefined {
    let state = this.#producers.get(producerId)
    if (!state) {
      state = this.#store.readProducer(producerId)
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
        `producer '${producerId}' already wrote sequence ${producer.lastSequence}; sequence ${sequence} is older than its last ${PRODUCER_DEDUP_WINDOW} batches`,
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

  /** Applies delete retention; `fromTimer` re-schedules the next check no sooner than the check interval. */
  async #enforceRetention(now: number, fromTimer: boolean): Promise<void> {
    const meta = this.#meta!
    const plan = planRetention(this.#store.batchHeaders(), meta.config, this.#totalBytes, now)
    if (plan.deleteBefore !== undefined) {
      const logStart = Math.min(plan.deleteBefore, this.#logEnd)
      this.ctx.storage.transactionSync(() => {
        this.#store.deleteBatchesBefore(logStart)
        this.#store.writeLogStartOffset(logStart)
      })
      meta.logStartOffset = logStart
      this.#totalBytes -= plan.bytesFreed
    }
    if (plan.nextDueAt === undefined) {
      if (this.#retentionScheduled) this.#timers.delete(RETENTION_TIMER)
      this.#retentionScheduled = false
      await this.#timers.arm()
      return
    }
    if (!fromTimer && this.#retentionScheduled) return
    const dueAt = fromTimer ? Math.max(plan.nextDueAt, now + RETENTION_CHECK_INTERVAL_MS) : Math.max(plan.nextDueAt, now)
    this.#timers.set(RETENTION_TIMER, '', dueAt)
    this.#retentionScheduled = true
    await this.#timers.arm()
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

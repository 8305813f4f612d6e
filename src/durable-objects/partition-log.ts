/**
 * One partition's log: its state (metadata and config, log start and end, total size, idempotent
 * producers) and the synchronous operations on it, over PartitionStore and the pure functions of
 * core/log.ts. TopicPartitionDO owns one and adds what needs the runtime: the first-use check with the
 * cluster, timers, long-poll waiters and queue consumption.
 */
import { compactBatch, latestOffsets, startCompaction } from '../core/compaction.js'
import { readPage, type FetchPage } from '../core/fetch-page.js'
import { firstOffsetAtOrAfter, packBatches, planRetention, readBatches, type ReadResult, type StoredBatch } from '../core/log.js'
import { batchRecords } from '../core/record-texts.js'
import { parseBatch, recordBodyBytes } from '../core/record-codec.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import { MAX_STORED_BATCH_BYTES, PRODUCER_DEDUP_WINDOW } from '../protocol/limits.js'
import type { AppendRequest, AppendResult, StartRequest } from '../protocol/partition-rpc.js'
import type { ShareGroupSeekTarget } from '../protocol/queue-rpc.js'
import type { QueuePolicy } from '../protocol/queues.js'
import type { TopicConfig } from '../protocol/topic-config.js'
import { BatchStore } from '../storage/batch-store.js'
import { DeliveryStore } from '../storage/delivery-store.js'
import { PartitionStore, type PartitionMeta, type ProducerState } from '../storage/partition-store.js'

/**
 * How long an idle producer's dedup state is kept (Kafka's producer.id.expiration.ms, whose default is a
 * day; a week here, so that a change stream resumed days later is still deduplicated).
 */
export const PRODUCER_EXPIRATION_MS = 7 * 86_400_000
const PRODUCER_CACHE_SIZE = 10_000

/**
 * A log whose partition is known (its first-use check passed, or its metadata was read back): what every
 * operation that needs the topic's settings works on. `isOpen()` narrows to it.
 */
export type OpenPartitionLog = PartitionLog & { readonly meta: PartitionMeta }

export class PartitionLog {
  readonly store: PartitionStore
  /** The log's record batches. */
  readonly batches: BatchStore
  /** Queue deliveries: records the log drops must leave the queue too. */
  readonly deliveries: DeliveryStore
  readonly #storage: DurableObjectStorage
  /** The partition's metadata once the log is open; none before its first use, or after its topic's deletion. */
  meta: PartitionMeta | undefined
  /** The next offset to be written (the high watermark). */
  logEnd = 0
  totalBytes = 0
  /** A cache, not the record: short-lived producers (one per request) must not fill memory. */
  #producers = new Map<string, ProducerState>()

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage
    this.store = new PartitionStore(storage)
    this.batches = new BatchStore(storage)
    this.deliveries = new DeliveryStore(storage)
  }

  /** The first offset still stored (Kafka's log start offset); 0 for a log not open, which holds nothing. */
  get logStart(): number {
    return this.meta?.logStartOffset ?? 0
  }

  isOpen(): this is OpenPartitionLog {
    return this.meta !== undefined
  }

  load(): void {
    this.meta = this.store.readMeta()
    if (!this.meta) return
    const last = this.batches.lastStoredOffset()
    this.logEnd = Math.max(this.meta.logStartOffset, last === undefined ? 0 : last + 1)
    this.totalBytes = this.batches.totalBytes()
  }

  /** Opens the log of a partition used for the first time. */
  initialize(meta: PartitionMeta, now: number): OpenPartitionLog {
    this.store.writeMeta(meta, now)
    // Setting the metadata is what opens the log: the answer is this log, typed open.
    return Object.assign(this, { meta })
  }

  /** Forgets everything held in memory (after the storage was wiped). */
  reset(): void {
    this.meta = undefined
    this.#producers.clear()
    this.logEnd = 0
    this.totalBytes = 0
  }

  applyConfig(this: OpenPartitionLog, config: TopicConfig, queue: QueuePolicy): void {
    this.store.writeConfig(config, queue)
    this.meta.config = config
    this.meta.queue = queue
  }

  /** Appends in one transaction; returns the new batches' earliest expiry for the TTL timer. */
  append(this: OpenPartitionLog, request: AppendRequest, now: number): Result<AppendResult & { earliestExpiry?: number }> {
    const { config, queue } = this.meta
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
    if (producer && sequence !== undefined && sequence <= producer.lastSequence) return this.#duplicate(producerId!, producer, sequence)

    const logAppendTime = config['message.timestamp.type'] === 'LogAppendTime'
    const timestamps = request.records.map((record) => (logAppendTime ? now : (record.timestamp ?? now)))
    const expiries = request.records.map((record, i) => {
      const ttl = record.ttlMs ?? (queue.defaultTtlMs > 0 ? queue.defaultTtlMs : undefined)
      return ttl === undefined ? undefined : timestamps[i]! + ttl
    })
    const baseOffset = this.logEnd
    const batches = packBatches(request.records, timestamps, baseOffset, MAX_STORED_BATCH_BYTES, expiries)
    const lastOffset = baseOffset + request.records.length - 1
    this.#storage.transactionSync(() => {
      for (const batch of batches) this.batches.insertBatch(batch)
      if (producerId !== undefined && sequence !== undefined) {
        const recent = [...(producer?.recent ?? []), [sequence, baseOffset, lastOffset] as [number, number, number]]
        const state: ProducerState = { lastSequence: sequence, recent: recent.slice(-PRODUCER_DEDUP_WINDOW) }
        this.store.writeProducer(producerId, state, now)
        this.#remember(producerId, state)
      }
    })
    this.logEnd = lastOffset + 1
    for (const batch of batches) this.totalBytes += batch.byte_size
    const earliestExpiry = Math.min(...batches.map((batch) => batch.expires_at ?? Number.POSITIVE_INFINITY))
    return ok({ baseOffset, timestamps, duplicate: false, ...(Number.isFinite(earliestExpiry) ? { earliestExpiry } : {}) })
  }

  resolveStart(request: StartRequest): Result<number> {
    const earliest = this.logStart
    const latest = this.logEnd
    if (request.timestamp !== undefined) {
      const offset = this.offsetForTimestamp(request.timestamp)
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

  read(from: number, maxRecords: number, maxBytes: number, now?: number): ReadResult {
    return readBatches(this.batches.batchesFrom(this.batches.startingBatch(from)), {
      from,
      maxRecords,
      maxBytes,
      ...(now !== undefined ? { now } : {}),
    })
  }

  /** The fetch answer for records from `from`, assembled as bytes (see core/fetch-page.ts). */
  readPage(this: OpenPartitionLog, from: number, maxRecords: number, maxBytes: number, now: number): FetchPage {
    const meta = this.meta
    return readPage(
      this.batches.batchBytesFrom(this.batches.startingBatch(from)),
      { from, maxRecords, maxBytes, now },
      { topic: meta.topic, partition: meta.partition, highWatermark: this.logEnd, logStartOffset: this.logStart },
    )
  }

  /** Where a seek lands: an offset as given, the first record at or after a timestamp, or either end. */
  offsetOf(target: ShareGroupSeekTarget): number {
    if ('offset' in target) return target.offset
    if ('timestamp' in target) return this.offsetForTimestamp(target.timestamp) ?? this.logEnd
    return target.to === 'earliest' ? this.logStart : this.logEnd
  }

  offsetForTimestamp(timestamp: number): number | undefined {
    const batch = this.batches.firstBatchReaching(timestamp)
    return batch ? firstOffsetAtOrAfter(batch, timestamp) : undefined
  }

  /**
   * The stored texts of the records at `offsets` that are still stored (and, given `now`, not expired),
   * reading each batch once.
   */
  recordTexts(offsets: readonly number[], now?: number): Map<number, string> {
    const found = new Map<number, string>()
    let batch: StoredBatch | undefined
    let texts = new Map<number, string>()
    for (const offset of [...offsets].sort((a, b) => a - b)) {
      if (offset < this.logStart || offset >= this.logEnd) continue
      if (!batch || offset > batch.last_offset) {
        batch = undefined
        for (const candidate of this.batches.batchesFrom(this.batches.startingBatch(offset))) {
          batch = candidate
          break
        }
        if (!batch) break
        texts = new Map(batchRecords(batch, batch.base_offset, Number.MAX_SAFE_INTEGER, now).map((r) => [r.offset, r.text]))
      }
      const text = texts.get(offset)
      if (text !== undefined) found.set(offset, text)
    }
    return found
  }

  /** Deletes everything before `offset`: whole batches, and queue deliveries of those records. */
  moveLogStart(this: OpenPartitionLog, offset: number): void {
    const logStart = Math.min(offset, this.logEnd)
    if (logStart <= this.logStart) return
    this.#storage.transactionSync(() => {
      this.batches.deleteBatchesBefore(logStart)
      this.deliveries.deleteBefore(logStart)
      this.store.writeLogStartOffset(logStart)
    })
    this.meta.logStartOffset = logStart
    this.totalBytes = this.batches.totalBytes()
  }

  /** After an append: over the byte limit now, or time retention with no check scheduled yet. */
  retentionMayApply(this: OpenPartitionLog, checkScheduled: boolean): boolean {
    const config = this.meta.config
    if (config['cleanup.policy'] === 'compact') return false
    const overBytes = config['retention.bytes'] >= 0 && this.totalBytes > config['retention.bytes']
    return overBytes || (config['retention.ms'] >= 0 && !checkScheduled)
  }

  /** Applies delete retention; returns when the oldest remaining batch becomes due, if ever. */
  applyRetention(this: OpenPartitionLog, now: number): number | undefined {
    const plan = planRetention(this.batches.batchHeaders(), this.meta.config, this.totalBytes, now)
    if (plan.deleteBefore !== undefined) this.moveLogStart(plan.deleteBefore)
    return plan.nextDueAt
  }

  /** TTL: drops expired records from their batches (a batch left empty goes), counting them. */
  purgeExpired(this: OpenPartitionLog, now: number): number | undefined {
    let expired = 0
    this.#storage.transactionSync(() => {
      for (const batch of this.batches.batchesExpiringBy(now)) {
        const records = parseBatch(batch.payload)
        const alive = records.filter((record) => record.expiresAt === undefined || record.expiresAt > now)
        expired += records.length - alive.length
        if (alive.length === 0) {
          this.batches.deleteBatch(batch.base_offset)
          continue
        }
        const nextExpiry = Math.min(...alive.map((record) => record.expiresAt ?? Number.POSITIVE_INFINITY))
        this.batches.rewriteBatch({
          ...batch,
          last_offset: alive[alive.length - 1]!.offset,
          max_timestamp: Math.max(...alive.map((record) => record.timestamp)),
          byte_size: alive.reduce((sum, record) => sum + recordBodyBytes(record), 0),
          expires_at: Number.isFinite(nextExpiry) ? nextExpiry : null,
          payload: JSON.stringify(alive),
        })
      }
      if (expired > 0) this.store.addCounters(expired, 0)
    })
    this.totalBytes = this.batches.totalBytes()
    const first = this.batches.firstBatchHeader()
    this.moveLogStart(first ? first.base_offset : this.logEnd)
    return this.batches.earliestExpiry()
  }

  /**
   * Keeps the latest record per key; true when anything was removed. Both passes stream: the first reads
   * the batches through a cursor keeping only each key's latest offset, the second reads and rewrites one
   * batch at a time, so memory holds one batch, not the partition.
   */
  compact(this: OpenPartitionLog, now: number): boolean {
    const config = this.meta.config
    if (config['cleanup.policy'] === 'delete') return false
    const state = startCompaction(latestOffsets(this.batches.allBatches()))
    const options = { now, deleteRetentionMs: config['delete.retention.ms'] }
    let changed = false
    for (const baseOffset of this.batches.batchBaseOffsets()) {
      const batch = this.batches.batchAt(baseOffset)
      const change = batch && compactBatch(batch, state, options)
      if (!change) continue
      if (change.action === 'delete') this.batches.deleteBatch(change.baseOffset)
      else this.batches.rewriteBatch(change.batch)
      changed = true
    }
    if (changed) this.totalBytes = this.batches.totalBytes()
    return changed
  }

  /** Forgets producers idle past the expiration; true while any producer state is left. */
  pruneProducers(now: number): boolean {
    this.store.deleteProducersIdleSince(now - PRODUCER_EXPIRATION_MS)
    return this.store.hasProducers()
  }

  #producer(producerId: string): ProducerState | undefined {
    let state = this.#producers.get(producerId)
    if (!state) {
      state = this.store.readProducer(producerId)
      if (state) this.#remember(producerId, state)
    }
    return state
  }

  #remember(producerId: string, state: ProducerState): void {
    if (this.#producers.size >= PRODUCER_CACHE_SIZE) this.#producers.clear()
    this.#producers.set(producerId, state)
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
    const read = this.read(baseOffset, lastOffset - baseOffset + 1, Number.MAX_SAFE_INTEGER)
    const stored = read.count > 0 ? (JSON.parse(`[${read.records}]`) as Array<{ offset: number; timestamp: number }>) : []
    const timestamps = Array.from({ length: lastOffset - baseOffset + 1 }, (_, i) => stored.find((r) => r.offset === baseOffset + i)?.timestamp ?? -1)
    return ok({ baseOffset, timestamps, duplicate: true })
  }
}

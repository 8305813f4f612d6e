/**
 * Kafka's log compaction (`cleanup.policy=compact`) as a pure plan over a partition's stored batches: for
 * each key only the record with the highest offset survives, and a tombstone (value null) survives until
 * it is `delete.retention.ms` old (by its timestamp), after which it goes too. The partition Durable
 * Object applies the plan; tests feed it arrays.
 *
 * - Offsets are never renumbered: a batch loses records (leaving gaps) and keeps its base offset as its
 *   row key; a batch left empty is deleted. Unchanged batches are not in the plan.
 * - Records at or after `keepFromOffset` (the active tail) and records younger than `minCompactionLagMs`
 *   are never removed, but a newer record for a key there still makes the key's older records removable.
 * - Keyless records are kept. Kafka refuses them on compacted topics; we accept them, so we keep them
 *   rather than lose data.
 * - A tombstone is not removed while an older record of its key survives (only possible when that record
 *   is protected by the lag and stamped after the tombstone): removing it would resurrect the old value.
 * - A rewritten batch's columns mean what `packBatches` makes them mean: `byte_size` sums the records'
 *   encoded bodies (key, value, headers, valueEncoding; not offset, timestamp or expiresAt), `expires_at`
 *   is the earliest surviving `expiresAt`, and `positions` is null since its offsets now have gaps.
 */
import type { FetchedRecord } from '../protocol/records.js'
import type { StoredBatch } from './log.js'
import { parseBatch, recordBodyBytes } from './record-codec.js'

export interface CompactionOptions {
  now: number
  /** `delete.retention.ms`: a tombstone is removable once `timestamp + deleteRetentionMs <= now`. */
  deleteRetentionMs: number
  /** `min.compaction.lag.ms`: a record with `timestamp + minCompactionLagMs > now` is kept. */
  minCompactionLagMs?: number
  /** Records at or after this offset (the active tail) are kept. */
  keepFromOffset?: number
}

export type BatchChange = { baseOffset: number; action: 'delete' } | { baseOffset: number; action: 'rewrite'; batch: StoredBatch }

export interface CompactionPlan {
  /** One entry per batch that changes, in offset order. */
  changes: BatchChange[]
  /** Records removed, tombstones included. */
  removed: number
  /** Removed records that were tombstones (superseded or past `delete.retention.ms`). */
  tombstonesRemoved: number
  /** How much the partition's total `byte_size` shrinks once the plan is applied. */
  bytesFreed: number
}

/** Pass 1: the latest offset of each key, wherever it is (the protected region included). */
export function latestOffsets(batches: Iterable<StoredBatch>): Map<string, number> {
  const latest = new Map<string, number>()
  for (const batch of batches) {
    for (const record of parseBatch(batch.payload)) if (record.key !== null) latest.set(record.key, record.offset)
  }
  return latest
}

/** What pass 2 carries from batch to batch (it must see the batches in offset order). */
export interface CompactionState {
  readonly latest: ReadonlyMap<string, number>
  /** Keys whose superseded records had to stay (protected), so their tombstones must stay too. */
  readonly olderSurvives: Set<string>
  removed: number
  tombstonesRemoved: number
  bytesFreed: number
}

export function startCompaction(latest: ReadonlyMap<string, number>): CompactionState {
  return { latest, olderSurvives: new Set(), removed: 0, tombstonesRemoved: 0, bytesFreed: 0 }
}

/** Pass 2, one batch at a time: what becomes of it, or undefined when it keeps every record. */
export function compactBatch(batch: StoredBatch, state: CompactionState, options: CompactionOptions): BatchChange | undefined {
  const { now, deleteRetentionMs } = options
  const lag = options.minCompactionLagMs ?? 0
  const keepFrom = options.keepFromOffset ?? Infinity
  const isProtected = (record: FetchedRecord) => record.offset >= keepFrom || (lag > 0 && record.timestamp + lag > now)
  const keeps = (record: FetchedRecord): boolean => {
    if (record.key === null) return true
    if (state.latest.get(record.key) !== record.offset) {
      // Superseded by a newer record of the key.
      if (!isProtected(record)) return false
      state.olderSurvives.add(record.key)
      return true
    }
    if (record.value !== null || isProtected(record)) return true
    // The key's latest record is a tombstone: it goes once past delete.retention.ms, unless that would
    // expose an older record of the key that had to stay.
    return record.timestamp + deleteRetentionMs > now || state.olderSurvives.has(record.key)
  }
  const records = parseBatch(batch.payload)
  const survivors = records.filter((record) => {
    const keep = keeps(record)
    if (!keep) {
      state.removed++
      if (record.value === null) state.tombstonesRemoved++
    }
    return keep
  })
  if (survivors.length === records.length) return undefined
  if (survivors.length === 0) {
    state.bytesFreed += batch.byte_size
    return { baseOffset: batch.base_offset, action: 'delete' }
  }
  const expiries = survivors.flatMap((record) => (record.expiresAt === undefined ? [] : [record.expiresAt]))
  const rewritten: StoredBatch = {
    base_offset: batch.base_offset,
    last_offset: survivors[survivors.length - 1]!.offset,
    max_timestamp: survivors.reduce((max, record) => Math.max(max, record.timestamp), -1),
    byte_size: survivors.reduce((sum, record) => sum + recordBodyBytes(record), 0),
    payload: `[${survivors.map((record) => JSON.stringify(record)).join(',')}]`,
    expires_at: expiries.length > 0 ? expiries.reduce((min, expiry) => Math.min(min, expiry)) : null,
    positions: null,
  }
  state.bytesFreed += batch.byte_size - rewritten.byte_size
  return { baseOffset: batch.base_offset, action: 'rewrite', batch: rewritten }
}

/**
 * Both passes over batches held in memory, as a plan (for tests and small logs). The partition object
 * streams the passes instead (see PartitionLog.compact), holding one batch at a time.
 */
export function planCompaction(batches: Iterable<StoredBatch>, options: CompactionOptions): CompactionPlan {
  const ordered = [...batches].sort((a, b) => a.base_offset - b.base_offset)
  const state = startCompaction(latestOffsets(ordered))
  const changes = ordered.flatMap((batch) => compactBatch(batch, state, options) ?? [])
  return { changes, removed: state.removed, tombstonesRemoved: state.tombstonesRemoved, bytesFreed: state.bytesFreed }
}

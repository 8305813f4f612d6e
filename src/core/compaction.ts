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

/** Size of a record's encoded body as `packBatches` counts it: its JSON without offset, timestamp, expiresAt. */

export function planCompaction(batches: Iterable<StoredBatch>, options: CompactionOptions): CompactionPlan {
  const { now, deleteRetentionMs } = options
  const lag = options.minCompactionLagMs ?? 0
  const keepFrom = options.keepFromOffset ?? Infinity
  const isProtected = (record: FetchedRecord) => record.offset >= keepFrom || (lag > 0 && record.timestamp + lag > now)

  // Two passes, so the batches are materialised: O(log size) memory (payloads as stored, plus one map
  // entry per key). Payloads are parsed again in the second pass rather than kept as heavier objects.
  const ordered = [...batches].sort((a, b) => a.base_offset - b.base_offset)

  // Pass 1: the latest offset of each key, wherever it is (the protected region included).
  const latest = new Map<string, number>()
  for (const batch of ordered) {
    for (const record of parseBatch(batch.payload)) if (record.key !== null) latest.set(record.key, record.offset)
  }

  // Pass 2: decide per record, in offset order, noting keys whose older (superseded) records survive.
  const olderSurvives = new Set<string>()
  const plan: CompactionPlan = { changes: [], removed: 0, tombstonesRemoved: 0, bytesFreed: 0 }
  for (const batch of ordered) {
    const records = parseBatch(batch.payload)
    const survivors = records.filter((record) => {
      const keep = keeps(record)
      if (!keep) {
        plan.removed++
        if (record.value === null) plan.tombstonesRemoved++
      }
      return keep
    })
    if (survivors.length === records.length) continue
    if (survivors.length === 0) {
      plan.changes.push({ baseOffset: batch.base_offset, action: 'delete' })
      plan.bytesFreed += batch.byte_size
      continue
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
    plan.changes.push({ baseOffset: batch.base_offset, action: 'rewrite', batch: rewritten })
    plan.bytesFreed += batch.byte_size - rewritten.byte_size
  }
  return plan

  function keeps(record: FetchedRecord): boolean {
    if (record.key === null) return true
    if (latest.get(record.key) !== record.offset) {
      // Superseded by a newer record of the key.
      if (!isProtected(record)) return false
      olderSurvives.add(record.key)
      return true
    }
    if (record.value !== null || isProtected(record)) return true
    // The key's latest record is a tombstone: it goes once past delete.retention.ms, unless that would
    // expose an older record of the key that had to stay.
    return record.timestamp + deleteRetentionMs > now || olderSurvives.has(record.key)
  }
}

/**
 * Pure log logic for a partition: packing appended records into stored batches, reading a range of
 * batches into a fetch response, and deciding what retention deletes. The partition Durable Object feeds
 * these from SQLite; tests feed them arrays.
 */
import type { EncodedRecord } from '../protocol/partition-rpc.js'
import { batchElements, parseBatch, renderRecord, renderRecords } from './record-codec.js'
import type { TopicConfig } from '../protocol/topic-config.js'

/** A stored batch's fixed columns (snake_case: they are the SQL row). */
export type BatchHeader = {
  base_offset: number
  last_offset: number
  max_timestamp: number
  byte_size: number
}

export type StoredBatch = BatchHeader & {
  payload: string
  /** The earliest `expiresAt` of its records, or null when none expires. */
  expires_at?: number | null
  /**
   * Where each record starts in `payload`, comma-separated, for batches whose offsets run without gaps
   * (null once compaction has removed records): a read cut inside the batch slices the text instead of
   * parsing it.
   */
  positions?: string | null
}

/**
 * Assigns offsets from `baseOffset` and packs the records into batches of at most `maxBatchBytes` (a
 * record larger than that gets a batch of its own), so no stored row nears the 2 MB row limit.
 */
export function packBatches(
  records: readonly EncodedRecord[],
  timestamps: readonly number[],
  baseOffset: number,
  maxBatchBytes: number,
  expiries: ReadonlyArray<number | undefined> = [],
): StoredBatch[] {
  const batches: StoredBatch[] = []
  let parts: string[] = []
  let positions: number[] = []
  let length = 1
  let start = baseOffset
  let bytes = 0
  let maxTimestamp = -1
  let expiresAt: number | null = null
  const flush = (lastOffset: number) => {
    batches.push({
      base_offset: start,
      last_offset: lastOffset,
      max_timestamp: maxTimestamp,
      byte_size: bytes,
      payload: `[${parts.join(',')}]`,
      expires_at: expiresAt,
      positions: positions.join(','),
    })
    parts = []
    positions = []
    length = 1
    bytes = 0
    maxTimestamp = -1
    expiresAt = null
    start = lastOffset + 1
  }
  records.forEach((record, i) => {
    const offset = baseOffset + i
    if (parts.length > 0 && bytes + record.bytes > maxBatchBytes) flush(offset - 1)
    const timestamp = timestamps[i]!
    const expiry = expiries[i]
    const rendered = renderRecord(offset, timestamp, record.body, expiry)
    positions.push(length)
    length += rendered.length + 1
    parts.push(rendered)
    bytes += record.bytes
    if (timestamp > maxTimestamp) maxTimestamp = timestamp
    if (expiry !== undefined && (expiresAt === null || expiry < expiresAt)) expiresAt = expiry
  })
  if (parts.length > 0) flush(baseOffset + records.length - 1)
  return batches
}

export interface ReadLimits {
  from: number
  maxRecords: number
  maxBytes: number
  /** Records whose `expiresAt` is at or before this are skipped (TTL). */
  now?: number
}

export interface ReadResult {
  /** The records as JSON array elements (no brackets), ready to splice into a response. */
  records: string
  count: number
  nextOffset: number
}

/**
 * How a reader takes records out of a stored batch's payload: as the text JavaScript reads, or as the
 * UTF-8 bytes SQLite holds (see fetch-page.ts). `P` is the payload, `C` a piece of the answer.
 */
export interface PayloadReader<P, C> {
  /** The batch's records as array elements: the payload without its brackets. */
  whole(payload: P): C
  /** The payload's text from index `from` (a record's start) to `to`, or to the closing bracket. */
  slice(payload: P, from: number, to: number | undefined): C
  /** The payload as text, to parse. */
  text(payload: P): string
  /** Records rendered as array elements. */
  rendered(elements: string): C
}

export interface ReadPieces<C> {
  /** The records as JSON array elements, one piece per batch read; join them with commas. */
  pieces: C[]
  count: number
  nextOffset: number
}

/**
 * Reads records at or after `from`, up to `maxRecords` and, batch by batch, `maxBytes`. As in Kafka's
 * fetch, the first batch is returned even if it alone exceeds `maxBytes`, so a reader always progresses.
 * Whole batches are spliced as stored; a batch cut at either end is sliced at its record positions; only
 * a batch with gaps in its offsets (compacted) or with records past their TTL is parsed.
 */
export function readBatchesWith<P, C>(
  batches: Iterable<BatchHeader & { payload: P; expires_at?: number | null; positions?: string | null }>,
  limits: ReadLimits,
  reader: PayloadReader<P, C>,
): ReadPieces<C> {
  const pieces: C[] = []
  let count = 0
  let bytes = 0
  let nextOffset = limits.from
  for (const batch of batches) {
    if (batch.last_offset < nextOffset) continue
    if (count >= limits.maxRecords) break
    if (count > 0 && bytes + batch.byte_size > limits.maxBytes) break
    const remaining = limits.maxRecords - count
    const expiring = batch.expires_at != null && limits.now !== undefined && batch.expires_at <= limits.now
    // Only a batch whose offsets run without gaps (it has positions) can be spliced or sliced unparsed.
    const sliceable = !expiring && batch.positions != null && batch.positions !== ''
    const whole = sliceable && batch.base_offset >= nextOffset && batch.last_offset - batch.base_offset + 1 <= remaining
    if (whole) {
      pieces.push(reader.whole(batch.payload))
      count += batch.last_offset - batch.base_offset + 1
      nextOffset = batch.last_offset + 1
    } else if (sliceable) {
      // Offsets run base..last without gaps: record i starts at positions[i].
      const positions = batch.positions!.split(',').map(Number)
      const first = Math.max(0, nextOffset - batch.base_offset)
      const end = Math.min(positions.length, first + remaining)
      pieces.push(reader.slice(batch.payload, positions[first]!, end < positions.length ? positions[end]! - 1 : undefined))
      count += end - first
      nextOffset = batch.base_offset + end
    } else {
      const now = limits.now
      const selected = parseBatch(reader.text(batch.payload))
        .filter((record) => record.offset >= nextOffset && !(now !== undefined && record.expiresAt !== undefined && record.expiresAt <= now))
        .slice(0, remaining)
      if (selected.length > 0) {
        pieces.push(reader.rendered(renderRecords(selected)))
        count += selected.length
        nextOffset = selected[selected.length - 1]!.offset + 1
      }
      if (selected.length < remaining) nextOffset = Math.max(nextOffset, batch.last_offset + 1)
    }
    bytes += batch.byte_size
  }
  return { pieces, count, nextOffset }
}

const TEXT_READER: PayloadReader<string, string> = {
  whole: batchElements,
  slice: (payload, from, to) => payload.slice(from, to ?? payload.length - 1),
  text: (payload) => payload,
  rendered: (elements) => elements,
}

/** `readBatchesWith` on stored text, the records joined into one string of array elements. */
export function readBatches(batches: Iterable<StoredBatch>, limits: ReadLimits): ReadResult {
  const { pieces, count, nextOffset } = readBatchesWith(batches, limits, TEXT_READER)
  return { records: pieces.join(','), count, nextOffset }
}

/** The first offset in `batch` whose timestamp is at least `timestamp`, if any. */
export function firstOffsetAtOrAfter(batch: StoredBatch, timestamp: number): number | undefined {
  return parseBatch(batch.payload).find((record) => record.timestamp >= timestamp)?.offset
}

export interface RetentionPlan {
  /** Delete every batch whose base offset is below this; undefined when nothing is due. */
  deleteBefore: number | undefined
  bytesFreed: number
  /** When the oldest surviving batch becomes due by time, if time retention applies. */
  nextDueAt: number | undefined
}

/**
 * Kafka's delete retention: from the oldest batch on, delete while the batch is past `retention.ms`
 * (by its largest timestamp) or the partition is over `retention.bytes`; stop at the first batch that
 * is neither, so the log stays a contiguous suffix.
 */
export function planRetention(headers: Iterable<BatchHeader>, config: TopicConfig, totalBytes: number, now: number): RetentionPlan {
  const byTime = config['cleanup.policy'] !== 'compact' && config['retention.ms'] >= 0
  const byBytes = config['cleanup.policy'] !== 'compact' && config['retention.bytes'] >= 0
  let deleteBefore: number | undefined
  let bytesFreed = 0
  let nextDueAt: number | undefined
  for (const batch of headers) {
    const expired = byTime && batch.max_timestamp < now - config['retention.ms']
    const overSize = byBytes && totalBytes - bytesFreed > config['retention.bytes']
    if (!expired && !overSize) {
      if (byTime) nextDueAt = batch.max_timestamp + config['retention.ms'] + 1
      break
    }
    deleteBefore = batch.last_offset + 1
    bytesFreed += batch.byte_size
  }
  return { deleteBefore, bytesFreed, nextDueAt }
}

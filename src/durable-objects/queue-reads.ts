/**
 * What a queue receive reads, as stored record texts (no parsing): the records of a share group's
 * redeliveries that are due, range by range, and the records never delivered to it, from its cursor; each
 * within the receive's limits on records and characters.
 */
import { rangeAt, type DeliveryRange } from '../core/delivery-ranges.js'
import { readRecordTexts, type RecordText } from '../core/record-texts.js'
import type { BatchStore } from '../storage/batch-store.js'
import type { DeliveryStore } from '../storage/delivery-store.js'

export interface ReadHost {
  readonly batches: BatchStore
  readonly deliveries: DeliveryStore
  logStart(): number
  logEnd(): number
}

export interface Limits {
  records: number
  /** Characters of record text (the first record always, so a reader progresses). */
  bytes: number
}

export interface DueRecords {
  /** Each due range taken: its records still stored, and the last of its offsets taken. */
  taken: Array<{ range: DeliveryRange; records: RecordText[]; through: number }>
  /** About how many due records are left behind. */
  left: number
  records: number
  bytes: number
}

export interface FreshRecords {
  /** The group's cursor as stored (undefined before its first receive here). */
  cursor: number | undefined
  /** Where the cursor goes. */
  next: number
  records: RecordText[]
}

/** The records of the group's due redeliveries, range by range in offset order, within `limits`. */
export function dueRecords(host: ReadHost, group: string, limits: Limits, now: number): DueRecords {
  const due = host.deliveries.dueRanges(group, now, limits.records)
  const taken: DueRecords['taken'] = []
  let records = 0
  let bytes = 0
  for (const range of due) {
    if (records >= limits.records || (records > 0 && bytes >= limits.bytes)) break
    const stored = rangeTexts(host, range.first, range.last, now)
    const kept: RecordText[] = []
    let through = range.last
    for (const record of stored) {
      if (records >= limits.records || (records > 0 && bytes + record.text.length > limits.bytes)) {
        through = record.offset - 1
        break
      }
      kept.push(record)
      records++
      bytes += record.text.length
    }
    taken.push({ range, records: kept, through })
  }
  const left = Math.max(0, due.reduce((sum, range) => sum + range.last - range.first + 1, 0) - records)
  return { taken, left, records, bytes }
}

/**
 * Records never delivered to the group, from its cursor, within `limits`; `next` is where the cursor
 * goes (past the end of what is stored when everything was read: records purged from the tail by TTL
 * must not look deliverable).
 */
export function freshRecords(host: ReadHost, group: string, limits: Limits, now: number): FreshRecords {
  const { deliveries, batches } = host
  const cursor = deliveries.shareCursor(group)
  const start = Math.max(cursor ?? host.logStart(), host.logStart())
  const read =
    limits.records > 0 && limits.bytes > 0
      ? readRecordTexts(batches.batchesFrom(batches.startingBatch(start)), { from: start, maxRecords: limits.records, maxBytes: limits.bytes, now })
      : { records: [], nextOffset: start, end: false }
  const next = read.end ? Math.max(read.nextOffset, host.logEnd()) : read.nextOffset
  // After a seek back, an offset may still have a dead record waiting for the DLQ: leave it there.
  const dead = read.records.length > 0 ? deliveries.deadFrom(group, start) : []
  const records = dead.length > 0 ? read.records.filter((r) => !rangeAt(dead, r.offset)) : read.records
  return { cursor, next, records }
}

/** The stored (and, given `now`, unexpired) records among offsets `first..last`, in order. */
export function rangeTexts(host: ReadHost, first: number, last: number, now?: number): RecordText[] {
  const { batches } = host
  const from = Math.max(first, host.logStart())
  if (from > last) return []
  const read = readRecordTexts(batches.batchesFrom(batches.startingBatch(from)), {
    from,
    maxRecords: last - from + 1,
    maxBytes: Number.MAX_SAFE_INTEGER,
    ...(now !== undefined ? { now } : {}),
  })
  return read.records.filter((record) => record.offset <= last)
}

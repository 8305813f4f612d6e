/**
 * Records one by one, as their stored JSON text, for queue delivery: a queue leases records singly, so
 * one record that cannot be read must not stop the others. A batch with positions is sliced without
 * parsing; a batch without them is parsed, and one that does not parse (a storage fault) is split by a
 * scanner, so every record that can still be read is. Whether a record's text is a deliverable record is
 * decided by `checkRecordTexts`, for all the records of one receive at once.
 */
import type { FetchedRecord } from '../protocol/records.js'
import type { StoredBatch } from './log.js'

export interface RecordText {
  offset: number
  /** The record's stored JSON object, `{"offset":…,"timestamp":…,"key":…,"value":…,"headers":…}`. */
  text: string
}

/**
 * The records of `batch` from offset `from` on, at most `limit` of them, leaving out those whose
 * `expiresAt` is at or before `now` (TTL). Offsets come out strictly increasing, within the batch.
 */
export function batchRecords(batch: StoredBatch, from: number, limit: number, now?: number): RecordText[] {
  const expiring = batch.expires_at != null && now !== undefined && batch.expires_at <= now
  if (batch.positions != null && batch.positions !== '' && !expiring) {
    // Offsets run base..last without gaps: record i starts at positions[i] and ends before the next one.
    const positions = batch.positions.split(',').map(Number)
    const records: RecordText[] = []
    for (let i = Math.max(0, from - batch.base_offset); i < positions.length && records.length < limit; i++) {
      const end = i + 1 < positions.length ? positions[i + 1]! - 1 : batch.payload.length - 1
      records.push({ offset: batch.base_offset + i, text: batch.payload.slice(positions[i], end) })
    }
    return records
  }
  const records: RecordText[] = []
  let last = Math.max(from, batch.base_offset) - 1
  for (const { offset, text, expiresAt } of unpositioned(batch.payload)) {
    if (records.length >= limit) break
    if (offset <= last || offset > batch.last_offset) continue
    last = offset
    if (!(expiresAt !== undefined && now !== undefined && expiresAt <= now)) records.push({ offset, text })
  }
  return records
}

/**
 * Reads records at or after `from`, up to `maxRecords` and `maxBytes` of text (the first record always,
 * so a reader progresses). `nextOffset` follows the last record taken, or the batches read through;
 * `end` says every batch was read through (what is left of the log after `nextOffset` holds no record).
 */
export function readRecordTexts(
  batches: Iterable<StoredBatch>,
  limits: { from: number; maxRecords: number; maxBytes: number; now?: number },
): { records: RecordText[]; nextOffset: number; end: boolean } {
  const records: RecordText[] = []
  let bytes = 0
  let nextOffset = limits.from
  for (const batch of batches) {
    if (batch.last_offset < nextOffset) continue
    if (records.length >= limits.maxRecords) return { records, nextOffset, end: false }
    for (const record of batchRecords(batch, nextOffset, limits.maxRecords - records.length, limits.now)) {
      if (records.length > 0 && bytes + record.text.length > limits.maxBytes) return { records, nextOffset, end: false }
      records.push(record)
      bytes += record.text.length
      nextOffset = record.offset + 1
    }
    if (records.length >= limits.maxRecords) return { records, nextOffset, end: false }
    nextOffset = Math.max(nextOffset, batch.last_offset + 1)
  }
  return { records, nextOffset, end: true }
}

/**
 * Which records cannot be delivered, and why (offset → reason). A record must be a JSON object with its
 * own offset, a numeric timestamp, a string or null key and an object of headers. The common case costs
 * one `JSON.parse` of all the texts together; only when that fails is each record parsed alone.
 */
export function checkRecordTexts(records: readonly RecordText[]): Map<number, string> {
  const problems = new Map<number, string>()
  if (records.length === 0) return problems
  try {
    const parsed = JSON.parse(`[${records.map((r) => r.text).join(',')}]`) as unknown[]
    if (parsed.length === records.length && parsed.every((p, i) => recordProblem(p, records[i]!) === undefined)) return problems
  } catch {
    // One of them is not JSON: find which below.
  }
  for (const record of records) {
    const read = parseRecordText(record.text, record.offset)
    if ('problem' in read) problems.set(record.offset, read.problem)
  }
  return problems
}

/** A stored record's text as the record (at `offset`, when given), or why it is not one. */
export function parseRecordText(text: string, offset?: number): { record: FetchedRecord } | { problem: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return { problem: `the stored record is not valid JSON (${(err as Error).message})` }
  }
  const own = (value as { offset?: unknown } | null)?.offset
  const problem = recordProblem(value, { offset: offset ?? (typeof own === 'number' ? own : -1), text })
  return problem === undefined ? { record: value as FetchedRecord } : { problem }
}

/** The timestamp a stored record starts with, read without parsing the record. */
export function recordTimestamp(text: string): number | undefined {
  const match = /^\{"offset":\d+,"timestamp":(\d+)/.exec(text)
  return match ? Number(match[1]) : undefined
}

function recordProblem(value: unknown, record: RecordText): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the stored record is not a JSON object'
  const r = value as Record<string, unknown>
  if (r.offset !== record.offset) return `the stored record does not hold offset ${record.offset}`
  if (typeof r.timestamp !== 'number') return 'the stored record has no timestamp'
  if (!(typeof r.key === 'string' || r.key === null)) return 'the stored record has no key (string or null)'
  if (typeof r.headers !== 'object' || r.headers === null || Array.isArray(r.headers)) return 'the stored record has no headers object'
  // The message is built around the text: it must be exactly the object, with no space around it.
  if (!record.text.startsWith('{') || !record.text.endsWith('}')) return 'the stored record has stray characters around it'
  return undefined
}

type Element = { offset: number; text: string; expiresAt?: number }

/** The elements of a batch without positions: parsed when it parses, else split (see `splitRecords`). */
function unpositioned(payload: string): Element[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(payload)
  } catch {
    return splitRecords(payload)
  }
  if (!Array.isArray(parsed)) return splitRecords(payload)
  const elements: Element[] = []
  for (const element of parsed as unknown[]) {
    const r = element as { offset?: unknown; expiresAt?: unknown } | null
    if (typeof r !== 'object' || r === null || typeof r.offset !== 'number') continue // cannot be addressed
    elements.push({ offset: r.offset, text: JSON.stringify(r), ...(typeof r.expiresAt === 'number' ? { expiresAt: r.expiresAt } : {}) })
  }
  return elements
}

const RECORD_START = /(?:^|,)\s*\{"offset":(\d+),"timestamp":/g

/**
 * Splits a batch that does not parse into its records' texts: a scanner cuts at commas outside strings
 * and brackets; a piece that still does not parse is cut again wherever a stored record starts
 * (`,{"offset":N,"timestamp":`), so a record garbled by an unclosed string or bracket does not swallow
 * its neighbours. Pieces with no recognisable offset cannot be addressed and are left out.
 */
export function splitRecords(payload: string): Element[] {
  const body = payload.trim().replace(/^\[/, '').replace(/\]$/, '')
  const elements: Element[] = []
  for (const piece of scan(body)) {
    for (const part of resync(piece)) {
      const offset = /^\{"offset":(\d+)/.exec(part)
      if (!offset) continue
      let expiresAt: unknown
      try {
        expiresAt = (JSON.parse(part) as { expiresAt?: unknown }).expiresAt
      } catch {
        // Left as it is: checkRecordTexts says why it cannot be delivered.
      }
      elements.push({ offset: Number(offset[1]), text: part, ...(typeof expiresAt === 'number' ? { expiresAt } : {}) })
    }
  }
  return elements
}

function scan(body: string): string[] {
  const pieces: string[] = []
  let depth = 0
  let inString = false
  let start = 0
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') depth = Math.max(0, depth - 1)
    else if (c === ',' && depth === 0) {
      pieces.push(body.slice(start, i).trim())
      start = i + 1
    }
  }
  pieces.push(body.slice(start).trim())
  return pieces.filter((piece) => piece !== '')
}

function resync(piece: string): string[] {
  if (parses(piece)) return [piece]
  const starts = [...piece.matchAll(RECORD_START)].map((m) => m.index + (m[0].startsWith(',') ? 1 : 0))
  // Garbage before the first record start (the tail of a garbled neighbour) cannot be addressed: dropped.
  if (starts.length === 0 || (starts.length === 1 && starts[0] === 0)) return [piece]
  return starts.map((start, i) => piece.slice(start, i + 1 < starts.length ? starts[i + 1]! - 1 : piece.length).trim())
}

function parses(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

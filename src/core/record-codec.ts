/**
 * How records are stored and served. A produce request's records are encoded once, in the stateless
 * Worker, into JSON fragments (`"key":…,"value":…,"headers":…`); the partition Durable Object only
 * prefixes each with its offset and timestamp and stores a whole batch as one JSON array row. A fetch
 * of whole batches is then string concatenation: no record is parsed or re-serialised on the hot path.
 */
import type { FetchedRecord, RecordHeaders } from '../protocol/records.js'

export interface RecordBody {
  key: string | null
  value: unknown
  headers: RecordHeaders
  valueEncoding?: 'base64' | 'json'
}

export class UnencodableValueError extends Error {}

export function encodeRecordBody(record: RecordBody): string {
  let value: string | undefined
  try {
    value = JSON.stringify(record.value === undefined ? null : record.value)
  } catch (err) {
    throw new UnencodableValueError(`value is not JSON-serialisable: ${(err as Error).message}`)
  }
  if (value === undefined) throw new UnencodableValueError('value is not JSON-serialisable')
  const encoding = record.valueEncoding === 'base64' ? ',"valueEncoding":"base64"' : ''
  return `"key":${JSON.stringify(record.key)},"value":${value},"headers":${JSON.stringify(record.headers)}${encoding}`
}

/**
 * Whether `value` nests arrays and objects more than `maxDepth` levels deep (`[[1]]` is 2 levels).
 * Iterative, with its own stack, so a value far deeper than the call stack cannot overflow the check
 * itself; it stops at the first path past the limit, so a cyclic value ends quickly and counts as too deep.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  const pending: Array<{ node: object; depth: number }> = [{ node: value, depth: 1 }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.depth > maxDepth) return true
    for (const child of Array.isArray(next.node) ? next.node : Object.values(next.node)) {
      if (typeof child === 'object' && child !== null) pending.push({ node: child as object, depth: next.depth + 1 })
    }
  }
  return false
}

/** The stored (and served) form of one record. */
export function renderRecord(offset: number, timestamp: number, body: string, expiresAt?: number): string {
  return expiresAt === undefined
    ? `{"offset":${offset},"timestamp":${timestamp},${body}}`
    : `{"offset":${offset},"timestamp":${timestamp},${body},"expiresAt":${expiresAt}}`
}

/** A stored batch is a JSON array of rendered records; this returns its elements joined, without brackets. */
export function batchElements(payload: string): string {
  return payload.slice(1, -1)
}

export function parseBatch(payload: string): FetchedRecord[] {
  return JSON.parse(payload) as FetchedRecord[]
}

export function renderRecords(records: readonly FetchedRecord[]): string {
  return records.map((record) => JSON.stringify(record)).join(',')
}

const encoder = new TextEncoder()
/** Texts up to this many UTF-16 units are measured in a reused buffer (3 bytes per unit at most). */
const SCRATCH_UNITS = 16_384
let scratch: Uint8Array | undefined

/**
 * UTF-8 byte length, as `TextEncoder` would encode it (a lone surrogate counts as U+FFFD). A produce
 * measures every record body, so short texts are encoded into one reused buffer (a native copy, several
 * times faster than scanning in JavaScript); longer ones, rare, are encoded into a buffer of their own.
 */
export function utf8Length(text: string): number {
  if (text.length > SCRATCH_UNITS) return encoder.encode(text).length
  scratch ??= new Uint8Array(SCRATCH_UNITS * 3)
  return encoder.encodeInto(text, scratch).written
}

/** A stored record's `bytes` as it was produced: its body (key, value, headers), not offset or times. */
export function recordBodyBytes(record: FetchedRecord): number {
  const { offset: _offset, timestamp: _timestamp, expiresAt: _expiresAt, ...body } = record
  return utf8Length(JSON.stringify(body)) - 2 // the body is the object's JSON without its braces
}

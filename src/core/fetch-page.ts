/**
 * A fetch answer (`{"topic":…,"partition":…,"messages":[…],"nextOffset":…,…}`) assembled once, in the
 * partition object, as the UTF-8 bytes the HTTP response sends. The stored batches are read from SQLite
 * as bytes (`CAST(payload AS BLOB)`), so a whole batch goes into the page as a view of what SQLite
 * returned: no record is decoded into a JavaScript string, parsed, re-serialised or re-encoded, and the
 * page crosses the RPC to the Worker as one byte array that becomes the response body as it is.
 * Before (see bench/README.md, "Where a fetch spends its time") the records went SQLite → string →
 * joined string → RPC → string template in the Worker → UTF-8 again in `new Response`.
 */
import { readBatchesWith, type BatchHeader, type PayloadReader, type ReadLimits } from './log.js'
import type { FetchResponse } from '../protocol/records.js'

/** A stored batch whose payload is the UTF-8 bytes SQLite holds. */
export type StoredBatchBytes = BatchHeader & { payload: Uint8Array; expires_at?: number | null; positions?: string | null }

export interface FetchPage {
  /** The whole answer, UTF-8 JSON. */
  page: Uint8Array<ArrayBuffer>
  count: number
  nextOffset: number
  highWatermark: number
  logStartOffset: number
  /** Bytes of the records in the page (without the envelope). */
  recordBytes: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const COMMA = 0x2c

const BYTES_READER: PayloadReader<Uint8Array, Uint8Array> = {
  whole: (bytes) => bytes.subarray(1, bytes.length - 1),
  // Record positions are string indices: byte indices too as long as every byte before the cut is ASCII.
  slice: (bytes, from, to) => {
    const end = to ?? bytes.length - 1
    if (isAscii(bytes, end)) return bytes.subarray(from, end)
    const text = decoder.decode(bytes)
    return encoder.encode(text.slice(from, to ?? text.length - 1))
  },
  text: (bytes) => decoder.decode(bytes),
  rendered: (elements) => encoder.encode(elements),
}

/** Whether `bytes[0, end)` are all ASCII (no byte has its top bit set), four bytes at a time. */
export function isAscii(bytes: Uint8Array, end: number): boolean {
  let i = 0
  if (bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, end >>> 2)
    for (; i < words.length; i++) if ((words[i]! & 0x80808080) !== 0) return false
    i *= 4
  }
  for (; i < end; i++) if (bytes[i]! >= 0x80) return false
  return true
}

/** Reads records as `readBatches` does and assembles the fetch answer around them. */
export function readPage(
  batches: Iterable<StoredBatchBytes>,
  limits: ReadLimits,
  envelope: { topic: string; partition: number; highWatermark: number; logStartOffset: number },
): FetchPage {
  const { pieces, count, nextOffset } = readBatchesWith(batches, limits, BYTES_READER)
  const head = encoder.encode(`{"topic":${JSON.stringify(envelope.topic)},"partition":${envelope.partition},"messages":[`)
  const tail = encoder.encode(`],"nextOffset":${nextOffset},"highWatermark":${envelope.highWatermark},"logStartOffset":${envelope.logStartOffset}}`)
  const page = joinBytes(head, pieces, tail)
  return {
    page,
    count,
    nextOffset,
    highWatermark: envelope.highWatermark,
    logStartOffset: envelope.logStartOffset,
    recordBytes: page.length - head.length - tail.length,
  }
}

/** Several partitions' pages as one answer of a fetch through a group: `{"partitions":[…]}`. */
export function joinPages(pages: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  return joinBytes(encoder.encode('{"partitions":['), pages, encoder.encode(']}'))
}

const MESSAGES_START = '"messages":['
const MESSAGES_END = '],"nextOffset":'

/**
 * The text of a page's records, `{…},{…}`, without the envelope: for callers that answer with records
 * taken from several pages, who split it into records (core/record-texts.ts `splitRecords`) rather than
 * parse values they only pass on. A topic name cannot hold `"` or `[`, so the first `"messages":[` is the
 * array's, and the envelope's tail is fixed.
 */
export function pageRecordsText(page: Uint8Array): string {
  const text = decoder.decode(page)
  return text.slice(text.indexOf(MESSAGES_START) + MESSAGES_START.length, text.lastIndexOf(MESSAGES_END))
}

/** A page as objects, for callers inside JavaScript. */
export function parsePage(page: Uint8Array): FetchResponse {
  return JSON.parse(decoder.decode(page)) as FetchResponse
}

/** `head`, the pieces separated by commas, `tail`: one copy of each into one array. */
function joinBytes(head: Uint8Array, pieces: readonly Uint8Array[], tail: Uint8Array): Uint8Array<ArrayBuffer> {
  let length = head.length + tail.length + Math.max(0, pieces.length - 1)
  for (const piece of pieces) length += piece.length
  const out = new Uint8Array(length)
  out.set(head, 0)
  let at = head.length
  pieces.forEach((piece, i) => {
    if (i > 0) out[at++] = COMMA
    out.set(piece, at)
    at += piece.length
  })
  out.set(tail, at)
  return out
}

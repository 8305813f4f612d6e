import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isAscii, readPage, type StoredBatchBytes } from '../../src/core/fetch-page'
import { packBatches, readBatches, type ReadLimits, type StoredBatch } from '../../src/core/log'
import { encodeRecordBody, utf8Length, type RecordBody } from '../../src/core/record-codec'
import type { EncodedRecord } from '../../src/protocol/partition-rpc'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** The stored batches as the partition reads them for a page: payloads as the UTF-8 bytes SQLite holds. */
const asBytes = (batches: StoredBatch[]): StoredBatchBytes[] => batches.map((batch) => ({ ...batch, payload: encoder.encode(batch.payload) }))

/** The answer as the Worker rendered it before pages were assembled as bytes: the reference. */
function textAnswer(batches: StoredBatch[], limits: ReadLimits, logEnd: number): string {
  const read = readBatches(batches, limits)
  return `{"topic":"orders","partition":3,"messages":[${read.records}],"nextOffset":${read.nextOffset},"highWatermark":${logEnd},"logStartOffset":0}`
}

function pageAnswer(batches: StoredBatch[], limits: ReadLimits, logEnd: number): string {
  const page = readPage(asBytes(batches), limits, { topic: 'orders', partition: 3, highWatermark: logEnd, logStartOffset: 0 })
  return decoder.decode(page.page)
}

function encoded(bodies: RecordBody[]): EncodedRecord[] {
  return bodies.map((record) => {
    const body = encodeRecordBody(record)
    return { body, bytes: utf8Length(body) }
  })
}

/** Records of every kind a fetch serves: keyed and not, headers (a schema id), JSON and base64 values, non-ASCII text. */
const KINDS: RecordBody[] = [
  { key: 'customer-1', value: { id: 1, note: 'plain' }, headers: { 'kafdo-schema-id': '7', source: 'web' } },
  { key: null, value: 'aGVsbG8gd29ybGQ=', headers: {}, valueEncoding: 'base64' },
  { key: 'ключ', value: { text: 'naïve café – 東京 🚀' }, headers: { 'x-emoji': '😀' } },
  { key: 'k4', value: null, headers: {} },
  { key: 'k5', value: [1, 'two', { three: 3 }], headers: { a: 'b' } },
]

/** Several produce calls' worth of batches, with the stored row cap small enough to split them. */
function logOf(bodies: RecordBody[], callSizes: number[], maxBatchBytes = 400): StoredBatch[] {
  let offset = 0
  let at = 0
  return callSizes.flatMap((size) => {
    const batch = encoded(bodies.slice(at, at + size))
    const stored = packBatches(batch, Array(size).fill(1_767_225_600_000 + offset), offset, maxBatchBytes)
    offset += size
    at += size
    return stored
  })
}

describe('fetch page > bytes assembled in the partition', () => {
  const bodies = Array.from({ length: 40 }, (_, i) => ({
    ...KINDS[i % KINDS.length]!,
    key: i % 7 === 0 ? null : `${KINDS[i % KINDS.length]!.key}-${i}`,
  }))
  const batches = logOf(bodies, [3, 17, 1, 19])

  it('is byte for byte the JSON the text path renders, from every offset and limit', () => {
    for (let from = 0; from <= 40; from++) {
      for (const maxRecords of [1, 2, 5, 17, 1000]) {
        const limits = { from, maxRecords, maxBytes: 1e9 }
        expect(pageAnswer(batches, limits, 40)).toBe(textAnswer(batches, limits, 40))
      }
    }
  })

  it('parses to the records as produced: keys, headers, base64 and non-ASCII values', () => {
    const page = JSON.parse(pageAnswer(batches, { from: 0, maxRecords: 1000, maxBytes: 1e9 }, 40))
    expect(page.messages).toHaveLength(40)
    page.messages.forEach((message: Record<string, unknown>, i: number) => {
      const { valueEncoding, ...body } = bodies[i]!
      expect(message).toEqual({ offset: i, timestamp: expect.any(Number), ...body, ...(valueEncoding ? { valueEncoding } : {}) })
    })
  })

  it('honours maxBytes batch by batch, always returning the first batch', () => {
    for (const maxBytes of [1, 200, 400, 800, 5000]) {
      const limits = { from: 2, maxRecords: 1000, maxBytes }
      expect(pageAnswer(batches, limits, 40)).toBe(textAnswer(batches, limits, 40))
    }
    expect(JSON.parse(pageAnswer(batches, { from: 0, maxRecords: 1000, maxBytes: 1 }, 40)).messages.length).toBeGreaterThan(0)
  })

  it('parses batches with gaps (compacted) and skips records past their TTL, as the text path does', () => {
    const compacted = batches.map((batch) => {
      const records = JSON.parse(batch.payload) as Array<{ offset: number }>
      const kept = records.filter((record) => record.offset % 3 !== 0)
      return { ...batch, payload: JSON.stringify(kept), positions: null }
    })
    const expiring = batches.map((batch, i) => (i % 2 === 0 ? { ...batch, expires_at: 1 } : batch))
    for (const log of [compacted, expiring]) {
      for (const from of [0, 4, 21]) {
        const limits = { from, maxRecords: 9, maxBytes: 1e9, now: 2 }
        expect(pageAnswer(log, limits, 40)).toBe(textAnswer(log, limits, 40))
      }
    }
  })

  it('counts the records and says where to continue', () => {
    const page = readPage(
      asBytes(batches),
      { from: 5, maxRecords: 10, maxBytes: 1e9 },
      { topic: 'orders', partition: 3, highWatermark: 40, logStartOffset: 0 },
    )
    expect(page).toMatchObject({ count: 10, nextOffset: 15, highWatermark: 40, logStartOffset: 0 })
    const empty = readPage(
      asBytes(batches),
      { from: 40, maxRecords: 10, maxBytes: 1e9 },
      { topic: 'orders', partition: 3, highWatermark: 40, logStartOffset: 0 },
    )
    expect(decoder.decode(empty.page)).toBe('{"topic":"orders","partition":3,"messages":[],"nextOffset":40,"highWatermark":40,"logStartOffset":0}')
  })

  it('matches the text path for any records, offsets and limits', () => {
    const record = fc.record({
      key: fc.option(fc.string({ unit: 'grapheme', maxLength: 8 }), { nil: null }),
      value: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.integer(), fc.constant(null)),
      headers: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 6 }), { maxKeys: 2 }),
    })
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 30 }),
        fc.nat(40),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 3000 }),
        (records, from, maxRecords, maxBytes) => {
          const log = logOf(records, [records.length], 300)
          const limits = { from: Math.min(from, records.length), maxRecords, maxBytes }
          expect(pageAnswer(log, limits, records.length)).toBe(textAnswer(log, limits, records.length))
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('fetch page > isAscii', () => {
  it('finds a non-ASCII byte anywhere before the end, at any alignment', () => {
    const bytes = encoder.encode('a'.repeat(37) + 'é' + 'b'.repeat(20))
    expect(isAscii(bytes, 37)).toBe(true)
    expect(isAscii(bytes, 38)).toBe(false)
    expect(isAscii(bytes.subarray(1), 36)).toBe(true)
    expect(isAscii(bytes.subarray(1), 40)).toBe(false)
  })
})

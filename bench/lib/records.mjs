/**
 * The benchmark's records: ~1 KB JSON records, the produce request bodies made of them, and the shapes
 * Kafdo stores and serves them in. Runtime-neutral (no Node or Workers APIs) because both the Node runner
 * and the bench ceiling Worker import it, so every layer benchmarks byte-for-byte the same records.
 */

/** Target size of one record as a producer sends it: `{"key":…,"value":…,"headers":…}`. */
export const RECORD_BYTES = 1024
/** Distinct keys; keyed records spread across partitions by Kafka's murmur2 partitioner. */
const KEY_SPACE = 4096
const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt '

/** Record `i`: a keyed event whose JSON is RECORD_BYTES long (ASCII, so characters are bytes). */
export function makeRecord(i) {
  const record = {
    key: `customer-${i % KEY_SPACE}`,
    value: { id: i, type: 'order.created', at: '2026-10-01T12:00:00.000Z', amount: (i % 10_000) / 100, note: '' },
    headers: { source: 'kafdo-bench' },
  }
  const missing = RECORD_BYTES - JSON.stringify(record).length
  record.value.note = FILLER.repeat(Math.ceil(missing / FILLER.length) + 1).slice(0, Math.max(0, missing))
  return record
}

/** The body of `POST /topics/:topic/produce-batch` for records `first … first+count-1`. */
export function produceBatchBody(first, count, extra = {}) {
  const records = Array.from({ length: count }, (_, n) => makeRecord(first + n))
  return JSON.stringify({ records, ...extra })
}

/**
 * What Kafdo stores per record before offset and timestamp (src/core/record-codec.ts `encodeRecordBody`);
 * its length is what the partition packs against MAX_STORED_BATCH_BYTES.
 */
export function storedRecordBody(record) {
  return `"key":${JSON.stringify(record.key)},"value":${JSON.stringify(record.value)},"headers":${JSON.stringify(record.headers)}`
}

/** A record as Kafdo stores and serves it (src/core/record-codec.ts `renderRecord`). */
export function renderRecord(offset, timestamp, body) {
  return `{"offset":${offset},"timestamp":${timestamp},${body}}`
}

/** A Kafdo fetch response of `count` records from offset `first`, shaped as src/services/read.ts renders it. */
export function fetchResponseBody(topic, first, count) {
  const timestamp = 1_790_000_000_000
  const messages = Array.from({ length: count }, (_, n) => renderRecord(first + n, timestamp, storedRecordBody(makeRecord(first + n))))
  const next = first + count
  return `{"topic":${JSON.stringify(topic)},"partition":0,"messages":[${messages.join(',')}],"nextOffset":${next},"highWatermark":${next},"logStartOffset":0}`
}

const encoder = new TextEncoder()

/**
 * `count` distinct produce-batch bodies of `batchSize` records each, UTF-8 encoded, for a load loop to
 * cycle through (building bodies is not what we time). Body `k` holds records `k*batchSize …`.
 */
export function produceBodies(batchSize, count) {
  return Array.from({ length: count }, (_, k) => {
    const first = k * batchSize
    return {
      bytes: encoder.encode(produceBatchBody(first, batchSize)),
      /** Stored body length of each record, for deriving how the partition packs them into rows. */
      storedLengths: Array.from({ length: batchSize }, (_, n) => storedRecordBody(makeRecord(first + n)).length),
    }
  })
}

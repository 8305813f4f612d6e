/** Produce and fetch: the records a producer sends, what it gets back, and what a fetch returns. */
import { z } from 'zod'
import {
  MAX_FETCH_LIMIT,
  MAX_FETCH_MAX_BYTES,
  MAX_FETCH_WAIT_MS,
  MAX_HEADER_KEY_LENGTH,
  MAX_HEADER_VALUE_BYTES,
  MAX_HEADERS_PER_RECORD,
  MAX_PRODUCER_ID_LENGTH,
  MAX_RECORDS_PER_BATCH,
} from './limits.js'
import { topicNameSchema } from './topics.js'

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type RecordHeaders = Record<string, string>

const TIMESTAMP = 'must be epoch milliseconds or an ISO-8601 date-time'
// Epoch milliseconds are never negative, so neither is a date-time before 1970.
const isoTimestamp = z.iso
  .datetime({ offset: true })
  .transform((iso) => Date.parse(iso))
  .pipe(z.number().nonnegative(TIMESTAMP))
/** A timestamp as epoch milliseconds or an ISO-8601 string; always epoch milliseconds once parsed. */
export const timestampSchema = z.union([z.number().int(TIMESTAMP).nonnegative(TIMESTAMP), isoTimestamp], TIMESTAMP)
/** The same in a query string, where epoch milliseconds arrive as text. */
export const timestampParamSchema = z.union([z.coerce.number().int(TIMESTAMP).nonnegative(TIMESTAMP), isoTimestamp], TIMESTAMP)

export const headersSchema = z
  .record(z.string().min(1).max(MAX_HEADER_KEY_LENGTH), z.string().max(MAX_HEADER_VALUE_BYTES))
  .refine((headers) => Object.keys(headers).length <= MAX_HEADERS_PER_RECORD, {
    message: `must hold at most ${MAX_HEADERS_PER_RECORD} headers`,
  })

/**
 * One record to produce. `value` is any JSON value (null is a tombstone on compacted topics); with
 * `valueEncoding: 'base64'` it is a base64 string holding binary data.
 */
export const produceRecordFields = {
  key: z.string().nullable().optional(),
  value: z.unknown(),
  headers: headersSchema.optional(),
  partition: z.number().int().nonnegative().optional(),
  timestamp: timestampSchema.optional(),
  valueEncoding: z.enum(['json', 'base64']).optional(),
  /** Time to live: the record is never delivered after `timestamp + ttlMs`, and is purged. */
  ttlMs: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 3_600_000)
    .optional(),
}
export const produceRecordSchema = z.strictObject(produceRecordFields).meta({ id: 'ProduceRecord' })
export type ProduceRecord = z.input<typeof produceRecordSchema>

/** Idempotent producer fields: a `(producerId, sequence)` pair is written once per partition. */
export const idempotenceFields = {
  producerId: z
    .string()
    .min(1)
    .max(MAX_PRODUCER_ID_LENGTH)
    .refine((id) => !id.startsWith('dlq/'), "cannot start with 'dlq/', which is reserved for dead-letter routing")
    .optional(),
  sequence: z.number().int().nonnegative().optional(),
}

export const produceRequestSchema = z.strictObject({ ...produceRecordFields, ...idempotenceFields })
export const produceBatchRequestSchema = z.strictObject({
  records: z
    .array(produceRecordSchema)
    .min(1, 'must hold at least one record')
    .max(MAX_RECORDS_PER_BATCH, `must hold at most ${MAX_RECORDS_PER_BATCH} records`),
  ...idempotenceFields,
})
export type ProduceRequest = z.input<typeof produceRequestSchema>
export type ProduceBatchRequest = z.input<typeof produceBatchRequestSchema>

/** A record addressed to a topic, as the in-Worker producer's `send` takes it. */
export const topicRecordSchema = z.strictObject({ topic: topicNameSchema, ...produceRecordFields })
export type TopicRecord = z.input<typeof topicRecordSchema>

/** Where a produced record was written. */
export const recordMetadataSchema = z
  .object({ topic: z.string(), partition: z.number().int(), offset: z.number().int(), timestamp: z.number().int() })
  .meta({ id: 'RecordMetadata', example: { topic: 'orders', partition: 0, offset: 42, timestamp: 1767225600000 } })
export type RecordMetadata = z.infer<typeof recordMetadataSchema>

export const produceBatchResponseSchema = z.object({ results: z.array(recordMetadataSchema) }).meta({
  id: 'ProduceBatchResponse',
  example: {
    results: [
      { topic: 'orders', partition: 0, offset: 42, timestamp: 1767225600000 },
      { topic: 'orders', partition: 2, offset: 17, timestamp: 1767225600000 },
    ],
  },
})
export type ProduceBatchResponse = z.infer<typeof produceBatchResponseSchema>

/** The fields every record carries as a read returns it. */
export const fetchedRecordFields = {
  offset: z.number().int(),
  timestamp: z.number().int(),
  key: z.string().nullable(),
  /** Any JSON value; a base64 string when `valueEncoding` is `base64`. */
  value: z.unknown(),
  headers: z.record(z.string(), z.string()),
  valueEncoding: z.literal('base64').optional(),
  /** When the record's TTL ends; it is never delivered after that. */
  expiresAt: z.number().int().optional(),
}

/** A record as a fetch returns it. */
export const fetchedRecordSchema = z.object(fetchedRecordFields).meta({ id: 'FetchedRecord' })
export type FetchedRecord = z.infer<typeof fetchedRecordSchema>

export const fetchResponseSchema = z
  .object({
    topic: z.string(),
    partition: z.number().int(),
    messages: z.array(fetchedRecordSchema),
    /** The offset to fetch next: one past the last returned record, or the start offset if none. */
    nextOffset: z.number().int(),
    /** The next offset to be written; `highWatermark - nextOffset` is how far the reader is behind. */
    highWatermark: z.number().int(),
    logStartOffset: z.number().int(),
  })
  .meta({
    id: 'FetchResponse',
    example: {
      topic: 'orders',
      partition: 0,
      messages: [{ offset: 42, timestamp: 1767225600000, key: 'customer-7', value: { orderId: 1001, total: 25.5 }, headers: {} }],
      nextOffset: 43,
      highWatermark: 43,
      logStartOffset: 0,
    },
  })
export type FetchResponse = z.infer<typeof fetchResponseSchema>

const OFFSET = 'must be a non-negative integer, "earliest" or "latest"'
const offsetParam = z.union([z.enum(['earliest', 'latest']), z.coerce.number().int(OFFSET).nonnegative(OFFSET)], OFFSET)

/** Query string of `GET /topics/:topic/partitions/:partition/messages`. */
export const fetchQuerySchema = z.strictObject({
  offset: offsetParam.optional(),
  timestamp: timestampParamSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_FETCH_LIMIT).optional(),
  maxBytes: z.coerce.number().int().min(1).max(MAX_FETCH_MAX_BYTES).optional(),
  maxWaitMs: z.coerce.number().int().min(0).max(MAX_FETCH_WAIT_MS).optional(),
  /** Kafka's auto.offset.reset: what to do when `offset` is out of range ('none' refuses). */
  reset: z.enum(['earliest', 'latest', 'none']).optional(),
})
export type FetchQuery = z.infer<typeof fetchQuerySchema>

/** How a caller asks for records: where to start, and how many, how large, how long to wait. */
export interface FetchOptions {
  offset?: number | 'earliest' | 'latest'
  timestamp?: number
  limit?: number
  maxBytes?: number
  maxWaitMs?: number
  reset?: 'earliest' | 'latest' | 'none'
}

export const partitionParamSchema = z.coerce.number().int().nonnegative()

/**
 * kafkajs messages to and from Kafdo records. kafkajs writes keys, values and header values as bytes
 * (a Buffer as it is, anything else as `String(value)` in UTF-8) and hands them back as Buffers. Kafdo
 * records hold JSON: a string value is stored as a JSON string, so Kafdo's other clients read it as
 * text; a Buffer as base64 (`valueEncoding: 'base64'`), so its bytes come back exactly. Keys and header
 * values are text in Kafdo: a Buffer that is not UTF-8 is refused, as are repeated (array) or null
 * header values, naming the feature. A consumed value that another Kafdo client wrote as JSON (an object,
 * a number) comes back as the bytes of its JSON text.
 */
import { Buffer } from 'node:buffer'
import type { FetchedRecord, ProduceRecord } from '../src/protocol/index.js'
import { KafkaJSNonRetriableError } from './errors.js'
import type { IHeaders, KafkaMessage, Message } from './types/common.js'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const isBuffer = (value: unknown): value is Buffer => Buffer.isBuffer(value)

/** A key or header value as Kafdo text; a Buffer must be UTF-8. */
function asText(value: unknown, what: string, topic: string): string {
  if (!isBuffer(value)) return String(value)
  try {
    return utf8.decode(value)
  } catch {
    throw new KafkaJSNonRetriableError(
      `Invalid message for topic "${topic}": ${what} is a Buffer that is not UTF-8 text; Kafdo stores keys and header values as text (binary keys and header values are not supported)`,
    )
  }
}

function headersOf(headers: IHeaders | undefined, topic: string): Record<string, string> | undefined {
  if (headers === undefined || headers === null) return undefined
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    if (Array.isArray(value)) {
      throw new KafkaJSNonRetriableError(
        `Invalid message for topic "${topic}": header "${name}" has several values; Kafdo keeps one value per header name (repeated headers are not supported)`,
      )
    }
    if (value === null) {
      throw new KafkaJSNonRetriableError(
        `Invalid message for topic "${topic}": header "${name}" is null; Kafdo header values are text (null header values are not supported)`,
      )
    }
    out[name] = asText(value, `header "${name}"`, topic)
  }
  return out
}

function timestampOf(timestamp: unknown, topic: string): number | undefined {
  if (timestamp === undefined || timestamp === null) return undefined
  const ms = Number(timestamp)
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new KafkaJSNonRetriableError(`Invalid message for topic "${topic}": timestamp ${String(timestamp)} is not epoch milliseconds`)
  }
  return ms
}

/** A kafkajs message as a Kafdo record for `partition`. */
export function toRecord(message: Message, topic: string, partition: number): ProduceRecord {
  const { key, value } = message
  const record: ProduceRecord = { partition, key: key === undefined || key === null ? null : asText(key, 'the key', topic), value: null }
  if (isBuffer(value)) {
    record.value = value.toString('base64')
    record.valueEncoding = 'base64'
  } else if (value !== null) {
    record.value = String(value)
  }
  const headers = headersOf(message.headers, topic)
  if (headers && Object.keys(headers).length > 0) record.headers = headers
  const timestamp = timestampOf(message.timestamp, topic)
  if (timestamp !== undefined) record.timestamp = timestamp
  return record
}

function valueBytes(record: FetchedRecord): Buffer | null {
  if (record.value === null || record.value === undefined) return null
  if (record.valueEncoding === 'base64' && typeof record.value === 'string') return Buffer.from(record.value, 'base64')
  return Buffer.from(typeof record.value === 'string' ? record.value : JSON.stringify(record.value), 'utf8')
}

/** A fetched Kafdo record as kafkajs hands a message to `eachMessage`. */
export function toKafkaMessage(record: FetchedRecord): KafkaMessage {
  const headers: IHeaders = {}
  for (const [name, value] of Object.entries(record.headers ?? {})) headers[name] = Buffer.from(value, 'utf8')
  const message = {
    magicByte: 2,
    attributes: 0,
    timestamp: String(record.timestamp),
    offset: String(record.offset),
    key: record.key === null ? null : Buffer.from(record.key, 'utf8'),
    value: valueBytes(record),
    headers,
    isControlRecord: false,
  }
  return message
}

/**
 * Kafdo's errors as kafkajs's: one table from Kafdo's code to Kafka's error name and number (kafkajs's
 * `src/protocol/error.js`), keeping Kafdo's `retriable`, which alone decides retries. A network failure
 * becomes `KafkaJSConnectionError`, the client's own timeout `KafkaJSRequestTimeoutError`, an offset out
 * of range `KafkaJSOffsetOutOfRange`, and every other refusal `KafkaJSProtocolError`.
 */
import { KafdoError, type ErrorCode } from '../src/protocol/errors.js'
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSOffsetOutOfRange,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from './errors.js'

/** Kafka's name and number for each Kafdo code; codes Kafka has no error for keep their own name, number -1. */
const KAFKA_ERRORS: Record<ErrorCode, readonly [type: string, code: number]> = {
  INVALID_REQUEST: ['INVALID_REQUEST', 42],
  INVALID_JSON: ['INVALID_REQUEST', 42],
  INVALID_TOPIC_EXCEPTION: ['INVALID_TOPIC_EXCEPTION', 17],
  INVALID_PARTITIONS: ['INVALID_PARTITIONS', 37],
  INVALID_CONFIG: ['INVALID_CONFIG', 40],
  INVALID_TIMESTAMP: ['INVALID_TIMESTAMP', 32],
  UNAUTHENTICATED: ['SASL_AUTHENTICATION_FAILED', 58],
  FORBIDDEN: ['TOPIC_AUTHORIZATION_FAILED', 29],
  NOT_FOUND: ['UNKNOWN', -1],
  UNKNOWN_TOPIC_OR_PARTITION: ['UNKNOWN_TOPIC_OR_PARTITION', 3],
  GROUP_ID_NOT_FOUND: ['GROUP_ID_NOT_FOUND', 69],
  METHOD_NOT_ALLOWED: ['INVALID_REQUEST', 42],
  TOPIC_ALREADY_EXISTS: ['TOPIC_ALREADY_EXISTS', 36],
  DUPLICATE_SEQUENCE_NUMBER: ['DUPLICATE_SEQUENCE_NUMBER', 46],
  OUT_OF_ORDER_SEQUENCE_NUMBER: ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45],
  NON_EMPTY_GROUP: ['NON_EMPTY_GROUP', 68],
  UNKNOWN_MEMBER_ID: ['UNKNOWN_MEMBER_ID', 25],
  STALE_MEMBER_EPOCH: ['STALE_MEMBER_EPOCH', 113],
  FENCED_MEMBER_EPOCH: ['FENCED_MEMBER_EPOCH', 110],
  UNSUPPORTED_VERSION: ['UNSUPPORTED_VERSION', 35],
  INCONSISTENT_GROUP_PROTOCOL: ['INCONSISTENT_GROUP_PROTOCOL', 23],
  PARTITION_NOT_ASSIGNED: ['PARTITION_NOT_ASSIGNED', -1],
  GROUP_MAX_SIZE_REACHED: ['GROUP_MAX_SIZE_REACHED', 81],
  UNKNOWN_LEASE: ['UNKNOWN_LEASE', -1],
  SUBJECT_NOT_FOUND: ['SUBJECT_NOT_FOUND', -1],
  VERSION_NOT_FOUND: ['VERSION_NOT_FOUND', -1],
  SCHEMA_NOT_FOUND: ['SCHEMA_NOT_FOUND', -1],
  INCOMPATIBLE_SCHEMA: ['INCOMPATIBLE_SCHEMA', -1],
  INVALID_SCHEMA: ['INVALID_SCHEMA', -1],
  INVALID_RECORD: ['INVALID_RECORD', 87],
  LEASE_NOT_HELD: ['LEASE_NOT_HELD', -1],
  LEASE_EXPIRED: ['LEASE_EXPIRED', -1],
  RECORD_TOO_LARGE: ['MESSAGE_TOO_LARGE', 10],
  PAYLOAD_TOO_LARGE: ['RECORD_LIST_TOO_LARGE', 18],
  UNSUPPORTED_MEDIA_TYPE: ['INVALID_REQUEST', 42],
  OFFSET_OUT_OF_RANGE: ['OFFSET_OUT_OF_RANGE', 1],
  POLICY_VIOLATION: ['POLICY_VIOLATION', 44],
  THROTTLING_QUOTA_EXCEEDED: ['THROTTLING_QUOTA_EXCEEDED', 89],
  TOO_MANY_SUBSCRIBERS: ['TOO_MANY_SUBSCRIBERS', -1],
  INTERNAL_ERROR: ['UNKNOWN', -1],
  SERVICE_UNAVAILABLE: ['LEADER_NOT_AVAILABLE', 5],
  REQUEST_TIMED_OUT: ['REQUEST_TIMED_OUT', 7],
}

/** Kafka's authorization errors name what was refused: a group's, a cluster's, or (the default) a topic's. */
function forbiddenType(details: Record<string, unknown> | undefined): readonly [string, number] {
  // `missing` is the permission the server looked for: `group:read@orders-group`, `admin`, `produce@orders`.
  const permission = String(details?.missing ?? '').split('@')[0]!
  if (permission.startsWith('group:')) return ['GROUP_AUTHORIZATION_FAILED', 30]
  if (['admin', 'platform:admin', 'apikey:admin'].includes(permission)) return ['CLUSTER_AUTHORIZATION_FAILED', 31]
  return KAFKA_ERRORS.FORBIDDEN
}

/** The kafkajs error for `err`: Kafdo's errors mapped, kafkajs's own and anything else left as they are. */
export function toKafkaJSError(err: unknown, broker = 'kafdo'): unknown {
  if (!(err instanceof KafdoError)) return err
  if (err.code === 'SERVICE_UNAVAILABLE' && typeof err.details?.cause === 'string') {
    // kafdo/client's network failure: no HTTP answer came back.
    return new KafkaJSConnectionError(err.message, { broker })
  }
  if (err.code === 'REQUEST_TIMED_OUT' && (err.details?.timeoutMs !== undefined || err.details?.aborted === true)) {
    return new KafkaJSRequestTimeoutError(err.message, { broker })
  }
  const [type, code] = err.code === 'FORBIDDEN' ? forbiddenType(err.details) : KAFKA_ERRORS[err.code]
  const described = { message: err.message, type, code, retriable: err.retriable }
  if (err.code === 'OFFSET_OUT_OF_RANGE') {
    return new KafkaJSOffsetOutOfRange(described, {
      topic: String(err.details?.topic ?? ''),
      partition: Number(err.details?.partition ?? -1),
    })
  }
  const mapped = new KafkaJSProtocolError(described)
  Object.defineProperty(mapped, 'kafdo', { value: err.toPayload(), enumerable: false })
  return mapped
}

/** Throws `err` as kafkajs would: Kafdo's errors mapped, a plain Error (a validation) as non-retriable. */
export function kafkaJSError(err: unknown, broker?: string): Error {
  const mapped = toKafkaJSError(err, broker)
  if (mapped instanceof KafkaJSError) return mapped
  if (mapped instanceof Error) return mapped
  return new KafkaJSNonRetriableError(String(mapped))
}

/**
 * The one error model, shared by the Durable Objects, the HTTP layer and the client SDK.
 *
 * Codes follow Kafka's error names where one exists (kafkajs keeps the same table in
 * `src/protocol/error.js`), each with the HTTP status it renders as and whether retrying the same
 * request can succeed. Durable Objects return expected failures as values (`Result`), because custom
 * properties of an Error do not survive an RPC boundary; `KafdoError.from` rebuilds them.
 */
import { z } from 'zod'

export const ERROR_CODES = {
  INVALID_REQUEST: { status: 400, retriable: false },
  INVALID_JSON: { status: 400, retriable: false },
  INVALID_TOPIC_EXCEPTION: { status: 400, retriable: false },
  INVALID_PARTITIONS: { status: 400, retriable: false },
  INVALID_CONFIG: { status: 400, retriable: false },
  INVALID_TIMESTAMP: { status: 400, retriable: false },
  UNAUTHENTICATED: { status: 401, retriable: false },
  FORBIDDEN: { status: 403, retriable: false },
  NOT_FOUND: { status: 404, retriable: false },
  UNKNOWN_TOPIC_OR_PARTITION: { status: 404, retriable: false },
  GROUP_ID_NOT_FOUND: { status: 404, retriable: false },
  METHOD_NOT_ALLOWED: { status: 405, retriable: false },
  TOPIC_ALREADY_EXISTS: { status: 409, retriable: false },
  DUPLICATE_SEQUENCE_NUMBER: { status: 409, retriable: false },
  OUT_OF_ORDER_SEQUENCE_NUMBER: { status: 409, retriable: false },
  NON_EMPTY_GROUP: { status: 409, retriable: false },
  UNKNOWN_MEMBER_ID: { status: 409, retriable: false },
  /** A commit or group fetch with an epoch older than the member's: it learns the new one from a heartbeat. */
  STALE_MEMBER_EPOCH: { status: 409, retriable: false },
  /** The member's epoch is not one the group gave it: it must give up its partitions and join again. */
  FENCED_MEMBER_EPOCH: { status: 409, retriable: false },
  /** A request of a protocol this server no longer speaks (a classic consumer group client). 400, so an old client keeps the message. */
  UNSUPPORTED_VERSION: { status: 400, retriable: false },
  INCONSISTENT_GROUP_PROTOCOL: { status: 409, retriable: false },
  PARTITION_NOT_ASSIGNED: { status: 409, retriable: false },
  GROUP_MAX_SIZE_REACHED: { status: 409, retriable: false },
  UNKNOWN_LEASE: { status: 404, retriable: false },
  SUBJECT_NOT_FOUND: { status: 404, retriable: false },
  VERSION_NOT_FOUND: { status: 404, retriable: false },
  SCHEMA_NOT_FOUND: { status: 404, retriable: false },
  INCOMPATIBLE_SCHEMA: { status: 409, retriable: false },
  INVALID_SCHEMA: { status: 422, retriable: false },
  INVALID_RECORD: { status: 422, retriable: false },
  LEASE_NOT_HELD: { status: 409, retriable: false },
  LEASE_EXPIRED: { status: 409, retriable: false },
  RECORD_TOO_LARGE: { status: 413, retriable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retriable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false },
  OFFSET_OUT_OF_RANGE: { status: 416, retriable: false },
  POLICY_VIOLATION: { status: 422, retriable: false },
  THROTTLING_QUOTA_EXCEEDED: { status: 429, retriable: true },
  /** The partition has as many live subscribers (SSE or WebSocket) as it takes; retry later. */
  TOO_MANY_SUBSCRIBERS: { status: 429, retriable: true },
  INTERNAL_ERROR: { status: 500, retriable: false },
  SERVICE_UNAVAILABLE: { status: 503, retriable: true },
  REQUEST_TIMED_OUT: { status: 504, retriable: true },
} as const satisfies Record<string, { status: number; retriable: boolean }>

export type ErrorCode = keyof typeof ERROR_CODES

export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]

export const errorPayloadSchema = z
  .object({
    /** Kafka's error name where one exists; the client rebuilds a typed error from it. */
    code: z.enum(ERROR_CODE_NAMES),
    /** One sentence for a person: what went wrong and, where it helps, what to do. */
    message: z.string(),
    /** Facts a program can act on: the failing fields (`issues`), the offsets in range, `retryAfterSeconds`, ... */
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'ErrorPayload' })
export type ErrorPayload = z.infer<typeof errorPayloadSchema>

/** The JSON body of every error response: `{"error": {"code", "message", "details"?}}`. */
export const errorBodySchema = z.object({ error: errorPayloadSchema }).meta({
  id: 'ErrorBody',
  description: 'The one error shape: every error response of every route has this body.',
})
export type ErrorBody = z.infer<typeof errorBodySchema>

/** What a Durable Object RPC method returns for an operation that can fail in an expected way. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload }

export const ok = <T>(value: T): Result<T> => ({ ok: true, value })
export const fail = (code: ErrorCode, message: string, details?: Record<string, unknown>): Result<never> => ({
  ok: false,
  error: details === undefined ? { code, message } : { code, message, details },
})

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)
}

export class KafdoError extends Error {
  override readonly name = 'KafdoError'
  readonly code: ErrorCode
  readonly status: number
  readonly retriable: boolean
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.code = code
    this.status = ERROR_CODES[code].status
    this.retriable = ERROR_CODES[code].retriable
    this.details = details
  }

  static from(payload: ErrorPayload): KafdoError {
    return new KafdoError(payload.code, payload.message, payload.details)
  }

  toPayload(): ErrorPayload {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details }
  }

  toJSON(): ErrorBody {
    return { error: this.toPayload() }
  }
}

/** Returns the value of a successful Result or throws its error as a KafdoError. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value
  throw KafdoError.from(result.error)
}

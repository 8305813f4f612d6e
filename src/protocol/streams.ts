/**
 * Live tailing: the query strings of the stream routes (`/topics/:t/stream`,
 * `/topics/:t/partitions/:p/stream`, `/topics/:t/ws`), the frames a partition sends its subscribers and
 * the messages a subscriber sends back, the close codes, the stream tickets browsers open them with,
 * and the position an SSE `id:` carries. Shared by the Worker, the partition object and `kafdo/client`.
 */
import { z } from 'zod'
import { groupIdSchema } from './groups.js'
import { MAX_VISIBILITY_TIMEOUT_MS, leaseIdSchema } from './queues.js'
import { timestampParamSchema } from './records.js'
import { topicNameSchema } from './topics.js'

/** Subscribers one partition takes at once (STREAM_MAX_SUBSCRIBERS may lower or raise it, up to the ceiling). */
export const DEFAULT_MAX_SUBSCRIBERS_PER_PARTITION = 100
export const MAX_SUBSCRIBERS_PER_PARTITION_CEILING = 1_000
/** A topic stream subscribes to every partition; above this many, stream partitions one by one. */
export const MAX_TOPIC_STREAM_PARTITIONS = 64
/** Most records and characters of records in one frame (an SSE client gets them as that many events). */
export const STREAM_FRAME_RECORDS = 500
export const STREAM_FRAME_BYTES = 256 * 1024
/** Frames a log subscriber may hold unconfirmed; past that the partition sends it nothing more. */
export const STREAM_WINDOW_FRAMES = 8
/**
 * Records appended while a subscriber's window stays full before it is dropped (STREAM_MAX_BEHIND_RECORDS
 * changes it): a slow subscriber never holds the partition, it reconnects from where it was.
 */
export const DEFAULT_MAX_BEHIND_RECORDS = 10_000
/** An idle SSE stream gets a comment this often, so proxies keep it open. */
export const DEFAULT_HEARTBEAT_MS = 15_000
/** What an SSE stream asks EventSource to wait before reconnecting. */
export const SSE_RETRY_MS = 2_000
/** Leases a queue subscriber holds at most, per partition, unless it asks for fewer. */
export const DEFAULT_MAX_IN_FLIGHT = 10
export const MAX_IN_FLIGHT = 1_000
/** How long a stream ticket opens its stream. */
export const TICKET_TTL_MS = 30_000

/** WebSocket close codes (RFC 6455 leaves 4000-4999 to applications); the reason starts with the error code. */
export const STREAM_CLOSE_CODES = {
  /** The subscriber fell too far behind; reconnect from the last record received. */
  SLOW_SUBSCRIBER: 4008,
  /** The topic was deleted. */
  UNKNOWN_TOPIC_OR_PARTITION: 4404,
  /** A message the server cannot take (not JSON, unknown type). */
  INVALID_REQUEST: 4400,
  /** The partition could not go on (an internal error). */
  INTERNAL_ERROR: 4500,
} as const

const OFFSET = 'must be a non-negative integer, "earliest" or "latest"'
const offsetParam = z.union([z.enum(['earliest', 'latest']), z.coerce.number().int(OFFSET).nonnegative(OFFSET)], OFFSET)
const POSITION = 'must be an SSE id as the stream sent it: an offset, or partition:offset pairs separated by commas'
/** `15` (a partition stream) or `0:15,1:-1` (a topic stream): the last offset delivered per partition. */
export const positionSchema = z
  .string()
  .max(4096)
  .regex(/^(-?\d{1,16}|\d{1,5}:-?\d{1,16}(,\d{1,5}:-?\d{1,16})*)$/, POSITION)

/** Query of the SSE routes. `Last-Event-ID` (the header, or this parameter for a new EventSource) wins over `offset`. */
export const streamQuerySchema = z.strictObject({
  offset: offsetParam.optional(),
  timestamp: timestampParamSchema.optional(),
  lastEventId: positionSchema.optional(),
  ticket: z.string().max(4096).optional(),
})
export type StreamQuery = z.infer<typeof streamQuerySchema>

/** Query of `/topics/:t/ws`: a log tail (`mode=log`, the default) or pushed queue leases (`mode=queue`). */
export const socketQuerySchema = z.strictObject({
  mode: z.enum(['log', 'queue']).optional(),
  partition: z.coerce.number().int().nonnegative().optional(),
  offset: offsetParam.optional(),
  timestamp: timestampParamSchema.optional(),
  lastEventId: positionSchema.optional(),
  group: groupIdSchema.optional(),
  consumerId: z.string().min(1).max(255).optional(),
  maxInFlight: z.coerce.number().int().min(1).max(MAX_IN_FLIGHT).optional(),
  visibilityTimeoutMs: z.coerce.number().int().min(1_000).max(MAX_VISIBILITY_TIMEOUT_MS).optional(),
  ticket: z.string().max(4096).optional(),
})
export type SocketQuery = z.infer<typeof socketQuerySchema>

/** What a subscriber sends on the WebSocket. `id` is echoed in the answer; `partition` routes it on a topic socket. */
export const socketMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('received'), partition: z.number().int().nonnegative().optional(), next: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('ack'), id: z.string().max(128).optional(), leaseIds: z.array(leaseIdSchema).min(1).max(1_000) }),
  z.strictObject({
    type: z.literal('nack'),
    id: z.string().max(128).optional(),
    leaseId: leaseIdSchema,
    error: z.string().optional(),
    delayMs: z.number().int().min(0).max(86_400_000).optional(),
  }),
  z.strictObject({ type: z.literal('reject'), id: z.string().max(128).optional(), leaseId: leaseIdSchema, error: z.string().optional() }),
])
export type SocketMessage = z.infer<typeof socketMessageSchema>

/** `POST /auth/ticket`: the stream route the ticket opens, as its path (no query string). */
export const ticketRequestSchema = z.strictObject({ path: z.string().min(1).max(512) })
export type TicketRequest = z.infer<typeof ticketRequestSchema>

export const ticketResponseSchema = z
  .object({
    ticket: z.string(),
    path: z.string(),
    tenant: z.string(),
    /** ISO 8601; after it the ticket opens nothing. */
    expiresAt: z.string(),
  })
  .meta({
    id: 'StreamTicket',
    example: { ticket: 'eyJhbGciOiJIUzI1NiJ9...', path: '/topics/orders/stream', tenant: 'default', expiresAt: '2026-01-01T00:01:00.000Z' },
  })
export type TicketResponse = z.infer<typeof ticketResponseSchema>

/** The stream routes a ticket can be issued for, and the topic each one reads. */
export function streamRouteTopic(path: string): string | undefined {
  const match = /^\/topics\/([^/]+)\/(?:stream|partitions\/\d{1,5}\/stream|ws)$/.exec(path)
  return match && topicNameSchema.safeParse(match[1]).success ? match[1] : undefined
}

/** Frames a partition sends (over a topic socket, each names its partition). Records are as a fetch returns them. */
export type StreamFrame =
  | { type: 'ready'; partition: number; next: number; logStart: number; highWatermark: number }
  | { type: 'ready'; partition: number; mode: 'queue'; group: string; consumerId: string }
  | { type: 'records'; partition: number; next: number; highWatermark: number; records: unknown[] }
  | { type: 'leases'; partition: number; messages: unknown[] }
  | { type: 'acked'; partition: number; id?: string; acked: number }
  | { type: 'nacked' | 'rejected'; partition: number; id?: string; state: string; redeliverAt?: number }
  | { type: 'error'; partition?: number; id?: string; error: { code: string; message: string; details?: Record<string, unknown> } }

/** The last offset delivered per partition (start − 1 before the first record), as an SSE id carries it. */
export type StreamPosition = Map<number, number>

export function formatPosition(position: StreamPosition, single?: number): string {
  if (single !== undefined) return String(position.get(single) ?? -1)
  return [...position.entries()]
    .sort(([a], [b]) => a - b)
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join(',')
}

/** Reads an id back; a bare offset belongs to `single` (a partition stream). Undefined when it is not one. */
export function parsePosition(text: string, single?: number): StreamPosition | undefined {
  if (!positionSchema.safeParse(text).success) return undefined
  if (!text.includes(':')) return single === undefined ? undefined : new Map([[single, Number(text)]])
  const position: StreamPosition = new Map()
  for (const pair of text.split(',')) {
    const [partition, offset] = pair.split(':').map(Number) as [number, number]
    if (single === undefined || partition === single) position.set(partition, offset)
  }
  return position
}

/**
 * Live tailing: `GET /topics/:topic/stream` (every partition) and `GET /topics/:topic/partitions/:p/stream`
 * as Server-Sent Events, and `GET /topics/:topic/ws` as a WebSocket that tails the log or, with
 * `mode=queue`, is pushed queue leases and settles them. Each needs `consume` on the topic, like a fetch;
 * a browser opens them with a ticket (tickets.ts). Refusals (a missing topic, an offset out of range, a
 * full partition) are answered as any error is, before the stream starts.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { KafdoError } from '../protocol/errors.js'
import type { StartRequest, SubscribeRequest } from '../protocol/partition-rpc.js'
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_BEHIND_RECORDS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_SUBSCRIBERS_PER_PARTITION,
  parsePosition,
  type StreamPosition,
} from '../protocol/streams.js'
import { DEFAULT_SHARE_GROUP } from '../protocol/queues.js'
import { subscribeTopic } from '../services/partition-streams.js'
import { authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import * as routes from './routes/streams.js'
import { socketRelay, sseResponse } from './stream-relay.js'
import { streamAuthentication } from './tickets.js'
import { param, query } from './validate.js'

export const streamRoutes = new OpenAPIHono<AppEnv>()

serve(streamRoutes, routes.topicStream, streamAuthentication(), (c) => serveEvents(c, undefined))

serve(streamRoutes, routes.partitionStream, streamAuthentication(), (c) => serveEvents(c, param(c, routes.partitionStream, 'partition')))

serve(streamRoutes, routes.topicSocket, streamAuthentication(), async (c) => {
  const topic = param(c, routes.topicSocket, 'topic')
  await authorize(c, 'consume', topic)
  const options = query(c, routes.topicSocket)
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new KafdoError('INVALID_REQUEST', 'this route takes a WebSocket upgrade (Upgrade: websocket); for Server-Sent Events use /stream')
  }
  const limits = settings(c)
  const queue = options.mode === 'queue'
  if (!queue && (options.group !== undefined || options.maxInFlight !== undefined || options.consumerId !== undefined)) {
    throw new KafdoError('INVALID_REQUEST', 'group, consumerId and maxInFlight go with mode=queue', { mode: options.mode ?? 'log' })
  }
  const resume = position(options.lastEventId, options.partition)
  const memberId = options.consumerId ?? `ws-${crypto.randomUUID()}`
  const { sockets } = await subscribeTopic(c.env, c.get('tenant'), topic, options.partition, (ref): SubscribeRequest =>
    queue
      ? {
          mode: 'queue',
          ref,
          group: options.group ?? DEFAULT_SHARE_GROUP,
          memberId,
          maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
          visibilityTimeoutMs: options.visibilityTimeoutMs,
          maxSubscribers: limits.maxSubscribers,
        }
      : {
          mode: 'log',
          ref,
          start: startOf(ref.partition, options, resume),
          maxSubscribers: limits.maxSubscribers,
          maxBehindRecords: limits.maxBehindRecords,
        },
  )
  return socketRelay(sockets)
})

async function serveEvents(c: Context<AppEnv>, partition: number | undefined): Promise<Response> {
  const topic = param(c, routes.topicStream, 'topic')
  await authorize(c, 'consume', topic)
  const options = query(c, routes.topicStream)
  // EventSource sends the header when it reconnects; a new EventSource can only name it in the URL.
  const resume = position(c.req.header('last-event-id') ?? options.lastEventId, partition)
  const limits = settings(c)
  const { sockets } = await subscribeTopic(c.env, c.get('tenant'), topic, partition, (ref) => ({
    mode: 'log',
    ref,
    start: startOf(ref.partition, options, resume),
    maxSubscribers: limits.maxSubscribers,
    maxBehindRecords: limits.maxBehindRecords,
  }))
  return sseResponse(sockets, { topic, heartbeatMs: limits.heartbeatMs, ...(partition !== undefined ? { single: partition } : {}) })
}

function position(lastEventId: string | undefined, partition: number | undefined): StreamPosition | undefined {
  if (lastEventId === undefined || lastEventId === '') return undefined
  const parsed = parsePosition(lastEventId, partition)
  if (!parsed) {
    throw new KafdoError('INVALID_REQUEST', `Last-Event-ID '${lastEventId.slice(0, 64)}' is not a position this stream sent`, {
      lastEventId: lastEventId.slice(0, 64),
    })
  }
  return parsed
}

/**
 * Where a partition's subscription starts: after the last record a resumed stream delivered (from the
 * log start if retention has removed it since; partitions it never heard of from their start), else the
 * requested offset or timestamp, `latest` unless one is given (as `tail -f`).
 */
function startOf(
  partition: number,
  options: { offset?: number | 'earliest' | 'latest' | undefined; timestamp?: number | undefined },
  resume: StreamPosition | undefined,
): StartRequest {
  if (resume) return { offset: (resume.get(partition) ?? -1) + 1, reset: 'earliest' }
  if (options.timestamp !== undefined) return { timestamp: options.timestamp }
  return { offset: options.offset ?? 'latest', reset: 'none' }
}

function settings(c: Context<AppEnv>): { maxSubscribers: number; maxBehindRecords: number; heartbeatMs: number } {
  const number = (value: string | undefined, fallback: number) => {
    const n = Number(value)
    return value !== undefined && value !== '' && Number.isSafeInteger(n) && n > 0 ? n : fallback
  }
  return {
    maxSubscribers: number(c.env.STREAM_MAX_SUBSCRIBERS, DEFAULT_MAX_SUBSCRIBERS_PER_PARTITION),
    maxBehindRecords: number(c.env.STREAM_MAX_BEHIND_RECORDS, DEFAULT_MAX_BEHIND_RECORDS),
    heartbeatMs: number(c.env.STREAM_HEARTBEAT_MS, DEFAULT_HEARTBEAT_MS),
  }
}

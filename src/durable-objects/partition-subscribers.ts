/**
 * Live subscribers of one partition, on WebSockets the partition object accepts with the Hibernation
 * API: while nothing is appended the object may leave memory and its subscribers cost no duration; what
 * each needs to go on (its position and window, or its queue group) travels in the socket's attachment.
 *
 * - A log subscriber gets the records from its start offset on, in frames of at most
 *   STREAM_FRAME_RECORDS records, and confirms each frame (`{"type":"received","next":N}`); see
 *   core/stream-flow.ts for the window and when a slow one is dropped (close 4008, it resumes later).
 * - A queue subscriber (`mode: queue`) is leased records of its share group as they become deliverable,
 *   up to `maxInFlight` unsettled at once, and acks, nacks or rejects them on the socket.
 *
 * Appends never wait for subscribers: they call `wake()`, and the records go out in the next turn, once
 * for every subscriber at the same position (a read per distinct position, not per subscriber), so a
 * burst of appends reaches a subscriber as one frame. The Worker opens these sockets (the runtime hands
 * a WebSocket to an object only through `fetch`, so this is the object's one fetch handler) and relays
 * them as SSE or as the client's WebSocket (services/partition-streams.ts, http/stream-relay.ts).
 */
import { confirmed, hasRoom, sent, skipped, startFlow, tooFarBehind, type FlowLimits, type LogFlow } from '../core/stream-flow.js'
import { ERROR_CODES, fail, type ErrorPayload, type Result } from '../protocol/errors.js'
import { SUBSCRIPTION_HEADER, type PartitionRef, type SubscribeRequest } from '../protocol/partition-rpc.js'
import type { AckResult, LeaseRef, NackResult, ReceivedMessages, ReceiveRequest } from '../protocol/queue-rpc.js'
import {
  MAX_SUBSCRIBERS_PER_PARTITION_CEILING,
  STREAM_CLOSE_CODES,
  STREAM_FRAME_BYTES,
  STREAM_FRAME_RECORDS,
  STREAM_WINDOW_FRAMES,
  socketMessageSchema,
  type SocketMessage,
} from '../protocol/streams.js'
import type { OpenPartitionLog, PartitionLog } from './partition-log.js'

type LogAttachment = { mode: 'log'; ref: PartitionRef; flow: LogFlow; limits: FlowLimits }
type QueueAttachment = Extract<SubscribeRequest, { mode: 'queue' }>
type Attachment = LogAttachment | QueueAttachment

type Settled = Result<AckResult | NackResult>

/** What the subscribers need from the partition object. */
export interface SubscriberHost {
  readonly ctx: DurableObjectState
  readonly log: PartitionLog
  ready(ref: PartitionRef): Promise<Result<OpenPartitionLog>>
  isDestroyed(): boolean
  /** Leases records for a queue subscriber (a receive), then whatever follows a queue change. */
  lease(request: ReceiveRequest, now: number): ReceivedMessages
  afterLeasing(): Promise<void>
  leasedTo(group: string, memberId: string, now: number): number
  ack(ref: PartitionRef, group: string, memberId: string, leases: LeaseRef[]): Promise<Settled>
  nack(ref: PartitionRef, group: string, memberId: string, lease: LeaseRef, error?: string, delayMs?: number): Promise<Settled>
  reject(ref: PartitionRef, group: string, memberId: string, lease: LeaseRef, error?: string): Promise<Settled>
  /** Counts records and characters sent, as fetched ones are. */
  sentRecords(count: number, bytes: number): void
}

export class PartitionSubscribers {
  readonly #host: SubscriberHost
  #scheduled = false
  /**
   * Known to have no sockets: set when a look found none, cleared by `accept`, the only way one is added
   * (an object woken from hibernation starts unknown). Spares every append a `getWebSockets()` call.
   */
  #noSockets = false
  /** Which queue subscriber is offered leases first, so one of several does not take them all. */
  #turn = 0

  constructor(host: SubscriberHost) {
    this.#host = host
  }

  /** Accepts a subscription (the Worker's upgrade request) or answers why not, as an error body. */
  async accept(request: Request): Promise<Response> {
    let subscription: SubscribeRequest
    try {
      if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') throw new Error('not an upgrade')
      subscription = JSON.parse(request.headers.get(SUBSCRIPTION_HEADER) ?? '') as SubscribeRequest
    } catch {
      return errorResponse({ code: 'INVALID_REQUEST', message: 'a partition takes only WebSocket subscriptions from the Worker' })
    }
    const { ref } = subscription
    const ready = await this.#host.ready(ref)
    if (!ready.ok) return errorResponse(ready.error)
    const limit = Math.min(subscription.maxSubscribers, MAX_SUBSCRIBERS_PER_PARTITION_CEILING)
    const count = this.#host.ctx.getWebSockets().length
    if (count >= limit) {
      return errorResponse({
        code: 'TOO_MANY_SUBSCRIBERS',
        message: `partition ${ref.partition} of topic '${ref.topic}' has ${count} live subscribers, as many as it takes`,
        details: { limit },
      })
    }
    const pair = new WebSocketPair()
    const [client, server] = [pair[0], pair[1]]
    const { log } = this.#host
    if (subscription.mode === 'log') {
      const start = log.resolveStart(subscription.start)
      if (!start.ok) return errorResponse(start.error)
      const limits = { windowFrames: STREAM_WINDOW_FRAMES, maxBehindRecords: subscription.maxBehindRecords }
      this.#host.ctx.acceptWebSocket(server, ['log'])
      server.serializeAttachment({ mode: 'log', ref, flow: startFlow(start.value), limits } satisfies LogAttachment)
      server.send(JSON.stringify({ type: 'ready', partition: ref.partition, next: start.value, logStart: log.logStart, highWatermark: log.logEnd }))
    } else {
      this.#host.ctx.acceptWebSocket(server, ['queue'])
      server.serializeAttachment(subscription satisfies QueueAttachment)
      server.send(
        JSON.stringify({ type: 'ready', partition: ref.partition, mode: 'queue', group: subscription.group, consumerId: subscription.memberId }),
      )
    }
    this.#noSockets = false
    this.wake()
    return new Response(null, { status: 101, webSocket: client })
  }

  /** Something changed (records appended, a lease settled or ran out): subscribers hear of it next turn. */
  wake(): void {
    if (this.#scheduled || this.#noSockets) return
    if (this.#host.ctx.getWebSockets().length === 0) {
      this.#noSockets = true
      return
    }
    this.#scheduled = true
    setTimeout(() => {
      this.#scheduled = false
      void this.#push()
    }, 0)
  }

  async message(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const attachment = ws.deserializeAttachment() as Attachment | null
    if (!attachment) return
    if (this.#host.isDestroyed() || !(await this.#host.ready(attachment.ref)).ok) {
      close(ws, STREAM_CLOSE_CODES.UNKNOWN_TOPIC_OR_PARTITION, 'UNKNOWN_TOPIC_OR_PARTITION: the topic was deleted')
      return
    }
    let message: SocketMessage
    try {
      const parsed = socketMessageSchema.safeParse(JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)))
      if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => issue.message).join('; '))
      message = parsed.data
    } catch (err) {
      send(
        ws,
        errorFrame(attachment.ref.partition, undefined, { code: 'INVALID_REQUEST', message: `not a stream message: ${(err as Error).message}` }),
      )
      return
    }
    if (message.type === 'received') {
      if (attachment.mode !== 'log') return
      ws.serializeAttachment({ ...attachment, flow: confirmed(attachment.flow, message.next, attachment.limits) })
      await this.#push()
      return
    }
    const id = message.id
    if (attachment.mode !== 'queue') {
      send(ws, errorFrame(attachment.ref.partition, id, { code: 'INVALID_REQUEST', message: 'leases are settled on a queue socket (mode=queue)' }))
      return
    }
    const settled = await this.#settle(attachment, message)
    const partition = attachment.ref.partition
    if (!settled.ok) send(ws, errorFrame(partition, id, settled.error))
    else
      send(
        ws,
        JSON.stringify({
          type: `${message.type === 'ack' ? 'acked' : message.type === 'nack' ? 'nacked' : 'rejected'}`,
          partition,
          ...(id ? { id } : {}),
          ...settled.value,
        }),
      )
    this.wake()
  }

  closed(ws: WebSocket, code: number, reason: string): void {
    // Completes the closing handshake the subscriber started.
    close(ws, code === 1005 || code === 1006 ? 1000 : code, reason)
  }

  /** Ends every subscription (the topic was deleted). */
  closeAll(code: number, reason: string): void {
    for (const ws of this.#host.ctx.getWebSockets()) close(ws, code, reason)
  }

  async #push(): Promise<void> {
    const { log } = this.#host
    if (this.#host.isDestroyed() || !log.isOpen()) return
    const now = Date.now()
    for (let round = 0; round < STREAM_WINDOW_FRAMES && this.#pushRecords(log, now); round++);
    if (await this.#pushLeases(now)) await this.#host.afterLeasing()
  }

  /** One frame to every log subscriber with room and records to get; true when any went out. */
  #pushRecords(log: OpenPartitionLog, now: number): boolean {
    const logEnd = log.logEnd
    const byNext = new Map<number, Array<[WebSocket, LogAttachment]>>()
    for (const ws of this.#host.ctx.getWebSockets('log')) {
      const attachment = ws.deserializeAttachment() as LogAttachment | null
      if (!attachment) continue
      const { flow, limits } = attachment
      if (tooFarBehind(flow, logEnd, limits)) {
        close(
          ws,
          STREAM_CLOSE_CODES.SLOW_SUBSCRIBER,
          `SLOW_SUBSCRIBER: over ${limits.maxBehindRecords} records behind; resume from the last one received`,
        )
        continue
      }
      if (flow.next >= logEnd || !hasRoom(flow, limits)) continue
      const at = Math.max(flow.next, log.logStart)
      byNext.set(at, [...(byNext.get(at) ?? []), [ws, attachment]])
    }
    let any = false
    for (const [next, subscribers] of byNext) {
      const read = log.read(next, STREAM_FRAME_RECORDS, STREAM_FRAME_BYTES, now)
      const partition = log.meta.partition
      const frame =
        read.count > 0
          ? `{"type":"records","partition":${partition},"next":${read.nextOffset},"highWatermark":${logEnd},"records":[${read.records}]}`
          : undefined
      for (const [ws, attachment] of subscribers) {
        const flow = frame ? sent(attachment.flow, read.nextOffset, logEnd, attachment.limits) : skipped(attachment.flow, read.nextOffset)
        ws.serializeAttachment({ ...attachment, flow })
        if (frame && send(ws, frame)) {
          any = true
          this.#host.sentRecords(read.count, read.records.length)
        }
      }
    }
    return any
  }

  /** Leases to every queue subscriber with room for more; true when anything was leased. */
  async #pushLeases(now: number): Promise<boolean> {
    const sockets = this.#host.ctx.getWebSockets('queue')
    if (sockets.length === 0) return false
    this.#turn = (this.#turn + 1) % sockets.length
    let leased = false
    for (const ws of [...sockets.slice(this.#turn), ...sockets.slice(0, this.#turn)]) {
      const attachment = ws.deserializeAttachment() as QueueAttachment | null
      if (!attachment) continue
      const room = attachment.maxInFlight - this.#host.leasedTo(attachment.group, attachment.memberId, now)
      if (room <= 0) continue
      const received = this.#host.lease(
        {
          group: attachment.group,
          memberId: attachment.memberId,
          max: room,
          ...(attachment.visibilityTimeoutMs !== undefined ? { visibilityTimeoutMs: attachment.visibilityTimeoutMs } : {}),
        },
        now,
      )
      if (received.count === 0) continue
      leased = true
      // A lease whose socket has just gone runs out with its visibility timeout, as an unacked receive does.
      send(ws, `{"type":"leases","partition":${attachment.ref.partition},"messages":[${received.messages}]}`)
    }
    return leased
  }

  #settle(attachment: QueueAttachment, message: Exclude<SocketMessage, { type: 'received' }>): Promise<Settled> {
    const { ref, group, memberId } = attachment
    const ids = message.type === 'ack' ? message.leaseIds : [message.leaseId]
    const leases: LeaseRef[] = []
    for (const id of ids) {
      const [partition, offset, token] = id.split(':')
      if (Number(partition) !== ref.partition) {
        return Promise.resolve(fail('UNKNOWN_LEASE', `lease '${id}' is not of partition ${ref.partition}`, { leaseId: id }))
      }
      leases.push({ offset: Number(offset), token: token! })
    }
    if (message.type === 'ack') return this.#host.ack(ref, group, memberId, leases)
    if (message.type === 'nack') return this.#host.nack(ref, group, memberId, leases[0]!, message.error, message.delayMs)
    return this.#host.reject(ref, group, memberId, leases[0]!, message.error)
  }
}

function errorResponse(error: ErrorPayload): Response {
  return Response.json({ error }, { status: ERROR_CODES[error.code].status })
}

function errorFrame(partition: number, id: string | undefined, error: { code: string; message: string; details?: Record<string, unknown> }): string {
  return JSON.stringify({ type: 'error', partition, ...(id ? { id } : {}), error })
}

/** Sends unless the socket is no longer open; true when it went. */
function send(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text)
    return true
  } catch {
    return false
  }
}

function close(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason.slice(0, 120))
  } catch {
    // already closed
  }
}

/**
 * The Worker's end of live subscriptions: partition sockets relayed to the caller as Server-Sent Events
 * or as the caller's own WebSocket.
 *
 * SSE: one `record` event per record, its `id:` the position to resume from (the offset on a partition
 * stream; `partition:offset` pairs on a topic stream), a `ready` event once every partition has said
 * where it starts, a comment every heartbeat while idle, and a `close` event naming the error code when
 * the partition ends the stream. The response body is a stream with a bounded buffer: a frame is
 * confirmed to the partition only once the buffer has room again, so a reader that stops reading stops
 * the partition sending (and is dropped by it if it falls too far behind), and the Worker's memory stays
 * bounded whatever the reader does.
 *
 * WebSocket: frames pass through unchanged; what the caller sends is checked and routed to the partition
 * it names (`partition`, or the lease id's partition).
 */
import { formatComment, formatEvent } from '../core/sse.js'
import { SSE_RETRY_MS, formatPosition, socketMessageSchema, type StreamFrame, type StreamPosition } from '../protocol/streams.js'
import type { PartitionSocket } from '../services/partition-streams.js'

/** Characters of events the body may hold unread before frames stop being confirmed. */
const SSE_BUFFER_BYTES = 512 * 1024

export function sseResponse(sockets: readonly PartitionSocket[], options: { topic: string; single?: number; heartbeatMs: number }): Response {
  const encoder = new TextEncoder()
  const position: StreamPosition = new Map()
  const starts: Record<number, { next: number; highWatermark: number }> = {}
  let waiting: Array<() => void> = []
  let done = false
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let heartbeat: ReturnType<typeof setInterval> | undefined
  const write = (text: string) => {
    if (!done) controller.enqueue(encoder.encode(text))
  }
  const finish = (code?: number, reason?: string) => {
    if (done) return
    if (code !== undefined && code !== 1000) {
      const [errorCode, ...message] = (reason ?? '').split(': ')
      write(formatEvent({ event: 'close', data: JSON.stringify({ code: errorCode || 'INTERNAL_ERROR', message: message.join(': ') || reason }) }))
    }
    done = true
    clearInterval(heartbeat)
    for (const socket of sockets) socket.close(1000, 'stream ended')
    controller.close()
  }
  const start = (c: ReadableStreamDefaultController<Uint8Array>) => {
    controller = c
    write(`retry: ${SSE_RETRY_MS}\n\n`)
    heartbeat = setInterval(() => write(formatComment('heartbeat')), options.heartbeatMs)
    for (const socket of sockets) {
      socket.listen(
        (data) => {
          const frame = JSON.parse(data) as StreamFrame
          if (frame.type === 'ready' && 'next' in frame) {
            position.set(socket.partition, frame.next - 1)
            starts[socket.partition] = { next: frame.next, highWatermark: frame.highWatermark }
            if (position.size === sockets.length) {
              const id = formatPosition(position, options.single)
              write(formatEvent({ event: 'ready', id, data: JSON.stringify({ topic: options.topic, partitions: starts }) }))
            }
          } else if (frame.type === 'records') {
            let text = ''
            for (const record of frame.records as Array<{ offset: number }>) {
              position.set(socket.partition, record.offset)
              const data = JSON.stringify({ partition: socket.partition, ...record })
              text += formatEvent({ event: 'record', id: formatPosition(position, options.single), data })
            }
            write(text)
            const confirm = () => socket.send(JSON.stringify({ type: 'received', next: frame.next }))
            if ((controller.desiredSize ?? 0) > 0) confirm()
            else waiting.push(confirm)
          }
        },
        (code, reason) => finish(code, reason),
      )
    }
  }
  const body = new ReadableStream<Uint8Array>(
    {
      start,
      pull() {
        const confirms = waiting
        waiting = []
        for (const confirm of confirms) confirm()
      },
      cancel() {
        done = true
        clearInterval(heartbeat)
        for (const socket of sockets) socket.close(1000, 'reader gone')
      },
    },
    { highWaterMark: SSE_BUFFER_BYTES, size: (chunk) => chunk.byteLength },
  )
  return new Response(body, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
  })
}

export function socketRelay(sockets: readonly PartitionSocket[]): Response {
  const pair = new WebSocketPair()
  const [client, server] = [pair[0], pair[1]]
  server.accept()
  const byPartition = new Map(sockets.map((socket) => [socket.partition, socket]))
  let open = true
  const closeAll = (code: number, reason: string) => {
    if (!open) return
    open = false
    for (const socket of sockets) socket.close(1000, 'stream ended')
    try {
      server.close(code, reason.slice(0, 120))
    } catch {
      // the caller has gone
    }
  }
  const refuse = (id: string | undefined, code: string, message: string) =>
    server.send(JSON.stringify({ type: 'error', ...(id ? { id } : {}), error: { code, message } }))
  for (const socket of sockets)
    socket.listen(
      (data) => server.send(data),
      (code, reason) => closeAll(code === 1005 ? 1000 : code, reason),
    )
  server.addEventListener('close', () => closeAll(1000, 'client closed'))
  server.addEventListener('message', (event) => {
    let message
    try {
      const parsed = socketMessageSchema.safeParse(JSON.parse(typeof event.data === 'string' ? event.data : ''))
      if (!parsed.success) return refuse(undefined, 'INVALID_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
      message = parsed.data
    } catch {
      return refuse(undefined, 'INVALID_REQUEST', 'a message must be JSON')
    }
    if (message.type === 'received') {
      const socket = message.partition === undefined && sockets.length === 1 ? sockets[0] : byPartition.get(message.partition ?? -1)
      if (!socket) return refuse(undefined, 'INVALID_REQUEST', 'name the partition the confirmation is for')
      return socket.send(JSON.stringify({ type: 'received', next: message.next }))
    }
    const ids = message.type === 'ack' ? message.leaseIds : [message.leaseId]
    const groups = new Map<number, string[]>()
    for (const id of ids) {
      const partition = Number(id.split(':')[0])
      if (!byPartition.has(partition)) return refuse(message.id, 'UNKNOWN_LEASE', `no lease '${id}' on this socket`)
      groups.set(partition, [...(groups.get(partition) ?? []), id])
    }
    for (const [partition, leaseIds] of groups) {
      byPartition.get(partition)!.send(JSON.stringify(message.type === 'ack' ? { ...message, leaseIds } : message))
    }
  })
  return new Response(null, { status: 101, webSocket: client })
}

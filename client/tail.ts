/**
 * `client.tail(topic, { fromOffset })`: the records of a topic (or one partition) as they are written,
 * as an async iterator, over the Server-Sent Events stream (`GET /topics/:t/stream`) read with fetch, so
 * it sends the client's Authorization header and works wherever fetch streams bodies (Node 18+, Deno,
 * Bun, browsers, Workers). When the connection drops, or the server drops a reader that fell too far
 * behind, it reconnects with `Last-Event-ID` and goes on from the last record it yielded: nothing is lost
 * or yielded twice. Breaking out of the loop (or aborting `signal`) closes the stream.
 */
import { SseParser } from '../src/core/sse.js'
import { isErrorCode, KafdoError, type FetchedRecord } from '../src/protocol/index.js'
import { SSE_RETRY_MS } from '../src/protocol/streams.js'
import type { HttpCore } from './http.js'

export interface TailOptions {
  /** Where to start in each partition: `latest` (the default: only new records, as `tail -f`), `earliest`, or an offset. */
  fromOffset?: number | 'earliest' | 'latest'
  /** Only this partition; every partition of the topic otherwise. */
  partition?: number
  /** Ends the iteration. */
  signal?: AbortSignal
  /** Reconnects in a row after failures that may pass (network, 503, a full partition) before giving up (default 10). */
  maxReconnects?: number
}

/** A record as `tail` yields it: the fetched record with its topic and partition. */
export type TailRecord = FetchedRecord & { topic: string; partition: number }

const MAX_BACKOFF_MS = 10_000

export async function* tail(http: HttpCore, topic: string, options: TailOptions = {}): AsyncGenerator<TailRecord, void, undefined> {
  const { fromOffset = 'latest', partition, signal, maxReconnects = 10 } = options
  if (!(fromOffset === 'earliest' || fromOffset === 'latest' || (Number.isSafeInteger(fromOffset) && fromOffset >= 0))) {
    throw new KafdoError('INVALID_REQUEST', `fromOffset must be a non-negative integer, "earliest" or "latest", not ${String(fromOffset)}`)
  }
  if (partition !== undefined && !(Number.isSafeInteger(partition) && partition >= 0)) {
    throw new KafdoError('INVALID_REQUEST', `partition must be a non-negative integer, not ${String(partition)}`)
  }
  const path = partition === undefined ? ['topics', topic, 'stream'] : ['topics', topic, 'partitions', partition, 'stream']
  let lastEventId: string | undefined
  let failures = 0
  while (!signal?.aborted) {
    let response: Response
    try {
      response = await http.open({
        path,
        ...(lastEventId === undefined ? { query: { offset: fromOffset } } : { headers: { 'last-event-id': lastEventId } }),
        ...(signal ? { signal } : {}),
      })
    } catch (err) {
      if (signal?.aborted) return
      if (!(err instanceof KafdoError && err.retriable) || failures >= maxReconnects) throw err
      await sleep(Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures++), signal)
      continue
    }
    failures = 0
    const parser = new SseParser(lastEventId)
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    const stop = () => void reader.cancel().catch(() => {})
    signal?.addEventListener('abort', stop, { once: true })
    let closed: { code: string; message: string } | undefined
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<string>
        try {
          chunk = await reader.read()
        } catch {
          break // the connection dropped: resume below
        }
        if (chunk.done) break
        for (const event of parser.push(chunk.value)) {
          if (event.event === 'record') {
            const record = JSON.parse(event.data) as Omit<TailRecord, 'topic'>
            lastEventId = event.id
            yield { topic, ...record }
          } else if (event.event === 'ready') lastEventId = event.id
          else if (event.event === 'close') closed = JSON.parse(event.data) as { code: string; message: string }
        }
      }
    } finally {
      signal?.removeEventListener('abort', stop)
      stop()
    }
    if (signal?.aborted) return
    // Dropped for falling behind, or the connection ended: resume from the last record. Anything else ends the tail.
    if (closed && closed.code !== 'SLOW_SUBSCRIBER') throw new KafdoError(isErrorCode(closed.code) ? closed.code : 'INTERNAL_ERROR', closed.message)
    if (!closed) await sleep(parser.retry ?? SSE_RETRY_MS, signal)
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}

/**
 * Reading partitions over HTTP for the consumer: one partition (`GET /topics/:t/partitions/:p/messages`),
 * or several at once for a poll, where a long poll answers as soon as any partition has records.
 */
import type { FetchOptions, FetchResponse } from '../src/protocol/index.js'
import type { HttpCore } from './http.js'

export interface ReadTarget {
  topic: string
  partition: number
  offset: number | 'earliest' | 'latest'
}

/** Reads one partition. A long poll (`maxWaitMs`) gets that long on top of the client's timeout. */
export function readPartition(http: HttpCore, topic: string, partition: number, options: FetchOptions, signal?: AbortSignal): Promise<FetchResponse> {
  return http.request<FetchResponse>({
    method: 'GET',
    path: ['topics', topic, 'partitions', partition, 'messages'],
    query: {
      offset: options.offset,
      timestamp: options.timestamp,
      limit: options.limit,
      maxBytes: options.maxBytes,
      maxWaitMs: options.maxWaitMs,
      reset: options.reset,
    },
    idempotent: true,
    ...(options.maxWaitMs ? { timeout: http.timeout + options.maxWaitMs } : {}),
    ...(signal ? { signal } : {}),
  })
}

/**
 * Reads every target in parallel. Without `maxWaitMs` it returns all answers. With it, each partition
 * waits for records, and the first answer that carries records (or the last answer, if none does) ends
 * the read: the other requests are abandoned and their answers, which the caller never sees, move no
 * position. Returns the answers that arrived, in arrival order.
 */
export function readPartitions(
  http: HttpCore,
  targets: readonly ReadTarget[],
  options: { limit: number; maxWaitMs: number; reset: 'earliest' | 'latest' },
): Promise<FetchResponse[]> {
  const read = (target: ReadTarget, signal?: AbortSignal) =>
    readPartition(
      http,
      target.topic,
      target.partition,
      { offset: target.offset, limit: options.limit, maxWaitMs: options.maxWaitMs, reset: options.reset },
      signal,
    )
  if (options.maxWaitMs === 0 || targets.length <= 1) return Promise.all(targets.map((target) => read(target)))

  const controller = new AbortController()
  const arrived: FetchResponse[] = []
  return new Promise((resolve, reject) => {
    let pending = targets.length
    for (const target of targets) {
      read(target, controller.signal).then(
        (response) => {
          if (controller.signal.aborted) return
          arrived.push(response)
          pending -= 1
          if (response.messages.length > 0 || pending === 0) {
            controller.abort()
            resolve(arrived)
          }
        },
        (error: unknown) => {
          if (controller.signal.aborted) return
          controller.abort()
          reject(error)
        },
      )
    }
  })
}

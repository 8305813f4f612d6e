/**
 * Reading one partition over HTTP (`GET /topics/:t/partitions/:p/messages`), for the consumer's raw
 * `fetch`: any partition, no membership needed. A poll fetches through the group instead (`group-port.ts`).
 */
import type { FetchOptions, FetchResponse } from '../src/protocol/index.js'
import type { HttpCore } from './http.js'

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

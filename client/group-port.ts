/**
 * The consumer core's port over HTTP (`/consumer-groups/:groupId/...`). Each request is sent once: the
 * core applies the retry rule itself (`core/consumer/retry.ts`), so a retriable failure is not retried
 * twice over. A join is never repeated (it would register a second member).
 */
import type { GroupPort } from '../src/core/consumer/port.js'
import type { CommittedOffsetDescription, FetchResponse, HeartbeatResult, JoinGroupResult } from '../src/protocol/index.js'
import type { HttpCore } from './http.js'

export function httpGroupPort(http: HttpCore, groupId: string): GroupPort {
  const post = <T>(action: string, body: unknown, extra: { idempotent: boolean; timeout?: number; signal?: AbortSignal } = { idempotent: true }) =>
    http.request<T>({ method: 'POST', path: ['consumer-groups', groupId, action], body, retries: 0, ...extra })
  return {
    join: (request) => post<JoinGroupResult>('join', request, { idempotent: false }),
    heartbeat: (request) => post<HeartbeatResult>('heartbeat', request),
    fetch: async (request, signal) => {
      // A long poll gets that long on top of the client's timeout.
      const extra = request.maxWaitMs ? { idempotent: true, timeout: http.timeout + request.maxWaitMs } : { idempotent: true }
      return (await post<{ partitions: FetchResponse[] }>('fetch', request, { ...extra, ...(signal ? { signal } : {}) })).partitions
    },
    commit: (request) => post<unknown>('commit', request),
    leave: (request) => post<unknown>('leave', request),
    committedOffsets: async () =>
      (
        await http.request<{ offsets: CommittedOffsetDescription[] }>({
          method: 'GET',
          path: ['consumer-groups', groupId, 'offsets'],
          idempotent: true,
          retries: 0,
        })
      ).offsets,
  }
}

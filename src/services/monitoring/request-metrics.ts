/**
 * Per-request metrics in this Worker isolate: counted as each request ends, per tenant, and flushed as a
 * delta to the tenant's TenantMonitorDO at most every FLUSH_INTERVAL_MS (in the background, through
 * `waitUntil`), so counting costs no request to any object on the request's own path. What an isolate
 * counted since its last flush is lost if the isolate goes away first: at most FLUSH_INTERVAL_MS of its
 * traffic. A scrape flushes its own isolate's counts before reading, so it never reads less than it
 * counted. Without TENANT_MONITOR nothing is counted.
 */
import { addCount, emptyState, isEmpty, mergeInto, observe } from '../../core/monitoring/request-metrics.js'
import type { KafdoBindings } from '../../env.js'
import type { MetricState } from '../../protocol/tenant-rpc.js'
import { monitorStub } from '../stubs.js'

export const FLUSH_INTERVAL_MS = 10_000

export interface RequestObservation {
  method: string
  /** The route template (`/topics/:topic/produce`), never the raw path. */
  route: string
  status: number
  durationMs: number
  /** The error code answered, if any. */
  code?: string | undefined
  /** The rate-quota bucket that refused the request, for 429s. */
  quotaBucket?: string | undefined
  /** Records in a produce request. */
  produceRecords?: number | undefined
}

interface Pending {
  state: MetricState
  flushedAt: number
}

const pending = new Map<string, Pending>()

export function countRequest(tenant: string, o: RequestObservation): void {
  let entry = pending.get(tenant)
  if (!entry) {
    entry = { state: emptyState(), flushedAt: 0 }
    pending.set(tenant, entry)
  }
  const { state } = entry
  const result = o.status >= 500 ? 'server_error' : o.status >= 400 ? 'client_error' : 'success'
  addCount(state, 'kafdo_http_requests_total', [o.method, o.route, result])
  observe(state, 'kafdo_http_request_duration_seconds', [o.method, o.route], o.durationMs / 1000)
  if (o.code) addCount(state, 'kafdo_http_errors_total', [o.route, o.code])
  if (o.code === 'THROTTLING_QUOTA_EXCEEDED') addCount(state, 'kafdo_quota_rejections_total', [o.quotaBucket ?? 'unknown'])
  if (o.code === 'UNAUTHENTICATED' || o.code === 'FORBIDDEN') addCount(state, 'kafdo_auth_failures_total', [o.code])
  if (o.produceRecords !== undefined) observe(state, 'kafdo_produce_batch_records', [o.route], o.produceRecords)
}

/** Tenants whose counts are due to be flushed. */
export function dueFlushes(now: number): string[] {
  return [...pending].filter(([, entry]) => !isEmpty(entry.state) && now - entry.flushedAt >= FLUSH_INTERVAL_MS).map(([tenant]) => tenant)
}

/** Hands a tenant's counts to its monitor; on failure they are kept for the next flush. */
export async function flushTenant(env: KafdoBindings, tenant: string, now = Date.now()): Promise<void> {
  const entry = pending.get(tenant)
  if (!entry || isEmpty(entry.state)) return
  const delta = entry.state
  entry.state = emptyState()
  entry.flushedAt = now
  const monitor = monitorStub(env, tenant)
  if (!monitor) return
  try {
    await monitor.ingest(tenant, delta)
  } catch (err) {
    mergeInto(entry.state, delta)
    console.error(
      JSON.stringify({ level: 'warn', message: 'request metrics flush failed; kept for the next one', tenant, error: (err as Error).message }),
    )
  }
}

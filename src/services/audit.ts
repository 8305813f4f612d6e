/**
 * The audit trail: who did what to which target, with what result, when, in which request. Entries are
 * records of the tenant's `__audit` topic (one partition, kept 90 days), so they can be listed through
 * the admin API and consumed like any topic. Authentication failures, which have no trustworthy tenant,
 * go to the `_system` tenant's trail. No entry ever carries a credential.
 */
import type { KafdoBindings } from '../env.js'
import { fetchRecords } from './read.js'
import { produce } from './produce.js'
import { clusterStub } from './stubs.js'
import { findTopic, rememberTopic } from './topic-cache.js'

export const AUDIT_TOPIC = '__audit'
const AUDIT_RETENTION_MS = 90 * 86_400_000

export interface AuditActor {
  subject: string
  via: 'jwt' | 'apikey' | 'bootstrap' | 'none' | 'unauthenticated'
  keyId?: string
}

export interface AuditEntry {
  tenant: string
  actor: AuditActor
  action: string
  target?: string
  result: 'success' | 'denied' | 'failure'
  requestId: string
  details?: Record<string, unknown>
}

export interface AuditRecord extends Omit<AuditEntry, 'tenant'> {
  offset: number
  time: string
}

/** Appends an entry; a failure to audit is logged, never turned into a failed request. */
export async function recordAudit(env: KafdoBindings, entry: AuditEntry): Promise<void> {
  try {
    if (!(await findTopic(env, entry.tenant, AUDIT_TOPIC))) {
      const created = await clusterStub(env).createTopic(entry.tenant, {
        topic: AUDIT_TOPIC,
        partitions: 1,
        config: { 'retention.ms': AUDIT_RETENTION_MS },
      })
      if (created.ok) rememberTopic(entry.tenant, created.value)
    }
    const { tenant: _tenant, ...value } = entry
    await produce(env, entry.tenant, AUDIT_TOPIC, [{ key: entry.action, value: { ...value, time: new Date().toISOString() } }])
  } catch (err) {
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'audit write failed',
        action: entry.action,
        requestId: entry.requestId,
        error: (err as Error).message,
      }),
    )
  }
}

export interface AuditFilter {
  action?: string | undefined
  result?: string | undefined
  subject?: string | undefined
  since?: number | undefined
  limit?: number | undefined
  /** Continue from a previous page's `nextOffset`. */
  offset?: number | undefined
}

/** Reads the trail oldest first, filtered; scans at most 10,000 entries per call (page with `nextOffset`). */
export async function listAudit(env: KafdoBindings, tenant: string, filter: AuditFilter): Promise<{ entries: AuditRecord[]; nextOffset: number }> {
  const topic = await findTopic(env, tenant, AUDIT_TOPIC, true)
  if (!topic) return { entries: [], nextOffset: 0 }
  const limit = filter.limit ?? 100
  const entries: AuditRecord[] = []
  let from: { offset: number } | { timestamp: number } | { offset: 'earliest' } =
    filter.offset !== undefined ? { offset: filter.offset } : filter.since !== undefined ? { timestamp: filter.since } : { offset: 'earliest' }
  let nextOffset = 0
  for (let scanned = 0; scanned < 10_000 && entries.length < limit;) {
    const page = await fetchRecords(env, tenant, AUDIT_TOPIC, 0, { ...from, limit: 1000, reset: 'earliest' })
    nextOffset = page.nextOffset
    for (const record of page.messages) {
      const entry = { offset: record.offset, ...(record.value as Omit<AuditRecord, 'offset'>) }
      if (filter.action !== undefined && entry.action !== filter.action) continue
      if (filter.result !== undefined && entry.result !== filter.result) continue
      if (filter.subject !== undefined && entry.actor.subject !== filter.subject) continue
      entries.push(entry)
      if (entries.length >= limit) {
        nextOffset = record.offset + 1
        break
      }
    }
    scanned += page.messages.length
    if (page.messages.length === 0) break
    from = { offset: page.nextOffset }
  }
  return { entries, nextOffset }
}

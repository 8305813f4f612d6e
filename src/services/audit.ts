/**
 * The audit trail: who did what to which target, with what result, when, in which request. Entries are
 * records of the tenant's `__audit` topic (one partition, kept 90 days), so they can be listed through
 * the admin API and consumed like any topic. Authentication failures, which have no trustworthy tenant,
 * go to the `_system` tenant's trail. No entry ever carries a credential. No caller can produce to
 * `__audit` (see core/internal-topics.ts); entries are written through `produceInternal` only.
 */
import type { KafdoBindings } from '../env.js'
import { AUDIT_TOPIC, auditValueSchema, type AuditListing, type AuditRecord, type AuditValue } from '../protocol/audit.js'
import { fetchRecords } from './read.js'
import { produceInternal } from './produce.js'
import { metadataStub } from './stubs.js'
import { findTopic, rememberTopic } from './topic-cache.js'

const AUDIT_RETENTION_MS = 90 * 86_400_000

/** What a caller records; `time` is added when it is written. */
export interface AuditEntry extends Omit<AuditValue, 'time'> {
  tenant: string
}

/** Appends an entry; a failure to audit is logged, never turned into a failed request. */
export async function recordAudit(env: KafdoBindings, entry: AuditEntry): Promise<void> {
  try {
    if (!(await findTopic(env, entry.tenant, AUDIT_TOPIC))) {
      const created = await metadataStub(env, entry.tenant).createTopic(entry.tenant, {
        topic: AUDIT_TOPIC,
        partitions: 1,
        config: { 'retention.ms': AUDIT_RETENTION_MS },
        system: true,
      })
      if (created.ok) rememberTopic(entry.tenant, created.value)
    }
    const { tenant: _tenant, ...rest } = entry
    const value: AuditValue = { ...rest, time: new Date().toISOString() }
    await produceInternal(env, entry.tenant, AUDIT_TOPIC, [{ key: entry.action, value }])
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

/**
 * Reads the trail oldest first, filtered; scans at most 10,000 records per call (page with `nextOffset`).
 * A record whose value is not an audit entry (only Kafdo writes the trail, but storage outlives code) is
 * left out and counted in `skipped`.
 */
export async function listAudit(env: KafdoBindings, tenant: string, filter: AuditFilter): Promise<AuditListing> {
  const topic = await findTopic(env, tenant, AUDIT_TOPIC, true)
  if (!topic) return { entries: [], nextOffset: 0, skipped: 0 }
  const limit = filter.limit ?? 100
  const entries: AuditRecord[] = []
  let skipped = 0
  let from: { offset: number } | { timestamp: number } | { offset: 'earliest' } =
    filter.offset !== undefined ? { offset: filter.offset } : filter.since !== undefined ? { timestamp: filter.since } : { offset: 'earliest' }
  let nextOffset = 0
  for (let scanned = 0; scanned < 10_000 && entries.length < limit;) {
    const page = await fetchRecords(env, tenant, AUDIT_TOPIC, 0, { ...from, limit: 1000, reset: 'earliest' })
    nextOffset = page.nextOffset
    for (const record of page.messages) {
      const parsed = auditValueSchema.safeParse(record.value)
      if (!parsed.success) {
        skipped++
        continue
      }
      const entry: AuditRecord = { offset: record.offset, ...parsed.data }
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
  return { entries, nextOffset, skipped }
}

/**
 * The audit trail's entries: what Kafdo writes as each record value of a tenant's `__audit` topic, and
 * what `GET /admin/audit` answers. The reader parses every stored value with `auditValueSchema`, so a
 * value of another shape is skipped and counted, never trusted.
 */
import { z } from 'zod'

export const AUDIT_TOPIC = '__audit'

export const auditActorSchema = z.object({
  /** The token's `sub`, `apikey:<keyId>`, `bootstrap`, `anonymous` (AUTH_MODE=none) or `unknown`. */
  subject: z.string(),
  via: z.enum(['jwt', 'apikey', 'bootstrap', 'none', 'unauthenticated']),
  keyId: z.string().optional(),
})
export type AuditActor = z.infer<typeof auditActorSchema>

/** One entry as stored: the record's value (its key is the action). */
export const auditValueSchema = z.object({
  actor: auditActorSchema,
  /** `topic:create`, `apikey:revoke`, `auth`, ... or, for a denial, the action that was refused. */
  action: z.string(),
  /** The topic, group, key id, tenant or `METHOD /path` acted on. */
  target: z.string().optional(),
  result: z.enum(['success', 'denied', 'failure']),
  requestId: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  /** When it was written, ISO 8601 (UTC). */
  time: z.string(),
})
export type AuditValue = z.infer<typeof auditValueSchema>

/** An entry as `GET /admin/audit` lists it: the stored value and its offset in `__audit`. */
export const auditRecordSchema = auditValueSchema.extend({ offset: z.number().int() }).meta({ id: 'AuditEntry' })
export type AuditRecord = z.infer<typeof auditRecordSchema>

export const auditListingSchema = z
  .object({
    entries: z.array(auditRecordSchema),
    /** Where the next page starts (pass it back as `offset`). */
    nextOffset: z.number().int(),
    /** Records scanned for this page whose value is not an audit entry (left out of `entries`). */
    skipped: z.number().int(),
  })
  .meta({
    id: 'AuditListing',
    example: {
      entries: [
        {
          actor: { subject: 'apikey:k_8f2a9c1d3e4b5a60', via: 'apikey', keyId: 'k_8f2a9c1d3e4b5a60' },
          action: 'topic:create',
          target: 'orders',
          result: 'success',
          requestId: '9b2c4e6f-1a3d-4f5b-8c7d-0e1f2a3b4c5d',
          details: { partitions: 3 },
          time: '2026-01-01T00:00:00.000Z',
          offset: 7,
        },
      ],
      nextOffset: 8,
      skipped: 0,
    },
  })
export type AuditListing = z.infer<typeof auditListingSchema>

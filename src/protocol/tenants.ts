/** Tenants, their quotas, API keys, and topic templates for provisioning a tenant. */
import { z } from 'zod'

/** User tenants: lowercase DNS-label-like names. `_system` (auth failures' audit trail) cannot collide. */
export const tenantSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or "-", starting with a letter or digit')
export const SYSTEM_TENANT = '_system'

export const quotasSchema = z.strictObject({
  produceBytesPerSec: z.number().int().positive().optional(),
  produceRecordsPerSec: z.number().int().positive().optional(),
  fetchBytesPerSec: z.number().int().positive().optional(),
  maxTopics: z.number().int().nonnegative().optional(),
  maxPartitions: z.number().int().nonnegative().optional(),
  maxRetentionMs: z.number().int().positive().optional(),
  maxMessageBytes: z.number().int().positive().optional(),
})
export type TenantQuotas = z.infer<typeof quotasSchema>

export const createApiKeyRequestSchema = z.strictObject({
  name: z.string().min(1).max(128),
  /** Permission strings (`produce@orders.*`) or role names; never more than the creator holds. */
  permissions: z.array(z.string().min(1).max(300)).min(1).max(100),
  expiresInSeconds: z
    .number()
    .int()
    .min(60)
    .max(5 * 365 * 86_400)
    .optional(),
})

export type CreateApiKeyRequest = z.input<typeof createApiKeyRequestSchema>

export interface ApiKeyDescription {
  keyId: string
  tenant: string
  name: string
  permissions: string[]
  createdBy: string
  createdAt: number
  expiresAt: number | null
  revokedAt: number | null
}

/** A key as its creation answers it: with the key itself, shown only in that answer. */
export interface CreatedApiKey extends ApiKeyDescription {
  key: string
}

export interface TopicTemplate {
  /** `{tenant}` is replaced by the tenant id. */
  name: string
  partitions: number
  config?: Record<string, string | number>
}

const DAY = 86_400_000

/** The per-tenant topic set of a chat platform's service layer (seed 004), used when none is given. */
export const DEFAULT_TENANT_TEMPLATES: TopicTemplate[] = [
  { name: 'chat.messages.{tenant}', partitions: 16, config: { 'retention.ms': 30 * DAY } },
  { name: 'chat.events.{tenant}', partitions: 8, config: { 'retention.ms': 7 * DAY } },
  { name: 'presence.{tenant}', partitions: 4, config: { 'retention.ms': DAY, 'cleanup.policy': 'compact' } },
  { name: 'analytics.{tenant}', partitions: 8, config: { 'retention.ms': 90 * DAY } },
  { name: 'notifications.{tenant}', partitions: 4, config: { 'retention.ms': 7 * DAY } },
]

export const provisionRequestSchema = z.strictObject({
  templates: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(200),
        partitions: z.number().int().min(1).max(1024),
        config: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      }),
    )
    .min(1)
    .max(100)
    .optional(),
})

export interface TenantTopicSet {
  tenant: string
  created: string[]
  existing: string[]
}

/** Tenants, their quotas, API keys, and topic templates for provisioning a tenant. */
import { z } from 'zod'

/** User tenants: lowercase DNS-label-like names. `_system` (auth failures' audit trail) cannot collide. */
export const tenantSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or "-", starting with a letter or digit')
export const SYSTEM_TENANT = '_system'

export const quotasSchema = z
  .strictObject({
    produceBytesPerSec: z.number().int().positive().optional(),
    produceRecordsPerSec: z.number().int().positive().optional(),
    fetchBytesPerSec: z.number().int().positive().optional(),
    maxTopics: z.number().int().nonnegative().optional(),
    maxPartitions: z.number().int().nonnegative().optional(),
    maxRetentionMs: z.number().int().positive().optional(),
    maxMessageBytes: z.number().int().positive().optional(),
  })
  .meta({ id: 'TenantQuotas', example: { produceBytesPerSec: 1048576, maxTopics: 100, maxPartitions: 1000 } })
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

export const apiKeyDescriptionSchema = z
  .object({
    keyId: z.string(),
    tenant: z.string(),
    name: z.string(),
    permissions: z.array(z.string()),
    createdBy: z.string(),
    createdAt: z.number().int(),
    expiresAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
  })
  .meta({ id: 'ApiKey' })
export type ApiKeyDescription = z.infer<typeof apiKeyDescriptionSchema>

/** The one example key of the OpenAPI document, listed and as created. */
const API_KEY_EXAMPLE: ApiKeyDescription = {
  keyId: '3f9a0c1d2e4b5a6c',
  tenant: 'default',
  name: 'orders-producer',
  permissions: ['produce@orders'],
  createdBy: 'bootstrap',
  createdAt: 1767225600000,
  expiresAt: null,
  revokedAt: null,
}

/** The tenant's keys as listed (`GET /admin/api-keys`): never a secret. */
export const apiKeyListSchema = z.object({ keys: z.array(apiKeyDescriptionSchema) }).meta({ id: 'ApiKeyList', example: { keys: [API_KEY_EXAMPLE] } })

/** A key as its creation answers it: with the key itself, shown only in that answer. */
export const createdApiKeySchema = apiKeyDescriptionSchema.extend({ key: z.string() }).meta({
  id: 'CreatedApiKey',
  example: {
    ...API_KEY_EXAMPLE,
    key: 'kfd_3f9a0c1d2e4b5a6c_default_Zm9yIGV4YW1wbGUgb25seSwgbm90IGEgcmVhbCBrZXk',
  },
})
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>

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

export const tenantTopicSetSchema = z
  .object({ tenant: z.string(), created: z.array(z.string()), existing: z.array(z.string()) })
  .meta({ id: 'TenantTopicSet', example: { tenant: 'acme', created: ['chat.messages.acme'], existing: ['orders.acme'] } })
export type TenantTopicSet = z.infer<typeof tenantTopicSetSchema>

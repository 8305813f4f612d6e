/**
 * Health and alerting: the thresholds a topic, queue or group is checked against, the health answer,
 * alert webhook subscriptions, the events they receive, and their delivery log.
 */
import { z } from 'zod'

/** Figures a topic or queue threshold may name (queue figures are for one share group). */
export const TOPIC_HEALTH_METRICS = [
  'records',
  'sizeBytes',
  'depth',
  'ready',
  'inFlight',
  'delayed',
  'oldestMessageAgeMs',
  'dlqDepth',
  'dlqGrowth',
] as const
/** Figures a consumer group threshold may name. `rebalances`: group epoch advances since the last evaluation. */
export const GROUP_HEALTH_METRICS = ['lag', 'maxPartitionLag', 'members', 'rebalances'] as const

export type TopicHealthMetric = (typeof TOPIC_HEALTH_METRICS)[number]
export type GroupHealthMetric = (typeof GROUP_HEALTH_METRICS)[number]
export type ResourceHealthStatus = 'ok' | 'degraded' | 'failing'

export const MAX_HEALTH_THRESHOLDS = 20
/** The longest `forMs` a threshold may ask for (a day). */
export const MAX_HEALTH_FOR_MS = 86_400_000

const thresholdFields = {
  op: z.enum(['>', '>=', '<', '<=']),
  value: z.number().finite(),
  /** The condition must hold this long (seen by the periodic evaluation) before it counts. */
  forMs: z.number().int().min(0).max(MAX_HEALTH_FOR_MS).optional(),
  severity: z.enum(['degraded', 'failing']).optional(),
}

export const topicHealthThresholdSchema = z.strictObject({
  metric: z.enum(TOPIC_HEALTH_METRICS),
  ...thresholdFields,
  /** The share group queue figures are read for; `default` when not given. */
  group: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
})
export const groupHealthThresholdSchema = z.strictObject({ metric: z.enum(GROUP_HEALTH_METRICS), ...thresholdFields })

export type TopicHealthThreshold = z.infer<typeof topicHealthThresholdSchema>
export type GroupHealthThreshold = z.infer<typeof groupHealthThresholdSchema>
export type HealthThreshold = TopicHealthThreshold | GroupHealthThreshold

/** A topic's or queue's health policy, kept with the topic's config; `[]` clears it. */
export const topicHealthPolicySchema = z
  .strictObject({ thresholds: z.array(topicHealthThresholdSchema).max(MAX_HEALTH_THRESHOLDS) })
  .meta({ id: 'TopicHealthPolicy' })
export const groupHealthPolicySchema = z.strictObject({ thresholds: z.array(groupHealthThresholdSchema).max(MAX_HEALTH_THRESHOLDS) })
export type TopicHealthPolicy = z.infer<typeof topicHealthPolicySchema>
export type GroupHealthPolicy = z.infer<typeof groupHealthPolicySchema>

export type HealthResourceKind = 'topic' | 'queue' | 'group'

/**
 * What `health()` of the in-Worker and client admins asks about: a topic, a queue (read for share group
 * `group`, `default` when not given), or a consumer group.
 */
export type HealthTarget = { topic: string; group?: string } | { queue: string; group?: string } | { group: string }

export type { CreatedWebhook, HealthCheck, HealthReport, WebhookDelivery, WebhookDescription, WebhookEvent } from './monitoring-answers.js'

// Alert webhooks.

export const WEBHOOK_EVENT_TYPES = [
  'record.dead_lettered',
  'record.retries_exhausted',
  'health.threshold_crossed',
  'health.recovered',
  'group.rebalance_storm',
] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number] | 'webhook.test'

export const MAX_WEBHOOKS_PER_TENANT = 20
/**
 * Events that may wait for delivery per subscription. A storm (a poison message dead-lettering thousands of
 * records) must not queue without end for a receiver that takes them one at a time: events raised while a
 * subscription has this many waiting are not queued, and are counted (`result="dropped"`).
 */
export const MAX_PENDING_WEBHOOK_EVENTS = 10_000
export const WEBHOOK_ID_PATTERN = /^wh_[0-9a-f]{16}$/

/** https, or http to the local machine only (a receiver under development). */
const webhookUrlSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value)
      const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
      return url.protocol === 'https:' || (url.protocol === 'http:' && local)
    } catch {
      return false
    }
  }, 'must be an https URL (http only to localhost)')

/** A subscription's name: how `kafdo apply` (its `webhooks` section) finds the subscription it declares. */
export const webhookNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only ASCII letters, digits and . _ : -')

export const createWebhookRequestSchema = z.strictObject({
  url: webhookUrlSchema,
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length),
  /** `json`: the event as is; `slack`: Slack's incoming-webhook body (`text` and `blocks`). */
  format: z.enum(['json', 'slack']).optional(),
  /** The HMAC key; Kafdo makes one (answered once, here) when not given. */
  secret: z.string().min(32).max(256).optional(),
  description: z.string().max(256).optional(),
  /** Unique in the tenant; subscriptions without one are never matched by a declared one. */
  name: webhookNameSchema.optional(),
})
export type CreateWebhookRequest = z.infer<typeof createWebhookRequestSchema>

/** What a declarative apply changes in a subscription, keeping its id, delivery log and (unless given) secret. */
export type WebhookUpdate = Partial<Pick<CreateWebhookRequest, 'url' | 'events' | 'format' | 'secret'>> & { description?: string | null }

export const webhookIdSchema = z.string().regex(WEBHOOK_ID_PATTERN, 'must be a webhook id (wh_ and 16 hexadecimal digits)')

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'kafdo-signature'
/** How far a receiver should let the signed time be from its clock before refusing (a replay). */
export const SIGNATURE_TOLERANCE_SECONDS = 300

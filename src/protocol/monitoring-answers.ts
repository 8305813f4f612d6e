/**
 * What the monitoring API answers: health reports, alert webhook subscriptions and their delivery log,
 * and the event a webhook receiver gets. `monitoring.ts` holds the thresholds and requests.
 */
import { z } from 'zod'
import { WEBHOOK_EVENT_TYPES } from './monitoring.js'

const webhookEventTypeSchema = z.enum([...WEBHOOK_EVENT_TYPES, 'webhook.test'])

/** One threshold as evaluated now. */
export const healthCheckSchema = z
  .object({
    metric: z.string(),
    op: z.string(),
    value: z.number(),
    severity: z.enum(['degraded', 'failing']),
    forMs: z.number().int(),
    /** The figure now; null when it cannot be known (e.g. `dlqGrowth` before a first evaluation). */
    observed: z.number().nullable(),
    /** The condition holds now. */
    breached: z.boolean(),
    /** It holds, but not yet for `forMs` as far as the periodic evaluation has seen. */
    pending: z.boolean(),
    /** When the periodic evaluation first saw it hold (epoch ms), if it has. */
    since: z.number().int().nullable(),
  })
  .meta({ id: 'HealthCheck' })
export type HealthCheck = z.infer<typeof healthCheckSchema>

export const healthReportSchema = z
  .object({
    resource: z.object({ kind: z.enum(['topic', 'queue', 'group']), name: z.string() }),
    status: z.enum(['ok', 'degraded', 'failing']),
    checkedAt: z.string(),
    /** One sentence per threshold that counts now (breached and past its `forMs`). */
    reasons: z.array(z.string()),
    figures: z.record(z.string(), z.unknown()),
    checks: z.array(healthCheckSchema),
  })
  .meta({
    id: 'HealthReport',
    example: {
      resource: { kind: 'queue', name: 'jobs' },
      status: 'degraded',
      checkedAt: '2026-01-01T00:00:00.000Z',
      reasons: ['depth 1200 > 1000'],
      figures: { depth: 1200, ready: 1100, inFlight: 100 },
      checks: [
        { metric: 'depth', op: '>', value: 1000, severity: 'degraded', forMs: 0, observed: 1200, breached: true, pending: false, since: null },
      ],
    },
  })
export type HealthReport = z.infer<typeof healthReportSchema>

/** The one example subscription of the OpenAPI document, listed and as created. */
const WEBHOOK_EXAMPLE = {
  id: 'wh_3f9a1c0e7b2d4a68',
  name: 'oncall',
  url: 'https://alerts.example.com/kafdo',
  events: ['record.dead_lettered' as const, 'health.threshold_crossed' as const],
  format: 'json' as const,
  description: 'on-call channel',
  createdAt: 1767225600000,
}

/** A subscription as listed: never its secret. */
export const webhookDescriptionSchema = z
  .object({
    id: z.string(),
    /** The name it was created with (null for none); `kafdo apply` matches declared webhooks by it. */
    name: z.string().nullable(),
    url: z.string(),
    events: z.array(webhookEventTypeSchema),
    format: z.enum(['json', 'slack']),
    description: z.string().nullable(),
    createdAt: z.number().int(),
  })
  .meta({ id: 'Webhook', example: WEBHOOK_EXAMPLE })
export type WebhookDescription = z.infer<typeof webhookDescriptionSchema>

/** The subscriptions as listed (`GET /admin/webhooks`). */
export const webhookListSchema = z.object({ webhooks: z.array(webhookDescriptionSchema) }).meta({
  id: 'WebhookList',
  example: { webhooks: [WEBHOOK_EXAMPLE] },
})

/** What creating a subscription answers: the only time its secret is shown. */
export const createdWebhookSchema = webhookDescriptionSchema.extend({ secret: z.string() }).meta({
  id: 'CreatedWebhook',
  example: {
    ...WEBHOOK_EXAMPLE,
    secret: 'whsec_4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f',
  },
})
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>

/** What a receiver gets (the `json` format), and what the `slack` format is made from. */
export const webhookEventSchema = z
  .object({
    /** Unique per event: a receiver that sees an id twice (deliveries are at least once) drops the copy. */
    id: z.string(),
    type: webhookEventTypeSchema,
    tenant: z.string(),
    occurredAt: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({
    id: 'WebhookEvent',
    example: {
      id: 'evt_6c1f0e2d9a3b4c5d',
      type: 'record.dead_lettered',
      tenant: 'default',
      occurredAt: '2026-01-01T00:00:00.000Z',
      data: { topic: 'jobs', partition: 0, offset: 42, attempts: 5, error: 'timeout' },
    },
  })
export type WebhookEvent = z.infer<typeof webhookEventSchema>

export const webhookDeliverySchema = z
  .object({
    eventId: z.string(),
    type: webhookEventTypeSchema,
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    /** HTTP status of the last attempt, null when it got no answer. */
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.number().int(),
    lastAttemptAt: z.number().int().nullable(),
    nextAttemptAt: z.number().int().nullable(),
    deliveredAt: z.number().int().nullable(),
  })
  .meta({ id: 'WebhookDelivery' })
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>

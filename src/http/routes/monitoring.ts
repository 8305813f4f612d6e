/**
 * Route definitions of monitoring: `/metrics`, health on `/health/...`, and on `/admin/...` alert webhook
 * subscriptions and consumer group health thresholds.
 */
import { z } from 'zod'
import { groupIdSchema } from '../../protocol/groups.js'
import {
  createdWebhookSchema,
  healthReportSchema,
  webhookDeliverySchema,
  webhookDescriptionSchema,
  webhookListSchema,
} from '../../protocol/monitoring-answers.js'
import { createWebhookRequestSchema, groupHealthPolicySchema, groupHealthThresholdSchema, webhookIdSchema } from '../../protocol/monitoring.js'
import { topicNameSchema } from '../../protocol/topics.js'
import { defineRoute } from '../openapi/define.js'

const monitoring = 'Monitoring'
const alerts = 'Alert webhooks'
const groupQuerySchema = z.strictObject({ group: groupIdSchema.optional() })
const noQuery = z.strictObject({})
const webhook = { id: webhookIdSchema }
const healthPermission = '`metrics:read`, or `topic:read` on the topic'

export const metrics = defineRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'metrics',
  tag: monitoring,
  summary: 'Prometheus metrics',
  description:
    "Prometheus text exposition format 0.0.4: per-partition offsets and sizes, queue depth, group lag, request counts and latencies. A platform admin who names no `tenant` gets every tenant's series, anyone else their own tenant's.",
  permission: '`metrics:read`',
  query: noQuery,
  answers: {
    200: {
      description: 'The metrics',
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      schema: z.string(),
      example:
        '# HELP kafdo_partition_latest_offset The next offset to be written\n# TYPE kafdo_partition_latest_offset gauge\nkafdo_partition_latest_offset{tenant="default",topic="orders",partition="0"} 43\n',
    },
  },
})

export const topicHealth = defineRoute({
  method: 'get',
  path: '/health/topics/:topic',
  operationId: 'topicHealth',
  tag: monitoring,
  summary: "A topic's health",
  description:
    "The topic's figures checked against its health thresholds (`PATCH /admin/topics/{topic}/config` sets them); `group` picks the share group whose queue figures are read.",
  permission: healthPermission,
  params: { topic: topicNameSchema },
  query: groupQuerySchema,
  answers: { 200: { description: 'The health report', schema: healthReportSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION'],
})

export const queueHealth = defineRoute({
  method: 'get',
  path: '/health/queues/:name',
  operationId: 'queueHealth',
  tag: monitoring,
  summary: "A queue's health",
  description:
    "The queue's figures (depth, in flight, oldest message, dead letters) for share group `group` (`default`) checked against its thresholds.",
  permission: '`metrics:read`, or `topic:read` on the queue',
  params: { name: topicNameSchema },
  query: groupQuerySchema,
  answers: { 200: { description: 'The health report', schema: healthReportSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION'],
})

export const groupHealth = defineRoute({
  method: 'get',
  path: '/health/groups/:groupId',
  operationId: 'groupHealth',
  tag: monitoring,
  summary: "A consumer group's health",
  description: "The group's lag, members and rebalances checked against its thresholds (`PUT /admin/groups/{groupId}/health`).",
  permission: '`metrics:read`, or `group:read` on the group',
  params: { groupId: groupIdSchema },
  query: noQuery,
  answers: { 200: { description: 'The health report', schema: healthReportSchema } },
})

export const createWebhook = defineRoute({
  method: 'post',
  path: '/webhooks',
  operationId: 'createWebhook',
  tag: alerts,
  summary: 'Subscribe a webhook to alert events',
  description:
    'Events are POSTed to `url` (https, or http to localhost) signed with `kafdo-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`; the `alertEvent` webhook of this document describes the body. The secret is in this answer only. A `name`, unique in the tenant, lets `kafdo apply` (`POST /admin/apply`, its `webhooks` section) find the subscription it declares.',
  permission: '`webhook:admin`',
  body: createWebhookRequestSchema,
  bodyExample: { url: 'https://alerts.example.com/kafdo', events: ['record.dead_lettered', 'health.threshold_crossed'] },
  answers: { 201: { description: 'The subscription, with its secret (shown once)', schema: createdWebhookSchema } },
  errors: ['POLICY_VIOLATION'],
})

export const listWebhooks = defineRoute({
  method: 'get',
  path: '/webhooks',
  operationId: 'listWebhooks',
  tag: alerts,
  summary: 'List webhook subscriptions',
  permission: '`webhook:admin`',
  answers: {
    200: {
      description: 'The subscriptions, without secrets',
      schema: webhookListSchema,
    },
  },
})

export const getWebhook = defineRoute({
  method: 'get',
  path: '/webhooks/:id',
  operationId: 'getWebhook',
  tag: alerts,
  summary: 'Describe a webhook subscription',
  permission: '`webhook:admin`',
  params: webhook,
  answers: { 200: { description: 'The subscription', schema: webhookDescriptionSchema } },
  errors: ['NOT_FOUND'],
})

export const deleteWebhook = defineRoute({
  method: 'delete',
  path: '/webhooks/:id',
  operationId: 'deleteWebhook',
  tag: alerts,
  summary: 'Delete a webhook subscription',
  permission: '`webhook:admin`',
  params: webhook,
  answers: {
    200: {
      description: 'Deleted',
      schema: z
        .object({ id: z.string(), deleted: z.literal(true) })
        .meta({ id: 'DeletedWebhook', example: { id: 'wh_3f9a1c0e7b2d4a68', deleted: true } }),
    },
  },
  errors: ['NOT_FOUND'],
})

export const webhookDeliveries = defineRoute({
  method: 'get',
  path: '/webhooks/:id/deliveries',
  operationId: 'webhookDeliveries',
  tag: alerts,
  summary: "A webhook's recent deliveries",
  permission: '`webhook:admin`',
  params: webhook,
  query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional() }),
  answers: {
    200: {
      description: 'The newest deliveries first',
      schema: z.object({ id: z.string(), deliveries: z.array(webhookDeliverySchema) }).meta({
        id: 'WebhookDeliveries',
        example: {
          id: 'wh_3f9a1c0e7b2d4a68',
          deliveries: [
            {
              eventId: 'evt_6c1f0e2d9a3b4c5d',
              type: 'record.dead_lettered',
              status: 'delivered',
              attempts: 2,
              lastStatus: 200,
              lastError: null,
              createdAt: 1767225600000,
              lastAttemptAt: 1767225602000,
              nextAttemptAt: null,
              deliveredAt: 1767225602000,
            },
          ],
        },
      }),
    },
  },
  errors: ['NOT_FOUND'],
})

export const testWebhook = defineRoute({
  method: 'post',
  path: '/webhooks/:id/test',
  operationId: 'testWebhook',
  tag: alerts,
  summary: 'Send a test event',
  description: 'Queues a `webhook.test` event for delivery; its outcome shows in the deliveries.',
  permission: '`webhook:admin`',
  params: webhook,
  answers: {
    202: {
      description: 'The event was queued',
      schema: z.object({ eventId: z.string() }).meta({ id: 'WebhookTestEvent', example: { eventId: 'evt_6c1f0e2d9a3b4c5d' } }),
    },
  },
  errors: ['NOT_FOUND'],
})

const groupHealthAnswer = z.object({ groupId: z.string(), thresholds: z.array(groupHealthThresholdSchema) }).meta({
  id: 'GroupHealthPolicy',
  example: { groupId: 'billing', thresholds: [{ metric: 'lag', op: '>', value: 10000, forMs: 300000, severity: 'failing' }] },
})

export const getGroupHealthPolicy = defineRoute({
  method: 'get',
  path: '/groups/:groupId/health',
  operationId: 'getGroupHealthPolicy',
  tag: alerts,
  summary: "A consumer group's health thresholds",
  permission: '`group:read` on the group',
  params: { groupId: groupIdSchema },
  answers: { 200: { description: 'The thresholds', schema: groupHealthAnswer } },
})

export const setGroupHealthPolicy = defineRoute({
  method: 'put',
  path: '/groups/:groupId/health',
  operationId: 'setGroupHealthPolicy',
  tag: alerts,
  summary: "Set a consumer group's health thresholds",
  description: '`{ "thresholds": [] }` clears them.',
  permission: '`group:admin` on the group',
  params: { groupId: groupIdSchema },
  body: groupHealthPolicySchema,
  bodyExample: { thresholds: [{ metric: 'lag', op: '>', value: 10000, forMs: 300000, severity: 'failing' }] },
  answers: { 200: { description: 'The thresholds now', schema: groupHealthAnswer } },
})

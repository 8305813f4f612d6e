/** Alert webhook subscriptions and consumer group health thresholds, on `/admin/...`. */
import { Hono } from 'hono'
import { z } from 'zod'
import { groupIdSchema } from '../protocol/groups.js'
import { createWebhookRequestSchema, groupHealthPolicySchema, webhookIdSchema } from '../protocol/monitoring.js'
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  groupHealthPolicy,
  listWebhooks,
  setGroupHealthPolicy,
  testWebhook,
  webhookDeliveries,
} from '../services/monitoring/alerts.js'
import { audited, authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { jsonBody, param, query } from './validate.js'

export const alertRoutes = new Hono<AppEnv>()

const id = (c: Parameters<typeof param>[0]) => param(c, 'id', webhookIdSchema)

alertRoutes.post('/webhooks', async (c) => {
  await authorize(c, 'webhook:admin')
  const request = await jsonBody(c, createWebhookRequestSchema)
  const created = await createWebhook(c.env, c.get('tenant'), request)
  // The URL may carry a token of the receiver's (Slack's do): the audit trail keeps its origin only.
  await audited(c, 'webhook:create', created.id, { origin: new URL(created.url).origin, events: created.events, format: created.format })
  return c.json(created, 201)
})

alertRoutes.get('/webhooks', async (c) => {
  await authorize(c, 'webhook:admin')
  return c.json({ webhooks: await listWebhooks(c.env, c.get('tenant')) })
})

alertRoutes.get('/webhooks/:id', async (c) => {
  await authorize(c, 'webhook:admin')
  return c.json(await getWebhook(c.env, c.get('tenant'), id(c)))
})

alertRoutes.delete('/webhooks/:id', async (c) => {
  await authorize(c, 'webhook:admin')
  await deleteWebhook(c.env, c.get('tenant'), id(c))
  await audited(c, 'webhook:delete', id(c))
  return c.json({ id: id(c), deleted: true })
})

alertRoutes.get('/webhooks/:id/deliveries', async (c) => {
  await authorize(c, 'webhook:admin')
  const { limit } = query(c, z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional() }))
  return c.json({ id: id(c), deliveries: await webhookDeliveries(c.env, c.get('tenant'), id(c), limit) })
})

alertRoutes.post('/webhooks/:id/test', async (c) => {
  await authorize(c, 'webhook:admin')
  return c.json(await testWebhook(c.env, c.get('tenant'), id(c)), 202)
})

alertRoutes.get('/groups/:groupId/health', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'group:read', groupId)
  return c.json({ groupId, ...(await groupHealthPolicy(c.env, c.get('tenant'), groupId)) })
})

alertRoutes.put('/groups/:groupId/health', async (c) => {
  const groupId = param(c, 'groupId', groupIdSchema)
  await authorize(c, 'group:admin', groupId)
  const policy = await setGroupHealthPolicy(c.env, c.get('tenant'), groupId, await jsonBody(c, groupHealthPolicySchema))
  await audited(c, 'group:health', groupId, policy)
  return c.json({ groupId, ...policy })
})

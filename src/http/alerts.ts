/** Alert webhook subscriptions and consumer group health thresholds, on `/admin/...`. */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
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
import { serve } from './openapi/define.js'
import * as routes from './routes/monitoring.js'
import { body, param, query } from './validate.js'

export const alertRoutes = new OpenAPIHono<AppEnv>()

/** The webhook id of the path: every `/webhooks/:id` route takes the same one. */
const id = (c: Context<AppEnv>) => param(c, routes.getWebhook, 'id')

serve(alertRoutes, routes.createWebhook, async (c) => {
  await authorize(c, 'webhook:admin')
  const request = await body(c, routes.createWebhook)
  const created = await createWebhook(c.env, c.get('tenant'), request)
  // The URL may carry a token of the receiver's (Slack's do): the audit trail keeps its origin only.
  await audited(c, 'webhook:create', created.id, { origin: new URL(created.url).origin, events: created.events, format: created.format })
  return c.json(created, 201)
})

serve(alertRoutes, routes.listWebhooks, async (c) => {
  await authorize(c, 'webhook:admin')
  return c.json({ webhooks: await listWebhooks(c.env, c.get('tenant')) })
})

serve(alertRoutes, routes.getWebhook, async (c) => {
  await authorize(c, 'webhook:admin')
  return c.json(await getWebhook(c.env, c.get('tenant'), id(c)))
})

serve(alertRoutes, routes.deleteWebhook, async (c) => {
  await authorize(c, 'webhook:admin')
  await deleteWebhook(c.env, c.get('tenant'), id(c))
  await audited(c, 'webhook:delete', id(c))
  return c.json({ id: id(c), deleted: true })
})

serve(alertRoutes, routes.webhookDeliveries, async (c) => {
  await authorize(c, 'webhook:admin')
  const { limit } = query(c, routes.webhookDeliveries)
  return c.json({ id: id(c), deliveries: await webhookDeliveries(c.env, c.get('tenant'), id(c), limit) })
})

serve(alertRoutes, routes.testWebhook, async (c) => {
  await authorize(c, 'webhook:admin')
  return c.json(await testWebhook(c.env, c.get('tenant'), id(c)), 202)
})

serve(alertRoutes, routes.getGroupHealthPolicy, async (c) => {
  const groupId = param(c, routes.getGroupHealthPolicy, 'groupId')
  await authorize(c, 'group:read', groupId)
  return c.json({ groupId, ...(await groupHealthPolicy(c.env, c.get('tenant'), groupId)) })
})

serve(alertRoutes, routes.setGroupHealthPolicy, async (c) => {
  const groupId = param(c, routes.setGroupHealthPolicy, 'groupId')
  await authorize(c, 'group:admin', groupId)
  const policy = await setGroupHealthPolicy(c.env, c.get('tenant'), groupId, await body(c, routes.setGroupHealthPolicy))
  await audited(c, 'group:health', groupId, policy)
  return c.json({ groupId, ...policy })
})

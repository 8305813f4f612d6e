/**
 * `GET /metrics` (Prometheus text format 0.0.4) and the health answers on `/health/...`. A scrape needs
 * `metrics:read`; a platform admin who names no `?tenant=` gets every tenant, anyone else their own.
 * Health of a topic or queue needs `metrics:read` or `topic:read` on it; of a group, `metrics:read` or
 * `group:read` on it. (`GET /health` itself is the unauthenticated liveness check, in app.ts.)
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { EXPOSITION_CONTENT_TYPE } from '../core/monitoring/exposition.js'
import { isAllowed, type Action } from '../core/permissions.js'
import { SYSTEM_TENANT } from '../protocol/tenants.js'
import { groupHealth, topicHealth } from '../services/monitoring/health.js'
import { scrape } from '../services/monitoring/scrape.js'
import { listTenants } from '../services/tenants.js'
import { authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import * as routes from './routes/monitoring.js'
import { param, query } from './validate.js'

export const monitoringRoutes = new OpenAPIHono<AppEnv>()

serve(monitoringRoutes, routes.metrics, async (c) => {
  query(c, routes.metrics)
  await authorize(c, 'metrics:read')
  const everyTenant = c.req.query('tenant') === undefined && isAllowed(c.get('principal').grants, 'platform:admin')
  const tenants = everyTenant ? [...new Set([...(await listTenants(c.env)), SYSTEM_TENANT])] : [c.get('tenant')]
  const text = await scrape(c.env, tenants)
  c.set('responseBytes', text.length)
  return c.body(text, 200, { 'content-type': EXPOSITION_CONTENT_TYPE })
})

serve(monitoringRoutes, routes.topicHealth, async (c) => {
  const topic = param(c, routes.topicHealth, 'topic')
  const { group } = query(c, routes.topicHealth)
  await authorizeEither(c, 'topic:read', topic)
  return c.json(await topicHealth(c.env, c.get('tenant'), topic, 'topic', group))
})

serve(monitoringRoutes, routes.queueHealth, async (c) => {
  const name = param(c, routes.queueHealth, 'name')
  const { group } = query(c, routes.queueHealth)
  await authorizeEither(c, 'topic:read', name)
  return c.json(await topicHealth(c.env, c.get('tenant'), name, 'queue', group))
})

serve(monitoringRoutes, routes.groupHealth, async (c) => {
  const groupId = param(c, routes.groupHealth, 'groupId')
  query(c, routes.groupHealth)
  await authorizeEither(c, 'group:read', groupId)
  return c.json(await groupHealth(c.env, c.get('tenant'), groupId))
})

/** `metrics:read` covers every resource's health; otherwise the resource's own read permission is needed. */
async function authorizeEither(c: Context<AppEnv>, action: Action, resource: string): Promise<void> {
  if (isAllowed(c.get('principal').grants, 'metrics:read')) return
  await authorize(c, action, resource)
}

/** API keys, the audit trail, quotas and tenants, on `/admin/...`. */
import { OpenAPIHono } from '@hono/zod-openapi'
import { createApiKey, listApiKeys, revokeApiKey } from '../services/api-keys.js'
import { listAudit } from '../services/audit.js'
import { quotasOf, setQuotas } from '../services/quotas.js'
import { createTenantTopics, deleteTenant, listTenants } from '../services/tenants.js'
import { authConfig } from './auth/config.js'
import { audited, authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { serve } from './openapi/define.js'
import * as routes from './routes/security.js'
import { body, param, query } from './validate.js'

export const securityRoutes = new OpenAPIHono<AppEnv>()

serve(securityRoutes, routes.createApiKey, async (c) => {
  await authorize(c, 'apikey:admin')
  const request = await body(c, routes.createApiKey)
  const principal = c.get('principal')
  const key = await createApiKey(c.env, c.get('tenant'), principal, request, authConfig(c.env).roles)
  await audited(c, 'apikey:create', key.keyId, { name: key.name, permissions: key.permissions })
  return c.json(key, 201)
})

serve(securityRoutes, routes.listApiKeys, async (c) => {
  await authorize(c, 'apikey:admin')
  return c.json({ keys: await listApiKeys(c.env, c.get('tenant')) })
})

serve(securityRoutes, routes.revokeApiKey, async (c) => {
  await authorize(c, 'apikey:admin')
  const keyId = param(c, routes.revokeApiKey, 'keyId')
  await revokeApiKey(c.env, c.get('tenant'), keyId)
  await audited(c, 'apikey:revoke', keyId)
  return c.json({ keyId, revoked: true })
})

serve(securityRoutes, routes.listAudit, async (c) => {
  await authorize(c, 'admin')
  const filter = query(c, routes.listAudit)
  return c.json(await listAudit(c.env, c.get('tenant'), filter))
})

serve(securityRoutes, routes.getQuotas, async (c) => {
  await authorize(c, 'admin')
  return c.json({ tenant: c.get('tenant'), quotas: await quotasOf(c.env, c.get('tenant')) })
})

serve(securityRoutes, routes.setQuotas, async (c) => {
  await authorize(c, 'platform:admin')
  const quotas = await setQuotas(c.env, c.get('tenant'), await body(c, routes.setQuotas))
  await audited(c, 'quotas:set', c.get('tenant'), quotas)
  return c.json({ tenant: c.get('tenant'), quotas })
})

serve(securityRoutes, routes.listTenants, async (c) => {
  await authorize(c, 'platform:admin')
  return c.json({ tenants: await listTenants(c.env) })
})

serve(securityRoutes, routes.provisionTenant, async (c) => {
  await authorize(c, 'platform:admin')
  const tenant = param(c, routes.provisionTenant, 'tenant')
  const { templates } = await body(c, routes.provisionTenant)
  const result = await createTenantTopics(c.env, tenant, templates)
  await audited(c, 'tenant:provision', tenant, { created: result.created })
  return c.json(result)
})

serve(securityRoutes, routes.deleteTenant, async (c) => {
  await authorize(c, 'platform:admin')
  const tenant = param(c, routes.deleteTenant, 'tenant')
  const result = await deleteTenant(c.env, tenant)
  await audited(c, 'tenant:delete', tenant, result)
  return c.json({ tenant, deleted: true, ...result })
})

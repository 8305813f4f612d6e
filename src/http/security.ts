/** API keys, the audit trail, quotas and tenants, on `/admin/...`. */
import { Hono } from 'hono'
import { z } from 'zod'
import { timestampParamSchema } from '../protocol/records.js'
import { createApiKeyRequestSchema, provisionRequestSchema, quotasSchema, tenantSchema } from '../protocol/tenants.js'
import { createApiKey, listApiKeys, revokeApiKey } from '../services/api-keys.js'
import { listAudit } from '../services/audit.js'
import { quotasOf, setQuotas } from '../services/quotas.js'
import { createTenantTopics, deleteTenant, listTenants } from '../services/tenants.js'
import { authConfig } from './auth/config.js'
import { audited, authorize } from './authorize.js'
import type { AppEnv } from './context.js'
import { jsonBody, param, query } from './validate.js'

export const securityRoutes = new Hono<AppEnv>()

securityRoutes.post('/api-keys', async (c) => {
  await authorize(c, 'apikey:admin')
  const request = await jsonBody(c, createApiKeyRequestSchema)
  const principal = c.get('principal')
  const key = await createApiKey(c.env, c.get('tenant'), principal, request, authConfig(c.env).roles)
  await audited(c, 'apikey:create', key.keyId, { name: key.name, permissions: key.permissions })
  return c.json(key, 201)
})

securityRoutes.get('/api-keys', async (c) => {
  await authorize(c, 'apikey:admin')
  return c.json({ keys: await listApiKeys(c.env, c.get('tenant')) })
})

securityRoutes.delete('/api-keys/:keyId', async (c) => {
  await authorize(c, 'apikey:admin')
  const keyId = param(c, 'keyId', z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id (16 hexadecimal digits)'))
  await revokeApiKey(c.env, c.get('tenant'), keyId)
  await audited(c, 'apikey:revoke', keyId)
  return c.json({ keyId, revoked: true })
})

const auditQuerySchema = z.strictObject({
  action: z.string().max(64).optional(),
  result: z.enum(['success', 'denied', 'failure']).optional(),
  subject: z.string().max(256).optional(),
  since: timestampParamSchema.optional(),
  offset: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
})

securityRoutes.get('/audit', async (c) => {
  await authorize(c, 'admin')
  const filter = query(c, auditQuerySchema)
  return c.json(await listAudit(c.env, c.get('tenant'), filter))
})

securityRoutes.get('/quotas', async (c) => {
  await authorize(c, 'admin')
  return c.json({ tenant: c.get('tenant'), quotas: await quotasOf(c.env, c.get('tenant')) })
})

securityRoutes.put('/quotas', async (c) => {
  await authorize(c, 'platform:admin')
  const quotas = await setQuotas(c.env, c.get('tenant'), await jsonBody(c, quotasSchema))
  await audited(c, 'quotas:set', c.get('tenant'), quotas)
  return c.json({ tenant: c.get('tenant'), quotas })
})

securityRoutes.get('/tenants', async (c) => {
  await authorize(c, 'platform:admin')
  return c.json({ tenants: await listTenants(c.env) })
})

securityRoutes.post('/tenants/:tenant/provision', async (c) => {
  await authorize(c, 'platform:admin')
  const tenant = param(c, 'tenant', tenantSchema)
  const { templates } = await jsonBody(c, provisionRequestSchema)
  const result = await createTenantTopics(c.env, tenant, templates)
  await audited(c, 'tenant:provision', tenant, { created: result.created })
  return c.json(result)
})

securityRoutes.delete('/tenants/:tenant', async (c) => {
  await authorize(c, 'platform:admin')
  const tenant = param(c, 'tenant', tenantSchema)
  const result = await deleteTenant(c.env, tenant)
  await audited(c, 'tenant:delete', tenant, result)
  return c.json({ tenant, deleted: true, ...result })
})

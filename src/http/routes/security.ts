/** Route definitions of API keys, the audit trail, quotas and tenants on `/admin/...`. */
import { z } from 'zod'
import { auditListingSchema } from '../../protocol/audit.js'
import { timestampParamSchema } from '../../protocol/records.js'
import {
  apiKeyListSchema,
  createApiKeyRequestSchema,
  createdApiKeySchema,
  provisionRequestSchema,
  quotasSchema,
  tenantSchema,
  tenantTopicSetSchema,
} from '../../protocol/tenants.js'
import { defineRoute } from '../openapi/define.js'

const keys = 'API keys'
const quotas = 'Quotas'
const tenants = 'Tenants'
const tenantQuotasSchema = z
  .object({ tenant: z.string(), quotas: quotasSchema })
  .meta({ id: 'TenantQuotasAnswer', example: { tenant: 'acme', quotas: { produceBytesPerSec: 1048576, maxTopics: 100, maxPartitions: 1000 } } })

export const createApiKey = defineRoute({
  method: 'post',
  path: '/api-keys',
  operationId: 'createApiKey',
  tag: keys,
  summary: 'Create an API key',
  description:
    'Creates a key holding `permissions` (permission strings such as `produce@orders.*`, or role names), never more than the creator holds. The key itself is in this answer only; Kafdo keeps its hash.',
  permission: '`apikey:admin`',
  body: createApiKeyRequestSchema,
  bodyExample: { name: 'orders-producer', permissions: ['produce@orders'], expiresInSeconds: 2592000 },
  answers: { 201: { description: 'The key, shown once', schema: createdApiKeySchema } },
})

export const listApiKeys = defineRoute({
  method: 'get',
  path: '/api-keys',
  operationId: 'listApiKeys',
  tag: keys,
  summary: "List the tenant's API keys",
  permission: '`apikey:admin`',
  answers: {
    200: {
      description: 'The keys, without secrets',
      schema: apiKeyListSchema,
    },
  },
})

export const revokeApiKey = defineRoute({
  method: 'delete',
  path: '/api-keys/:keyId',
  operationId: 'revokeApiKey',
  tag: keys,
  summary: 'Revoke an API key',
  permission: '`apikey:admin`',
  params: { keyId: z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id (16 hexadecimal digits)') },
  answers: {
    200: {
      description: 'The key no longer authenticates',
      schema: z
        .object({ keyId: z.string(), revoked: z.literal(true) })
        .meta({ id: 'RevokedApiKey', example: { keyId: 'k_8f2a9c1d3e4b5a60', revoked: true } }),
    },
  },
  errors: ['NOT_FOUND'],
})

const auditQuerySchema = z.strictObject({
  action: z.string().max(64).optional(),
  result: z.enum(['success', 'denied', 'failure']).optional(),
  subject: z.string().max(256).optional(),
  since: timestampParamSchema.optional(),
  offset: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
})

export const listAudit = defineRoute({
  method: 'get',
  path: '/audit',
  operationId: 'listAudit',
  tag: 'Audit',
  summary: 'Read the audit trail',
  description: 'Every create, delete, config change and refusal of the tenant, oldest first, filtered; page on with `nextOffset`.',
  permission: '`admin`',
  query: auditQuerySchema,
  answers: { 200: { description: 'A page of entries', schema: auditListingSchema } },
})

export const getQuotas = defineRoute({
  method: 'get',
  path: '/quotas',
  operationId: 'getQuotas',
  tag: quotas,
  summary: "The tenant's quotas",
  permission: '`admin`',
  answers: { 200: { description: 'The quotas set (none: unlimited)', schema: tenantQuotasSchema } },
})

export const setQuotas = defineRoute({
  method: 'put',
  path: '/quotas',
  operationId: 'setQuotas',
  tag: quotas,
  summary: "Set the tenant's quotas",
  description:
    'Replaces the quotas; a quota left out is unlimited. Rate quotas answer `429` with `Retry-After` when exceeded; the others refuse the change with `POLICY_VIOLATION`.',
  permission: '`platform:admin`',
  body: quotasSchema,
  bodyExample: { produceBytesPerSec: 1048576, maxTopics: 100 },
  answers: { 200: { description: 'The quotas now', schema: tenantQuotasSchema } },
})

export const listTenants = defineRoute({
  method: 'get',
  path: '/tenants',
  operationId: 'listTenants',
  tag: tenants,
  summary: 'List tenants',
  permission: '`platform:admin`',
  answers: {
    200: {
      description: 'Every tenant with topics or keys',
      schema: z.object({ tenants: z.array(z.string()) }).meta({ id: 'TenantList', example: { tenants: ['acme', 'default'] } }),
    },
  },
})

export const provisionTenant = defineRoute({
  method: 'post',
  path: '/tenants/:tenant/provision',
  operationId: 'provisionTenant',
  tag: tenants,
  summary: "Create a tenant's topics from templates",
  description:
    '`{tenant}` in a template name is replaced by the tenant id; without templates, the default chat topic set is created. Topics that exist are left as they are.',
  permission: '`platform:admin`',
  params: { tenant: tenantSchema },
  body: provisionRequestSchema,
  bodyExample: { templates: [{ name: 'events.{tenant}', partitions: 4 }] },
  answers: { 200: { description: 'Which topics were created and which existed', schema: tenantTopicSetSchema } },
  errors: ['INVALID_CONFIG', 'POLICY_VIOLATION', 'TOPIC_ALREADY_EXISTS'],
})

export const deleteTenant = defineRoute({
  method: 'delete',
  path: '/tenants/:tenant',
  operationId: 'deleteTenant',
  tag: tenants,
  summary: 'Delete a tenant',
  description: 'Deletes every topic and consumer group of the tenant.',
  permission: '`platform:admin`',
  params: { tenant: tenantSchema },
  answers: {
    200: {
      description: 'What was deleted',
      schema: z
        .object({ tenant: z.string(), deleted: z.literal(true), topics: z.array(z.string()), groups: z.array(z.string()) })
        .meta({ id: 'DeletedTenant', example: { tenant: 'acme', deleted: true, topics: ['orders', 'jobs', 'jobs-dlq'], groups: ['billing'] } }),
    },
  },
})

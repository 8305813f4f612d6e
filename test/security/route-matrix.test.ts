import { describe, expect, inject, it } from 'vitest'
import { createApp } from '../../src/http/app'
import { openApiDocument } from '../../src/http/openapi/document'
import { authEnv, BOOTSTRAP_API_KEY, call, token, unique, type Reply } from './support'

/**
 * Every route and method, three ways: no credential (401), a credential without the permission (403,
 * naming it), and one holding exactly the permission the route needs (success). Then the same routes
 * with a tenant-A admin against tenant-B resources: indistinguishable from resources that do not exist,
 * and nothing of tenant B changes.
 */

const appEnv = authEnv()
const admin = (tenant: string) => ({ headers: { 'x-api-key': BOOTSTRAP_API_KEY } as Record<string, string>, tenant })

/** Calls as the platform bootstrap key, in `tenant`. */
async function asAdmin(tenant: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const separator = path.includes('?') ? '&' : '?'
  const reply = await call(appEnv, method, `${path}${separator}tenant=${tenant}`, {
    headers: admin(tenant).headers,
    ...(body !== undefined ? { body } : {}),
  })
  if (reply.status >= 400) throw new Error(`setup ${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
  return reply
}

/** Queue stats without the oldest message's age, which grows as the test runs. */
const withoutAge = ({ oldestMessageAgeMs: _age, ...stats }: Record<string, unknown>) => stats

interface Fixture {
  topic: string
  group: string
  queue: string
  memberId?: string
  memberEpoch?: number
  leaseId?: string
  keyId?: string
  webhookId?: string
  fresh: string
}

async function fixture(
  tenant: string,
  needs: Partial<Record<'member' | 'lease' | 'dlq' | 'key' | 'groupOffsets' | 'freshTopic' | 'freshQueue' | 'webhook', true>> = {},
): Promise<Fixture> {
  const f: Fixture = { topic: unique('topic'), group: unique('group'), queue: unique('queue'), fresh: unique('fresh') }
  await asAdmin(tenant, 'POST', '/admin/topics', { topic: f.topic, partitions: 1 })
  await asAdmin(tenant, 'POST', `/topics/${f.topic}/produce`, { value: 1 })
  await asAdmin(tenant, 'POST', '/queues', { name: f.queue, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 1 } })
  if (needs.freshTopic) await asAdmin(tenant, 'POST', '/admin/topics', { topic: f.fresh, partitions: 1 })
  if (needs.freshQueue) await asAdmin(tenant, 'POST', '/queues', { name: f.fresh })
  if (needs.member) {
    const joined = await asAdmin(tenant, 'POST', `/consumer-groups/${f.group}/join`, { topics: [f.topic], sessionTimeoutMs: 60_000 })
    f.memberId = joined.body.memberId
    f.memberEpoch = joined.body.memberEpoch
  }
  if (needs.groupOffsets)
    await asAdmin(tenant, 'POST', `/consumer-groups/${f.group}/commit`, { offsets: [{ topic: f.topic, partition: 0, offset: 0 }] })
  if (needs.lease || needs.dlq) {
    await asAdmin(tenant, 'POST', `/queues/${f.queue}/messages`, { messages: [{ value: 'a' }, { value: 'b' }] })
    const received = await asAdmin(tenant, 'POST', `/queues/${f.queue}/receive`, { consumerId: 'c', max: 2 })
    f.leaseId = received.body.messages[0].leaseId
    if (needs.dlq) await asAdmin(tenant, 'POST', `/queues/${f.queue}/nack`, { consumerId: 'c', leaseId: received.body.messages[1].leaseId })
  }
  if (needs.key) f.keyId = (await asAdmin(tenant, 'POST', '/admin/api-keys', { name: 'k', permissions: ['topic:read'] })).body.keyId
  if (needs.webhook) f.webhookId = (await asAdmin(tenant, 'POST', '/admin/webhooks', { url: hookUrl, events: ['health.recovered'] })).body.id
  return f
}

/** Webhook deliveries from these tests go to the local receiver, which answers 200. */
const hookUrl = `${inject('webhookReceiver')}/hooks/route-matrix`

interface Route {
  name: string
  needs?: Parameters<typeof fixture>[1]
  request: (f: Fixture) => { method: string; path: string; body?: unknown }
  /** Permissions that together allow the request; none means any authenticated caller. */
  grants: (f: Fixture) => string[]
}

const ROUTES: Route[] = [
  { name: 'GET /', request: () => ({ method: 'GET', path: '/' }), grants: () => [] },
  { name: 'GET /admin/topics', request: () => ({ method: 'GET', path: '/admin/topics' }), grants: () => ['topic:read'] },
  {
    name: 'POST /admin/topics',
    request: (f) => ({ method: 'POST', path: '/admin/topics', body: { topic: f.fresh } }),
    grants: (f) => [`topic:create@${f.fresh}`],
  },
  {
    name: 'GET /admin/topics/:topic',
    request: (f) => ({ method: 'GET', path: `/admin/topics/${f.topic}` }),
    grants: (f) => [`topic:read@${f.topic}`],
  },
  {
    name: 'DELETE /admin/topics/:topic',
    needs: { freshTopic: true },
    request: (f) => ({ method: 'DELETE', path: `/admin/topics/${f.fresh}` }),
    grants: (f) => [`topic:delete@${f.fresh}`],
  },
  {
    name: 'POST /admin/topics/:topic/partitions',
    request: (f) => ({ method: 'POST', path: `/admin/topics/${f.topic}/partitions`, body: { count: 2 } }),
    grants: (f) => [`topic:config@${f.topic}`],
  },
  {
    name: 'PATCH /admin/topics/:topic/config',
    request: (f) => ({ method: 'PATCH', path: `/admin/topics/${f.topic}/config`, body: { set: { 'retention.ms': 3_600_000 } } }),
    grants: (f) => [`topic:config@${f.topic}`],
  },
  {
    name: 'POST /admin/topics/:topic/delete-records',
    request: (f) => ({ method: 'POST', path: `/admin/topics/${f.topic}/delete-records`, body: { partitions: [{ partition: 0, offset: 0 }] } }),
    grants: (f) => [`topic:delete@${f.topic}`],
  },
  {
    name: 'GET /admin/topics/:topic/offsets',
    request: (f) => ({ method: 'GET', path: `/admin/topics/${f.topic}/offsets` }),
    grants: (f) => [`topic:read@${f.topic}`],
  },
  {
    name: 'POST /topics/:topic/produce',
    request: (f) => ({ method: 'POST', path: `/topics/${f.topic}/produce`, body: { value: 2 } }),
    grants: (f) => [`produce@${f.topic}`],
  },
  {
    name: 'POST /topics/:topic/produce-batch',
    request: (f) => ({ method: 'POST', path: `/topics/${f.topic}/produce-batch`, body: { records: [{ value: 3 }] } }),
    grants: (f) => [`produce@${f.topic}`],
  },
  {
    name: 'GET messages',
    request: (f) => ({ method: 'GET', path: `/topics/${f.topic}/partitions/0/messages` }),
    grants: (f) => [`consume@${f.topic}`],
  },
  {
    name: 'GET partition offsets',
    request: (f) => ({ method: 'GET', path: `/topics/${f.topic}/partitions/0/offsets` }),
    grants: (f) => [`topic:read@${f.topic}`],
  },
  {
    name: 'POST join',
    request: (f) => ({ method: 'POST', path: `/consumer-groups/${f.group}/join`, body: { topics: [f.topic], sessionTimeoutMs: 60_000 } }),
    grants: (f) => [`consume@${f.topic}`],
  },
  {
    name: 'POST heartbeat',
    needs: { member: true },
    request: (f) => ({ method: 'POST', path: `/consumer-groups/${f.group}/heartbeat`, body: { memberId: f.memberId, memberEpoch: f.memberEpoch } }),
    grants: (f) => [`consume@${f.topic}`],
  },
  {
    name: 'POST fetch through the group',
    needs: { member: true },
    request: (f) => ({
      method: 'POST',
      path: `/consumer-groups/${f.group}/fetch`,
      body: { memberId: f.memberId, memberEpoch: f.memberEpoch, partitions: [{ topic: f.topic, partition: 0, offset: 0 }] },
    }),
    grants: (f) => [`consume@${f.topic}`],
  },
  {
    name: 'POST commit',
    request: (f) => ({
      method: 'POST',
      path: `/consumer-groups/${f.group}/commit`,
      body: { offsets: [{ topic: f.topic, partition: 0, offset: 1 }] },
    }),
    grants: (f) => [`consume@${f.topic}`],
  },
  {
    name: 'POST leave',
    needs: { member: true },
    request: (f) => ({ method: 'POST', path: `/consumer-groups/${f.group}/leave`, body: { memberId: f.memberId } }),
    grants: (f) => [`consume@${f.topic}`],
  },
  {
    name: 'GET /consumer-groups/:group',
    request: (f) => ({ method: 'GET', path: `/consumer-groups/${f.group}` }),
    grants: (f) => [`group:read@${f.group}`],
  },
  {
    name: 'GET group offsets',
    request: (f) => ({ method: 'GET', path: `/consumer-groups/${f.group}/offsets` }),
    grants: (f) => [`group:read@${f.group}`],
  },
  { name: 'GET /admin/groups', request: () => ({ method: 'GET', path: '/admin/groups' }), grants: () => ['group:read'] },
  {
    name: 'GET /admin/groups/:group',
    request: (f) => ({ method: 'GET', path: `/admin/groups/${f.group}` }),
    grants: (f) => [`group:read@${f.group}`],
  },
  {
    name: 'POST reset-offsets',
    request: (f) => ({ method: 'POST', path: `/admin/groups/${f.group}/reset-offsets`, body: { topic: f.topic, to: 'earliest' } }),
    grants: (f) => [`group:admin@${f.group}`],
  },
  {
    name: 'DELETE /admin/groups/:group',
    needs: { groupOffsets: true },
    request: (f) => ({ method: 'DELETE', path: `/admin/groups/${f.group}` }),
    grants: (f) => [`group:admin@${f.group}`],
  },
  {
    name: 'POST /queues',
    request: (f) => ({ method: 'POST', path: '/queues', body: { name: f.fresh } }),
    grants: (f) => [`topic:create@${f.fresh}`],
  },
  { name: 'GET /queues', request: () => ({ method: 'GET', path: '/queues' }), grants: () => ['topic:read'] },
  { name: 'GET /queues/:name', request: (f) => ({ method: 'GET', path: `/queues/${f.queue}` }), grants: (f) => [`topic:read@${f.queue}`] },
  {
    name: 'DELETE /queues/:name',
    needs: { freshQueue: true },
    request: (f) => ({ method: 'DELETE', path: `/queues/${f.fresh}` }),
    grants: (f) => [`topic:delete@${f.fresh}`, `topic:delete@${f.fresh}-dlq`],
  },
  {
    name: 'PATCH /queues/:name/config',
    request: (f) => ({ method: 'PATCH', path: `/queues/${f.queue}/config`, body: { visibilityTimeoutMs: 5000 } }),
    grants: (f) => [`topic:config@${f.queue}`],
  },
  {
    name: 'POST queue messages',
    request: (f) => ({ method: 'POST', path: `/queues/${f.queue}/messages`, body: { value: 1 } }),
    grants: (f) => [`produce@${f.queue}`],
  },
  { name: 'GET queue messages', request: (f) => ({ method: 'GET', path: `/queues/${f.queue}/messages` }), grants: (f) => [`consume@${f.queue}`] },
  {
    name: 'POST seek',
    request: (f) => ({ method: 'POST', path: `/queues/${f.queue}/seek`, body: { offset: 0 } }),
    grants: (f) => [`consume@${f.queue}`, 'group:admin@default'],
  },
  {
    name: 'POST receive',
    request: (f) => ({ method: 'POST', path: `/queues/${f.queue}/receive`, body: { consumerId: 'c' } }),
    grants: (f) => [`consume@${f.queue}`],
  },
  {
    name: 'POST ack',
    needs: { lease: true },
    request: (f) => ({ method: 'POST', path: `/queues/${f.queue}/ack`, body: { consumerId: 'c', leaseIds: [f.leaseId] } }),
    grants: (f) => [`consume@${f.queue}`],
  },
  {
    name: 'POST nack',
    needs: { lease: true },
    request: (f) => ({ method: 'POST', path: `/queues/${f.queue}/nack`, body: { consumerId: 'c', leaseId: f.leaseId } }),
    grants: (f) => [`consume@${f.queue}`],
  },
  {
    name: 'POST reject',
    needs: { lease: true },
    request: (f) => ({ method: 'POST', path: `/queues/${f.queue}/reject`, body: { consumerId: 'c', leaseId: f.leaseId } }),
    grants: (f) => [`consume@${f.queue}`],
  },
  {
    name: 'POST extend',
    needs: { lease: true },
    request: (f) => ({ method: 'POST', path: `/queues/${f.queue}/extend`, body: { consumerId: 'c', leaseId: f.leaseId, visibilityTimeoutMs: 5000 } }),
    grants: (f) => [`consume@${f.queue}`],
  },
  {
    name: 'GET dlq',
    needs: { dlq: true },
    request: (f) => ({ method: 'GET', path: `/queues/${f.queue}/dlq` }),
    grants: (f) => [`consume@${f.queue}-dlq`],
  },
  {
    name: 'POST redrive',
    needs: { dlq: true },
    request: (f) => ({ method: 'POST', path: `/queues/${f.queue}/dlq/redrive`, body: {} }),
    grants: (f) => [`consume@${f.queue}-dlq`, `produce@${f.queue}`],
  },
  {
    name: 'DELETE dlq',
    needs: { dlq: true },
    request: (f) => ({ method: 'DELETE', path: `/queues/${f.queue}/dlq` }),
    grants: (f) => [`topic:delete@${f.queue}-dlq`],
  },
  {
    name: 'POST /admin/api-keys',
    request: () => ({ method: 'POST', path: '/admin/api-keys', body: { name: 'ci', permissions: ['topic:read'] } }),
    grants: () => ['apikey:admin', 'topic:read'],
  },
  { name: 'GET /admin/api-keys', request: () => ({ method: 'GET', path: '/admin/api-keys' }), grants: () => ['apikey:admin'] },
  {
    name: 'DELETE /admin/api-keys/:id',
    needs: { key: true },
    request: (f) => ({ method: 'DELETE', path: `/admin/api-keys/${f.keyId}` }),
    grants: () => ['apikey:admin'],
  },
  { name: 'GET /admin/audit', request: () => ({ method: 'GET', path: '/admin/audit' }), grants: () => ['admin'] },
  { name: 'GET /admin/quotas', request: () => ({ method: 'GET', path: '/admin/quotas' }), grants: () => ['admin'] },
  {
    name: 'PUT /admin/quotas',
    request: () => ({ method: 'PUT', path: '/admin/quotas', body: { maxTopics: 1000 } }),
    grants: () => ['platform:admin'],
  },
  {
    name: 'POST /admin/apply',
    request: (f) => ({ method: 'POST', path: '/admin/apply', body: { topics: { [f.fresh]: { partitions: 1 } } } }),
    grants: (f) => ['topic:read', `topic:create@${f.fresh}`],
  },
  { name: 'GET /admin/tenants', request: () => ({ method: 'GET', path: '/admin/tenants' }), grants: () => ['platform:admin'] },
  {
    name: 'POST provision',
    request: (f) => ({
      method: 'POST',
      path: `/admin/tenants/${f.fresh}/provision`,
      body: { templates: [{ name: 'events.{tenant}', partitions: 1 }] },
    }),
    grants: () => ['platform:admin'],
  },
  {
    name: 'DELETE /admin/tenants/:tenant',
    request: (f) => ({ method: 'DELETE', path: `/admin/tenants/${f.fresh}` }),
    grants: () => ['platform:admin'],
  },
  { name: 'GET /metrics', request: () => ({ method: 'GET', path: '/metrics' }), grants: () => ['metrics:read'] },
  {
    name: 'GET /health/topics/:topic',
    request: (f) => ({ method: 'GET', path: `/health/topics/${f.topic}` }),
    grants: (f) => [`topic:read@${f.topic}`],
  },
  {
    name: 'GET /health/queues/:name',
    request: (f) => ({ method: 'GET', path: `/health/queues/${f.queue}` }),
    grants: (f) => [`topic:read@${f.queue}`],
  },
  {
    name: 'GET /health/groups/:groupId',
    request: (f) => ({ method: 'GET', path: `/health/groups/${f.group}` }),
    grants: (f) => [`group:read@${f.group}`],
  },
  {
    name: 'POST /admin/webhooks',
    request: () => ({ method: 'POST', path: '/admin/webhooks', body: { url: hookUrl, events: ['record.dead_lettered'] } }),
    grants: () => ['webhook:admin'],
  },
  { name: 'GET /admin/webhooks', request: () => ({ method: 'GET', path: '/admin/webhooks' }), grants: () => ['webhook:admin'] },
  {
    name: 'GET /admin/webhooks/:id',
    needs: { webhook: true },
    request: (f) => ({ method: 'GET', path: `/admin/webhooks/${f.webhookId}` }),
    grants: () => ['webhook:admin'],
  },
  {
    name: 'GET /admin/webhooks/:id/deliveries',
    needs: { webhook: true },
    request: (f) => ({ method: 'GET', path: `/admin/webhooks/${f.webhookId}/deliveries` }),
    grants: () => ['webhook:admin'],
  },
  {
    name: 'POST /admin/webhooks/:id/test',
    needs: { webhook: true },
    request: (f) => ({ method: 'POST', path: `/admin/webhooks/${f.webhookId}/test` }),
    grants: () => ['webhook:admin'],
  },
  {
    name: 'DELETE /admin/webhooks/:id',
    needs: { webhook: true },
    request: (f) => ({ method: 'DELETE', path: `/admin/webhooks/${f.webhookId}` }),
    grants: () => ['webhook:admin'],
  },
  {
    name: 'GET /admin/groups/:groupId/health',
    request: (f) => ({ method: 'GET', path: `/admin/groups/${f.group}/health` }),
    grants: (f) => [`group:read@${f.group}`],
  },
  {
    name: 'PUT /admin/groups/:groupId/health',
    request: (f) => ({ method: 'PUT', path: `/admin/groups/${f.group}/health`, body: { thresholds: [{ metric: 'lag', op: '>', value: 10 }] } }),
    grants: (f) => [`group:admin@${f.group}`],
  },
  {
    name: 'POST /auth/ticket',
    request: (f) => ({ method: 'POST', path: '/auth/ticket', body: { path: `/topics/${f.topic}/stream` } }),
    grants: (f) => [`consume@${f.topic}`],
  },
]

describe('Security > every route needs a credential and the right permission', () => {
  for (const route of ROUTES) {
    it(`${route.name}: 401 without a credential, 403 without the permission, success with it`, async () => {
      const tenant = 'tenant-m'
      const f = await fixture(tenant, route.needs)
      const { method, path, body } = route.request(f)
      const options = body !== undefined ? { body } : {}

      const anonymous = await call(appEnv, method, path, options)
      expect(anonymous.status).toBe(401)
      expect(anonymous.body.error.code).toBe('UNAUTHENTICATED')

      const grants = route.grants(f)
      if (grants.length > 0) {
        const powerless = await call(appEnv, method, path, { ...options, token: await token({ tenant, roles: ['kafdo:nothing'] }) })
        expect(powerless.status, JSON.stringify(powerless.body)).toBe(403)
        expect(powerless.body.error).toMatchObject({ code: 'FORBIDDEN', details: { missing: expect.any(String) } })
        // Each permission alone is not enough when a route needs two.
        for (const held of grants.length > 1 ? grants : []) {
          const partial = await call(appEnv, method, path, { ...options, token: await token({ tenant, roles: [held] }) })
          expect(partial.status).toBe(403)
        }
      }
      const allowed = await call(appEnv, method, path, { ...options, token: await token({ tenant, roles: grants }) })
      expect(allowed.status, `${route.name}: ${JSON.stringify(allowed.body)}`).toBeLessThan(300)
    })
  }

  it('serves /health without credentials', async () => {
    expect((await call(appEnv, 'GET', '/health')).status).toBe(200)
  })

  it('serves the API description and its reference page without credentials (they describe the API, no tenant data)', async () => {
    for (const path of ['/openapi.json', '/docs', '/docs/swagger-ui-dist/swagger-ui.css', '/docs/swagger-ui-dist/swagger-ui-bundle.js']) {
      const reply = await call(appEnv, 'GET', path)
      expect([path, reply.status]).toEqual([path, 200])
    }
  })

  it('refuses every operation the OpenAPI document says needs a credential, when there is none', async () => {
    const document = openApiDocument(createApp())
    let checked = 0
    for (const [template, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item) as Array<[string, { security?: unknown[] }]>) {
        if (operation.security?.length === 0) continue
        const reply = await call(appEnv, method.toUpperCase(), template.replace(/\{[^}]+\}/g, '1'), method === 'get' ? {} : { body: {} })
        expect([method, template, reply.status, reply.body?.error?.code]).toEqual([method, template, 401, 'UNAUTHENTICATED'])
        checked++
      }
    }
    expect(checked).toBeGreaterThan(ROUTES.length)
  })
})

describe('Security > tenants cannot see or touch each other', () => {
  it("answers a tenant-A admin about tenant-B's resources exactly as about missing ones, and changes nothing", async () => {
    const b = await fixture('tenant-b', { dlq: true, groupOffsets: true, key: true, webhook: true })
    const ghost = {
      ...b,
      topic: unique('ghost'),
      queue: unique('ghost'),
      group: unique('ghost'),
      keyId: '0123456789abcdef',
      webhookId: 'wh_0123456789abcdef',
    }
    const before = {
      offsets: (await asAdmin('tenant-b', 'GET', `/admin/topics/${b.topic}/offsets`)).body,
      group: (await asAdmin('tenant-b', 'GET', `/consumer-groups/${b.group}/offsets`)).body,
      queue: withoutAge((await asAdmin('tenant-b', 'GET', `/queues/${b.queue}`)).body.stats),
      keys: (await asAdmin('tenant-b', 'GET', '/admin/api-keys')).body.keys,
    }
    const aAdmin = await token({ tenant: 'tenant-a', roles: ['admin'] })
    const targeted = ROUTES.filter((route) => route.name !== 'GET /' && !route.grants(b).some((g) => g === 'platform:admin'))
    for (const route of targeted) {
      const real = route.request(b)
      const missing = route.request(ghost)
      if (real.path === missing.path) continue
      const options = (r: { body?: unknown }) => (r.body !== undefined ? { body: r.body } : {})
      const onB = await call(appEnv, real.method, real.path, { token: aAdmin, ...options(real) })
      const onNothing = await call(appEnv, missing.method, missing.path, { token: aAdmin, ...options(missing) })
      expect([route.name, onB.status, onB.body?.error?.code]).toEqual([route.name, onNothing.status, onNothing.body?.error?.code])
    }
    // Lists in tenant A show none of B's resources.
    const topics = (await call(appEnv, 'GET', '/admin/topics', { token: aAdmin })).body.topics.map((t: { topic: string }) => t.topic)
    expect(topics).not.toContain(b.topic)
    expect(topics).not.toContain(b.queue)
    // ?tenant= needs platform:admin.
    const sneaky = await call(appEnv, 'GET', `/admin/topics?tenant=tenant-b`, { token: aAdmin })
    expect(sneaky.status).toBe(403)
    expect(sneaky.body.error.details.missing).toBe('platform:admin')

    expect((await asAdmin('tenant-b', 'GET', `/admin/topics/${b.topic}/offsets`)).body).toEqual(before.offsets)
    expect((await asAdmin('tenant-b', 'GET', `/consumer-groups/${b.group}/offsets`)).body).toEqual(before.group)
    expect(withoutAge((await asAdmin('tenant-b', 'GET', `/queues/${b.queue}`)).body.stats)).toEqual(before.queue)
    expect((await asAdmin('tenant-b', 'GET', '/admin/api-keys')).body.keys).toEqual(before.keys)
  })
})

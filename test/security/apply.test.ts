import { describe, expect, it } from 'vitest'
import { authEnv, BOOTSTRAP_API_KEY, call, token, unique } from './support'

/**
 * `POST /admin/apply` with authentication on: a dry run needs only read permissions; applying needs, per
 * item, the permission of the route that makes that change; what a caller cannot see is never pruned.
 */
const appEnv = authEnv()
const asBootstrap = { headers: { 'x-api-key': BOOTSTRAP_API_KEY } }

async function topicsOf(tenant: string): Promise<string[]> {
  const reply = await call(appEnv, 'GET', `/admin/topics?tenant=${tenant}`, asBootstrap)
  return (reply.body.topics as Array<{ topic: string }>).map((t) => t.topic).sort()
}

describe('Security > POST /admin/apply', () => {
  it('lets a read-only caller plan, and refuses its apply with 403 naming the missing permission, before changing anything', async () => {
    const tenant = unique('sec-apply')
    const viewer = await token({ tenant, roles: ['kafdo:viewer'] })
    const body = { topics: { [unique('orders')]: { partitions: 2 } } }

    const planned = await call(appEnv, 'POST', '/admin/apply?dryRun=true', { token: viewer, body })
    expect(planned.status).toBe(200)
    expect(planned.body.status).toBe('planned')

    const applied = await call(appEnv, 'POST', '/admin/apply', { token: viewer, body })
    expect(applied.status).toBe(403)
    expect(applied.body.error).toMatchObject({ code: 'FORBIDDEN', details: { missing: expect.stringMatching(/^topic:create@orders-/) } })
    expect(applied.body.error.details.result.items[0].refusal.code).toBe('FORBIDDEN')
    expect(await topicsOf(tenant)).toEqual([])
  })

  it('needs admin to read quotas and apikey:admin to read keys, even for a dry run', async () => {
    const tenant = unique('sec-apply')
    const operator = await token({ tenant, roles: ['kafdo:operator'] })
    const quotas = await call(appEnv, 'POST', '/admin/apply?dryRun=true', { token: operator, body: { quotas: { maxTopics: 1 } } })
    expect(quotas.status).toBe(403)
    expect(quotas.body.error.details.missing).toBe('admin')
    const keys = await call(appEnv, 'POST', '/admin/apply?dryRun=true', { token: operator, body: { apiKeys: {} } })
    expect(keys.body.error.details.missing).toBe('apikey:admin')
    // Setting quotas is the platform's: a tenant admin may plan it, not apply it.
    const admin = await token({ tenant, roles: ['admin'] })
    expect((await call(appEnv, 'POST', '/admin/apply?dryRun=true', { token: admin, body: { quotas: { maxTopics: 1 } } })).status).toBe(200)
    const set = await call(appEnv, 'POST', '/admin/apply', { token: admin, body: { quotas: { maxTopics: 1 } } })
    expect(set.status).toBe(403)
    expect(set.body.error.details.missing).toBe('platform:admin')
  })

  it('prunes only what the caller may see, and never the API key making the request', async () => {
    const tenant = unique('sec-apply')
    for (const topic of ['team-a.one', 'team-b.two']) {
      await call(appEnv, 'POST', `/admin/topics?tenant=${tenant}`, { ...asBootstrap, body: { topic } })
    }
    const teamA = await token({ tenant, roles: ['topic:read@team-a.*', 'topic:delete@team-a.*', 'topic:create@team-a.*'] })
    const pruned = await call(appEnv, 'POST', '/admin/apply?prune=true', { token: teamA, body: { topics: {} } })
    expect(pruned.status).toBe(200)
    expect(pruned.body.items.map((i: { action: string; name: string }) => `${i.action} ${i.name}`)).toEqual(['delete team-a.one'])
    expect(await topicsOf(tenant)).toEqual(['team-b.two'])

    const created = await call(appEnv, 'POST', `/admin/api-keys?tenant=${tenant}`, {
      ...asBootstrap,
      body: { name: 'automation', permissions: ['apikey:admin'] },
    })
    const other = await call(appEnv, 'POST', `/admin/api-keys?tenant=${tenant}`, {
      ...asBootstrap,
      body: { name: 'other', permissions: ['topic:read'] },
    })
    const self = await call(appEnv, 'POST', '/admin/apply?prune=true', { token: created.body.key, body: { apiKeys: {} } })
    expect(self.status).toBe(200)
    expect(self.body.items.map((i: { action: string; name: string }) => `${i.action} ${i.name}`)).toEqual(['delete other'])
    const keys = (await call(appEnv, 'GET', `/admin/api-keys?tenant=${tenant}`, asBootstrap)).body.keys as Array<{
      keyId: string
      revokedAt: number | null
    }>
    expect(keys.find((k) => k.keyId === created.body.keyId)?.revokedAt).toBeNull()
    expect(keys.find((k) => k.keyId === other.body.keyId)?.revokedAt).toEqual(expect.any(Number))
  })

  it('needs webhook:admin for webhooks, and per group group:read to plan and group:admin to apply; prunes only the groups the caller sees', async () => {
    const tenant = unique('sec-apply')
    const viewer = await token({ tenant, roles: ['kafdo:viewer'] })
    const webhooks = { webhooks: { oncall: { url: 'https://alerts.example.com/kafdo', events: ['health.recovered'] } } }
    const refused = await call(appEnv, 'POST', '/admin/apply?dryRun=true', { token: viewer, body: webhooks })
    expect(refused.status).toBe(403)
    expect(refused.body.error.details.missing).toBe('webhook:admin')
    const operator = await token({ tenant, roles: ['kafdo:operator'] })
    expect((await call(appEnv, 'POST', '/admin/apply', { token: operator, body: webhooks })).status).toBe(200)

    const thresholds = { thresholds: [{ metric: 'lag', op: '>', value: 10 }] }
    for (const group of ['team-a.billing', 'team-b.search']) {
      expect((await call(appEnv, 'PUT', `/admin/groups/${group}/health?tenant=${tenant}`, { ...asBootstrap, body: thresholds })).status).toBe(200)
    }
    const teamA = await token({ tenant, roles: ['group:read@team-a.*', 'group:admin@team-a.*'] })
    const other = await call(appEnv, 'POST', '/admin/apply', { token: teamA, body: { groups: { 'team-b.search': { health: { thresholds: [] } } } } })
    expect(other.status).toBe(403)
    expect(other.body.error.details.missing).toBe('group:read@team-b.search')
    const pruned = await call(appEnv, 'POST', '/admin/apply?prune=true', { token: teamA, body: { groups: {} } })
    expect(pruned.status).toBe(200)
    expect(pruned.body.items.map((i: { action: string; name: string }) => `${i.action} ${i.name}`)).toEqual(['delete team-a.billing'])
    const health = async (group: string) =>
      (await call(appEnv, 'GET', `/admin/groups/${group}/health?tenant=${tenant}`, asBootstrap)).body.thresholds as unknown[]
    expect(await health('team-a.billing')).toEqual([])
    expect(await health('team-b.search')).toHaveLength(1)
  })
})

import { describe, expect, it } from 'vitest'
import { authEnv, BOOTSTRAP_API_KEY, call, token, unique } from './support'

const bootstrap = { 'x-api-key': BOOTSTRAP_API_KEY }
const appEnv = authEnv()

describe('Security > changing a topic config', () => {
  it('needs topic:config on the topic, and audits the applied change with its keys (not a dry run)', async () => {
    const tenant = unique('cfg')
    const viewer = await token({ tenant, sub: 'alice', roles: ['topic:read'] })
    const operator = await token({ tenant, sub: 'bob', roles: ['topic:create', 'topic:read', 'topic:config@orders'] })
    await call(appEnv, 'POST', '/admin/topics', { token: operator, body: { topic: 'orders' } })
    await call(appEnv, 'POST', '/admin/topics', { token: operator, body: { topic: 'payments' } })
    const change = { set: { 'retention.ms': 86_400_000 }, delete: ['cleanup.policy'] }

    const denied = await call(appEnv, 'PATCH', '/admin/topics/orders/config', { token: viewer, body: change })
    const elsewhere = await call(appEnv, 'PATCH', '/admin/topics/payments/config', { token: operator, body: change })
    const dry = await call(appEnv, 'PATCH', '/admin/topics/orders/config?dryRun=true', { token: operator, body: change })
    const applied = await call(appEnv, 'PATCH', '/admin/topics/orders/config', { token: operator, body: change })

    expect(denied.status).toBe(403)
    expect(denied.body.error.details).toEqual({ missing: 'topic:config@orders' })
    expect(elsewhere.status).toBe(403)
    expect(dry.body.applied).toBe(false)
    expect(applied.body).toMatchObject({ topic: 'orders', after: { 'retention.ms': '86400000' }, applied: true })
    const trail = await call(appEnv, 'GET', `/admin/audit?tenant=${tenant}&action=topic:config`, { headers: bootstrap })
    const entries = trail.body.entries as Array<{ action: string; result: string; actor: { subject: string }; target: string; details: unknown }>
    expect(entries.map((e) => [e.result, e.actor.subject, e.target])).toEqual([
      ['denied', 'alice', 'orders'],
      ['denied', 'bob', 'payments'],
      ['success', 'bob', 'orders'],
    ])
    expect(entries[2]!.details).toEqual(change)
  })

  it("leaves internal topics to the platform admin: a tenant admin cannot change the audit trail's retention", async () => {
    const tenant = unique('internal')
    const admin = await token({ tenant, roles: ['admin'] })
    await call(appEnv, 'POST', '/admin/topics', { token: admin, body: { topic: 'made-to-audit' } })
    const before = (await call(appEnv, 'GET', `/admin/topics/__audit?tenant=${tenant}`, { headers: bootstrap })).body.config
    const change = { set: { 'retention.ms': 60_000 } }

    const refused = await call(appEnv, 'PATCH', '/admin/topics/__audit/config', { token: admin, body: change })
    expect(refused.status).toBe(403)
    expect(refused.body.error.details).toEqual({ missing: 'platform:admin' })
    expect((await call(appEnv, 'GET', `/admin/topics/__audit?tenant=${tenant}`, { headers: bootstrap })).body.config).toEqual(before)

    const platform = await call(appEnv, 'PATCH', `/admin/topics/__audit/config?tenant=${tenant}`, { headers: bootstrap, body: change })
    expect(platform.status).toBe(200)
    expect(platform.body.after['retention.ms']).toBe('60000')
  })

  it('keeps a change within the tenant quotas (422, dry run too) and resets a key to the default the quotas lower', async () => {
    const tenant = unique('quota')
    await call(appEnv, 'PUT', `/admin/quotas?tenant=${tenant}`, { headers: bootstrap, body: { maxRetentionMs: 86_400_000, maxMessageBytes: 10_000 } })
    const admin = await token({ tenant, roles: ['admin'] })
    await call(appEnv, 'POST', '/admin/topics', { token: admin, body: { topic: 't', config: { 'retention.ms': 3_600_000 } } })
    const alter = (body: unknown, query = '') => call(appEnv, 'PATCH', `/admin/topics/t/config${query}`, { token: admin, body })

    for (const query of ['?dryRun=true', '']) {
      const forever = await alter({ set: { 'retention.ms': -1 } }, query)
      expect(forever.status).toBe(422)
      expect(forever.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { quota: 'maxRetentionMs', limit: 86_400_000 } })
      const large = await alter({ set: { 'max.message.bytes': 20_000 } }, query)
      expect(large.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { quota: 'maxMessageBytes', limit: 10_000, requested: 20_000 } })
    }
    expect((await call(appEnv, 'GET', '/admin/topics/t', { token: admin })).body.config['retention.ms']).toBe('3600000')

    const reset = await alter({ delete: ['retention.ms', 'max.message.bytes'] })
    expect(reset.status).toBe(200)
    expect(reset.body.after).toMatchObject({ 'retention.ms': '86400000', 'max.message.bytes': '10000' })
  })
})

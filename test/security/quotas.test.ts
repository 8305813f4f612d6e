import { describe, expect, it } from 'vitest'
import { authEnv, BOOTSTRAP_API_KEY, call, token, unique } from './support'

const bootstrap = { 'x-api-key': BOOTSTRAP_API_KEY }
const setQuotas = (appEnv: ReturnType<typeof authEnv>, tenant: string, quotas: Record<string, number>) =>
  call(appEnv, 'PUT', `/admin/quotas?tenant=${tenant}`, { headers: bootstrap, body: quotas })

describe('Security > quotas', () => {
  it('answers a tenant over its produce rate with 429 and Retry-After, writes nothing, and leaves other tenants alone', async () => {
    const appEnv = authEnv()
    const [busy, calm] = [unique('busy'), unique('calm')]
    for (const tenant of [busy, calm]) await call(appEnv, 'POST', `/admin/topics?tenant=${tenant}`, { headers: bootstrap, body: { topic: 'events' } })
    await setQuotas(appEnv, busy, { produceRecordsPerSec: 5 })
    const busyToken = await token({ tenant: busy, roles: ['produce', 'topic:read'] })
    const calmToken = await token({ tenant: calm, roles: ['produce', 'topic:read'] })
    const records = (n: number) => ({ records: Array.from({ length: n }, (_, i) => ({ value: i })) })

    expect((await call(appEnv, 'POST', '/topics/events/produce-batch', { token: busyToken, body: records(5) })).status).toBe(200)
    const throttled = await call(appEnv, 'POST', '/topics/events/produce-batch', { token: busyToken, body: records(3) })
    expect(throttled.status).toBe(429)
    expect(throttled.body.error).toMatchObject({ code: 'THROTTLING_QUOTA_EXCEEDED', details: { bucket: 'produce-records' } })
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    for (let i = 0; i < 3; i++)
      expect((await call(appEnv, 'POST', '/topics/events/produce-batch', { token: calmToken, body: records(5) })).status).toBe(200)
    const busyOffsets = await call(appEnv, 'GET', '/topics/events/partitions/0/offsets', { token: busyToken })
    expect(busyOffsets.body.latest).toBe(5)
  })

  it('enforces byte rates on produce and fetch', async () => {
    const appEnv = authEnv()
    const tenant = unique('bytes')
    await call(appEnv, 'POST', `/admin/topics?tenant=${tenant}`, { headers: bootstrap, body: { topic: 't' } })
    await setQuotas(appEnv, tenant, { produceBytesPerSec: 2000, fetchBytesPerSec: 1500 })
    const user = await token({ tenant, roles: ['produce', 'consume'] })
    const big = { value: 'x'.repeat(1500) }
    expect((await call(appEnv, 'POST', '/topics/t/produce', { token: user, body: big })).status).toBe(200)
    expect((await call(appEnv, 'POST', '/topics/t/produce', { token: user, body: big })).status).toBe(429)
    expect((await call(appEnv, 'GET', '/topics/t/partitions/0/messages', { token: user })).status).toBe(200)
    const second = await call(appEnv, 'GET', '/topics/t/partitions/0/messages', { token: user })
    expect(second.status).toBe(429)
    expect(second.body.error.details.bucket).toBe('fetch-bytes')
  })

  it('refuses topics beyond the tenant limits with 422 and creates nothing', async () => {
    const appEnv = authEnv()
    const tenant = unique('limits')
    await setQuotas(appEnv, tenant, { maxTopics: 2, maxPartitions: 4, maxRetentionMs: 86_400_000, maxMessageBytes: 10_000 })
    const admin = await token({ tenant, roles: ['admin'] })
    const create = (body: Record<string, unknown>) => call(appEnv, 'POST', '/admin/topics', { token: admin, body })
    const day = { 'retention.ms': 86_400_000 }
    // Defaults above the limits (7 days, 1 MiB) are lowered to them for a topic that does not set them.
    const first = await create({ topic: 'a', partitions: 3 })
    expect(first.status).toBe(201)
    expect(first.body.config).toMatchObject({ 'retention.ms': '86400000', 'max.message.bytes': '10000' })
    const tooMany = await create({ topic: 'b', partitions: 2, config: day })
    expect(tooMany.status).toBe(422)
    expect(tooMany.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { quota: 'maxPartitions', limit: 4, requested: 5 } })
    expect((await create({ topic: 'b', partitions: 1, config: { 'retention.ms': -1 } })).body.error.details.quota).toBe('maxRetentionMs')
    expect((await create({ topic: 'b', partitions: 1, config: { ...day, 'max.message.bytes': 20_000 } })).body.error.details.quota).toBe(
      'maxMessageBytes',
    )
    expect((await create({ topic: 'b', partitions: 1, config: day })).status).toBe(201)
    expect((await create({ topic: 'c', partitions: 0 + 1, config: day })).body.error.details.quota).toBe('maxTopics')
    expect((await call(appEnv, 'POST', '/admin/topics/a/partitions', { token: admin, body: { count: 4 } })).status).toBe(422)
    const topics = await call(appEnv, 'GET', '/admin/topics', { token: admin })
    expect(topics.body.topics.map((t: { topic: string; partitions: number }) => [t.topic, t.partitions])).toEqual([
      ['a', 3],
      ['b', 1],
    ])
  })
})

describe('Security > tenants', () => {
  it('provisions a tenant from topic templates, idempotently, and deletes it with all its data', async () => {
    const appEnv = authEnv()
    const tenant = unique('acme')
    const provisioned = await call(appEnv, 'POST', `/admin/tenants/${tenant}/provision`, { headers: bootstrap, body: {} })
    expect(provisioned.body.created).toEqual([
      `chat.messages.${tenant}`,
      `chat.events.${tenant}`,
      `presence.${tenant}`,
      `analytics.${tenant}`,
      `notifications.${tenant}`,
    ])
    const again = await call(appEnv, 'POST', `/admin/tenants/${tenant}/provision`, { headers: bootstrap, body: {} })
    expect(again.body).toMatchObject({ created: [], existing: provisioned.body.created })
    const described = await call(appEnv, 'GET', `/admin/topics/presence.${tenant}?tenant=${tenant}`, { headers: bootstrap })
    expect(described.body).toMatchObject({ config: { 'cleanup.policy': 'compact' } })
    expect(described.body.partitions).toHaveLength(4)

    const admin = await token({ tenant, roles: ['admin'] })
    await call(appEnv, 'POST', `/topics/analytics.${tenant}/produce`, { token: admin, body: { value: 1 } })
    await call(appEnv, 'POST', '/consumer-groups/g/commit', {
      token: admin,
      body: { offsets: [{ topic: `analytics.${tenant}`, partition: 0, offset: 1 }] },
    })
    const key = await call(appEnv, 'POST', '/admin/api-keys', { token: admin, body: { name: 'k', permissions: ['topic:read'] } })
    expect((await call(appEnv, 'GET', '/admin/tenants', { headers: bootstrap })).body.tenants).toContain(tenant)

    const deleted = await call(appEnv, 'DELETE', `/admin/tenants/${tenant}`, { headers: bootstrap })
    // The five provisioned topics and the tenant's audit trail.
    expect(deleted.body.topics.sort()).toEqual(['__audit', ...provisioned.body.created].sort())
    expect((await call(appEnv, 'GET', '/admin/topics', { token: admin })).body.topics).toEqual([])
    expect((await call(appEnv, 'GET', '/admin/groups/g', { token: admin })).body).toMatchObject({ state: 'Dead', offsets: [] })
    expect((await call(appEnv, 'GET', '/admin/topics', { headers: { 'x-api-key': key.body.key } })).status).toBe(401)
    expect((await call(appEnv, 'GET', '/admin/tenants', { headers: bootstrap })).body.tenants).not.toContain(tenant)
  })
})

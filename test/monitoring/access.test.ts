import { beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app'
import { clearScrapeCache } from '../../src/services/monitoring/scrape'
import { parseExposition, valueOf } from '../support/prometheus'
import { authEnv, BOOTSTRAP_API_KEY, call, token, unique } from '../security/support'

const appEnv = authEnv()
const bootstrap = { 'x-api-key': BOOTSTRAP_API_KEY }
const app = createApp()

/** `/metrics` answers text, not JSON. */
async function metrics(path: string, headers: Record<string, string>) {
  const response = await app.fetch(new Request(`http://kafdo.test${path}`, { headers }), appEnv)
  expect(response.status).toBe(200)
  return parseExposition(await response.text())
}

async function setup(tenant: string, topic: string): Promise<void> {
  for (const [method, path, body] of [
    ['POST', '/admin/topics', { topic, partitions: 1 }],
    ['POST', `/topics/${topic}/produce`, { value: 1 }],
  ] as const) {
    const reply = await call(appEnv, method, `${path}?tenant=${tenant}`, { headers: bootstrap, body })
    if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
  }
}

describe('Monitoring > who may read metrics and health', () => {
  beforeEach(() => clearScrapeCache())

  it('lets a scrape credential (kafdo:metrics) read its own tenant only; without metrics:read it is 403', async () => {
    const [a, b] = [unique('tenant-a'), unique('tenant-b')]
    const [ta, tb] = [unique('ta'), unique('tb')]
    await setup(a, ta)
    await setup(b, tb)
    const scraper = await token({ tenant: a, roles: ['kafdo:metrics'] })
    const samples = await metrics('/metrics', { authorization: `Bearer ${scraper}` })
    expect(valueOf(samples, 'kafdo_records_produced_total', { topic: ta })).toBe(1)
    expect(new Set(samples.map((s) => s.labels.tenant).filter(Boolean))).toEqual(new Set([a]))
    // Naming another tenant needs platform:admin.
    expect((await call(appEnv, 'GET', `/metrics?tenant=${b}`, { token: scraper })).status).toBe(403)
    const consumer = await call(appEnv, 'GET', '/metrics', { token: await token({ tenant: a, roles: ['kafka_consumer:read'] }) })
    expect(consumer.status).toBe(403)
    expect(consumer.body.error).toMatchObject({ code: 'FORBIDDEN', details: { missing: 'metrics:read' } })
    expect((await call(appEnv, 'GET', '/metrics')).status).toBe(401)
  })

  it('gives a platform admin every tenant, or the one it names, and counts auth failures in the _system tenant', async () => {
    const [a, b] = [unique('tenant-c'), unique('tenant-d')]
    const [ta, tb] = [unique('tc'), unique('td')]
    await setup(a, ta)
    await setup(b, tb)
    await call(appEnv, 'GET', '/admin/topics', { token: 'not-a-token' })
    const all = await metrics('/metrics', bootstrap)
    expect(valueOf(all, 'kafdo_records_produced_total', { tenant: a, topic: ta })).toBe(1)
    expect(valueOf(all, 'kafdo_records_produced_total', { tenant: b, topic: tb })).toBe(1)
    expect(valueOf(all, 'kafdo_auth_failures_total', { tenant: '_system', code: 'UNAUTHENTICATED' })).toBeGreaterThanOrEqual(1)
    clearScrapeCache()
    const one = await metrics(`/metrics?tenant=${b}`, bootstrap)
    expect(new Set(one.map((s) => s.labels.tenant).filter(Boolean))).toEqual(new Set([b]))
  })

  it('counts quota rejections by bucket', async () => {
    const tenant = unique('tenant-q')
    const topic = unique('tq')
    await setup(tenant, topic)
    await call(appEnv, 'PUT', `/admin/quotas?tenant=${tenant}`, { headers: bootstrap, body: { produceRecordsPerSec: 1 } })
    const producer = await token({ tenant, roles: ['kafka_producer:write'] })
    const statuses = []
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await call(appEnv, 'POST', `/topics/${topic}/produce-batch`, { token: producer, body: { records: [{ value: 1 }, { value: 2 }] } })).status,
      )
    expect(statuses).toContain(429)
    const samples = await metrics(`/metrics?tenant=${tenant}`, bootstrap)
    expect(valueOf(samples, 'kafdo_quota_rejections_total', { tenant, bucket: 'produce-records' })).toBe(statuses.filter((s) => s === 429).length)
  })

  it('lets topic:read on a topic read its health, metrics:read read any, and nothing else', async () => {
    const tenant = unique('tenant-h')
    const [mine, other] = [unique('mine'), unique('other')]
    await setup(tenant, mine)
    await setup(tenant, other)
    const reader = await token({ tenant, roles: [`topic:read@${mine}`] })
    expect((await call(appEnv, 'GET', `/health/topics/${mine}`, { token: reader })).status).toBe(200)
    expect((await call(appEnv, 'GET', `/health/queues/${mine}`, { token: reader })).status).toBe(200)
    const refused = await call(appEnv, 'GET', `/health/topics/${other}`, { token: reader })
    expect(refused.status).toBe(403)
    expect(refused.body.error.details).toEqual({ missing: `topic:read@${other}` })
    const scraper = await token({ tenant, roles: ['kafdo:metrics'] })
    expect((await call(appEnv, 'GET', `/health/topics/${other}`, { token: scraper })).status).toBe(200)
    expect((await call(appEnv, 'GET', `/health/groups/${unique('g')}`, { token: scraper })).status).toBe(200)
    expect((await call(appEnv, 'GET', `/health/groups/${unique('g')}`, { token: reader })).status).toBe(403)
    // The liveness check stays open.
    expect((await call(appEnv, 'GET', '/health')).status).toBe(200)
  })
})

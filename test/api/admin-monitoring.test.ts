import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { createAdmin } from '../../src/api/admin'
import { createProducer } from '../../src/api/producer'
import { KafdoError } from '../../src/protocol/errors'
import { clearScrapeCache } from '../../src/services/monitoring/scrape'
import { uniqueName } from '../support/http'
import { parseExposition, valueOf } from '../support/prometheus'

describe('Admin > metrics, health and webhooks in the Worker', () => {
  it("answers metrics() with the tenant's exposition, as GET /metrics does", async () => {
    const admin = createAdmin(env)
    const topic = uniqueName('api-metrics')
    await admin.createTopic({ topic, partitions: 1 })
    await createProducer(env).send({ topic, value: 1 })
    clearScrapeCache()
    const samples = parseExposition(await admin.metrics())
    expect(valueOf(samples, 'kafdo_records_produced_total', { tenant: 'default', topic, partition: '0' })).toBe(1)
  })

  it('answers health() for a topic, a queue for a share group, and a consumer group', async () => {
    const admin = createAdmin(env)
    const topic = uniqueName('api-health')
    await admin.createTopic({ topic, partitions: 1 })
    await admin.alterTopicConfig(topic, { health: { thresholds: [{ metric: 'records', op: '>=', value: 1, severity: 'failing' }] } })
    await createProducer(env).send({ topic, value: 1 })
    expect(await admin.health({ topic })).toMatchObject({ resource: { kind: 'topic', name: topic }, status: 'failing', figures: { records: 1 } })
    expect(await admin.health({ queue: topic, group: 'workers' })).toMatchObject({
      resource: { kind: 'queue', name: topic },
      figures: { queue: { group: 'workers', depth: 1 } },
    })
    const group = uniqueName('api-g')
    await admin.setGroupHealth(group, { thresholds: [{ metric: 'members', op: '<', value: 1 }] })
    expect(await admin.groupHealthPolicy(group)).toEqual({ thresholds: [{ metric: 'members', op: '<', value: 1 }] })
    expect(await admin.health({ group })).toMatchObject({ resource: { kind: 'group', name: group }, status: 'degraded' })
    await expect(admin.health({ topic: 'no such topic!' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
  })

  it('manages webhook subscriptions and shows their delivery log', async () => {
    const admin = createAdmin(env)
    const name = uniqueName('api-hook')
    const created = await admin.createWebhook({ url: `${inject('webhookReceiver')}/hooks/${name}`, events: ['record.dead_lettered'] })
    expect(created.secret).toMatch(/^whsec_/)
    expect((await admin.listWebhooks()).map((w) => w.id)).toContain(created.id)
    const { eventId } = await admin.testWebhook(created.id)
    // The runtime may run the monitor's alarm first: a delivery queued now is due now.
    for (let run = 0; run < 20 && (await admin.webhookDeliveries(created.id))[0]?.status !== 'delivered'; run++) {
      await runDurableObjectAlarm(env.TENANT_MONITOR!.getByName('default'))
    }
    expect(await admin.webhookDeliveries(created.id)).toMatchObject([
      { eventId, type: 'webhook.test', status: 'delivered', attempts: 1, lastStatus: 200 },
    ])
    await admin.deleteWebhook(created.id)
    expect((await admin.listWebhooks()).map((w) => w.id)).not.toContain(created.id)
    const error = await admin.deleteWebhook(created.id).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafdoError)
    expect((error as KafdoError).code).toBe('NOT_FOUND')
  })
})

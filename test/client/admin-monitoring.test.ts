import { runDurableObjectAlarm, env } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { KafdoError, verifySignature } from '../../client/index.js'
import { parseExposition, valueOf } from '../support/prometheus'
import { clearScrapeCache } from '../../src/services/monitoring/scrape'
import { recordingFetch, testClient, uniqueTopic } from './support.js'

describe('KafdoClient > admin: metrics, health and webhooks', () => {
  it('reads /metrics as text and health as JSON', async () => {
    const client = testClient()
    const admin = client.admin()
    const topic = uniqueTopic('c-metrics')
    await admin.createTopic({ topic, partitions: 1 })
    await client.producer().send({ topic, value: 'x' })
    clearScrapeCache()
    const samples = parseExposition(await admin.metrics())
    expect(valueOf(samples, 'kafdo_records_produced_total', { topic, partition: '0' })).toBe(1)
    expect(await admin.health({ queue: topic, group: 'g1' })).toMatchObject({
      resource: { kind: 'queue', name: topic },
      status: 'ok',
      figures: { queue: { group: 'g1', depth: 1 } },
    })
    expect((await admin.health({ group: uniqueTopic('c-group') })).resource.kind).toBe('group')
  })

  it('creates a webhook, whose signed deliveries verify with its secret, and deletes it', async () => {
    const admin = testClient().admin()
    const name = uniqueTopic('c-hook')
    const receiver = inject('webhookReceiver')
    const { id, secret } = await admin.createWebhook({ url: `${receiver}/hooks/${name}`, events: ['health.recovered'], format: 'json' })
    await admin.testWebhook(id)
    // The runtime may run the monitor's alarm first: a delivery queued now is due now.
    for (let run = 0; run < 20 && (await admin.webhookDeliveries(id))[0]?.status !== 'delivered'; run++) {
      await runDurableObjectAlarm(env.TENANT_MONITOR!.getByName('default'))
    }
    const [delivery] = (await (await fetch(`${receiver}/received/${name}`)).json()) as Array<{ body: string; headers: Record<string, string> }>
    expect(await verifySignature(secret, delivery!.body, delivery!.headers['kafdo-signature']!, Math.floor(Date.now() / 1000), 300)).toBe(true)
    expect((await admin.webhookDeliveries(id, 10))[0]).toMatchObject({ status: 'delivered' })
    await admin.setGroupHealth('c-group', { thresholds: [{ metric: 'lag', op: '>', value: 10 }] })
    expect(await admin.groupHealthPolicy('c-group')).toEqual({ thresholds: [{ metric: 'lag', op: '>', value: 10 }] })
    await admin.deleteWebhook(id)
    expect(await admin.listWebhooks()).not.toContainEqual(expect.objectContaining({ id }))
  })

  it('checks a subscription locally before sending it, and never retries its creation', async () => {
    const recording = recordingFetch()
    const admin = testClient({ fetch: recording.fetch }).admin()
    const error = await admin.createWebhook({ url: 'ftp://example.com', events: ['health.recovered'] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafdoError)
    expect((error as KafdoError).code).toBe('INVALID_REQUEST')
    expect(recording.requests).toEqual([])
  })
})

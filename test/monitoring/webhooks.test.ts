import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { verifySignature } from '../../src/core/monitoring/webhook-signature'
import type { TenantMonitorDO } from '../../src/durable-objects/tenant-monitor'
import { createApp } from '../../src/http/app'
import { MAX_PENDING_WEBHOOK_EVENTS, type WebhookDelivery, type WebhookEvent } from '../../src/protocol/monitoring'
import { request, uniqueName } from '../support/http'
import { createQueue, nack, receive, send } from '../support/queues'
import type { ReceivedRequest } from '../support/webhook-receiver'

const receiver = inject('webhookReceiver')
const monitor = () => env.TENANT_MONITOR!.getByName('default')
const created: string[] = []

async function subscribe(name: string, body: Record<string, unknown> = {}) {
  const res = await request('POST', '/admin/webhooks', { url: `${receiver}/hooks/${name}`, events: ['record.dead_lettered'], ...body })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  created.push(res.body.id)
  return res.body as { id: string; secret: string }
}

const received = async (name: string) => (await (await fetch(`${receiver}/received/${name}`)).json()) as ReceivedRequest[]
const failFirst = (name: string, n: number) => fetch(`${receiver}/control/${name}`, { method: 'POST', body: JSON.stringify({ failFirst: n }) })
const deliveries = async (id: string) => (await request('GET', `/admin/webhooks/${id}/deliveries`)).body.deliveries as WebhookDelivery[]
const testEvent = async (id: string) => (await request('POST', `/admin/webhooks/${id}/test`)).body.eventId as string

/**
 * Runs the monitor's alarm until `done` holds. The runtime also runs it when its time comes (a delivery
 * queued now is due now), so a run may find nothing left to do.
 */
async function drive(done: () => Promise<boolean>): Promise<void> {
  for (let run = 0; run < 50; run++) {
    if (await done()) return
    await runDurableObjectAlarm(monitor())
  }
  throw new Error('the monitor never got there')
}

describe('Monitoring > alert webhooks', () => {
  afterEach(async () => {
    for (const id of created.splice(0)) await request('DELETE', `/admin/webhooks/${id}`)
  })

  it('answers the signing secret once, at creation, and never lists it', async () => {
    const { id, secret } = await subscribe(uniqueName('h'), { format: 'slack', description: 'ops channel' })
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/)
    const listed = (await request('GET', '/admin/webhooks')).body.webhooks.find((w: { id: string }) => w.id === id)
    expect(listed).toEqual({
      id,
      name: null,
      url: expect.any(String),
      events: ['record.dead_lettered'],
      format: 'slack',
      description: 'ops channel',
      createdAt: expect.any(Number),
    })
    expect(JSON.stringify((await request('GET', `/admin/webhooks/${id}`)).body)).not.toContain(secret)
  })

  it('keeps a name unique in the tenant: a second subscription of the same name is refused, storing nothing', async () => {
    const name = uniqueName('named')
    const { id } = await subscribe(uniqueName('h'), { name })
    expect((await request('GET', `/admin/webhooks/${id}`)).body.name).toBe(name)
    const before = (await request('GET', '/admin/webhooks')).body.webhooks.length
    const again = await request('POST', '/admin/webhooks', { url: 'https://example.com/hook', events: ['health.recovered'], name })
    expect(again.status).toBe(422)
    expect(again.body.error).toEqual({
      code: 'POLICY_VIOLATION',
      message: `a webhook named '${name}' exists (${id}): names are unique`,
      details: { id },
    })
    expect(
      (await request('POST', '/admin/webhooks', { url: 'https://example.com/hook', events: ['health.recovered'], name: 'has space' })).status,
    ).toBe(400)
    expect((await request('GET', '/admin/webhooks')).body.webhooks).toHaveLength(before)
  })

  it('refuses a plain-http URL (other than localhost), an unknown event and a short secret, storing nothing', async () => {
    const before = (await request('GET', '/admin/webhooks')).body.webhooks.length
    for (const body of [
      { url: 'http://example.com/hook', events: ['health.recovered'] },
      { url: 'https://example.com/hook', events: ['record.exploded'] },
      { url: 'https://example.com/hook', events: ['health.recovered'], secret: 'short' },
      { url: 'https://example.com/hook', events: [] },
    ]) {
      const res = await request('POST', '/admin/webhooks', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.code).toBe('INVALID_REQUEST')
    }
    expect((await request('GET', '/admin/webhooks')).body.webhooks).toHaveLength(before)
  })

  it('signs every delivery with HMAC-SHA256 over "<t>.<body>", which the receiver verifies and refuses once replayed late', async () => {
    const name = uniqueName('sig')
    const { id, secret } = await subscribe(name)
    const eventId = await testEvent(id)
    await drive(async () => (await received(name)).length > 0)
    const [delivery] = await received(name)
    expect(delivery!.headers).toMatchObject({
      'content-type': 'application/json',
      'kafdo-event-id': eventId,
      'kafdo-event-type': 'webhook.test',
      'kafdo-webhook-id': id,
    })
    const header = delivery!.headers['kafdo-signature'] as string
    const now = Math.floor(Date.now() / 1000)
    expect(await verifySignature(secret, delivery!.body, header, now, 300)).toBe(true)
    expect(await verifySignature(secret, delivery!.body.replace('webhook.test', 'webhook.tesT'), header, now, 300)).toBe(false)
    expect(await verifySignature(secret, delivery!.body, header, now + 3600, 300)).toBe(false)
    const event = JSON.parse(delivery!.body) as WebhookEvent
    expect(event).toEqual({ id: eventId, type: 'webhook.test', tenant: 'default', occurredAt: expect.any(String), data: { subscription: id } })
  })

  it('delivers each event once and in order to a receiver that fails 3 times, retrying after growing delays', async () => {
    const name = uniqueName('flaky')
    const { id } = await subscribe(name)
    await failFirst(name, 3)
    const first = await testEvent(id)
    const second = await testEvent(id)
    // The delay scheduled after each failed attempt, by attempt, as the log shows it between alarm runs.
    const scheduled = new Map<number, number>()
    for (let run = 0; run < 20 && (await deliveries(id)).some((d) => d.status === 'pending'); run++) {
      await runDurableObjectAlarm(monitor())
      const head = (await deliveries(id)).find((d) => d.eventId === first)!
      if (head.status === 'pending' && head.attempts > 0) {
        scheduled.set(head.attempts, head.nextAttemptAt! - head.lastAttemptAt!)
        // The alarm waits for the retry: it is set no earlier than the next attempt.
        const alarm = await runInDurableObject(monitor(), (_o: TenantMonitorDO, state) => state.storage.getAlarm())
        if (alarm !== null) expect(alarm).toBeGreaterThanOrEqual(head.nextAttemptAt!)
      }
    }
    const log = await received(name)
    // Backoff 2 s, 8 s, 32 s, each less up to 20% jitter. An attempt the runtime made on its own, at its
    // time, shows its delay in the receiver's clock instead.
    ;[2_000, 8_000, 32_000].forEach((base, i) => {
      const gap = scheduled.get(i + 1) ?? log[i + 1]!.time - log[i]!.time
      expect(gap).toBeGreaterThanOrEqual(base * 0.8)
    })
    const arrivals = log.map((r) => [(JSON.parse(r.body) as WebhookEvent).id, r.status])
    expect(arrivals).toEqual([
      [first, 500],
      [first, 500],
      [first, 500],
      [first, 200],
      [second, 200],
    ])
    const history = await deliveries(id)
    expect(history.map((d) => [d.eventId, d.status, d.attempts, d.lastStatus])).toEqual([
      [second, 'delivered', 1, 200],
      [first, 'delivered', 4, 200],
    ])
    expect(history[1]!.lastError).toContain('HTTP 500')
  })

  it("sends Slack's incoming-webhook shape, text plus blocks, in the slack format", async () => {
    const name = uniqueName('slack')
    const { id } = await subscribe(name, { format: 'slack' })
    await testEvent(id)
    await drive(async () => (await received(name)).length > 0)
    const body = JSON.parse((await received(name))[0]!.body) as { text: string; blocks: Array<{ type: string }> }
    expect(Object.keys(body).sort()).toEqual(['blocks', 'text'])
    expect(body.text).toBe(`[kafdo] Test event for webhook ${id}`)
    expect(body.blocks.map((b) => b.type)).toEqual(['section', 'context'])
  })

  it('tells subscribers of a record dead-lettered and of a record out of attempts', async () => {
    const name = uniqueName('dlq')
    const { id } = await subscribe(name, { events: ['record.dead_lettered', 'record.retries_exhausted'] })
    const queue = uniqueName('hq')
    await createQueue({ name: queue, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 1 } })
    await send(queue, [{ value: 'poison' }])
    const [m] = await receive(queue, 'c')
    expect((await nack(queue, 'c', m!.leaseId, { error: 'cannot parse' })).body.state).toBe('dead')
    // The partition hands the events over after the nack has answered.
    await vi.waitFor(async () => expect(await deliveries(id)).toHaveLength(2))
    await drive(async () => (await received(name)).length === 2)
    const events = (await received(name)).map((r) => JSON.parse(r.body) as WebhookEvent)
    expect(events.map((e) => e.type)).toEqual(['record.retries_exhausted', 'record.dead_lettered'])
    expect(events[0]!.data).toMatchObject({
      topic: queue,
      partition: 0,
      offset: 0,
      group: 'default',
      attempts: 1,
      lastError: 'cannot parse',
      outcome: 'dead-lettered',
    })
    expect(events[1]!.data).toMatchObject({ topic: queue, offset: 0, deadLetterTopic: `${queue}-dlq`, deadLetterPartition: 0, deadLetterOffset: 0 })
  })

  it('queues at most 10,000 events per subscription and counts the rest as dropped, keeping the oldest in order', async () => {
    const name = uniqueName('storm')
    const { id } = await subscribe(name)
    const raised = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        type: 'record.dead_lettered' as const,
        occurredAt: Date.now(),
        data: { topic: 'storm', offset: from + i },
      }))
    // Delivery is left for later: the receiver fails every attempt, so nothing leaves the queue meanwhile.
    await failFirst(name, 1_000_000)
    expect(await monitor().raise('default', raised(0, 10_003))).toBe(MAX_PENDING_WEBHOOK_EVENTS)
    expect(await monitor().raise('default', raised(10_003, 2))).toBe(0)
    const listed = await request('GET', `/admin/webhooks/${id}/deliveries?limit=100`)
    expect(listed.body.deliveries).toHaveLength(100)
    expect(listed.body.deliveries.every((d: WebhookDelivery) => d.status === 'pending')).toBe(true)
    const offsets = await runInDurableObject(monitor(), (_instance: TenantMonitorDO, state) =>
      state.storage.sql
        .exec<{ event: string }>('SELECT event FROM webhook_events WHERE webhook_id = ? ORDER BY seq', id)
        .toArray()
        .map((row) => (JSON.parse(row.event) as WebhookEvent).data.offset),
    )
    expect(offsets).toEqual(Array.from({ length: MAX_PENDING_WEBHOOK_EVENTS }, (_, i) => i))
    const metrics = await (await SELF.fetch('http://kafdo.test/metrics')).text()
    expect(metrics).toContain(`kafdo_webhook_deliveries_total{tenant="default",subscription="${id}",result="dropped"} 5`)
  })

  it('forgets a deleted subscription and its queue (404 after)', async () => {
    const { id } = await subscribe(uniqueName('gone'))
    await testEvent(id)
    expect((await request('DELETE', `/admin/webhooks/${id}`)).body).toEqual({ id, deleted: true })
    created.splice(created.indexOf(id), 1)
    for (const path of [`/admin/webhooks/${id}`, `/admin/webhooks/${id}/deliveries`]) expect((await request('GET', path)).status).toBe(404)
    expect((await request('DELETE', `/admin/webhooks/${id}`)).status).toBe(404)
  })

  it('answers 503 naming the missing TENANT_MONITOR binding when the deployment has none', async () => {
    const { TENANT_MONITOR: _monitor, ...withoutMonitor } = env
    const response = await createApp().fetch(new Request('http://kafdo.test/admin/webhooks'), withoutMonitor)
    expect(response.status).toBe(503)
    expect(((await response.json()) as { error: { details: unknown } }).error.details).toEqual({ reason: 'TENANT_MONITOR_NOT_BOUND' })
  })
})

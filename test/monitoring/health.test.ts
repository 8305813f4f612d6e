import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { HealthReport, WebhookEvent } from '../../src/protocol/monitoring'
import { createTopic, produceBatch, request, uniqueName } from '../support/http'
import { ack, createQueue, nack, receive, send } from '../support/queues'
import type { ReceivedRequest } from '../support/webhook-receiver'

const receiver = inject('webhookReceiver')
const hook = uniqueName('health-hook')
let subscription: string

const monitor = () => env.TENANT_MONITOR!.getByName('default')
/** One run of the monitor's alarm, as if its time had come: an evaluation (each a minute after the last) or deliveries. */
const tick = () => runDurableObjectAlarm(monitor())
/** An evaluation (the monitor's only timer between these steps), then the deliveries it queued. */
const evaluate = async () => {
  expect(await tick()).toBe(true)
  while (Object.values((await monitor().metricSnapshot()).pending).some((n) => n > 0)) await tick()
}

const health = async (path: string) => {
  const res = await request('GET', path)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body as HealthReport
}

/** The health events the receiver got about `name`, as `[type, metric, observed]`. */
async function alerts(name: string): Promise<Array<[string, unknown, unknown]>> {
  const received = (await (await fetch(`${receiver}/received/${hook}`)).json()) as ReceivedRequest[]
  return received
    .map((r) => JSON.parse(r.body) as WebhookEvent)
    .filter((e) => e.data.name === name)
    .map((e) => [e.type, e.data.metric, e.data.observed])
}

const setQueueHealth = (queue: string, thresholds: unknown[]) => request('PATCH', `/queues/${queue}/config`, { health: { thresholds } })

describe('Monitoring > health thresholds, both ways, with alerts', () => {
  beforeAll(async () => {
    const res = await request('POST', '/admin/webhooks', {
      url: `${receiver}/hooks/${hook}`,
      events: ['health.threshold_crossed', 'health.recovered', 'group.rebalance_storm'],
    })
    subscription = res.body.id
  })
  afterAll(async () => {
    await request('DELETE', `/admin/webhooks/${subscription}`)
  })

  it('crosses a queue depth threshold and recovers: degraded then ok, with an alert each way', async () => {
    const queue = uniqueName('hq-depth')
    await createQueue({ name: queue, health: { thresholds: [{ metric: 'depth', op: '>', value: 2 }] } })
    expect((await health(`/health/queues/${queue}`)).status).toBe('ok')
    await evaluate()
    await send(queue, [{ value: 1 }, { value: 2 }, { value: 3 }])
    const degraded = await health(`/health/queues/${queue}`)
    expect(degraded).toMatchObject({
      resource: { kind: 'queue', name: queue },
      status: 'degraded',
      reasons: ['depth is 3 (threshold > 2, degraded)'],
      figures: { queue: { group: 'default', depth: 3, ready: 3 } },
      checks: [{ metric: 'depth', op: '>', value: 2, observed: 3, breached: true, pending: false }],
    })
    await evaluate()
    expect(await alerts(queue)).toEqual([['health.threshold_crossed', 'depth', 3]])
    const messages = await receive(queue, 'c', { max: 3 })
    await ack(
      queue,
      'c',
      messages.map((m) => m.leaseId),
    )
    expect((await health(`/health/queues/${queue}`)).status).toBe('ok')
    await evaluate()
    expect(await alerts(queue)).toEqual([
      ['health.threshold_crossed', 'depth', 3],
      ['health.recovered', 'depth', 0],
    ])
  })

  it('fails on a DLQ depth threshold and an old message, and recovers when the DLQ is purged and the message acked', async () => {
    const queue = uniqueName('hq-dlq')
    await createQueue({ name: queue, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 1 } })
    const set = await setQueueHealth(queue, [
      { metric: 'dlqDepth', op: '>', value: 0, severity: 'failing' },
      { metric: 'oldestMessageAgeMs', op: '>', value: 60_000 },
    ])
    expect(set.body.after.health.thresholds).toHaveLength(2)
    await evaluate()
    await send(queue, [{ value: 'poison' }, { value: 'old', timestamp: Date.now() - 120_000 }])
    const [poison] = await receive(queue, 'c', { max: 1 })
    await nack(queue, 'c', poison!.leaseId)
    const failing = await health(`/health/queues/${queue}`)
    expect(failing.status).toBe('failing')
    expect(failing.figures).toMatchObject({ dlqDepth: 1, deadLettered: 1, queue: { depth: 1 } })
    expect(failing.reasons).toHaveLength(2)
    await evaluate()
    expect((await alerts(queue)).map(([type, metric]) => `${type} ${metric}`).sort()).toEqual([
      'health.threshold_crossed dlqDepth',
      'health.threshold_crossed oldestMessageAgeMs',
    ])
    expect((await request('DELETE', `/queues/${queue}/dlq`)).status).toBe(200)
    const [old] = await receive(queue, 'c', { max: 1 })
    await ack(queue, 'c', [old!.leaseId])
    expect((await health(`/health/queues/${queue}`)).status).toBe('ok')
    await evaluate()
    expect(
      (await alerts(queue))
        .filter(([type]) => type === 'health.recovered')
        .map(([, metric]) => metric)
        .sort(),
    ).toEqual(['dlqDepth', 'oldestMessageAgeMs'])
  })

  it('measures DLQ growth between evaluations: crossed when records were dead-lettered since the last, recovered after a quiet one', async () => {
    const queue = uniqueName('hq-growth')
    await createQueue({ name: queue, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 1 } })
    await setQueueHealth(queue, [{ metric: 'dlqGrowth', op: '>', value: 0 }])
    // Before any evaluation there is no baseline: growth is unknown.
    expect((await health(`/health/queues/${queue}`)).figures.dlqGrowth).toBeNull()
    await evaluate()
    await send(queue, [{ value: 'x' }])
    const [m] = await receive(queue, 'c')
    await nack(queue, 'c', m!.leaseId)
    expect((await health(`/health/queues/${queue}`)).figures.dlqGrowth).toBe(1)
    await evaluate()
    await evaluate()
    expect(await alerts(queue)).toEqual([
      ['health.threshold_crossed', 'dlqGrowth', 1],
      ['health.recovered', 'dlqGrowth', 0],
    ])
  })

  it('holds a threshold with forMs pending until the evaluation has seen it that long', async () => {
    const queue = uniqueName('hq-for')
    await createQueue({ name: queue, health: { thresholds: [{ metric: 'ready', op: '>=', value: 1, forMs: 60_000 }] } })
    await send(queue, [{ value: 1 }])
    const pending = await health(`/health/queues/${queue}`)
    expect(pending.status).toBe('ok')
    expect(pending.checks[0]).toMatchObject({ breached: true, pending: true, since: null })
    await evaluate()
    expect(await alerts(queue)).toEqual([])
    // The next evaluation comes a minute later.
    await evaluate()
    expect(await alerts(queue)).toEqual([['health.threshold_crossed', 'ready', 1]])
  })

  it('sets topic thresholds with the topic config route (dry run changes nothing; a bad threshold is a 400)', async () => {
    const topic = uniqueName('ht')
    await createTopic(topic, 1)
    const thresholds = [{ metric: 'records', op: '>', value: 1 }]
    const dry = await request('PATCH', `/admin/topics/${topic}/config?dryRun=true`, { health: { thresholds } })
    expect(dry.body).toMatchObject({ applied: false, health: { before: [], after: thresholds } })
    expect((await health(`/health/topics/${topic}`)).checks).toEqual([])
    const bad = await request('PATCH', `/admin/topics/${topic}/config`, { health: { thresholds: [{ metric: 'lag', op: '>', value: 1 }] } })
    expect(bad.status).toBe(400)
    expect((await health(`/health/topics/${topic}`)).checks).toEqual([])
    expect((await request('PATCH', `/admin/topics/${topic}/config`, { health: { thresholds } })).body.applied).toBe(true)
    await produceBatch(topic, [{ value: 1 }, { value: 2 }])
    expect(await health(`/health/topics/${topic}`)).toMatchObject({
      resource: { kind: 'topic', name: topic },
      status: 'degraded',
      figures: { records: 2 },
    })
    expect((await request('GET', `/queues/${topic}`)).body.health).toEqual({ thresholds })
  })

  it("crosses a consumer group's lag and members thresholds and recovers when it catches up", async () => {
    const topic = uniqueName('hg-topic')
    const group = uniqueName('hg')
    await createTopic(topic, 1)
    const thresholds = [
      { metric: 'lag', op: '>', value: 2 },
      { metric: 'members', op: '<', value: 1, severity: 'failing' },
    ]
    const bad = await request('PUT', `/admin/groups/${group}/health`, { thresholds: [{ metric: 'depth', op: '>', value: 1 }] })
    expect(bad.status).toBe(400)
    expect((await request('GET', `/admin/groups/${group}/health`)).body).toEqual({ groupId: group, thresholds: [] })
    expect((await request('PUT', `/admin/groups/${group}/health`, { thresholds })).body).toEqual({ groupId: group, thresholds })
    await request('POST', `/consumer-groups/${group}/commit`, { offsets: [{ topic, partition: 0, offset: 0 }] })
    await evaluate()
    const failing = await health(`/health/groups/${group}`)
    expect(failing).toMatchObject({ status: 'failing', figures: { members: 0, lag: 0 } })
    await produceBatch(
      topic,
      [1, 2, 3].map((value) => ({ value })),
    )
    expect(await health(`/health/groups/${group}`)).toMatchObject({ status: 'failing', figures: { lag: 3 } })
    await evaluate()
    await request('POST', `/consumer-groups/${group}/commit`, { offsets: [{ topic, partition: 0, offset: 3 }] })
    await request('PUT', `/admin/groups/${group}/health`, { thresholds: [thresholds[0]] })
    expect((await health(`/health/groups/${group}`)).status).toBe('ok')
    await evaluate()
    expect(await alerts(group)).toEqual([
      ['health.threshold_crossed', 'members', 0],
      ['health.threshold_crossed', 'lag', 3],
      ['health.recovered', 'lag', 0],
    ])
  })
})

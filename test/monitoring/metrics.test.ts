import { SELF, evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { clearScrapeCache } from '../../src/services/monitoring/scrape'
import { createTopic, fetchMessages, produceBatch, request, uniqueName } from '../support/http'
import { parseExposition, valueOf, type ParsedSample } from '../support/prometheus'
import { ack, createQueue, nack, partition, receive, send } from '../support/queues'

async function scrape(): Promise<ParsedSample[]> {
  const response = await SELF.fetch('http://kafdo.test/metrics')
  expect(response.status).toBe(200)
  return parseExposition(await response.text())
}

const at = (topic: string, p = 0) => ({ tenant: 'default', topic, partition: String(p) })

describe('Monitoring > GET /metrics', () => {
  beforeEach(() => clearScrapeCache())

  it('answers the Prometheus text format 0.0.4, one HELP and TYPE per family', async () => {
    const response = await SELF.fetch('http://kafdo.test/metrics')
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await response.text()
    const types = text.split('\n').filter((line) => line.startsWith('# TYPE '))
    expect(new Set(types).size).toBe(types.length)
    expect(text).toContain('kafdo_build_info{version="0.1.0"} 1')
  })

  it('refuses query parameters it does not know (400, naming them)', async () => {
    const res = await request('GET', '/metrics?format=json')
    expect(res.status).toBe(400)
    expect(res.body.error.message).toContain('format')
  })

  it('counts records and bytes produced and fetched per partition, beside the log gauges', async () => {
    const topic = uniqueName('m-log')
    await createTopic(topic, 2)
    await produceBatch(topic, [
      { value: 'a', partition: 0 },
      { value: 'bb', partition: 0 },
      { value: 'ccc', partition: 1 },
    ])
    await fetchMessages(topic, 0, 'offset=1')
    const samples = await scrape()
    expect(valueOf(samples, 'kafdo_records_produced_total', at(topic, 0))).toBe(2)
    expect(valueOf(samples, 'kafdo_records_produced_total', at(topic, 1))).toBe(1)
    expect(valueOf(samples, 'kafdo_partition_log_end_offset', at(topic, 0))).toBe(2)
    expect(valueOf(samples, 'kafdo_partition_log_start_offset', at(topic, 0))).toBe(0)
    // Bytes produced are the stored record sizes, which the partition's size also adds up.
    expect(valueOf(samples, 'kafdo_bytes_produced_total', at(topic, 0))).toBe(valueOf(samples, 'kafdo_partition_size_bytes', at(topic, 0)))
    expect(valueOf(samples, 'kafdo_bytes_produced_total', at(topic, 0))).toBeGreaterThan(0)
    expect(valueOf(samples, 'kafdo_records_fetched_total', at(topic, 0))).toBe(1)
    expect(valueOf(samples, 'kafdo_bytes_fetched_total', at(topic, 0))).toBeGreaterThan(0)
    expect(valueOf(samples, 'kafdo_records_fetched_total', at(topic, 1))).toBe(0)
  })

  it('keeps the partition counters when the object is evicted', async () => {
    const topic = uniqueName('m-evict')
    await createTopic(topic, 1)
    await produceBatch(topic, [{ value: 1 }, { value: 2 }])
    await fetchMessages(topic, 0)
    const before = await scrape()
    await evictDurableObject((await partition(topic)).stub)
    clearScrapeCache()
    const after = await scrape()
    for (const name of ['kafdo_records_produced_total', 'kafdo_bytes_produced_total', 'kafdo_records_fetched_total', 'kafdo_bytes_fetched_total']) {
      expect(valueOf(after, name, at(topic)), name).toBe(valueOf(before, name, at(topic)))
    }
  })

  it('shows a queue: depth, in flight, delayed, oldest age, redeliveries, expired leases, dead letters and the DLQ depth', async () => {
    const queue = uniqueName('m-queue')
    await createQueue({ name: queue, retry: { strategy: 'fixed', delayMs: 60_000, maxAttempts: 2 }, visibilityTimeoutMs: 1_000 })
    await send(queue, [{ value: 'ack me' }, { value: 'nack me' }, { value: 'let me expire' }, { value: 'waiting' }])
    const [first, second, third] = await receive(queue, 'c', { max: 3 })
    await ack(queue, 'c', [first!.leaseId])
    await nack(queue, 'c', second!.leaseId)
    // The third lease runs out: a failed attempt, redelivered after the policy's delay.
    const { stub } = await partition(queue)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    let samples = await scrape()
    const q = { tenant: 'default', queue, group: 'default' }
    expect(valueOf(samples, 'kafdo_queue_depth', q)).toBe(3)
    expect(valueOf(samples, 'kafdo_queue_ready', q)).toBe(1)
    expect(valueOf(samples, 'kafdo_queue_in_flight', q)).toBe(0)
    expect(valueOf(samples, 'kafdo_queue_delayed', q)).toBe(2)
    expect(valueOf(samples, 'kafdo_queue_oldest_message_age_seconds', q)).toBeGreaterThanOrEqual(0)
    expect(valueOf(samples, 'kafdo_redeliveries_total', at(queue))).toBe(2)
    expect(valueOf(samples, 'kafdo_leases_expired_total', at(queue))).toBe(1)
    expect(valueOf(samples, 'kafdo_records_dead_lettered_total', at(queue))).toBe(0)

    // The fourth record fails twice (with no delay) and goes to the DLQ.
    const [fourth] = await receive(queue, 'c', { max: 1 })
    await nack(queue, 'c', fourth!.leaseId, { delayMs: 0 })
    const [again] = await receive(queue, 'c', { max: 1 })
    expect(again!.offset).toBe(fourth!.offset)
    expect((await nack(queue, 'c', again!.leaseId)).body.state).toBe('dead')
    clearScrapeCache()
    samples = await scrape()
    expect(valueOf(samples, 'kafdo_records_dead_lettered_total', at(queue))).toBe(1)
    expect(valueOf(samples, 'kafdo_queue_dlq_depth', { tenant: 'default', queue })).toBe(1)
    expect(valueOf(samples, 'kafdo_queue_depth', q)).toBe(2)
  })

  it("shows a consumer group's committed offsets, lag and total lag, and its members", async () => {
    const topic = uniqueName('m-group')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    await produceBatch(
      topic,
      [0, 0, 0, 1].map((p) => ({ value: p, partition: p })),
    )
    await request('POST', `/consumer-groups/${group}/commit`, {
      offsets: [
        { topic, partition: 0, offset: 1 },
        { topic, partition: 1, offset: 1 },
      ],
    })
    const samples = await scrape()
    const g = { tenant: 'default', group }
    expect(valueOf(samples, 'kafdo_group_committed_offset', { ...g, topic, partition: '0' })).toBe(1)
    expect(valueOf(samples, 'kafdo_group_lag', { ...g, topic, partition: '0' })).toBe(2)
    expect(valueOf(samples, 'kafdo_group_lag', { ...g, topic, partition: '1' })).toBe(0)
    expect(valueOf(samples, 'kafdo_group_total_lag', g)).toBe(2)
    expect(valueOf(samples, 'kafdo_group_members', g)).toBe(0)
  })

  it('counts requests by route template and result, errors by code, latency and produce batch sizes', async () => {
    const topic = uniqueName('m-req')
    await createTopic(topic, 1)
    const before = await scrape()
    const produce = { tenant: 'default', method: 'POST', route: '/topics/:topic/produce-batch' }
    const counted = (samples: ParsedSample[], labels: Record<string, string>) => valueOf(samples, 'kafdo_http_requests_total', labels) ?? 0
    await produceBatch(topic, [{ value: 1 }, { value: 2 }, { value: 3 }])
    await produceBatch(uniqueName('missing'), [{ value: 1 }])
    clearScrapeCache()
    const after = await scrape()
    expect(counted(after, { ...produce, result: 'success' }) - counted(before, { ...produce, result: 'success' })).toBe(1)
    expect(counted(after, { ...produce, result: 'client_error' }) - counted(before, { ...produce, result: 'client_error' })).toBe(1)
    // Routes are templates: no topic name appears in a route label.
    expect(after.filter((s) => s.labels.route?.includes(topic))).toEqual([])
    const errors = (samples: ParsedSample[]) =>
      valueOf(samples, 'kafdo_http_errors_total', { tenant: 'default', route: produce.route, code: 'UNKNOWN_TOPIC_OR_PARTITION' }) ?? 0
    expect(errors(after) - errors(before)).toBe(1)
    const latency = { tenant: 'default', method: 'POST', route: produce.route }
    const latencyCount = (samples: ParsedSample[]) => valueOf(samples, 'kafdo_http_request_duration_seconds_count', latency) ?? 0
    expect(latencyCount(after) - latencyCount(before)).toBe(2)
    const batch = (samples: ParsedSample[], le: string) =>
      valueOf(samples, 'kafdo_produce_batch_records_bucket', { tenant: 'default', route: produce.route, le }) ?? 0
    // The successful batch of 3 records falls in the `le="5"` bucket, not in `le="1"`.
    expect(batch(after, '5') - batch(before, '5')).toBe(1)
    expect(batch(after, '1') - batch(before, '1')).toBe(0)
  })
})

describe('Monitoring > the service index', () => {
  it('lists the monitoring routes and the webhook routes in GET /', async () => {
    const { endpoints } = (await request('GET', '/')).body
    expect(endpoints.monitoring).toEqual(['GET /metrics', 'GET /health/topics/:topic', 'GET /health/queues/:name', 'GET /health/groups/:groupId'])
    expect(endpoints.admin).toEqual(
      expect.arrayContaining(['POST /admin/webhooks', 'GET /admin/webhooks/:id/deliveries', 'PUT /admin/groups/:groupId/health']),
    )
    expect(endpoints.health).toEqual(['GET /', 'GET /health'])
  })
})

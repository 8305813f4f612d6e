import { describe, expect, it } from 'vitest'
import { partitionForKey } from '../../src/core/murmur2'
import { createTopic, fetchMessages, produceBatch, request, uniqueName } from '../support/http'

describe('HTTP > topic admin', () => {
  it('creates a topic with partitions and config, then lists and describes it', async () => {
    const topic = uniqueName('QuikApp.message.sent')
    const created = await request('POST', '/admin/topics', {
      topic,
      partitions: 12,
      config: { 'retention.ms': '2592000000', 'cleanup.policy': 'delete', 'min.insync.replicas': '2' },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ topic, partitions: 12, config: { 'retention.ms': '2592000000', 'cleanup.policy': 'delete' } })
    const list = await request('GET', '/admin/topics')
    expect(list.body.topics.map((t: { topic: string }) => t.topic)).toContain(topic)
    const described = await request('GET', `/admin/topics/${topic}`)
    expect(described.body.partitions).toHaveLength(12)
    expect(described.body.partitions[11]).toEqual({ partition: 11, earliest: 0, latest: 0 })
  })

  it('answers a duplicate create with 409 TOPIC_ALREADY_EXISTS', async () => {
    const topic = uniqueName('dup')
    await createTopic(topic)
    const again = await request('POST', '/admin/topics', { topic, partitions: 4 })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('TOPIC_ALREADY_EXISTS')
    expect((await request('GET', `/admin/topics/${topic}`)).body.partitions).toHaveLength(1)
  })

  it("enforces Kafka's topic name rules", async () => {
    for (const topic of ['', '.', '..', 'a/b', 'spaces no', 'é', 'x'.repeat(250)]) {
      const res = await request('POST', '/admin/topics', { topic })
      expect(res.status, topic).toBe(400)
    }
    expect((await request('POST', '/admin/topics', { topic: 'x'.repeat(249) })).status).toBe(201)
  })

  it('refuses bad partition counts and config, naming the key', async () => {
    expect((await request('POST', '/admin/topics', { topic: uniqueName('p'), partitions: 0 })).status).toBe(400)
    expect((await request('POST', '/admin/topics', { topic: uniqueName('p'), partitions: 5000 })).status).toBe(400)
    const res = await request('POST', '/admin/topics', { topic: uniqueName('c'), config: { 'retention.ms': 'soon' } })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'INVALID_CONFIG', details: { config: { 'retention.ms': expect.any(String) } } })
  })

  it('adds partitions (increase only) and routes keys over the new count', async () => {
    const topic = uniqueName('grow')
    await createTopic(topic, 2)
    const down = await request('POST', `/admin/topics/${topic}/partitions`, { count: 2 })
    expect(down.status).toBe(400)
    expect(down.body.error.code).toBe('INVALID_PARTITIONS')
    const up = await request('POST', `/admin/topics/${topic}/partitions`, { count: 6 })
    expect(up.body.partitions).toBe(6)
    const key = Array.from({ length: 50 }, (_, i) => `k${i}`).find((k) => partitionForKey(k, 6) >= 2)!
    const res = await produceBatch(topic, [{ key, value: 1 }])
    expect(res.body.results[0].partition).toBe(partitionForKey(key, 6))
  })

  it('checks a topic without creating it when asked for a dry run', async () => {
    const topic = uniqueName('dry')
    const dry = await request('POST', '/admin/topics?dryRun=true', { topic, partitions: 3, config: { 'cleanup.policy': 'compact' } })
    expect(dry.status).toBe(200)
    expect(dry.body).toMatchObject({ topic, partitions: 3, config: { 'cleanup.policy': 'compact' }, dryRun: true })
    expect((await request('GET', `/admin/topics/${topic}`)).status).toBe(404)
    const bad = await request('POST', '/admin/topics?dryRun=true', { topic, config: { 'cleanup.policy': 'never' } })
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_CONFIG'])
    await createTopic(topic)
    const existing = await request('POST', '/admin/topics?dryRun=true', { topic })
    expect([existing.status, existing.body.error.code]).toEqual([409, 'TOPIC_ALREADY_EXISTS'])
  })

  it('checks a partition increase without making it when asked for a dry run', async () => {
    const topic = uniqueName('dryp')
    await createTopic(topic, 2)
    const dry = await request('POST', `/admin/topics/${topic}/partitions?dryRun=true`, { count: 6 })
    expect(dry.status).toBe(200)
    expect(dry.body).toMatchObject({ topic, partitions: 6, dryRun: true })
    expect((await request('GET', `/admin/topics/${topic}`)).body.partitions).toHaveLength(2)
    const smaller = await request('POST', `/admin/topics/${topic}/partitions?dryRun=true`, { count: 1 })
    expect([smaller.status, smaller.body.error.code]).toEqual([400, 'INVALID_PARTITIONS'])
  })

  it('reports offsets for every partition', async () => {
    const topic = uniqueName('offsets')
    await createTopic(topic, 3)
    await produceBatch(topic, [
      { value: 1, partition: 1 },
      { value: 2, partition: 1 },
    ])
    const res = await request('GET', `/admin/topics/${topic}/offsets`)
    expect(res.body).toEqual({
      topic,
      partitions: [
        { partition: 0, earliest: 0, latest: 0 },
        { partition: 1, earliest: 0, latest: 2 },
        { partition: 2, earliest: 0, latest: 0 },
      ],
    })
  })

  it('deletes a topic; a new topic of the same name starts empty at offset 0', async () => {
    const topic = uniqueName('gone')
    await createTopic(topic, 2)
    await produceBatch(topic, [{ value: 'old', partition: 0 }])
    const deleted = await request('DELETE', `/admin/topics/${topic}`)
    expect(deleted.body).toMatchObject({ topic, deleted: true })
    expect((await fetchMessages(topic, 0)).status).toBe(404)
    expect((await request('DELETE', `/admin/topics/${topic}`)).status).toBe(404)
    await createTopic(topic, 1)
    const fresh = await fetchMessages(topic, 0)
    expect(fresh.body).toMatchObject({ messages: [], highWatermark: 0 })
  })

  it('answers describe and delete of an unknown topic with 404', async () => {
    expect((await request('GET', `/admin/topics/${uniqueName('no')}`)).status).toBe(404)
    expect((await request('DELETE', `/admin/topics/${uniqueName('no')}`)).status).toBe(404)
  })
})

describe('HTTP > service endpoints', () => {
  it('serves / and /health', async () => {
    const root = await request('GET', '/')
    expect(root.body).toMatchObject({ name: 'kafdo', version: expect.any(String) })
    const health = await request('GET', '/health')
    expect(health.body).toMatchObject({ status: 'ok' })
  })

  it('answers an unknown route with the error shape and 404', async () => {
    const res = await request('GET', '/nope')
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /nope' } })
  })

  it('echoes a request id', async () => {
    const res = await request('GET', '/health')
    expect(res.headers.get('x-request-id')).toMatch(/.+/)
  })
})

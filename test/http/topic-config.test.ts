import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { encodeRecordBody } from '../../src/core/record-codec'
import { partitionStub } from '../../src/services/stubs'
import { createTopic, latestOffsets, produceBatch, request, uniqueName } from '../support/http'

const alter = (topic: string, body: unknown, query = '') => request('PATCH', `/admin/topics/${topic}/config${query}`, body)
const configOf = async (topic: string) => (await request('GET', `/admin/topics/${topic}`)).body.config as Record<string, string>

describe('HTTP > PATCH /admin/topics/:topic/config', () => {
  it("turns on schema validation of an existing topic: once a schema is registered, an invalid record is refused (the README's schema example)", async () => {
    const topic = uniqueName('orders')
    await createTopic(topic, 3, { 'retention.ms': '604800000' })
    expect((await request('POST', `/topics/${topic}/produce`, { value: { id: 42 } })).status).toBe(200)

    const changed = await alter(topic, { set: { 'confluent.value.schema.validation': 'true' } })
    expect(changed.status).toBe(200)
    expect(changed.body).toMatchObject({
      topic,
      before: { 'confluent.value.schema.validation': 'false', 'retention.ms': '604800000' },
      after: { 'confluent.value.schema.validation': 'true', 'retention.ms': '604800000' },
      applied: true,
    })
    expect(await configOf(topic)).toEqual(changed.body.after)
    const schema = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] })
    expect((await request('POST', `/subjects/${topic}-value/versions`, { schema })).status).toBe(200)

    expect((await request('POST', `/topics/${topic}/produce`, { value: { id: 'o-1' } })).status).toBe(200)
    const invalid = await request('POST', `/topics/${topic}/produce`, { value: { id: 42 } })
    expect(invalid.status).toBe(422)
    expect(invalid.body.error.code).toBe('INVALID_RECORD')
  })

  it('lowers max.message.bytes on every partition: a larger record is refused, through the API and at the partition itself', async () => {
    const topic = uniqueName('small')
    await createTopic(topic, 2)
    const changed = await alter(topic, { set: { 'max.message.bytes': 200 } })
    expect(changed.body.after['max.message.bytes']).toBe('200')

    const big = await produceBatch(topic, [{ value: 'x'.repeat(300), partition: 1 }])
    expect(big.status).toBe(413)
    expect(big.body.error.code).toBe('RECORD_TOO_LARGE')
    expect((await produceBatch(topic, [{ value: 'ok', partition: 1 }])).status).toBe(200)
    // The partition objects enforce it too (a Worker with an older cached config still cannot write it).
    const { topicId } = (await request('GET', `/admin/topics/${topic}`)).body
    for (const partition of [0, 1]) {
      const ref = { tenant: DEFAULT_TENANT, topic, topicId, partition }
      const body = encodeRecordBody({ key: null, value: 'x'.repeat(300), headers: {} })
      const appended = await partitionStub(env, ref).append(ref, { records: [{ body, bytes: body.length }] })
      expect(appended).toMatchObject({ ok: false, error: { code: 'RECORD_TOO_LARGE' } })
    }
    expect(await latestOffsets(topic)).toEqual([0, 1])
  })

  it('applies a shorter retention.ms at once: records older than it are deleted', async () => {
    const topic = uniqueName('retain')
    await createTopic(topic, 1)
    const twoDaysAgo = Date.now() - 2 * 86_400_000
    await produceBatch(topic, [
      { value: 'old-1', timestamp: twoDaysAgo },
      { value: 'old-2', timestamp: twoDaysAgo },
    ])
    await produceBatch(topic, [{ value: 'new' }])
    expect((await request('GET', `/admin/topics/${topic}/offsets`)).body.partitions[0]).toMatchObject({ earliest: 0, latest: 3 })

    const changed = await alter(topic, { set: { 'retention.ms': '3600000' } })
    expect(changed.body.after['retention.ms']).toBe('3600000')

    expect((await request('GET', `/admin/topics/${topic}/offsets`)).body.partitions[0]).toEqual({ partition: 0, earliest: 2, latest: 3 })
  })

  it('resets deleted keys to their defaults and leaves the other keys as they were', async () => {
    const topic = uniqueName('reset')
    await createTopic(topic, 1, { 'retention.ms': 3_600_000, 'cleanup.policy': 'compact', 'delete.retention.ms': 1000 })
    const changed = await alter(topic, { set: { 'max.message.bytes': '5000' }, delete: ['retention.ms', 'cleanup.policy'] })
    expect(changed.status).toBe(200)
    expect(changed.body.before).toMatchObject({ 'retention.ms': '3600000', 'cleanup.policy': 'compact' })
    expect(changed.body.after).toMatchObject({
      'retention.ms': '604800000',
      'cleanup.policy': 'delete',
      'delete.retention.ms': '1000',
      'max.message.bytes': '5000',
    })
    expect(await configOf(topic)).toEqual(changed.body.after)
  })

  it('with ?dryRun=true, answers what the config would become and changes nothing', async () => {
    const topic = uniqueName('dry')
    await createTopic(topic, 1)
    const before = await configOf(topic)
    const dry = await alter(topic, { set: { 'max.message.bytes': 100 }, delete: ['retention.ms'] }, '?dryRun=true')
    expect(dry.status).toBe(200)
    expect(dry.body).toEqual({ topic, before, after: { ...before, 'max.message.bytes': '100' }, applied: false })
    expect(await configOf(topic)).toEqual(before)
    expect((await produceBatch(topic, [{ value: 'x'.repeat(300) }])).status).toBe(200)

    const invalid = await alter(topic, { set: { 'retention.ms': 'soon' } }, '?dryRun=true')
    expect(invalid.status).toBe(400)
    expect(invalid.body.error).toMatchObject({ code: 'INVALID_CONFIG', details: { config: { 'retention.ms': expect.any(String) } } })
  })

  it('refuses an invalid change with 400, naming each bad key, and changes nothing', async () => {
    const topic = uniqueName('bad')
    await createTopic(topic, 1)
    const before = await configOf(topic)

    const unknown = await alter(topic, { set: { 'retention.msec': 1, 'max.message.bytes': 0 }, delete: ['cleanup.polcy'] })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.code).toBe('INVALID_CONFIG')
    expect(Object.keys(unknown.body.error.details.config).sort()).toEqual(['cleanup.polcy', 'max.message.bytes', 'retention.msec'])

    for (const body of [
      {},
      { set: {} },
      { delete: [] },
      { set: { 'retention.ms': 1 }, extra: true },
      { config: { 'retention.ms': 1 } },
      { set: { 'retention.ms': 1 }, delete: ['retention.ms'] },
      { set: { 'retention.ms': [1] } },
      { delete: 'retention.ms' },
    ]) {
      const res = await alter(topic, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.code, JSON.stringify(body)).toBe('INVALID_REQUEST')
    }
    expect((await alter(topic, 'not json')).body.error.code).toBe('INVALID_JSON')
    expect((await alter(topic, { set: { 'retention.ms': 1 } }, '?dryRun=maybe')).status).toBe(400)
    expect(await configOf(topic)).toEqual(before)
  })

  it('answers 404 for a topic that does not exist', async () => {
    const res = await alter(uniqueName('missing'), { set: { 'retention.ms': 1 } })
    expect(res.status).toBe(404)
    expect(res.body.error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })

  it('is listed by GET /', async () => {
    expect((await request('GET', '/')).body.endpoints.admin).toContain('PATCH /admin/topics/:topic/config')
  })
})

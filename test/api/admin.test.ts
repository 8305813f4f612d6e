import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createAdmin } from '../../src/api/admin'
import { createProducer } from '../../src/api/producer'
import { KafdoError } from '../../src/protocol/errors'
import { DEFAULT_TOPIC_CONFIG } from '../../src/protocol/topic-config'
import { uniqueName } from '../support/http'

describe('Admin > alterTopicConfig', () => {
  it('sets and resets keys, answering the config before and after, and the change takes effect', async () => {
    const admin = createAdmin(env)
    const topic = uniqueName('alter')
    await admin.createTopic({ topic, partitions: 2, config: { 'retention.ms': 3_600_000 } })

    const result = await admin.alterTopicConfig(topic, { set: { 'max.message.bytes': 150 }, delete: ['retention.ms'] })

    expect(result).toMatchObject({
      topic,
      before: { 'retention.ms': '3600000', 'max.message.bytes': String(DEFAULT_TOPIC_CONFIG['max.message.bytes']) },
      after: { 'retention.ms': '604800000', 'max.message.bytes': '150' },
      applied: true,
    })
    expect((await admin.describeTopic(topic)).config).toEqual(result.after)
    const error = await createProducer(env)
      .send({ topic, value: 'x'.repeat(200) })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'RECORD_TOO_LARGE' })
  })

  it('with dryRun, checks the change and changes nothing', async () => {
    const admin = createAdmin(env)
    const topic = uniqueName('dry')
    await admin.createTopic({ topic })
    const before = (await admin.describeTopic(topic)).config

    const dry = await admin.alterTopicConfig(topic, { set: { 'cleanup.policy': 'compact' } }, { dryRun: true })

    expect(dry).toEqual({ topic, before, after: { ...before, 'cleanup.policy': 'compact' }, applied: false })
    expect((await admin.describeTopic(topic)).config).toEqual(before)
  })

  it('throws INVALID_REQUEST for a malformed change and INVALID_CONFIG for an unknown key, changing nothing', async () => {
    const admin = createAdmin(env)
    const topic = uniqueName('bad')
    await admin.createTopic({ topic })
    const before = (await admin.describeTopic(topic)).config

    const empty = await admin.alterTopicConfig(topic, {}).catch((e: unknown) => e)
    const both = await admin.alterTopicConfig(topic, { set: { 'retention.ms': 1 }, delete: ['retention.ms'] }).catch((e: unknown) => e)
    const unknown = await admin.alterTopicConfig(topic, { delete: ['retention.msec'] }).catch((e: unknown) => e)

    expect(empty).toBeInstanceOf(KafdoError)
    expect(empty).toMatchObject({ code: 'INVALID_REQUEST', status: 400 })
    expect(both).toMatchObject({ code: 'INVALID_REQUEST', status: 400 })
    expect(unknown).toMatchObject({ code: 'INVALID_CONFIG', status: 400, details: { config: { 'retention.msec': expect.any(String) } } })
    expect((await admin.describeTopic(topic)).config).toEqual(before)
  })
})

describe('Admin > deleteRecords and dry runs', () => {
  it("deletes a partition's records before an offset, and checks a topic or a partition increase without making them", async () => {
    const admin = createAdmin(env)
    const topic = uniqueName('dr')
    expect(await admin.createTopic({ topic, partitions: 2 }, { dryRun: true })).toMatchObject({ topic, partitions: 2 })
    expect(await admin.listTopics()).not.toContain(topic)
    await admin.createTopic({ topic, partitions: 2 })
    expect(await admin.createPartitions(topic, 3, { dryRun: true })).toMatchObject({ partitions: 3 })
    expect((await admin.describeTopic(topic)).partitions).toHaveLength(2)
    await createProducer(env).sendBatch([0, 0, 1].map((partition, value) => ({ topic, partition, value })))
    expect(await admin.deleteRecords(topic, [{ partition: 0, offset: 1 }])).toEqual({ topic, partitions: [{ partition: 0, earliest: 1, latest: 2 }] })
    await expect(admin.deleteRecords(topic, [{ partition: 1, offset: 5 }])).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
  })
})

import { describe, expect, it } from 'vitest'
import { KafdoError } from '../../client/index.js'
import { BASE_URL, recordingFetch, testClient, uniqueTopic } from './support.js'

describe('KafdoClient > admin', () => {
  it('creates, lists, describes and deletes a topic', async () => {
    const admin = testClient().admin()
    const topic = uniqueTopic()

    const created = await admin.createTopic({ topic, partitions: 3, config: { 'retention.ms': '604800000' } })
    const listed = await admin.listTopics()
    const described = await admin.describeTopic(topic)
    await admin.deleteTopic(topic)

    expect(created).toMatchObject({ topic, partitions: 3 })
    expect(listed).toContain(topic)
    expect(described.partitions).toEqual([0, 1, 2].map((partition) => ({ partition, earliest: 0, latest: 0 })))
    expect(described.config['retention.ms']).toBe('604800000')
    expect(await admin.listTopics()).not.toContain(topic)
  })

  it('raises the partition count to a new total', async () => {
    const admin = testClient().admin()
    const topic = uniqueTopic()
    await admin.createTopic({ topic, partitions: 2 })

    const summary = await admin.addPartitions(topic, 5)

    expect(summary.partitions).toBe(5)
    expect((await admin.describeTopic(topic)).partitions).toHaveLength(5)
  })

  it('changes a topic config with set and delete, after a dry run that changed nothing', async () => {
    const { fetch, requests } = recordingFetch()
    const admin = testClient({ fetch }).admin()
    const topic = uniqueTopic()
    await admin.createTopic({ topic, config: { 'retention.ms': '3600000' } })
    const change = { set: { 'confluent.value.schema.validation': 'true' }, delete: ['retention.ms'] }

    const dry = await admin.alterTopicConfig(topic, change, { dryRun: true })
    const unchanged = (await admin.describeTopic(topic)).config
    const applied = await admin.alterTopicConfig(topic, change)

    expect(dry).toMatchObject({ topic, after: { 'confluent.value.schema.validation': 'true', 'retention.ms': '604800000' }, applied: false })
    expect(unchanged).toEqual(dry.before)
    expect(applied).toEqual({ ...dry, applied: true })
    expect((await admin.describeTopic(topic)).config).toEqual(applied.after)
    const patches = requests.filter((r) => r.method === 'PATCH')
    expect(patches.map((r) => r.url)).toEqual([`${BASE_URL}/admin/topics/${topic}/config?dryRun=true`, `${BASE_URL}/admin/topics/${topic}/config`])
    expect(patches[1]!.body).toEqual(change)
  })

  it('refuses an invalid config change: INVALID_REQUEST before sending it, INVALID_CONFIG from the server', async () => {
    const { fetch, requests } = recordingFetch()
    const admin = testClient({ fetch }).admin()
    const topic = uniqueTopic()
    await admin.createTopic({ topic })

    const local = await admin.alterTopicConfig(topic, { set: {} }).catch((e: unknown) => e)
    const remote = await admin.alterTopicConfig(topic, { set: { 'retention.ms': 'soon' } }).catch((e: unknown) => e)

    expect(local).toMatchObject({ code: 'INVALID_REQUEST', status: 400 })
    expect(remote).toBeInstanceOf(KafdoError)
    expect(remote).toMatchObject({ code: 'INVALID_CONFIG', status: 400, details: { config: { 'retention.ms': expect.any(String) } } })
    expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(1)
  })

  it('lists the earliest and latest offsets of every partition', async () => {
    const client = testClient()
    const topic = uniqueTopic()
    await client.admin().createTopic({ topic, partitions: 2 })
    await client.producer({ defaultTopic: topic }).sendBatch([
      { value: 'a', partition: 1 },
      { value: 'b', partition: 1 },
    ])

    const offsets = await client.admin().listOffsets(topic)

    expect([...offsets]).toEqual([
      [0, { earliest: 0, latest: 0 }],
      [1, { earliest: 0, latest: 2 }],
    ])
  })

  it('fails with TOPIC_ALREADY_EXISTS (409) when creating a topic twice', async () => {
    const admin = testClient().admin()
    const topic = uniqueTopic()
    await admin.createTopic({ topic })

    const error = await admin.createTopic({ topic }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(KafdoError)
    expect(error).toMatchObject({ code: 'TOPIC_ALREADY_EXISTS', status: 409, retriable: false })
  })

  it('fails with UNKNOWN_TOPIC_OR_PARTITION (404) for a topic that does not exist', async () => {
    const admin = testClient().admin()
    const topic = uniqueTopic('missing')

    for (const call of [() => admin.describeTopic(topic), () => admin.listOffsets(topic), () => admin.deleteTopic(topic)]) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KafdoError)
      expect(error).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', status: 404 })
    }
  })

  it('fails with INVALID_REQUEST (400) for an invalid topic name, naming the problem', async () => {
    const error = await testClient()
      .admin()
      .createTopic({ topic: 'bad name!' })
      .catch((e: unknown) => e)

    expect(error).toMatchObject({ code: 'INVALID_REQUEST', status: 400 })
    expect((error as KafdoError).message).toContain('topic')
    expect((error as KafdoError).details).toHaveProperty('issues')
  })

  it('lists no groups and describes an unknown group as Dead, as Kafka does', async () => {
    const admin = testClient().admin()

    expect(await admin.listGroups()).toEqual([])
    expect(await admin.describeGroup('nobody-home')).toMatchObject({ groupId: 'nobody-home', state: 'Dead', members: [] })
  })

  it('checks a topic and a partition increase without making them, with dryRun', async () => {
    const admin = testClient().admin()
    const topic = uniqueTopic()
    expect(await admin.createTopic({ topic, partitions: 2 }, { dryRun: true })).toMatchObject({ topic, partitions: 2 })
    expect(await admin.listTopics()).not.toContain(topic)
    await admin.createTopic({ topic, partitions: 2 })
    expect(await admin.addPartitions(topic, 4, { dryRun: true })).toMatchObject({ partitions: 4 })
    expect((await admin.describeTopic(topic)).partitions).toHaveLength(2)
  })

  it("deletes a partition's records before an offset (Kafka's DeleteRecords), refusing a bad request before sending it", async () => {
    const client = testClient()
    const topic = uniqueTopic()
    await client.admin().createTopic({ topic, partitions: 2 })
    await client.producer({ defaultTopic: topic }).sendBatch([0, 0, 0, 1].map((partition, value) => ({ partition, value })))
    const answer = await client.admin().deleteRecords(topic, [
      { partition: 0, offset: 2 },
      { partition: 1, offset: 'latest' },
    ])
    expect(answer).toEqual({
      topic,
      partitions: [
        { partition: 0, earliest: 2, latest: 3 },
        { partition: 1, earliest: 1, latest: 1 },
      ],
    })
    const { fetch, requests } = recordingFetch()
    const bad = await testClient({ fetch })
      .admin()
      .deleteRecords(topic, [{ partition: 0, offset: -1 }])
      .catch((e: unknown) => e)
    expect(bad).toMatchObject({ code: 'INVALID_REQUEST' })
    expect(requests).toEqual([])
  })
})

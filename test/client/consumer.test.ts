import { describe, expect, it } from 'vitest'
import { KafdoError } from '../../client/index.js'
import { recordingFetch, testClient, uniqueTopic } from './support.js'

async function topicWith(values: number[], partitions = 1) {
  const client = testClient()
  const topic = uniqueTopic()
  await client.admin().createTopic({ topic, partitions })
  if (values.length > 0) await client.producer({ defaultTopic: topic }).sendBatch(values.map((value) => ({ value, partition: 0 })))
  return { client, topic }
}

describe('KafdoClient > consumer', () => {
  it('fetches records from an offset with the partition offsets', async () => {
    const { client, topic } = await topicWith([10, 11, 12, 13])

    const response = await client.consumer({ groupId: 'g', topics: [topic] }).fetch(topic, 0, { offset: 1, limit: 2 })

    expect(response).toMatchObject({ topic, partition: 0, nextOffset: 3, highWatermark: 4, logStartOffset: 0 })
    expect(response.messages.map((m) => [m.offset, m.value])).toEqual([
      [1, 11],
      [2, 12],
    ])
  })

  it('continues from its position when no offset is given', async () => {
    const { client, topic } = await topicWith([0, 1, 2, 3, 4])
    const consumer = client.consumer({ groupId: 'g', topics: [topic] })

    const first = await consumer.fetch(topic, 0, { offset: 0, limit: 3 })
    const second = await consumer.fetch(topic, 0, { limit: 3 })

    expect(first.messages.map((m) => m.offset)).toEqual([0, 1, 2])
    expect(second.messages.map((m) => m.offset)).toEqual([3, 4])
    expect(consumer.positions()).toEqual([{ topic, partition: 0, offset: 5 }])
  })

  it('sends fetch options as query parameters', async () => {
    const { topic } = await topicWith([1])
    const { fetch, requests } = recordingFetch()

    await testClient({ fetch })
      .consumer({ groupId: 'g', topics: [topic] })
      .fetch(topic, 0, { offset: 'earliest', limit: 5, maxBytes: 1000, maxWaitMs: 0, reset: 'earliest' })

    expect(requests[0]?.url).toBe(
      `http://kafdo.test/topics/${topic}/partitions/0/messages?offset=earliest&limit=5&maxBytes=1000&maxWaitMs=0&reset=earliest`,
    )
  })

  it('reports the earliest and latest offsets of a partition', async () => {
    const { client, topic } = await topicWith([1, 2, 3])

    const offsets = await client.consumer({ groupId: 'g', topics: [topic] }).getOffsets(topic, 0)

    expect(offsets).toMatchObject({ earliest: 0, latest: 3 })
  })

  it('fails with OFFSET_OUT_OF_RANGE past the end unless asked to reset', async () => {
    const { client, topic } = await topicWith([1, 2])
    const consumer = client.consumer({ groupId: 'g', topics: [topic] })

    const error = await consumer.fetch(topic, 0, { offset: 9 }).catch((e: unknown) => e)
    const reset = await consumer.fetch(topic, 0, { offset: 9, reset: 'earliest' })

    expect(error).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', status: 416 })
    expect(reset.messages.map((m) => m.value)).toEqual([1, 2])
  })

  it('fails with UNKNOWN_TOPIC_OR_PARTITION for a missing topic or partition', async () => {
    const { client, topic } = await topicWith([], 2)
    const consumer = client.consumer({ groupId: 'g', topics: [topic] })

    const missingTopic = await consumer.fetch(uniqueTopic('missing'), 0).catch((e: unknown) => e)
    const missingPartition = await consumer.getOffsets(topic, 2).catch((e: unknown) => e)

    expect(missingTopic).toBeInstanceOf(KafdoError)
    expect(missingTopic).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', status: 404 })
    expect(missingPartition).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', status: 404 })
  })

  it('refuses to commit before joining its group, sending nothing', async () => {
    const { topic } = await topicWith([1])
    const { fetch, requests } = recordingFetch()
    const consumer = testClient({ fetch }).consumer({ groupId: 'g', topics: [topic] })
    await consumer.fetch(topic, 0, { offset: 0 })
    requests.length = 0

    const error = await consumer.commit().catch((e: unknown) => e)

    expect(error).toMatchObject({ code: 'INVALID_REQUEST' })
    expect(requests).toHaveLength(0)
  })
})

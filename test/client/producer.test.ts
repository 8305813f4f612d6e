import { describe, expect, it } from 'vitest'
import { KafdoError } from '../../client/index.js'
import { recordingFetch, testClient, uniqueTopic, workerFetch } from './support.js'

describe('KafdoClient > producer', () => {
  it('sends a record to the default topic and reads it back with its key and headers', async () => {
    const client = testClient()
    const topic = uniqueTopic()
    await client.admin().createTopic({ topic })
    const producer = client.producer({ defaultTopic: topic })

    const first = await producer.send({ key: 'user-1', value: { n: 1 }, headers: { source: 'web' } })
    const second = await producer.send({ key: 'user-2', value: { n: 2 } })

    expect(first).toMatchObject({ topic, partition: 0, offset: 0 })
    expect(second).toMatchObject({ topic, partition: 0, offset: 1 })
    const { messages } = await client.consumer({ groupId: 'g', topics: [topic] }).fetch(topic, 0, { offset: 0 })
    expect(messages.map((m) => [m.offset, m.key, m.value, m.headers])).toEqual([
      [0, 'user-1', { n: 1 }, { source: 'web' }],
      [1, 'user-2', { n: 2 }, {}],
    ])
  })

  it('lets a record name its own topic over the default', async () => {
    const client = testClient()
    const [fallback, named] = [uniqueTopic(), uniqueTopic()]
    await client.admin().createTopic({ topic: fallback })
    await client.admin().createTopic({ topic: named })

    const metadata = await client.producer({ defaultTopic: fallback }).send({ topic: named, value: 'x' })

    expect(metadata.topic).toBe(named)
    expect((await client.consumer({ groupId: 'g', topics: [] }).getOffsets(fallback, 0)).latest).toBe(0)
  })

  it('sends a batch with one request per topic and returns metadata in input order', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch })
    const [a, b] = [uniqueTopic('a'), uniqueTopic('b')]
    await client.admin().createTopic({ topic: a })
    await client.admin().createTopic({ topic: b })
    requests.length = 0

    const results = await client.producer().sendBatch([
      { topic: a, key: 'k1', value: 1 },
      { topic: b, key: 'k2', value: 2 },
      { topic: a, key: 'k3', value: 3 },
    ])

    expect(results.map((r) => [r.topic, r.offset])).toEqual([
      [a, 0],
      [b, 0],
      [a, 1],
    ])
    expect(requests.map((r) => r.url).sort()).toEqual([`http://kafdo.test/topics/${a}/produce-batch`, `http://kafdo.test/topics/${b}/produce-batch`])
    const { messages } = await client.consumer({ groupId: 'g', topics: [a] }).fetch(a, 0, { offset: 0 })
    expect(messages.map((m) => m.key)).toEqual(['k1', 'k3'])
  })

  it('numbers every produce request with its producer id and an increasing sequence', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch })
    const topic = uniqueTopic()
    await client.admin().createTopic({ topic })
    const producer = client.producer({ defaultTopic: topic })

    await producer.send({ value: 1 })
    await producer.sendBatch([{ value: 2 }, { value: 3 }])
    await producer.send({ value: 4 })

    const bodies = requests.filter((r) => r.url.includes('/produce')).map((r) => r.body as { producerId: string; sequence: number })
    expect(bodies.map((b) => b.producerId)).toEqual(Array(3).fill(producer.producerId))
    expect(bodies.map((b) => b.sequence)).toEqual([0, 1, 2])
  })

  it('keeps the call order of concurrent sends to one topic', async () => {
    const topic = uniqueTopic()
    await testClient().admin().createTopic({ topic })
    // Earlier requests travel slower, so sends that overtook each other would arrive out of order.
    let calls = 0
    const client = testClient({
      fetch: async (input, init) => {
        calls += 1
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 50 - calls * 5)))
        return workerFetch(input, init)
      },
    })
    const producer = client.producer({ defaultTopic: topic })

    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ key: 'same', value: i })))

    expect(results.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const { messages } = await client.consumer({ groupId: 'g', topics: [topic] }).fetch(topic, 0, { offset: 0 })
    expect(messages.map((m) => m.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('refuses a record without a topic when there is no default topic, sending nothing', async () => {
    const { fetch, requests } = recordingFetch()
    const producer = testClient({ fetch }).producer()

    const error = await producer.send({ value: 1 }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(KafdoError)
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', status: 400 })
    expect(requests).toHaveLength(0)
  })

  it('validates every record of a batch before writing any topic', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch })
    const [a, b] = [uniqueTopic('a'), uniqueTopic('b')]
    await client.admin().createTopic({ topic: a })
    requests.length = 0

    const error = await client
      .producer()
      .sendBatch([
        { topic: a, value: 1 },
        { topic: b, value: 2, partition: -1 },
      ])
      .catch((e: unknown) => e)

    expect(error).toMatchObject({ code: 'INVALID_REQUEST' })
    expect(requests).toHaveLength(0)
  })

  it('fails with UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist', async () => {
    const error = await testClient()
      .producer({ defaultTopic: uniqueTopic('missing') })
      .send({ value: 1 })
      .catch((e: unknown) => e)

    expect(error).toBeInstanceOf(KafdoError)
    expect(error).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', status: 404, retriable: false })
  })
})

/**
 * `POST /admin/topics/:topic/delete-records`, Kafka's DeleteRecords: each partition's log start moves to
 * the offset given (`"latest"`: everything written so far); a bad request deletes nothing anywhere.
 */
import { describe, expect, it } from 'vitest'
import { createTopic, expectErrorShape, fetchMessages, produceBatch, request, uniqueName } from '../support/http'

async function topicWith(partitions: number, perPartition: number): Promise<string> {
  const topic = uniqueName('dr')
  await createTopic(topic, partitions)
  const records = Array.from({ length: partitions }, (_, partition) =>
    Array.from({ length: perPartition }, (_, i) => ({ value: i, partition })),
  ).flat()
  expect((await produceBatch(topic, records)).status).toBe(200)
  return topic
}

const offsets = async (topic: string) => (await request('GET', `/admin/topics/${topic}/offsets`)).body.partitions

describe('HTTP > delete records', () => {
  it("moves each named partition's log start to its offset and answers the offsets after", async () => {
    const topic = await topicWith(3, 5)
    const res = await request('POST', `/admin/topics/${topic}/delete-records`, {
      partitions: [
        { partition: 0, offset: 3 },
        { partition: 2, offset: 'latest' },
      ],
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      topic,
      partitions: [
        { partition: 0, earliest: 3, latest: 5 },
        { partition: 2, earliest: 5, latest: 5 },
      ],
    })
    expect(await offsets(topic)).toEqual([
      { partition: 0, earliest: 3, latest: 5 },
      { partition: 1, earliest: 0, latest: 5 },
      { partition: 2, earliest: 5, latest: 5 },
    ])
    expect((await fetchMessages(topic, 0, 'offset=earliest')).body.messages.map((m: { value: number }) => m.value)).toEqual([3, 4])
    expect((await fetchMessages(topic, 0, 'offset=1')).body.error.code).toBe('OFFSET_OUT_OF_RANGE')
    // An offset at or before the log start deletes nothing more.
    expect((await request('POST', `/admin/topics/${topic}/delete-records`, { partitions: [{ partition: 0, offset: 1 }] })).body.partitions).toEqual([
      { partition: 0, earliest: 3, latest: 5 },
    ])
  })

  it('refuses an offset past the latest with 416 OFFSET_OUT_OF_RANGE, deleting nothing in any partition', async () => {
    const topic = await topicWith(2, 3)
    const res = await request('POST', `/admin/topics/${topic}/delete-records`, {
      partitions: [
        { partition: 0, offset: 2 },
        { partition: 1, offset: 4 },
      ],
    })
    expect(res.status).toBe(416)
    expectErrorShape(res)
    expect(res.body.error).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', details: { topic, partition: 1, offset: 4, latest: 3 } })
    expect((await offsets(topic)).map((p: { earliest: number }) => p.earliest)).toEqual([0, 0])
  })

  it('answers 404 for a topic or partition that does not exist, and 400 for a bad body, deleting nothing', async () => {
    const topic = await topicWith(1, 2)
    const missingPartition = await request('POST', `/admin/topics/${topic}/delete-records`, { partitions: [{ partition: 1, offset: 0 }] })
    expect([missingPartition.status, missingPartition.body.error.code]).toEqual([404, 'UNKNOWN_TOPIC_OR_PARTITION'])
    const missingTopic = await request('POST', `/admin/topics/${uniqueName('none')}/delete-records`, { partitions: [{ partition: 0, offset: 0 }] })
    expect([missingTopic.status, missingTopic.body.error.code]).toEqual([404, 'UNKNOWN_TOPIC_OR_PARTITION'])
    for (const body of [
      {},
      { partitions: [] },
      { partitions: [{ partition: 0, offset: -1 }] },
      { partitions: [{ partition: 0, offset: 'earliest' }] },
      {
        partitions: [
          { partition: 0, offset: 1 },
          { partition: 0, offset: 2 },
        ],
      },
      { partitions: [{ partition: 0, offset: 1 }], extra: true },
    ]) {
      const res = await request('POST', `/admin/topics/${topic}/delete-records`, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expectErrorShape(res)
    }
    expect((await offsets(topic))[0].earliest).toBe(0)
  })

  it('is listed among the endpoints of GET /', async () => {
    expect((await request('GET', '/')).body.endpoints.admin).toContain('POST /admin/topics/:topic/delete-records')
  })

  it('records the deletion in the audit trail', async () => {
    const topic = await topicWith(1, 2)
    await request('POST', `/admin/topics/${topic}/delete-records`, { partitions: [{ partition: 0, offset: 1 }] })
    const { entries } = (await request('GET', '/admin/audit?limit=100')).body
    expect(entries.find((e: { action: string; target: string }) => e.action === 'topic:delete-records' && e.target === topic)).toMatchObject({
      result: 'success',
      details: { partitions: [{ partition: 0, offset: 1 }] },
    })
  })
})

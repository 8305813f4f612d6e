import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createFixedTopicPipeline, type CDCInsertEvent } from '../../integrations/index'
import { createProducer } from '../../src/api/producer'
import { KafdoError } from '../../src/protocol/errors'
import { MAX_VALUE_DEPTH } from '../../src/protocol/limits'
import type { JsonValue } from '../../src/protocol/records'
import { createTopic, latestOffsets, produceBatch, request, uniqueName } from '../support/http'

/**
 * A value nested far deeper than any document was accepted, and then overflowed the stack of whatever
 * read it (a queue receive answered 500 forever). Produce now refuses values deeper than MAX_VALUE_DEPTH,
 * on every produce path, and writes nothing of the batch.
 */

const nestedText = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)
const nested = (levels: number): JsonValue => JSON.parse(nestedText(levels)) as JsonValue
const refusal = (index: number) => ({
  code: 'INVALID_REQUEST',
  message: `record ${index}: value is nested deeper than ${MAX_VALUE_DEPTH} levels`,
  details: { index, maxDepth: MAX_VALUE_DEPTH },
})

describe('Security > value nesting depth', () => {
  it('refuses a 5,000-level value on produce with 400 and writes nothing', async () => {
    const topic = uniqueName('deep')
    await createTopic(topic)
    const res = await request('POST', `/topics/${topic}/produce`, `{"value":${nestedText(5000)}}`)
    expect(res.status).toBe(400)
    expect(res.body.error).toEqual(refusal(0))
    expect(await latestOffsets(topic)).toEqual([0])
  })

  it('refuses a whole batch when one record is too deep, naming its index', async () => {
    const topic = uniqueName('deepbatch')
    await createTopic(topic, 2)
    const res = await produceBatch(topic, [{ value: 1 }, { key: 'k', value: { a: 2 } }, { value: nested(MAX_VALUE_DEPTH + 1) }])
    expect(res.status).toBe(400)
    expect(res.body.error).toEqual(refusal(2))
    expect(await latestOffsets(topic)).toEqual([0, 0])
  })

  it('answers a 100,000-level request body with a clean 400, not a 500', async () => {
    const topic = uniqueName('deepbody')
    await createTopic(topic)
    const single = await request('POST', `/topics/${topic}/produce`, `{"value":${nestedText(100_000)}}`)
    expect(single.status).toBe(400)
    expect(single.body.error.code).toBe('INVALID_REQUEST')
    // Nested outside any value: the edge schema refuses it.
    const body = await request('POST', `/topics/${topic}/produce-batch`, nestedText(100_000))
    expect(body.status).toBe(400)
    expect(body.body.error.code).toBe('INVALID_REQUEST')
    expect(await latestOffsets(topic)).toEqual([0])
  })

  it('accepts exactly the limit, and a queue consumer can then receive it', async () => {
    const queue = uniqueName('deepq')
    expect((await request('POST', '/queues', { name: queue })).status).toBe(201)
    const deepest = nested(MAX_VALUE_DEPTH)
    expect((await request('POST', `/queues/${queue}/messages`, { value: deepest })).status).toBe(200)
    const tooDeep = await request('POST', `/queues/${queue}/messages`, { messages: [{ value: 1 }, { value: nested(MAX_VALUE_DEPTH + 1) }] })
    expect(tooDeep.status).toBe(400)
    expect(tooDeep.body.error).toEqual(refusal(1))
    const received = await request('POST', `/queues/${queue}/receive`, { consumerId: 'c', max: 10 })
    expect(received.status).toBe(200)
    expect(received.body.messages.map((m: { value: unknown }) => m.value)).toEqual([deepest])
  })

  it('refuses it in the in-Worker producer too', async () => {
    const topic = uniqueName('deepapi')
    await createTopic(topic)
    const producer = createProducer(env)
    const sent = await producer.send({ topic, value: nested(5000) }).catch((err: unknown) => err)
    expect(sent).toBeInstanceOf(KafdoError)
    expect((sent as KafdoError).toPayload()).toEqual(refusal(0))
    const batch = await producer
      .sendBatch([
        { topic, value: 1 },
        { topic, value: nested(200) },
      ])
      .catch((err: unknown) => err)
    expect((batch as KafdoError).toPayload()).toEqual(refusal(1))
    expect(await latestOffsets(topic)).toEqual([0])
  })

  it('refuses a too-deep record when it is sent, without failing the records buffered with it', async () => {
    const topic = uniqueName('deeplinger')
    await createTopic(topic)
    const producer = createProducer(env, { lingerMs: 10 })
    const [good, deep] = await Promise.allSettled([
      producer.send({ topic, value: 'fine' }),
      producer.send({ topic, value: nested(MAX_VALUE_DEPTH + 1) }),
    ])
    expect(good).toMatchObject({ status: 'fulfilled', value: { topic, offset: 0 } })
    expect(deep.status === 'rejected' && (deep.reason as KafdoError).toPayload()).toEqual(refusal(0))
    // In a batch across topics, the index is the record's place in the batch, and nothing is written.
    const other = uniqueName('deeplinger')
    await createTopic(other)
    const batch = await producer
      .sendBatch([
        { topic: other, value: 1 },
        { topic, value: 2 },
        { topic, value: nested(500) },
      ])
      .catch((err: unknown) => err)
    expect((batch as KafdoError).toPayload()).toEqual(refusal(2))
    expect([...(await latestOffsets(topic)), ...(await latestOffsets(other))]).toEqual([1, 0])
  })

  it('refuses a change event whose document nests too deeply, and writes nothing', async () => {
    const topic = uniqueName('deepcdc')
    await createTopic(topic)
    const pipeline = createFixedTopicPipeline(env, topic, { retries: 0 })
    const event: CDCInsertEvent = {
      _id: { _data: '8200000001' },
      operationType: 'insert',
      ns: { db: 'shop', coll: 'orders' },
      documentKey: { _id: 1 },
      fullDocument: { _id: 1, tree: nested(MAX_VALUE_DEPTH) },
    }
    const sent = await pipeline.send(event).catch((err: unknown) => err)
    expect(sent).toBeInstanceOf(KafdoError)
    expect((sent as KafdoError).toPayload()).toEqual({
      code: 'INVALID_REQUEST',
      message: `event 0 is nested deeper than ${MAX_VALUE_DEPTH} levels`,
      details: { index: 0, maxDepth: MAX_VALUE_DEPTH },
    })
    // A key (the document's _id) too deep to canonicalise is refused the same way, not with a stack overflow.
    const deepKey = await pipeline.send({ ...event, documentKey: { _id: nested(20_000) } }).catch((err: unknown) => err)
    expect((deepKey as KafdoError).code).toBe('INVALID_REQUEST')
    expect(await latestOffsets(topic)).toEqual([0])
  })
})

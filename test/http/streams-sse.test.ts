/**
 * Live tailing over Server-Sent Events: records produced after subscribing arrive in order, one event per
 * record with its offset as id; a reconnect with Last-Event-ID resumes with nothing lost or repeated; a
 * topic stream merges the partitions; idle streams get heartbeats; refusals come before the stream.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app'
import { EventReader, openStream } from '../support/streams'
import { createTopic, produceBatch, request, uniqueName } from '../support/http'

const values = (events: Array<{ data: string }>) => events.map((e) => JSON.parse(e.data).value)

describe('Streams > SSE on a partition', () => {
  it('delivers records produced after subscribing, in order, each with its offset as id', async () => {
    const topic = uniqueName('sse')
    await createTopic(topic)
    await produceBatch(topic, [{ value: 'before' }])
    const response = await openStream(`/topics/${topic}/partitions/0/stream`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const stream = new EventReader(response)
    const [ready] = await stream.take(1, 'ready')
    // It starts at the end (as tail -f): its position is just before the next offset.
    expect(ready!.id).toBe('0')
    expect(JSON.parse(ready!.data)).toEqual({ topic, partitions: { 0: { next: 1, highWatermark: 1 } } })

    await produceBatch(topic, [{ value: 1 }, { value: 2 }])
    await request('POST', `/topics/${topic}/produce`, { key: 'k', value: { three: 3 }, headers: { h: 'v' } })
    const events = await stream.take(3)
    expect(events.map((e) => e.id)).toEqual(['1', '2', '3'])
    expect(values(events)).toEqual([1, 2, { three: 3 }])
    expect(JSON.parse(events[2]!.data)).toMatchObject({ partition: 0, offset: 3, key: 'k', headers: { h: 'v' }, timestamp: expect.any(Number) })
    await stream.cancel()
  })

  it('starts where asked: earliest, an offset, or a timestamp', async () => {
    const topic = uniqueName('sse-from')
    await createTopic(topic)
    await produceBatch(topic, [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
    const earliest = new EventReader(await openStream(`/topics/${topic}/partitions/0/stream?offset=earliest`))
    expect(values(await earliest.take(3))).toEqual(['a', 'b', 'c'])
    await earliest.cancel()
    const fromOne = new EventReader(await openStream(`/topics/${topic}/partitions/0/stream?offset=1`))
    expect((await fromOne.take(2)).map((e) => e.id)).toEqual(['1', '2'])
    await fromOne.cancel()
    const fromTime = new EventReader(await openStream(`/topics/${topic}/partitions/0/stream?timestamp=0`))
    expect(values(await fromTime.take(1))).toEqual(['a'])
    await fromTime.cancel()
  })

  it('resumes after a reconnect with Last-Event-ID: nothing lost, nothing repeated', async () => {
    const topic = uniqueName('sse-resume')
    await createTopic(topic)
    const first = new EventReader(await openStream(`/topics/${topic}/partitions/0/stream`))
    await first.take(1, 'ready')
    await produceBatch(topic, [{ value: 0 }, { value: 1 }, { value: 2 }])
    const seen = await first.take(2)
    await first.cancel()
    const lastId = seen[seen.length - 1]!.id!
    expect(lastId).toBe('1')
    // Produced while no one was listening.
    await produceBatch(topic, [{ value: 3 }, { value: 4 }])

    const second = new EventReader(await openStream(`/topics/${topic}/partitions/0/stream`, { 'last-event-id': lastId }))
    expect((await second.take(3)).map((e) => e.id)).toEqual(['2', '3', '4'])
    await produceBatch(topic, [{ value: 5 }])
    expect(values(await second.take(1))).toEqual([5])
    await second.cancel()
  })

  it('takes the position as ?lastEventId= too (a new EventSource cannot send the header), the header winning', async () => {
    const topic = uniqueName('sse-query')
    await createTopic(topic)
    await produceBatch(topic, [{ value: 0 }, { value: 1 }, { value: 2 }])
    const byQuery = new EventReader(await openStream(`/topics/${topic}/partitions/0/stream?lastEventId=0`))
    expect(values(await byQuery.take(2))).toEqual([1, 2])
    await byQuery.cancel()
    const both = new EventReader(await openStream(`/topics/${topic}/partitions/0/stream?lastEventId=0`, { 'last-event-id': '1' }))
    expect(values(await both.take(1))).toEqual([2])
    await both.cancel()
  })

  it('sends heartbeat comments while idle', async () => {
    const topic = uniqueName('sse-idle')
    await createTopic(topic)
    const app = createApp()
    const response = await app.fetch(new Request(`http://kafdo.test/topics/${topic}/partitions/0/stream`), { ...env, STREAM_HEARTBEAT_MS: '20' })
    const stream = new EventReader(response)
    await stream.readUntil((text) => text.includes(': heartbeat\n\n'))
    expect(stream.text.startsWith('retry: 2000\n\n')).toBe(true)
    await stream.cancel()
  })

  it('refuses before streaming: a missing topic or partition, an offset out of range, a position it never sent', async () => {
    const topic = uniqueName('sse-refuse')
    await createTopic(topic)
    await produceBatch(topic, [{ value: 1 }])
    const missing = await request('GET', `/topics/${uniqueName('none')}/stream`)
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect((await request('GET', `/topics/${topic}/partitions/3/stream`)).body.error.code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    const range = await request('GET', `/topics/${topic}/partitions/0/stream?offset=5`)
    expect(range.status).toBe(416)
    expect(range.body.error).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', details: { offset: 5, earliest: 0, latest: 1 } })
    const badId = await openStream(`/topics/${topic}/partitions/0/stream`, { 'last-event-id': 'yesterday' })
    expect(badId.status).toBe(400)
    expect(((await badId.json()) as any).error.code).toBe('INVALID_REQUEST')
    expect((await request('GET', `/topics/${topic}/stream?offset=soon`)).status).toBe(400)
  })

  it('refuses more subscribers than a partition takes with 429 before streaming, and takes one again once another leaves', async () => {
    const topic = uniqueName('sse-limit')
    await createTopic(topic)
    const settings = { ...env, STREAM_MAX_SUBSCRIBERS: '2' }
    const open = () => createApp().fetch(new Request(`http://kafdo.test/topics/${topic}/partitions/0/stream`), settings)
    const first = new EventReader(await open())
    const second = new EventReader(await createApp().fetch(new Request(`http://kafdo.test/topics/${topic}/stream`), settings))
    await first.take(1, 'ready')
    await second.take(1, 'ready')

    const refused = await open()
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toContain('application/json')
    expect(await refused.json()).toEqual({
      error: {
        code: 'TOO_MANY_SUBSCRIBERS',
        message: `partition 0 of topic '${topic}' has 2 live subscribers, as many as it takes`,
        details: { limit: 2 },
      },
    })
    // A topic stream needs a place on every partition: refused the same way.
    const refusedTopic = await createApp().fetch(new Request(`http://kafdo.test/topics/${topic}/stream`), settings)
    expect(refusedTopic.status).toBe(429)
    expect(((await refusedTopic.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_SUBSCRIBERS')

    await first.cancel()
    // The partition notices the closed socket asynchronously: retry until it has.
    let again: Response | undefined
    for (let attempt = 0; attempt < 100; attempt++) {
      again = await open()
      if (again.status === 200) break
      await again.body?.cancel()
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(again!.status).toBe(200)
    const third = new EventReader(again!)
    await third.take(1, 'ready')
    await third.cancel()
    await second.cancel()
  })

  it('ends the stream with a close event when the topic is deleted', async () => {
    const topic = uniqueName('sse-deleted')
    await createTopic(topic)
    const stream = new EventReader(await openStream(`/topics/${topic}/partitions/0/stream`))
    await stream.take(1, 'ready')
    expect((await request('DELETE', `/admin/topics/${topic}`)).status).toBe(200)
    const [closed] = await stream.take(1, 'close')
    expect(JSON.parse(closed!.data)).toEqual({ code: 'UNKNOWN_TOPIC_OR_PARTITION', message: 'the topic was deleted' })
  })
})

describe('Streams > SSE on a topic', () => {
  it('merges every partition, each in order, its id the position in all of them', async () => {
    const topic = uniqueName('sse-topic')
    await createTopic(topic, 3)
    const stream = new EventReader(await openStream(`/topics/${topic}/stream`))
    const [ready] = await stream.take(1, 'ready')
    expect(ready!.id).toBe('0:-1,1:-1,2:-1')
    const records = Array.from({ length: 30 }, (_, n) => ({ key: `k${n % 7}`, value: n }))
    await produceBatch(topic, records.slice(0, 15))
    await produceBatch(topic, records.slice(15))
    const events = await stream.take(30)
    const parsed = events.map((e) => JSON.parse(e.data) as { partition: number; offset: number; value: number })
    expect(parsed.map((r) => r.value).sort((a, b) => a - b)).toEqual(records.map((r) => r.value))
    for (const partition of [0, 1, 2]) {
      const offsets = parsed.filter((r) => r.partition === partition).map((r) => r.offset)
      expect(offsets).toEqual(offsets.map((_, i) => i))
    }
    const last = parsed[parsed.length - 1]!
    expect(events[events.length - 1]!.id).toContain(`${last.partition}:${last.offset}`)
    await stream.cancel()
  })

  it('resumes every partition from the Last-Event-ID position', async () => {
    const topic = uniqueName('sse-topic-resume')
    await createTopic(topic, 2)
    const first = new EventReader(await openStream(`/topics/${topic}/stream?offset=earliest`))
    await produceBatch(topic, [
      { key: 'a', value: 'a1' },
      { key: 'b', value: 'b1' },
    ])
    const seen = await first.take(2)
    await first.cancel()
    await produceBatch(topic, [
      { key: 'a', value: 'a2' },
      { key: 'b', value: 'b2' },
    ])
    const second = new EventReader(await openStream(`/topics/${topic}/stream`, { 'last-event-id': seen[1]!.id! }))
    expect(values(await second.take(2)).sort()).toEqual(['a2', 'b2'])
    await produceBatch(topic, [{ key: 'a', value: 'a3' }])
    expect(values(await second.take(1))).toEqual(['a3'])
    await second.cancel()
  })
})

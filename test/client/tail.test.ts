/**
 * `client.tail()`: an async iterator over the SSE stream, from the client's own fetch (so with its
 * headers); it yields records written after it starts, in order per partition, resumes with Last-Event-ID
 * when the connection drops or the server drops it for falling behind, and ends on break or abort.
 */
import { describe, expect, it } from 'vitest'
import { KafdoError, type TailRecord } from '../../client/index.js'
import { recordingFetch, testClient, uniqueTopic, workerFetch } from './support'

async function collect(iterator: AsyncIterable<TailRecord>, count: number): Promise<TailRecord[]> {
  const records: TailRecord[] = []
  for await (const record of iterator) {
    records.push(record)
    if (records.length === count) break
  }
  return records
}

/** Waits until the stream is open (the server answered its headers), so later produces are after the start. */
function opened(requests: { url: string }[], count = 1): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (requests.filter((r) => r.url.includes('/stream')).length >= count ? resolve() : setTimeout(check, 10))
    check()
  })
}

describe('Client > tail', () => {
  it('yields records written after it starts, in order per partition, with topic and partition', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch, headers: { authorization: 'Bearer not-checked-locally' } })
    const topic = uniqueTopic('tail')
    await client.admin().createTopic({ topic, partitions: 2 })
    await client.producer().send({ topic, value: 'before' })
    const tailing = collect(client.tail(topic), 6)
    await opened(requests)
    await new Promise((resolve) => setTimeout(resolve, 100))
    await client.producer().sendBatch(Array.from({ length: 6 }, (_, n) => ({ topic, key: `k${n % 3}`, value: n })))
    const records = await tailing
    expect(records.map((r) => r.value).sort()).toEqual([0, 1, 2, 3, 4, 5])
    expect(records.every((r) => r.topic === topic && (r.partition === 0 || r.partition === 1))).toBe(true)
    for (const partition of [0, 1]) {
      const offsets = records.filter((r) => r.partition === partition).map((r) => r.offset)
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
    }
    const stream = requests.find((r) => r.url.includes('/stream'))!
    expect(stream.url).toBe(`http://kafdo.test/topics/${topic}/stream?offset=latest`)
    expect(stream.headers).toMatchObject({ authorization: 'Bearer not-checked-locally', accept: 'text/event-stream' })
  })

  it('starts where fromOffset says, on one partition when asked', async () => {
    const client = testClient()
    const topic = uniqueTopic('tail-from')
    await client.admin().createTopic({ topic, partitions: 2 })
    await client.producer().sendBatch([
      { topic, value: 'a', partition: 1 },
      { topic, value: 'b', partition: 1 },
      { topic, value: 'c', partition: 0 },
    ])
    const fromStart = await collect(client.tail(topic, { fromOffset: 'earliest', partition: 1 }), 2)
    expect(fromStart.map((r) => [r.partition, r.offset, r.value])).toEqual([
      [1, 0, 'a'],
      [1, 1, 'b'],
    ])
    expect((await collect(client.tail(topic, { fromOffset: 1, partition: 1 }), 1))[0]!.value).toBe('b')
  })

  it('resumes after the connection drops, with nothing lost or repeated', async () => {
    const topic = uniqueTopic('tail-drop')
    let opens = 0
    const lastEventIds: Array<string | null> = []
    const { fetch } = recordingFetch(async (input, init) => {
      const response = await workerFetch(input, init)
      if (!input.includes('/stream')) return response
      opens += 1
      lastEventIds.push(new Headers(init.headers).get('last-event-id'))
      if (opens > 1) return response
      // The first connection breaks right after its second record.
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      let text = ''
      const broken = new ReadableStream<Uint8Array>({
        async pull(controller) {
          let second = -1
          let events: string[] = []
          while (second < 0) {
            const { value, done } = await reader.read()
            if (done) return controller.close()
            text += decoder.decode(value, { stream: true })
            events = text.split('\n\n')
            second = events.findIndex((event, i) => event.includes('event: record') && events.slice(0, i).some((e) => e.includes('event: record')))
          }
          controller.enqueue(new TextEncoder().encode(`${events.slice(0, second + 1).join('\n\n')}\n\n`))
          void reader.cancel()
          controller.error(new TypeError('connection reset'))
        },
      })
      return new Response(broken, { headers: response.headers })
    })
    const client = testClient({ fetch })
    await client.admin().createTopic({ topic })
    await client.producer().sendBatch([0, 1, 2, 3, 4].map((value) => ({ topic, value })))
    const records = await collect(client.tail(topic, { fromOffset: 'earliest' }), 5)
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4])
    expect(opens).toBe(2)
    expect(lastEventIds).toEqual([null, '0:1'])
  })

  it('resumes from the last record when the server drops it for falling behind', async () => {
    const topic = uniqueTopic('tail-slow')
    let opens = 0
    const { fetch, requests } = recordingFetch(async (input, init) => {
      if (!input.includes('/stream') || ++opens > 1) return workerFetch(input, init)
      const body = [
        'retry: 10\n\n',
        'id: 0:-1\nevent: ready\ndata: {}\n\n',
        `id: 0:0\nevent: record\ndata: {"partition":0,"offset":0,"timestamp":1,"key":null,"value":"first","headers":{}}\n\n`,
        'event: close\ndata: {"code":"SLOW_SUBSCRIBER","message":"over 5 records behind"}\n\n',
      ].join('')
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
    })
    const client = testClient({ fetch })
    await client.admin().createTopic({ topic })
    await client.producer().sendBatch(['first', 'second'].map((value) => ({ topic, value })))
    const records = await collect(client.tail(topic, { fromOffset: 'earliest' }), 2)
    expect(records.map((r) => r.value)).toEqual(['first', 'second'])
    expect(requests.filter((r) => r.url.includes('/stream')).map((r) => r.headers['last-event-id'])).toEqual([undefined, '0:0'])
  })

  it('fails with the server error when the stream cannot be opened, and refuses bad options at once', async () => {
    const client = testClient()
    const missing = uniqueTopic('tail-missing')
    await expect(collect(client.tail(missing), 1)).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    await expect(collect(client.tail(missing, { fromOffset: -1 }), 1)).rejects.toBeInstanceOf(KafdoError)
  })

  it('ends when its signal aborts', async () => {
    const client = testClient()
    const topic = uniqueTopic('tail-abort')
    await client.admin().createTopic({ topic })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 200)
    const records = []
    for await (const record of client.tail(topic, { signal: controller.signal })) records.push(record)
    expect(records).toEqual([])
  })
})

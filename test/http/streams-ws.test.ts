/**
 * Live tailing over a WebSocket (`/topics/:t/ws`): the log in frames, confirmed by the subscriber,
 * resumed from a position; queue leases pushed to a consumer and settled on the socket; the bound on
 * subscribers per partition; a subscriber that stops confirming dropped with a close code naming why.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app'
import { EventReader, openSocket, SocketReader } from '../support/streams'
import { createTopic, produceBatch, request, uniqueName } from '../support/http'

async function socket(path: string): Promise<SocketReader> {
  const opened = await openSocket(path)
  if (!(opened instanceof SocketReader)) throw new Error(`no upgrade: ${opened.status} ${await opened.text()}`)
  return opened
}

/** The app with these settings (the Worker under test reads wrangler.toml's). */
async function socketWith(settings: Record<string, string>, path: string): Promise<SocketReader | Response> {
  const response = await createApp().fetch(new Request(`http://kafdo.test${path}`, { headers: { upgrade: 'websocket' } }), { ...env, ...settings })
  return response.webSocket ? new SocketReader(response.webSocket) : response
}

describe('Streams > WebSocket tail', () => {
  it('delivers records produced after subscribing, in order, in frames the subscriber confirms', async () => {
    const topic = uniqueName('ws')
    await createTopic(topic)
    const ws = await socket(`/topics/${topic}/ws`)
    expect(await ws.next()).toEqual({ type: 'ready', partition: 0, next: 0, logStart: 0, highWatermark: 0 })
    await produceBatch(topic, [{ value: 1 }, { value: 2 }])
    await produceBatch(topic, [{ value: 3 }])
    const values: number[] = []
    while (values.length < 3) {
      const frame = await ws.next((f) => f.type === 'records')
      values.push(...frame.records.map((r: { value: number }) => r.value))
      ws.send({ type: 'received', next: frame.next })
    }
    expect(values).toEqual([1, 2, 3])
    ws.close()
  })

  it('resumes from ?lastEventId= with nothing lost or repeated', async () => {
    const topic = uniqueName('ws-resume')
    await createTopic(topic, 2)
    await produceBatch(topic, [
      { key: 'a', value: 'a0' },
      { key: 'b', value: 'b0' },
      { key: 'a', value: 'a1' },
    ])
    const first = await socket(`/topics/${topic}/ws?offset=earliest`)
    const seen = new Map<number, number>()
    let count = 0
    while (count < 3) {
      const frame = await first.next((f) => f.type === 'records')
      for (const record of frame.records) seen.set(frame.partition, record.offset)
      count += frame.records.length
    }
    first.close()
    await produceBatch(topic, [
      { key: 'a', value: 'a2' },
      { key: 'b', value: 'b1' },
    ])
    const position = [...seen].map(([p, o]) => `${p}:${o}`).join(',')
    const second = await socket(`/topics/${topic}/ws?lastEventId=${position}`)
    const got: string[] = []
    while (got.length < 2) got.push(...(await second.next((f) => f.type === 'records')).records.map((r: { value: string }) => r.value))
    expect(got.sort()).toEqual(['a2', 'b1'])
    second.close()
  })

  it('refuses more subscribers than a partition takes, and takes one again once another leaves', async () => {
    const topic = uniqueName('ws-limit')
    await createTopic(topic)
    const settings = { STREAM_MAX_SUBSCRIBERS: '2' }
    const a = (await socketWith(settings, `/topics/${topic}/ws`)) as SocketReader
    const sse = new EventReader(await createApp().fetch(new Request(`http://kafdo.test/topics/${topic}/stream`), { ...env, ...settings }))
    await a.next()
    await sse.take(1, 'ready')
    const refused = (await socketWith(settings, `/topics/${topic}/ws`)) as Response
    expect(refused.status).toBe(429)
    expect(await refused.json()).toEqual({
      error: {
        code: 'TOO_MANY_SUBSCRIBERS',
        message: `partition 0 of topic '${topic}' has 2 live subscribers, as many as it takes`,
        details: { limit: 2 },
      },
    })
    const refusedSse = await createApp().fetch(new Request(`http://kafdo.test/topics/${topic}/stream`), { ...env, ...settings })
    expect(refusedSse.status).toBe(429)
    a.close()
    await a.closing()
    let again: SocketReader | Response | undefined
    for (let attempt = 0; attempt < 100; attempt++) {
      again = await socketWith(settings, `/topics/${topic}/ws`)
      if (again instanceof SocketReader) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(again).toBeInstanceOf(SocketReader)
    ;(again as SocketReader).close()
    await sse.cancel()
  })

  it('drops a subscriber that stops confirming once it falls too far behind, never holding the partition', async () => {
    const topic = uniqueName('ws-slow')
    await createTopic(topic)
    const slow = (await socketWith({ STREAM_MAX_BEHIND_RECORDS: '5' }, `/topics/${topic}/ws`)) as SocketReader
    const keeping = await socket(`/topics/${topic}/ws`)
    await slow.next()
    // Eight frames unconfirmed fill its window; it gets no ninth.
    for (let n = 0; n < 8; n++) {
      await produceBatch(topic, [{ value: n }])
      await slow.next((f) => f.type === 'records')
    }
    const started = Date.now()
    await produceBatch(topic, [{ value: 8 }, { value: 9 }, { value: 10 }])
    await produceBatch(topic, [{ value: 11 }, { value: 12 }, { value: 13 }])
    expect(await slow.closing()).toEqual({ code: 4008, reason: 'SLOW_SUBSCRIBER: over 5 records behind; resume from the last one received' })
    expect(Date.now() - started).toBeLessThan(10_000)
    // The others go on: the partition took every append meanwhile.
    const values: number[] = []
    while (values.length < 14) {
      const frame = await keeping.next((f) => f.type === 'records')
      values.push(...frame.records.map((r: { value: number }) => r.value))
      keeping.send({ type: 'received', next: frame.next })
    }
    expect(values).toEqual(Array.from({ length: 14 }, (_, n) => n))
    keeping.close()
  })

  it('answers a message it cannot take with an error frame and stays open', async () => {
    const topic = uniqueName('ws-bad')
    await createTopic(topic)
    const ws = await socket(`/topics/${topic}/ws`)
    await ws.next()
    ws.socket.send('not json')
    expect(await ws.next((f) => f.type === 'error')).toEqual({ type: 'error', error: { code: 'INVALID_REQUEST', message: 'a message must be JSON' } })
    ws.send({ type: 'ack', leaseIds: ['0:0:abcd'] })
    expect((await ws.next((f) => f.type === 'error')).error).toEqual({
      code: 'INVALID_REQUEST',
      message: 'leases are settled on a queue socket (mode=queue)',
    })
    await produceBatch(topic, [{ value: 'still here' }])
    expect((await ws.next((f) => f.type === 'records')).records[0].value).toBe('still here')
    ws.close()
  })

  it('refuses a plain GET, and queue options without mode=queue', async () => {
    const topic = uniqueName('ws-get')
    await createTopic(topic)
    const plain = await request('GET', `/topics/${topic}/ws`)
    expect(plain.status).toBe(400)
    expect(plain.body.error.message).toContain('WebSocket upgrade')
    const mixed = (await openSocket(`/topics/${topic}/ws?group=g`)) as Response
    expect(mixed.status).toBe(400)
  })
})

describe('Streams > queue leases over a WebSocket', () => {
  it('pushes leases up to maxInFlight, takes acks and nacks on the socket, and pushes more as they settle', async () => {
    const queue = uniqueName('wsq')
    expect((await request('POST', '/queues', { name: queue, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 3 } })).status).toBe(201)
    const ws = await socket(`/topics/${queue}/ws?mode=queue&consumerId=pusher&maxInFlight=2`)
    expect(await ws.next()).toEqual({ type: 'ready', partition: 0, mode: 'queue', group: 'default', consumerId: 'pusher' })
    await request('POST', `/queues/${queue}/messages`, { messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] })

    const first = await ws.next((f) => f.type === 'leases')
    expect(first.messages.map((m: { value: string }) => m.value)).toEqual(['a', 'b'])
    expect(first.messages[0]).toMatchObject({ partition: 0, offset: 0, deliveryCount: 1, leaseId: expect.stringMatching(/^0:0:/) })
    const stats = await request('GET', `/queues/${queue}`)
    expect(stats.body.stats).toMatchObject({ inFlight: 2, ready: 1 })

    ws.send({ type: 'ack', id: 'r1', leaseIds: [first.messages[0].leaseId] })
    expect(await ws.next((f) => f.type === 'acked')).toEqual({ type: 'acked', partition: 0, id: 'r1', acked: 1 })
    // Room for one more: the third is pushed.
    const second = await ws.next((f) => f.type === 'leases')
    expect(second.messages.map((m: { value: string }) => m.value)).toEqual(['c'])

    ws.send({ type: 'nack', id: 'r2', leaseId: first.messages[1].leaseId, error: 'try later' })
    expect(await ws.next((f) => f.type === 'nacked')).toMatchObject({ type: 'nacked', id: 'r2', state: 'delayed' })
    // Redelivered at once (no delay): pushed again, its second attempt.
    const redelivered = await ws.next((f) => f.type === 'leases')
    expect(redelivered.messages).toEqual([expect.objectContaining({ value: 'b', deliveryCount: 2 })])

    ws.send({ type: 'ack', leaseIds: [second.messages[0].leaseId, redelivered.messages[0].leaseId] })
    expect((await ws.next((f) => f.type === 'acked')).acked).toBe(2)
    const after = await request('GET', `/queues/${queue}`)
    expect(after.body.stats).toMatchObject({ depth: 0, inFlight: 0, ready: 0 })
    ws.close()
  })

  it('answers a settle it cannot do with an error frame naming the code, changing nothing', async () => {
    const queue = uniqueName('wsq-bad')
    await request('POST', '/queues', { name: queue })
    const ws = await socket(`/topics/${queue}/ws?mode=queue&consumerId=one`)
    await request('POST', `/queues/${queue}/messages`, { value: 'x' })
    const leased = await ws.next((f) => f.type === 'leases')
    ws.send({ type: 'ack', id: 'x', leaseIds: ['0:0:ffffffffffff'] })
    expect(await ws.next((f) => f.type === 'error')).toMatchObject({ id: 'x', partition: 0, error: { code: 'UNKNOWN_LEASE' } })
    ws.send({ type: 'ack', id: 'y', leaseIds: ['7:0:ffffffffffff'] })
    expect(await ws.next((f) => f.type === 'error')).toMatchObject({ id: 'y', error: { code: 'UNKNOWN_LEASE' } })
    expect((await request('GET', `/queues/${queue}`)).body.stats).toMatchObject({ inFlight: 1 })
    ws.send({ type: 'ack', leaseIds: [leased.messages[0].leaseId] })
    expect((await ws.next((f) => f.type === 'acked')).acked).toBe(1)
    ws.close()
  })

  it('shares a queue between a pushed consumer and HTTP receivers without delivering a record twice', async () => {
    const queue = uniqueName('wsq-share')
    await request('POST', '/queues', { name: queue, partitions: 2 })
    const ws = await socket(`/topics/${queue}/ws?mode=queue&consumerId=pushed&maxInFlight=5`)
    await ws.next()
    await ws.next()
    await request('POST', `/queues/${queue}/messages`, { messages: Array.from({ length: 8 }, (_, n) => ({ key: `k${n}`, value: n })) })
    const pulled = await request('POST', `/queues/${queue}/receive`, { consumerId: 'puller', max: 8 })
    const pushed: number[] = []
    const deadline = Date.now() + 5_000
    while (pushed.length + pulled.body.messages.length < 8 && Date.now() < deadline) {
      const frame = await ws.next((f) => f.type === 'leases').catch(() => undefined)
      if (!frame) break
      pushed.push(...frame.messages.map((m: { value: number }) => m.value))
    }
    const all = [...pushed, ...pulled.body.messages.map((m: { value: number }) => m.value)]
    expect(all.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    ws.close()
  })
})

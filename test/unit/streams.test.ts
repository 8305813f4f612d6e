import { describe, expect, it } from 'vitest'
import { formatComment, formatEvent, SseParser } from '../../src/core/sse'
import { confirmed, hasRoom, sent, skipped, startFlow, tooFarBehind } from '../../src/core/stream-flow'
import { importTicketKey, signTicket, verifyTicket, type TicketClaims } from '../../src/core/stream-ticket'
import { formatPosition, parsePosition, streamRouteTopic } from '../../src/protocol/streams'

const limits = { windowFrames: 2, maxBehindRecords: 10 }

describe('Streams > flow control', () => {
  it('sends while the window has room, stops when it is full, and goes on as frames are confirmed', () => {
    let flow = startFlow(0)
    expect(hasRoom(flow, limits)).toBe(true)
    flow = sent(flow, 5, 5, limits)
    flow = sent(flow, 9, 9, limits)
    expect(flow).toEqual({ next: 9, unconfirmed: [5, 9], stalledAt: 9 })
    expect(hasRoom(flow, limits)).toBe(false)
    flow = confirmed(flow, 5, limits)
    expect(flow).toEqual({ next: 9, unconfirmed: [9], stalledAt: null })
    expect(confirmed(flow, 3, limits)).toBe(flow)
    expect(skipped(flow, 12).next).toBe(12)
  })

  it('is too far behind only once more than the limit was appended while its window stayed full', () => {
    let flow = sent(sent(startFlow(1_000), 1_500, 100_000, limits), 2_000, 100_000, limits)
    // Far behind the log end from the start (catching up) is fine: only what is appended while stalled counts.
    expect(tooFarBehind(flow, 100_000, limits)).toBe(false)
    expect(tooFarBehind(flow, 100_010, limits)).toBe(false)
    expect(tooFarBehind(flow, 100_011, limits)).toBe(true)
    flow = confirmed(flow, 1_500, limits)
    expect(tooFarBehind(flow, 200_000, limits)).toBe(false)
  })
})

describe('Streams > SSE', () => {
  it('writes events whose data may hold newlines, and comments', () => {
    expect(formatEvent({ id: '3', event: 'record', data: 'a\nb' })).toBe('id: 3\nevent: record\ndata: a\ndata: b\n\n')
    expect(formatComment('heart\nbeat')).toBe(': heart beat\n\n')
  })

  it('parses as EventSource does: any line ending, chunks split anywhere, comments, ids kept across events', () => {
    const text = 'retry: 500\r\n: hi\r\nid: 1\r\nevent: record\r\ndata: {"a":\r\ndata:1}\r\n\r\nid: 2\ndata: x\n\ndata: y\rid\r\r'
    const parser = new SseParser()
    const events = [...text].flatMap((char) => parser.push(char))
    expect(events).toEqual([
      { event: 'record', data: '{"a":\n1}', id: '1' },
      { event: 'message', data: 'x', id: '2' },
      { event: 'message', data: 'y', id: '' },
    ])
    expect(parser.retry).toBe(500)
    // An id alone dispatches nothing but moves the id a reconnect sends.
    const idOnly = new SseParser('7')
    expect(idOnly.push('id: 9\n\n')).toEqual([])
    expect(idOnly.lastEventId).toBe('9')
  })
})

describe('Streams > positions', () => {
  it('round-trips a partition stream id (an offset) and a topic stream id (partition:offset pairs)', () => {
    expect(formatPosition(new Map([[2, 41]]), 2)).toBe('41')
    expect(parsePosition('41', 2)).toEqual(new Map([[2, 41]]))
    const position = new Map([
      [1, 7],
      [0, -1],
    ])
    expect(formatPosition(position)).toBe('0:-1,1:7')
    expect(parsePosition('0:-1,1:7')).toEqual(
      new Map([
        [0, -1],
        [1, 7],
      ]),
    )
    expect(parsePosition('0:4,1:7', 1)).toEqual(new Map([[1, 7]]))
    for (const bad of ['', 'x', '1:', ':1', '1:2,', '41']) expect(parsePosition(bad)).toBeUndefined()
  })

  it('names the topic of the stream routes a ticket may open, and of nothing else', () => {
    expect(streamRouteTopic('/topics/orders/stream')).toBe('orders')
    expect(streamRouteTopic('/topics/orders/partitions/3/stream')).toBe('orders')
    expect(streamRouteTopic('/topics/orders/ws')).toBe('orders')
    for (const path of ['/topics/orders/produce', '/topics/../stream', '/topics/orders/stream/', '/admin/topics'])
      expect(streamRouteTopic(path)).toBeUndefined()
  })
})

describe('Streams > tickets', () => {
  const claims: TicketClaims = { sub: 'u', via: 'jwt', home: 't', tenant: 't', grants: ['consume@x'], path: '/topics/x/stream', exp: 2_000 }

  it('verifies what it signed until it expires, and nothing signed with another key', async () => {
    const key = await importTicketKey(new Uint8Array(32).fill(1))
    const ticket = await signTicket(claims, key)
    expect(await verifyTicket(ticket, key, 1_999)).toEqual({ ok: true, claims })
    expect(await verifyTicket(ticket, key, 2_000)).toEqual({ ok: false, reason: 'ticket expired' })
    const other = await importTicketKey(new Uint8Array(32).fill(2))
    expect(await verifyTicket(ticket, other, 1_000)).toEqual({ ok: false, reason: 'ticket signature verification failed' })
    expect(await verifyTicket('kt1.!!.??', key, 1_000)).toEqual({ ok: false, reason: 'ticket signature verification failed' })
    expect(await verifyTicket('kt1.a.b.c', key, 1_000)).toEqual({ ok: false, reason: 'malformed ticket' })
  })
})

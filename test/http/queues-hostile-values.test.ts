import { runInDurableObject } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeRecordBody } from '../../src/core/record-codec'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { fetchMessages, request, uniqueName } from '../support/http'
import { ack, createQueue, fastRetry, nack, partition, receiveRaw, reject, send, type Leased } from '../support/queues'

/**
 * Hostile values and stored texts, put straight into the partitions (the HTTP edge may refuse some of
 * them), then through receive, ack/nack/reject, DLQ inspection and re-drive: never a 5xx, and every
 * record ends up exactly once where it should.
 */

/**
 * A value nested `levels` deep, which fast-check prints by its shape: printing it whole would overflow the
 * stack and hide the failure it is reported for.
 */
const nested = (levels: number, open: string, close: string, inner = 'null') => {
  const value: object = JSON.parse(`${open.repeat(levels)}${inner}${close.repeat(levels)}`)
  Object.defineProperty(value, fc.toStringMethod, { value: () => `${open}…${inner}…${close} (${levels} levels)` })
  return value
}
const codeUnits = fc.array(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  { maxLength: 24 },
)

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 1, max: 20_000 }).map((n) => nested(n, '[', ']', '')),
  fc.integer({ min: 1, max: 5_000 }).map((n) => nested(n, '{"a":', '}')),
  fc.integer({ min: 1, max: 2_000 }).map((n) => nested(n, '{"__proto__":', '}', '{"polluted":true}')),
  fc.integer({ min: 100_000, max: 400_000 }).map((n) => 'x'.repeat(n)),
  codeUnits.map((units) => units.join('')),
  fc.constantFrom('NaN', 'Infinity', '-0', '1e999', 'undefined', 'null', '\ud800', '\udfff\ud800', '\u0000', '\u2028\u2029'),
  fc.constantFrom(
    JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
    JSON.parse('{"toString":"x","valueOf":1,"hasOwnProperty":null,"then":"y"}'),
    JSON.parse('[{"offset":7,"timestamp":1,"key":null,"value":1,"headers":{}}]'),
    -0,
    Number.MAX_VALUE,
    null,
  ),
  fc.jsonValue(),
)
const hostileKey = fc.oneof(
  fc.constantFrom(null, '', '__proto__', 'constructor', 'NaN', '\ud800'),
  codeUnits.map((u) => u.join('')),
)
const hostileHeaders = fc.constantFrom({}, JSON.parse('{"__proto__":"p","constructor":"c","toString":"t"}'), { 'a\ud800': '\udfff' })

type Action = 'ack' | 'nack' | 'reject'
const sample = fc.array(fc.record({ value: hostileValue, key: hostileKey, headers: hostileHeaders, partition: fc.nat(1) }), {
  minLength: 1,
  maxLength: 4,
})
const actions = fc.array(fc.constantFrom<Action>('ack', 'nack', 'reject'), { minLength: 4, maxLength: 4 })

/**
 * Whether two JSON values are equal, compared with a stack of our own: JSON.stringify recurses, and in the
 * test runner's deeper stack it overflows on values some thousands of levels deep.
 */
function same(a: unknown, b: unknown): boolean {
  const pending: Array<[unknown, unknown]> = [[a, b]]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [x, y] = next
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
      if (x !== y) return false
      continue
    }
    if (Array.isArray(x) !== Array.isArray(y)) return false
    const xKeys = Object.keys(x)
    if (xKeys.length !== Object.keys(y).length) return false
    for (const key of xKeys) {
      if (!Object.hasOwn(y, key)) return false
      pending.push([(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]])
    }
  }
  return true
}

/** Receives until a receive comes back empty; every answer must be a 200. */
async function drain(queue: string, consumerId: string): Promise<Leased[]> {
  const all: Leased[] = []
  for (;;) {
    const res = await receiveRaw(queue, consumerId, { max: 3 })
    // The body is shown only on failure: it may hold values too deep to stringify here.
    if (res.status !== 200) expect(res.status, JSON.stringify(res.body.error)).toBe(200)
    if (res.body.messages.length === 0) return all
    all.push(...res.body.messages)
  }
}

describe('Queues > hostile values', () => {
  it('deliver, settle, dead-letter, inspect and re-drive without a 5xx, losing or doubling nothing', async () => {
    await fc.assert(
      fc.asyncProperty(sample, actions, async (records, plan) => {
        const name = uniqueName('hostile')
        await createQueue({ name, partitions: 2, retry: fastRetry(1) })
        const byId = new Map<string, { value: unknown; key: string | null; action: Action }>()
        for (const [i, record] of records.entries()) {
          const id = String(i)
          const { ref, stub } = await partition(name, record.partition)
          const body = encodeRecordBody({ key: record.key, value: record.value, headers: { ...record.headers, id } })
          const appended = await stub.append(ref, { records: [{ body, bytes: body.length }] })
          expect(appended.ok).toBe(true)
          byId.set(id, { value: record.value, key: record.key, action: plan[i]! })
        }

        const received = await drain(name, 'c')
        expect(received.map((m) => m.headers.id).sort()).toEqual([...byId.keys()].sort())
        for (const message of received) {
          const expected = byId.get(message.headers.id!)!
          expect(same(message.value, expected.value)).toBe(true)
          expect(message.key).toBe(expected.key)
          const settled =
            expected.action === 'ack'
              ? await ack(name, 'c', [message.leaseId])
              : expected.action === 'nack'
                ? await nack(name, 'c', message.leaseId)
                : await reject(name, 'c', message.leaseId)
          expect(settled.status).toBe(200)
        }

        for (const p of [0, 1]) expect((await fetchMessages(name, p)).status).toBe(200)
        const dead = [...byId].filter(([, r]) => r.action !== 'ack').map(([id]) => id)
        const inspected = await request('GET', `/queues/${name}/dlq`)
        if (dead.length === 0) return
        expect(inspected.status).toBe(200)
        const letters = inspected.body.messages as Leased[]
        expect(letters.map((m) => m.headers.id).sort()).toEqual(dead.sort())
        for (const letter of letters) expect(same(letter.value, byId.get(letter.headers.id!)!.value)).toBe(true)

        const redrive = await request('POST', `/queues/${name}/dlq/redrive`, {})
        // A produce-time limit may refuse some values: a clear 4xx that writes nothing.
        expect(redrive.status === 200 || (redrive.status >= 400 && redrive.status < 500), JSON.stringify(redrive.body)).toBe(true)
        const again = await drain(name, 'c2')
        if (redrive.status === 200) {
          expect(again.map((m) => m.headers.id).sort()).toEqual(dead.sort())
          for (const m of again) expect(same(m.value, byId.get(m.headers.id!)!.value)).toBe(true)
        } else expect(again).toEqual([])
        expect((await request('GET', `/queues/${name}/dlq`)).body.messages).toHaveLength(dead.length)
      }),
      { numRuns: 12 },
    )
  }, 120_000)

  it('answers dead letters and queue messages whose values nest thousands of levels as they are stored', async () => {
    // fast-check's counterexample (seed 855927771): inspecting these dead letters answered 500, JSON.stringify overflowed.
    const name = uniqueName('deep-dlq')
    await createQueue({ name, partitions: 2, retry: fastRetry(1) })
    const values = [nested(5073, '[', ']', ''), { 0: '' }]
    const { ref, stub } = await partition(name)
    for (const [i, value] of values.entries()) {
      const body = encodeRecordBody({ key: null, value, headers: { id: String(i) } })
      expect((await stub.append(ref, { records: [{ body, bytes: body.length }] })).ok).toBe(true)
    }
    const read = await request('GET', `/queues/${name}/messages`)
    expect(read.status).toBe(200)
    expect((read.body.messages as Leased[]).map((m) => [m.partition, m.offset, m.headers.id])).toEqual([
      [0, 0, '0'],
      [0, 1, '1'],
    ])
    expect(same(read.body.messages[0].value, values[0])).toBe(true)

    for (const leased of await drain(name, 'c')) expect((await reject(name, 'c', leased.leaseId)).status).toBe(200)
    const inspected = await request('GET', `/queues/${name}/dlq`)
    expect(inspected.status).toBe(200)
    const letters = inspected.body.messages as Leased[]
    expect(letters.map((m) => m.headers.id)).toEqual(['0', '1'])
    expect(same(letters[0]!.value, values[0])).toBe(true)
    expect(letters[1]!.value).toEqual({ 0: '' })
    expect(letters[0]!.headers['kafdo-dlq-original-offset']).toBe('0')
    // Re-driving it is refused at produce (more than 128 levels), and writes nothing.
    expect((await request('POST', `/queues/${name}/dlq/redrive`, {})).status).toBe(400)
    expect(await drain(name, 'c2')).toEqual([])
  })

  it('a stored record garbled in place is dead-lettered, and its batch neighbours are delivered once', async () => {
    const garbage = fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', 'a', '1', ' '), maxLength: 30 })
    await fc.assert(
      fc.asyncProperty(garbage, fc.nat(2), fc.boolean(), async (junk, victim, keepPositions) => {
        const name = uniqueName('garbled')
        await createQueue({ name, retry: fastRetry(1) })
        await send(name, [{ value: 0 }, { value: 1 }, { value: 2 }])
        const now = Date.now()
        const texts = [0, 1, 2].map((i) =>
          i === victim
            ? `{"offset":${i},"timestamp":${now},"key":null,"value":${junk},"headers":{}}`
            : `{"offset":${i},"timestamp":${now},"key":null,"value":${i},"headers":{}}`,
        )
        const positions = keepPositions ? texts.map((_, i) => 1 + texts.slice(0, i).reduce((n, t) => n + t.length + 1, 0)).join(',') : null
        const { stub } = await partition(name)
        await runInDurableObject(stub, (_i: TopicPartitionDO, state) => {
          state.storage.sql.exec('UPDATE batches SET payload = ?, positions = ? WHERE base_offset = 0', `[${texts.join(',')}]`, positions)
        })
        const received = await drain(name, 'c')
        const offsets = received.map((m) => m.offset)
        expect(new Set(offsets).size).toBe(offsets.length)
        for (const i of [0, 1, 2].filter((i) => i !== victim)) expect(received.find((m) => m.offset === i)?.value).toBe(i)
        const letters = (await request('GET', `/queues/${name}/dlq`)).body?.messages ?? []
        const victimDelivered = offsets.includes(victim)
        expect(letters.map((m: Leased) => m.headers['kafdo-dlq-original-offset'])).toEqual(victimDelivered ? [] : [String(victim)])
      }),
      { numRuns: 25 },
    )
  }, 120_000)
})

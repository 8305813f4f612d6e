import { env, runDurableObjectAlarm } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { encodeRecordBody, utf8Length } from '../../src/core/record-codec'
import { auditValueSchema } from '../../src/protocol/audit'
import { MAX_VALUE_DEPTH } from '../../src/protocol/limits'
import type { FetchedRecord } from '../../src/protocol/records'
import { partitionStub } from '../../src/services/stubs'
import { requireTopic } from '../../src/services/topic-cache'
import { createTopic, expectErrorShape, fetchMessages, latestOffsets, produceBatch, request, uniqueName } from '../support/http'

/**
 * The read paths over hostile stored values, with hostile requests: fetch with every query parameter
 * (and the path) fuzzed, compaction of hostile keys and values driven through the alarm, and the audit
 * reader over values that are not audit entries. Never a 500; a refusal has the one error shape; what a
 * read answers is exactly what was written.
 */

const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels))
const hostileKey = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
  fc.constantFrom(null, '', '__proto__', 'constructor', 'toString', '\u0000', '\ud800', 'k'.repeat(4096)),
)
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(
    null,
    nested(MAX_VALUE_DEPTH),
    { __proto__: null, constructor: 1 },
    JSON.parse('{"__proto__":{"polluted":true}}'),
    '\u2028\u2029</script>',
    'x'.repeat(20_000),
  ),
)
const hostileRecord = fc.oneof(
  fc.record({
    key: hostileKey,
    value: hostileValue,
    headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  }),
  fc.record({ key: hostileKey, value: fc.base64String({ maxLength: 40 }), valueEncoding: fc.constant('base64' as const) }),
)

/** What a fetch must answer for a produced record: the body as produced, JSON round-tripped. */
function asStored(record: { key: string | null; value: unknown; headers?: Record<string, string>; valueEncoding?: 'base64' }) {
  return JSON.parse(
    `{${encodeRecordBody({ key: record.key, value: record.value, headers: record.headers ?? {}, ...(record.valueEncoding ? { valueEncoding: record.valueEncoding } : {}) })}}`,
  )
}
const bodyOf = ({ offset: _o, timestamp: _t, expiresAt: _e, ...body }: FetchedRecord) => body

async function partitionOf(topic: string) {
  const meta = await requireTopic(env, DEFAULT_TENANT, topic, true)
  const ref = { tenant: DEFAULT_TENANT, topic, topicId: meta.topicId, partition: 0 }
  return { ref, stub: partitionStub(env, ref) }
}

describe('Security > fuzzed reads', () => {
  it('fetch answers hostile query strings and paths without a 500, and returns records exactly as written', async () => {
    const topic = uniqueName('fuzzfetch')
    await createTopic(topic, 2)
    const records = fc.sample(hostileRecord, { numRuns: 40, seed: 7 })
    const written = new Map<string, unknown>()
    for (let i = 0; i < records.length; i += 10) {
      const batch = records.slice(i, i + 10).map((record, j) => ({ ...record, partition: (i + j) % 2 }))
      const res = await produceBatch(topic, batch)
      expect(res.status).toBe(200)
      res.body.results.forEach((r: { partition: number; offset: number }, j: number) =>
        written.set(`${r.partition}/${r.offset}`, asStored(batch[j]!)),
      )
    }
    const before = await latestOffsets(topic)
    // Mostly plausible values, so that many requests are answered and their records checked.
    const number = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 40 }).map(String) },
      { weight: 1, arbitrary: fc.constantFrom('', 'abc', '-1', '1e309', '-0', '0x10', '1.5', '9007199254740993', 'NaN', ' 1', '%00') },
    )
    const param = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom('offset'), fc.oneof(number, fc.constantFrom('earliest', 'latest', 'EARLIEST'))) },
      {
        weight: 2,
        arbitrary: fc.tuple(
          fc.constantFrom('timestamp'),
          fc.oneof(number, fc.constantFrom('2024-01-01T00:00:00Z', '1960-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2024-02-30T00:00:00Z')),
        ),
      },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom('limit', 'maxBytes'), number) },
      // A valid wait at the end of the log would only delay the answer; every other value is fuzzed.
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('maxWaitMs'), fc.constantFrom('0', '0', '-1', '30001', 'abc', '0.5', '')) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom('reset'), fc.constantFrom('earliest', 'latest', 'none', 'smallest', '')) },
      { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })) },
    )
    const partitionParam = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('0', '1') }, number, fc.constantFrom('2', '-1', '1e3', '01', '%2F'))
    const topicParam = fc.oneof({ weight: 6, arbitrary: fc.constant(topic) }, fc.constantFrom('__audit', 'no-such-topic', '%00', 'a'.repeat(300)))
    await fc.assert(
      fc.asyncProperty(fc.array(param, { maxLength: 4 }), partitionParam, topicParam, async (pairs, partition, name) => {
        const query = new URLSearchParams(pairs).toString()
        const res = await request('GET', `/topics/${name}/partitions/${partition}/messages?${query}`)
        expect(res.status, `${name}/${partition}?${query}`).toBeLessThan(500)
        if (res.status >= 400) return expectErrorShape(res)
        expect(res.status).toBe(200)
        if (name !== topic) return // the trail, readable by this (admin) caller
        let previous = -1
        for (const message of res.body.messages as FetchedRecord[]) {
          expect(message.offset).toBeGreaterThan(previous)
          previous = message.offset
          expect(bodyOf(message)).toEqual(written.get(`${res.body.partition}/${message.offset}`))
        }
      }),
      { numRuns: 250 },
    )
    expect(await latestOffsets(topic)).toEqual(before)
  })

  it('compaction of hostile keys and values keeps every key\u2019s latest record and changes no record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(hostileRecord, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(0, 86_400_000),
        async (batches, deleteRetentionMs) => {
          const topic = uniqueName('fuzzcompact')
          await createTopic(topic, 1, { 'cleanup.policy': 'compact', 'delete.retention.ms': deleteRetentionMs })
          const written: unknown[] = []
          for (const batch of batches) {
            expect((await produceBatch(topic, batch)).status).toBe(200)
            written.push(...batch.map(asStored))
          }
          const { stub } = await partitionOf(topic)
          expect(await runDurableObjectAlarm(stub)).toBe(true)
          await runDurableObjectAlarm(stub)
          const res = await fetchMessages(topic, 0, 'offset=earliest&limit=10000')
          expect(res.status).toBe(200)
          expect(res.body.highWatermark).toBe(written.length)
          const kept = new Map((res.body.messages as FetchedRecord[]).map((m) => [m.offset, bodyOf(m)]))
          for (const [offset, body] of kept) expect(body).toEqual(written[offset])
          const latest = new Map<string, number>()
          written.forEach((body, offset) => {
            const key = (body as { key: string | null }).key
            if (key === null) expect(kept.has(offset)).toBe(true)
            else latest.set(key, offset)
          })
          for (const offset of latest.values()) {
            const tombstone = (written[offset] as { value: unknown }).value === null
            if (!tombstone || deleteRetentionMs > 0) expect(kept.has(offset)).toBe(true)
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('the audit reader answers 200 over values that are not entries, listing only real entries', async () => {
    expect((await request('POST', '/admin/topics', { topic: uniqueName('audited') })).status).toBe(201)
    const { ref, stub } = await partitionOf('__audit')
    const entryish = fc.record(
      {
        actor: fc.oneof(
          fc.record({ subject: fc.oneof(fc.string(), fc.jsonValue()), via: fc.oneof(fc.constantFrom('jwt', 'apikey', 'none'), fc.jsonValue()) }),
          fc.jsonValue(),
        ),
        action: fc.oneof(fc.constantFrom('topic:create', 'produce'), fc.jsonValue()),
        result: fc.oneof(fc.constantFrom('success', 'denied', 'failure'), fc.jsonValue()),
        requestId: fc.oneof(fc.string(), fc.jsonValue()),
        details: fc.jsonValue(),
        time: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.jsonValue(),
        ),
      },
      { requiredKeys: [] },
    )
    const values = fc.sample(fc.oneof(entryish, hostileValue), { numRuns: 120, seed: 11 })
    const records = values.map((value) => {
      const body = encodeRecordBody({ key: 'x', value, headers: {} })
      return { body, bytes: utf8Length(body) }
    })
    for (let i = 0; i < records.length; i += 40) expect((await stub.append(ref, { records: records.slice(i, i + 40) })).ok).toBe(true)

    const whole = await request('GET', '/admin/audit?limit=1000')
    expect(whole.status).toBe(200)
    const [total] = await latestOffsets('__audit')
    expect(whole.body.entries.length + whole.body.skipped).toBe(total)
    const word = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('topic:create', 'produce', 'success', 'denied', 'anonymous', '-1', '1e309', '2024-01-01T00:00:00Z', ''),
    )
    const pair = fc.tuple(fc.constantFrom('action', 'result', 'subject', 'since', 'offset', 'limit', 'x'), word)
    await fc.assert(
      fc.asyncProperty(fc.array(pair, { maxLength: 4 }), async (pairs) => {
        const res = await request('GET', `/admin/audit?${new URLSearchParams(pairs)}`)
        expect(res.status).toBeLessThan(500)
        if (res.status >= 400) return expectErrorShape(res)
        expect(Number.isInteger(res.body.skipped) && res.body.skipped >= 0).toBe(true)
        // A repeated parameter counts once, by its first value (as Hono's c.req.query reads it).
        const params = new URLSearchParams(pairs)
        const filter = { action: params.get('action') ?? undefined, subject: params.get('subject') ?? undefined }
        for (const { offset, ...entry } of res.body.entries) {
          expect(Number.isInteger(offset)).toBe(true)
          expect(auditValueSchema.strict().safeParse(entry).success).toBe(true)
          if (filter.action !== undefined) expect(entry.action).toBe(filter.action)
          if (filter.subject !== undefined) expect(entry.actor.subject).toBe(filter.subject)
        }
      }),
      { numRuns: 150 },
    )
  })
})

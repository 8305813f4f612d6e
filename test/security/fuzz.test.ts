import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTopic, latestOffsets, request, uniqueName } from '../support/http'

/** Random bodies and query strings: the API answers with a 4xx, never a 500, and a refusal writes nothing. */

const jsonish = fc.oneof(
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc
    .record({ key: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), value: fc.jsonValue(), headers: fc.jsonValue() })
    .map((v) => JSON.stringify(v)),
  fc
    .record({ records: fc.array(fc.jsonValue(), { maxLength: 5 }), producerId: fc.jsonValue(), sequence: fc.jsonValue() })
    .map((v) => JSON.stringify(v)),
)

describe('Security > fuzzed input', () => {
  it('produce: never a 500, and a refused request writes nothing', async () => {
    const topic = uniqueName('fuzz')
    await createTopic(topic, 2)
    await fc.assert(
      fc.asyncProperty(jsonish, fc.boolean(), async (body, batch) => {
        const before = await latestOffsets(topic)
        const res = await request('POST', `/topics/${topic}/${batch ? 'produce-batch' : 'produce'}`, body)
        expect(res.status).toBeLessThan(500)
        if (res.status >= 400) {
          expect(res.body.error.code).toEqual(expect.any(String))
          expect(await latestOffsets(topic)).toEqual(before)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('fetch: never a 500 for any query string', async () => {
    const topic = uniqueName('fuzzq')
    await createTopic(topic, 1)
    const key = fc.constantFrom('offset', 'limit', 'maxBytes', 'maxWaitMs', 'timestamp', 'reset', 'x')
    const value = fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String), fc.constantFrom('earliest', 'latest', '-1', '1e309', ''))
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 4 }), async (pairs) => {
        const query = new URLSearchParams(pairs.map(([k, v]) => [k, k === 'maxWaitMs' ? '0' : v])).toString()
        const res = await request('GET', `/topics/${topic}/partitions/0/messages?${query}`)
        expect(res.status).toBeLessThan(500)
      }),
      { numRuns: 150 },
    )
  })

  it('commit and admin bodies: never a 500, and nothing created by a refused request', async () => {
    const topic = uniqueName('fuzzc')
    await createTopic(topic, 1)
    const group = uniqueName('g')
    await fc.assert(
      fc.asyncProperty(jsonish, async (body) => {
        const commit = await request('POST', `/consumer-groups/${group}/commit`, body)
        expect(commit.status).toBeLessThan(500)
        const before = (await request('GET', '/admin/topics')).body.topics.length
        const created = await request('POST', '/admin/topics', body)
        expect(created.status).toBeLessThan(500)
        if (created.status >= 400) expect((await request('GET', '/admin/topics')).body.topics.length).toBe(before)
        const queue = await request('POST', '/queues', body)
        expect(queue.status).toBeLessThan(500)
        const join = await request('POST', `/consumer-groups/${group}/join`, body)
        expect(join.status).toBeLessThan(500)
      }),
      { numRuns: 100 },
    )
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expectErrorShape, request, uniqueName } from '../support/http'

/**
 * The admin routes with random methods, path parameters, query strings and bodies, acting in a tenant of
 * their own: never a 500, every refusal in the one error shape, and a refused request changes nothing
 * the tenant has (topics, groups, API keys, quotas).
 */

const hostileSegment = fc.oneof(
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2F', '%2e%2e', '.', '..', '__audit', '__x', 'a'.repeat(300), '0123456789abcdef', 'x-dlq'),
)
const hostileJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.string(), fc.constant(undefined))
const hostileBody = fc.oneof(
  fc.string(),
  fc.json({ maxDepth: 4 }),
  fc.constantFrom('', '{', '[]', 'null', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}', '['.repeat(50_000)),
  fc.record({ topic: hostileJson, partitions: hostileJson, config: hostileJson }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ count: hostileJson }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc
    .record({ topic: hostileJson, to: hostileJson, timestamp: hostileJson, offsets: hostileJson }, { requiredKeys: [] })
    .map((v) => JSON.stringify(v)),
  fc.record({ name: hostileJson, permissions: hostileJson, expiresInSeconds: hostileJson }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(fc.constantFrom('produceBytesPerSec', 'maxTopics', 'maxPartitions', 'maxRetentionMs', 'maxMessageBytes', 'x'), hostileJson)
    .map((v) => JSON.stringify(v)),
  fc
    .record({
      templates: fc.oneof(hostileJson, fc.array(fc.record({ name: hostileJson, partitions: hostileJson, config: hostileJson }), { maxLength: 3 })),
    })
    .map((v) => JSON.stringify(v)),
)
const queryValue = fc.oneof(
  fc.string(),
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('', '-1', '1e309', 'NaN', '9007199254740993', '2024-13-45T99:00:00Z', '2024-01-01T00:00:00Z', 'success', 'denied', '__audit'),
)
const queryString = fc
  .array(fc.tuple(fc.constantFrom('action', 'result', 'subject', 'since', 'offset', 'limit', 'group', 'dryRun', 'x', 'action'), queryValue), {
    maxLength: 4,
  })
  .map((pairs) => new URLSearchParams(pairs).toString())

/** The admin routes, with `:param` slots the fuzz fills. */
const ROUTES: Array<[string, string]> = [
  ['GET', '/admin/topics'],
  ['POST', '/admin/topics'],
  ['GET', '/admin/topics/:p'],
  ['DELETE', '/admin/topics/:p'],
  ['POST', '/admin/topics/:p/partitions'],
  ['GET', '/admin/topics/:p/offsets'],
  ['GET', '/admin/groups'],
  ['GET', '/admin/groups/:p'],
  ['POST', '/admin/groups/:p/reset-offsets'],
  ['DELETE', '/admin/groups/:p'],
  ['POST', '/admin/api-keys'],
  ['GET', '/admin/api-keys'],
  ['DELETE', '/admin/api-keys/:p'],
  ['GET', '/admin/audit'],
  ['GET', '/admin/quotas'],
  ['PUT', '/admin/quotas'],
  ['GET', '/admin/tenants'],
  ['POST', '/admin/tenants/:p/provision'],
  ['DELETE', '/admin/tenants/:p'],
  ['PATCH', '/admin/topics/:p'],
  ['PUT', '/admin/:p'],
]

describe('Security > fuzzed admin routes', () => {
  it('never answer 500, refuse in the one error shape, and change nothing when they refuse', async () => {
    const tenant = uniqueName('fuzz')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '')
    const inTenant = (path: string, query = '') => `${path}?tenant=${tenant}${query ? `&${query}` : ''}`
    const topic = uniqueName('kept')
    const group = uniqueName('group')
    expect((await request('POST', inTenant('/admin/topics'), { topic, partitions: 2 })).status).toBe(201)
    expect((await request('POST', inTenant(`/topics/${topic}/produce`), { key: 'k', value: { n: 1 } })).status).toBe(200)
    expect((await request('POST', inTenant(`/consumer-groups/${group}/commit`), { offsets: [{ topic, partition: 0, offset: 0 }] })).status).toBe(200)
    const snapshot = async () =>
      JSON.stringify(
        await Promise.all(
          ['/admin/topics', '/admin/groups', '/admin/api-keys', '/admin/quotas'].map(async (path) => (await request('GET', inTenant(path))).body),
        ),
      )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.oneof(hostileSegment, fc.constantFrom(topic, group, tenant)),
        fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), { freq: 4 }),
        queryString,
        hostileBody,
        async ([routeMethod, template], param, otherMethod, query, body) => {
          const method = otherMethod ?? routeMethod
          // Only the fuzz tenant may be deleted, and only its own resources changed.
          if (method === 'DELETE' && template.startsWith('/admin/tenants') && param !== encodeURIComponent(tenant)) return
          const before = await snapshot()
          const res = await request(method, inTenant(template.replace(':p', param), query), method === 'GET' ? undefined : body)
          expect(res.status, `${method} ${template} ${param} ${query} ${body}`).toBeLessThan(500)
          if (res.status >= 400) {
            expectErrorShape(res)
            expect(await snapshot()).toBe(before)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('sequences of admin changes never answer 500, and every change that succeeds is in the audit trail', async () => {
    const topicName = fc.constantFrom('t1', 't2')
    const small = fc.integer({ min: 0, max: 3 })
    const change = fc.oneof(
      fc.tuple(topicName, small).map(([t, n]) => ['POST', '/admin/topics', { topic: t, partitions: n + 1 }] as const),
      topicName.map((t) => ['DELETE', `/admin/topics/${t}`, undefined] as const),
      fc.tuple(topicName, small).map(([t, n]) => ['POST', `/admin/topics/${t}/partitions`, { count: n + 1 }] as const),
      fc.tuple(topicName, small).map(([t, n]) => ['POST', `/topics/${t}/produce-batch`, { records: [{ key: `k${n}`, value: n }] }] as const),
      fc
        .tuple(topicName, small)
        .map(([t, n]) => ['POST', '/consumer-groups/g/commit', { offsets: [{ topic: t, partition: n, offset: n }] }] as const),
      fc
        .tuple(topicName, small)
        .map(
          ([t, n]) =>
            [
              'POST',
              '/admin/groups/g/reset-offsets',
              n % 2 ? { topic: t, to: 'earliest' } : { topic: t, offsets: [{ partition: n, offset: n }] },
            ] as const,
        ),
      fc.constant(['DELETE', '/admin/groups/g', undefined] as const),
      fc
        .constantFrom({ maxTopics: 1 }, { maxPartitions: 2 }, { maxMessageBytes: 64 }, { maxRetentionMs: 1000 }, {})
        .map((quotas) => ['PUT', '/admin/quotas', quotas] as const),
      fc.constant(['POST', '/admin/api-keys', { name: 'k', permissions: ['topic:read'] }] as const),
      fc.constantFrom(
        ['GET', '/admin/groups/g', undefined] as const,
        ['GET', '/admin/topics', undefined] as const,
        ['GET', '/admin/audit', undefined] as const,
      ),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 12 }), async (changes) => {
        const tenant = uniqueName('seq').toLowerCase()
        const audited: string[] = []
        for (const [method, path, body] of changes) {
          const res = await request(method, `${path}?tenant=${tenant}`, body)
          expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500)
          if (res.status >= 400) expectErrorShape(res)
          else if (method !== 'GET' && !path.startsWith('/topics') && !path.startsWith('/consumer-groups'))
            audited.push(res.headers.get('x-request-id')!)
        }
        const trail = await request('GET', `/admin/audit?tenant=${tenant}&limit=1000`)
        expect(trail.status).toBe(200)
        expect(trail.body.skipped).toBe(0)
        const logged = new Set(
          trail.body.entries.filter((e: { result: string }) => e.result === 'success').map((e: { requestId: string }) => e.requestId),
        )
        for (const requestId of audited) expect(logged.has(requestId)).toBe(true)
      }),
      { numRuns: 40 },
    )
  })
})

import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createAdmin } from '../../src/api/admin'
import { createProducer } from '../../src/api/producer'
import { KafdoError } from '../../src/protocol/errors'
import { request } from '../support/http'
import { authEnv, BOOTSTRAP_API_KEY, call, token, unique, type Reply } from './support'

/**
 * `__` topics are Kafdo's own. Nobody (a tenant admin, a platform admin, AUTH_MODE=none, the in-Worker
 * producer) may write to one or create one; only a platform admin may delete or reconfigure one; and
 * Kafdo's own audit writer keeps writing the trail, recording each refused attempt.
 */

const appEnv = authEnv()
const bootstrap = { 'x-api-key': BOOTSTRAP_API_KEY }
const internalRefusal = (topic: string) => ({
  code: 'FORBIDDEN',
  message: `topic '${topic}' is internal: only Kafdo writes to it`,
  details: { topic, reason: 'internal topic' },
})

/** A tenant whose trail exists (its admin created a topic), and callers acting in it. */
async function tenantWithTrail() {
  const tenant = unique('tenant').toLowerCase()
  const tenantAdmin = await token({ sub: 'tenant-admin', tenant, roles: ['admin'] })
  const as = {
    tenantAdmin: (method: string, path: string, body?: unknown) =>
      call(appEnv, method, path, { token: tenantAdmin, ...(body !== undefined ? { body } : {}) }),
    platformAdmin: (method: string, path: string, body?: unknown) =>
      call(appEnv, method, `${path}${path.includes('?') ? '&' : '?'}tenant=${tenant}`, {
        headers: bootstrap,
        ...(body !== undefined ? { body } : {}),
      }),
  }
  expect((await as.tenantAdmin('POST', '/admin/topics', { topic: unique('orders') })).status).toBe(201)
  return { tenant, as }
}

const PRODUCE_ROUTES: Array<[string, string, unknown]> = [
  ['POST', '/topics/__audit/produce', { key: 'topic:delete', value: { action: 'topic:delete', forged: true } }],
  ['POST', '/topics/__audit/produce-batch', { records: [{ value: { forged: true } }] }],
  ['POST', '/queues/__audit/messages', { value: { forged: true } }],
  ['POST', '/queues/__audit/messages', { messages: [{ value: { forged: true } }] }],
  ['POST', '/queues/__audit/dlq/redrive', {}],
]

describe('Security > internal topics', () => {
  it('refuses every produce route to __audit for a tenant admin and a platform admin, and audits the attempts', async () => {
    const { as } = await tenantWithTrail()
    const before = await as.platformAdmin('GET', '/admin/audit?limit=1000')
    for (const caller of [as.tenantAdmin, as.platformAdmin]) {
      for (const [method, path, body] of PRODUCE_ROUTES) {
        const reply: Reply = await caller(method, path, body)
        expect(reply.status, path).toBe(403)
        expect(reply.body.error, path).toEqual(internalRefusal('__audit'))
      }
    }
    const after = await as.platformAdmin('GET', '/admin/audit?limit=1000')
    expect(after.status).toBe(200)
    expect(after.body.skipped).toBe(0)
    const added = after.body.entries.slice(before.body.entries.length)
    expect(added).toHaveLength(PRODUCE_ROUTES.length * 2)
    expect(added.every((e: { result: string; details: unknown }) => e.result === 'denied')).toBe(true)
    expect(added[0]).toMatchObject({
      action: 'produce',
      target: '__audit',
      actor: { subject: 'tenant-admin' },
      details: { reason: 'internal topic' },
    })
    expect(JSON.stringify(after.body)).not.toContain('forged')
  })

  it('refuses them with AUTH_MODE=none and in the in-Worker producer', async () => {
    expect((await request('GET', '/admin/topics')).status).toBe(200)
    await request('POST', '/admin/topics', { topic: unique('none') }) // the default tenant's trail now exists
    for (const [method, path, body] of PRODUCE_ROUTES) {
      const reply = await request(method, path, body)
      expect(reply.status, path).toBe(403)
      expect(reply.body.error).toEqual(internalRefusal('__audit'))
    }
    const producer = createProducer(env)
    for (const attempt of [
      () => producer.send({ topic: '__audit', value: 1 }),
      () =>
        producer.sendBatch([
          { topic: 'x', value: 1 },
          { topic: '__other', value: 1 },
        ]),
    ]) {
      const err = await attempt().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KafdoError)
      expect((err as KafdoError).code).toBe('FORBIDDEN')
      expect((err as KafdoError).details).toMatchObject({ reason: 'internal topic' })
    }
    const trail = await request('GET', '/admin/audit?limit=1000')
    expect(trail.body.skipped).toBe(0)
    expect(JSON.stringify(trail.body)).not.toContain('forged')
  })

  it('refuses to create a topic named __..., by any route, with 400 INVALID_TOPIC_EXCEPTION', async () => {
    const { tenant, as } = await tenantWithTrail()
    const reserved = { code: 'INVALID_TOPIC_EXCEPTION', details: { topic: '__mine', reason: 'reserved name' } }
    for (const caller of [as.tenantAdmin, as.platformAdmin]) {
      const topic = await caller('POST', '/admin/topics', { topic: '__mine' })
      expect(topic.status).toBe(400)
      expect(topic.body.error).toMatchObject(reserved)
      const queue = await caller('POST', '/queues', { name: '__mine' })
      expect(queue.status).toBe(400)
      expect(queue.body.error).toMatchObject(reserved)
    }
    const provision = await as.platformAdmin('POST', `/admin/tenants/${tenant}/provision`, { templates: [{ name: '__{tenant}', partitions: 1 }] })
    expect(provision.status).toBe(400)
    expect(provision.body.error).toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION', details: { topic: `__${tenant}` } })
    const inWorker = await createAdmin(env)
      .createTopic({ topic: '__mine' })
      .catch((e: unknown) => e)
    expect((inWorker as KafdoError).code).toBe('INVALID_TOPIC_EXCEPTION')
    const listed = await as.platformAdmin('GET', '/admin/topics')
    expect(listed.body.topics.map((t: { topic: string }) => t.topic).filter((name: string) => name.startsWith('__'))).toEqual([])
  })

  it('lets only a platform admin delete or reconfigure __audit, so a tenant admin cannot erase its own trail, and nobody adds partitions to it', async () => {
    const { as } = await tenantWithTrail()
    const changes: Array<[string, string, unknown?]> = [
      ['DELETE', '/admin/topics/__audit'],
      ['POST', '/admin/topics/__audit/partitions', { count: 2 }],
      ['PATCH', '/queues/__audit/config', { retentionMs: 1 }],
      ['DELETE', '/queues/__audit'],
    ]
    for (const [method, path, body] of changes) {
      const reply = await as.tenantAdmin(method, path, body)
      expect(reply.status, path).toBe(403)
      expect(reply.body.error, path).toMatchObject({ code: 'FORBIDDEN', details: { missing: 'platform:admin' } })
    }
    // Not even a platform admin grows it: the trail is read as one ordered partition.
    const grow = await as.platformAdmin('POST', '/admin/topics/__audit/partitions', { count: 2 })
    expect(grow.status).toBe(400)
    expect(grow.body.error).toEqual({
      code: 'INVALID_PARTITIONS',
      message: "topic '__audit' is internal: it keeps the 1 partition Kafdo made it with",
      details: { topic: '__audit', partitions: 1, reason: 'internal topic' },
    })
    const trail = await as.platformAdmin('GET', '/admin/topics/__audit')
    expect(trail.body.partitions).toHaveLength(1)
    expect(trail.body.config['retention.ms']).toBe(String(90 * 86_400_000))
    expect((await as.platformAdmin('GET', '/admin/audit?result=denied')).body.entries.length).toBeGreaterThanOrEqual(changes.length)
    expect((await as.platformAdmin('DELETE', '/admin/topics/__audit')).status).toBe(200)
  })

  it("keeps the trail whatever the tenant's quotas: they do not apply to internal topics", async () => {
    const tenant = unique('quota').toLowerCase()
    const asPlatform = (method: string, path: string, body?: unknown) =>
      call(appEnv, method, `${path}?tenant=${tenant}`, { headers: bootstrap, ...(body !== undefined ? { body } : {}) })
    expect((await asPlatform('PUT', '/admin/quotas', { maxMessageBytes: 64, maxRetentionMs: 1000 })).status).toBe(200)
    expect((await asPlatform('POST', '/admin/topics', { topic: 'small' })).status).toBe(201)
    const trail = await asPlatform('GET', '/admin/topics/__audit')
    expect(trail.body.config).toMatchObject({ 'max.message.bytes': '1048588', 'retention.ms': String(90 * 86_400_000) })
    const entries = await asPlatform('GET', '/admin/audit')
    expect(entries.body.entries.map((e: { action: string }) => e.action)).toEqual(['quotas:set', 'topic:create'])
  })
})

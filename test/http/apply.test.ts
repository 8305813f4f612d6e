import { runInDurableObject, env } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ClusterMetadataDO } from '../../src/durable-objects/cluster-metadata'
import { metadataStub } from '../../src/services/stubs'
import { request, uniqueName } from '../support/http'

/** Every test acts in a tenant of its own (AUTH_MODE=none is a platform admin), so pruning touches nothing else. */
const tenantOf = () => uniqueName('apply')
const apply = (tenant: string, document: unknown, flags = '') => request('POST', `/admin/apply?tenant=${tenant}${flags}`, document)
const get = (tenant: string, path: string) => request('GET', `${path}${path.includes('?') ? '&' : '?'}tenant=${tenant}`)
const topicsOf = async (tenant: string) => ((await get(tenant, '/admin/topics')).body.topics as Array<{ topic: string }>).map((t) => t.topic).sort()
const actions = (body: { items: Array<{ kind: string; name: string; action: string }> }) => body.items.map((i) => `${i.action} ${i.kind} ${i.name}`)

const ORDER_SCHEMA = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }

const document = () => ({
  version: 1,
  topics: { orders: { partitions: 3, config: { 'retention.ms': 86_400_000 } }, events: null },
  queues: { emails: { partitions: 2, visibilityTimeoutMs: 60_000, retry: { strategy: 'fixed', delayMs: 500, maxAttempts: 3 }, tags: ['team-a'] } },
  schemas: { 'orders-value': { schemaType: 'JSON', compatibility: 'BACKWARD', schema: ORDER_SCHEMA } },
  quotas: { maxTopics: 10 },
  apiKeys: { ingest: { permissions: ['produce@orders'] } },
})

afterEach(() => vi.restoreAllMocks())

describe('HTTP > POST /admin/apply > dry run', () => {
  it('answers the plan, every item a create with its settings, and changes nothing', async () => {
    const tenant = tenantOf()
    const planned = await apply(tenant, document(), '&dryRun=true')

    expect(planned.status).toBe(200)
    expect(planned.body).toMatchObject({ tenant, dryRun: true, prune: false, status: 'planned' })
    expect(actions(planned.body)).toEqual([
      'update quotas quotas',
      'create topic orders',
      'create topic events',
      'create queue emails',
      'create schema orders-value',
      'create apiKey ingest',
    ])
    expect(planned.body.summary).toEqual({ create: 5, update: 1, delete: 0, unchanged: 0, refused: 0, applied: 0, failed: 0 })
    expect(planned.body.items[1].changes).toEqual([
      { field: 'partitions', to: 3 },
      { field: 'config.retention.ms', to: '86400000' },
    ])
    expect(planned.body.items[0].changes).toEqual([{ field: 'maxTopics', to: 10 }])
    expect(planned.body.items.every((item: object) => !('outcome' in item) && !('secret' in item))).toBe(true)

    expect(await topicsOf(tenant)).toEqual([])
    expect((await get(tenant, '/subjects')).body).toEqual([])
    expect((await get(tenant, '/admin/api-keys')).body.keys).toEqual([])
    expect((await get(tenant, '/admin/quotas')).body.quotas).toEqual({})
  })

  it('refuses an unknown section by name, and a document that is not one, with 400 and nothing planned', async () => {
    const tenant = tenantOf()
    const unknown = await apply(tenant, { topics: {}, alerts: {} }, '&dryRun=true')
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.message).toBe(
      "unknown section 'alerts': a document has version, topics, queues, schemas, quotas, apiKeys, webhooks, groups",
    )
    const twice = await apply(tenant, { topics: { jobs: {} }, queues: { jobs: {} } })
    expect(twice.status).toBe(400)
    expect(twice.body.error.message).toContain("'jobs' is declared both as a topic and as a queue")
    expect((await apply(tenant, [1, 2])).status).toBe(400)
    expect(await topicsOf(tenant)).toEqual([])
  })
})

describe('HTTP > POST /admin/apply > applying', () => {
  it('applies the document, then a second apply finds everything unchanged and changes nothing', async () => {
    const tenant = tenantOf()
    const first = await apply(tenant, document())
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    expect(first.body.status).toBe('applied')
    expect(first.body.summary).toMatchObject({ create: 5, update: 1, applied: 6, failed: 0 })
    const key = first.body.items.find((i: { kind: string }) => i.kind === 'apiKey')
    expect(key.secret.key).toMatch(/^kfd_[0-9a-f]{16}_/)

    expect(await topicsOf(tenant)).toEqual(['emails', 'events', 'orders'])
    const orders = (await get(tenant, '/admin/topics/orders')).body
    expect(orders.partitions).toHaveLength(3)
    expect(orders.config['retention.ms']).toBe('86400000')
    const emails = (await get(tenant, '/queues/emails')).body
    expect(emails).toMatchObject({
      partitions: 2,
      tags: ['team-a'],
      policy: { visibilityTimeoutMs: 60_000, retry: { strategy: 'fixed', delayMs: 500, maxAttempts: 3 } },
    })
    expect((await get(tenant, '/subjects/orders-value/versions')).body).toEqual([1])
    expect((await get(tenant, '/config/orders-value')).body.compatibilityLevel).toBe('BACKWARD')
    expect((await get(tenant, '/admin/quotas')).body.quotas).toEqual({ maxTopics: 10 })
    expect((await get(tenant, '/admin/api-keys')).body.keys.map((k: { name: string }) => k.name)).toEqual(['ingest'])

    const second = await apply(tenant, document())
    expect(second.status).toBe(200)
    expect(second.body.status).toBe('applied')
    expect(second.body.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 6, refused: 0, applied: 0, failed: 0 })
    expect(second.body.items.some((i: object) => 'secret' in i || 'outcome' in i)).toBe(false)
    expect((await get(tenant, '/subjects/orders-value/versions')).body).toEqual([1])
    expect((await get(tenant, '/admin/api-keys')).body.keys).toHaveLength(1)
  })

  it('applies only the differences: a config key left out goes back to its default, partitions grow, a queue policy changes', async () => {
    const tenant = tenantOf()
    await apply(tenant, {
      topics: { orders: { partitions: 1, config: { 'cleanup.policy': 'compact', 'retention.ms': 3_600_000 } } },
      queues: { jobs: {} },
    })
    const changed = { topics: { orders: { partitions: 2, config: { 'retention.ms': '3600000' } } }, queues: { jobs: { visibilityTimeoutMs: 5_000 } } }

    const plan = await apply(tenant, changed, '&dryRun=true')
    expect(plan.body.items).toEqual([
      {
        kind: 'topic',
        name: 'orders',
        action: 'update',
        changes: [
          { field: 'partitions', from: 1, to: 2 },
          { field: 'config.cleanup.policy', from: 'compact', to: 'delete' },
        ],
      },
      { kind: 'queue', name: 'jobs', action: 'update', changes: [{ field: 'visibilityTimeoutMs', from: 30_000, to: 5_000 }] },
    ])
    const applied = await apply(tenant, changed)
    expect(applied.body.items.map((i: { outcome: string }) => i.outcome)).toEqual(['applied', 'applied'])
    const orders = (await get(tenant, '/admin/topics/orders')).body
    expect(orders.partitions).toHaveLength(2)
    expect(orders.config).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': '3600000' })
    expect((await get(tenant, '/queues/jobs')).body.policy.visibilityTimeoutMs).toBe(5_000)
    expect((await apply(tenant, changed)).body.summary.unchanged).toBe(2)
  })

  it('audits each applied change under the action its own route records', async () => {
    const tenant = tenantOf()
    await apply(tenant, { topics: { audited: {} }, schemas: { 'audited-value': { schemaType: 'JSON', schema: ORDER_SCHEMA } } })
    const entries = (await get(tenant, '/admin/audit?limit=100')).body.entries as Array<{ action: string; target: string; details: { via?: string } }>
    expect(entries.map((e) => [e.action, e.target, e.details.via])).toEqual([
      ['topic:create', 'audited', 'apply'],
      ['schema:register', 'audited-value', 'apply'],
    ])
  })
})

describe('HTTP > POST /admin/apply > refusals', () => {
  it('lists every refusal with its reason and applies nothing, not even the items that could be applied', async () => {
    const tenant = tenantOf()
    await apply(tenant, { topics: { wide: { partitions: 4 } }, schemas: { 'wide-value': { schemaType: 'JSON', schema: ORDER_SCHEMA } } })
    const incompatible = { type: 'object', properties: { id: { type: 'number' } }, required: ['id'], additionalProperties: false }
    const refusedDocument = {
      quotas: { maxPartitions: 6 },
      topics: { wide: { partitions: 2 }, typo: { config: { 'retention.msec': 1 } }, fresh: { partitions: 3 } },
      schemas: { 'wide-value': { schemaType: 'JSON', schema: incompatible } },
    }

    for (const flags of ['&dryRun=true', '']) {
      const res = await apply(tenant, refusedDocument, flags)
      const result = flags ? res.body : res.body.error.details.result
      if (!flags) {
        expect(res.status).toBe(422)
        expect(res.body.error.code).toBe('POLICY_VIOLATION')
        expect(res.body.error.message).toMatch(/^4 item\(s\) refused, nothing was applied/)
      }
      expect(result.status).toBe('refused')
      const refusals = result.items
        .filter((i: { refusal?: unknown }) => i.refusal)
        .map((i: { name: string; refusal: { code: string } }) => [i.name, i.refusal.code])
      expect(refusals).toEqual([
        ['wide', 'INVALID_PARTITIONS'],
        ['typo', 'INVALID_CONFIG'],
        ['fresh', 'POLICY_VIOLATION'],
        ['wide-value', 'INCOMPATIBLE_SCHEMA'],
      ])
      const typo = result.items.find((i: { name: string }) => i.name === 'typo')
      expect(Object.keys(typo.refusal.details.config)).toEqual(['retention.msec'])
      expect(result.items.find((i: { name: string }) => i.name === 'fresh').refusal.message).toBe('tenant quota maxPartitions is 6; this needs 7')
    }
    expect(await topicsOf(tenant)).toEqual(['wide'])
    expect((await get(tenant, '/admin/quotas')).body.quotas).toEqual({})
    expect((await get(tenant, '/subjects/wide-value/versions')).body).toEqual([1])
  })

  it('refuses changing a live API key’s permissions unless asked to rotate it, which revokes it and creates a new key', async () => {
    const tenant = tenantOf()
    const first = await apply(tenant, { apiKeys: { ci: { permissions: ['topic:read'] } } })
    const oldId = first.body.items[0].secret.keyId
    const changed = { apiKeys: { ci: { permissions: ['topic:read', 'consume'] } } }

    const refused = await apply(tenant, changed)
    expect(refused.status).toBe(422)
    expect(refused.body.error.details.result.items[0].refusal.message).toContain('rotate it')
    const rotated = await apply(tenant, changed, '&rotateKeys=true')
    expect(rotated.status).toBe(200)
    expect(rotated.body.items[0]).toMatchObject({ action: 'update', outcome: 'applied', secret: { keyId: expect.not.stringMatching(oldId) } })
    const keys = (await get(tenant, '/admin/api-keys')).body.keys as Array<{ keyId: string; revokedAt: number | null }>
    expect(keys.find((k) => k.keyId === oldId)?.revokedAt).toEqual(expect.any(Number))
    expect(keys.filter((k) => k.revokedAt === null)).toHaveLength(1)

    const unknown = await apply(tenant, { apiKeys: { bad: { permissions: ['fly'] } } }, '&dryRun=true')
    expect(unknown.body.items[0].refusal).toMatchObject({ code: 'INVALID_REQUEST', message: 'unknown permissions or roles: fly' })
  })
})

describe('HTTP > POST /admin/apply > prune', () => {
  it('deletes what the sections present do not list, only with prune: never internal topics or the DLQ of a declared queue', async () => {
    const tenant = tenantOf()
    await apply(tenant, {
      topics: { keep: {}, stray: {} },
      queues: { jobs: {} },
      schemas: { 'stray-value': { schemaType: 'JSON', schema: ORDER_SCHEMA } },
    })
    expect((await request('POST', `/admin/topics?tenant=${tenant}`, { topic: 'jobs-dlq' })).status).toBe(201)
    await apply(tenant, { apiKeys: { old: { permissions: ['topic:read'] } } })
    expect(await topicsOf(tenant)).toEqual(['jobs', 'jobs-dlq', 'keep', 'stray'])
    const declared = { topics: { keep: {} }, queues: { jobs: {} }, schemas: {} }

    const without = await apply(tenant, declared)
    expect(without.body.summary).toMatchObject({ delete: 0, unchanged: 2 })
    expect(await topicsOf(tenant)).toEqual(['jobs', 'jobs-dlq', 'keep', 'stray'])

    const plan = await apply(tenant, declared, '&dryRun=true&prune=true')
    expect(actions(plan.body).filter((a: string) => a.startsWith('delete'))).toEqual(['delete topic stray', 'delete schema stray-value'])
    expect(await topicsOf(tenant)).toEqual(['jobs', 'jobs-dlq', 'keep', 'stray'])

    const pruned = await apply(tenant, declared, '&prune=true')
    expect(pruned.body.status).toBe('applied')
    expect(await topicsOf(tenant)).toEqual(['jobs', 'jobs-dlq', 'keep'])
    expect((await get(tenant, '/subjects')).body).toEqual([])
    // No apiKeys section: the keys are not the document's to prune. __audit (written by these applies) stays.
    expect((await get(tenant, '/admin/api-keys')).body.keys).toHaveLength(1)
    const all = await runInDurableObject(metadataStub(env, tenant), (cluster: ClusterMetadataDO) => cluster.listTopics(tenant))
    expect(all.map((t) => t.topic)).toContain('__audit')
  })
})

describe('HTTP > POST /admin/apply > partial failure', () => {
  it('reports what was applied and what failed, and a second apply makes only what failed', async () => {
    const tenant = tenantOf()
    const register = ClusterMetadataDO.prototype.registerSchema
    const spy = vi.spyOn(ClusterMetadataDO.prototype, 'registerSchema').mockImplementation(function (this: ClusterMetadataDO, t, subject, ...rest) {
      // As a storage object that could not be reached answers (services/stubs.ts turns a throw into this too).
      if (t === tenant)
        return Promise.resolve({ ok: false, error: { code: 'SERVICE_UNAVAILABLE', message: 'a storage object is temporarily unavailable' } })
      return register.call(this, t, subject, ...rest)
    })
    const declared = {
      topics: { first: {} },
      schemas: { 'first-value': { schemaType: 'JSON', schema: ORDER_SCHEMA } },
      apiKeys: { after: { permissions: ['topic:read'] } },
    }

    const partial = await apply(tenant, declared)
    expect(partial.status).toBe(503)
    expect(partial.body.error.code).toBe('SERVICE_UNAVAILABLE')
    expect(partial.body.error.message).toMatch(/^apply incomplete: 2 change\(s\) applied, 1 failed \(first: schema 'first-value'/)
    const result = partial.body.error.details.result
    expect(result.status).toBe('incomplete')
    expect(result.items.map((i: { name: string; outcome: string }) => [i.name, i.outcome])).toEqual([
      ['first', 'applied'],
      ['first-value', 'failed'],
      ['after', 'applied'],
    ])
    expect(result.items[1].error.code).toBe('SERVICE_UNAVAILABLE')
    expect(result.items[2].secret.key).toMatch(/^kfd_/)
    expect(await topicsOf(tenant)).toEqual(['first'])

    spy.mockRestore()
    const retried = await apply(tenant, declared)
    expect(retried.status).toBe(200)
    expect(actions(retried.body)).toEqual(['unchanged topic first', 'create schema first-value', 'unchanged apiKey after'])
  })
})

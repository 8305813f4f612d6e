import { env, runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ClusterMetadataDO } from '../../src/durable-objects/cluster-metadata'
import { SchemaRegistry } from '../../src/durable-objects/schema-registry'
import { directoryStub, metadataStub, partitionStub } from '../../src/services/stubs'
import { MetadataStore } from '../../src/storage/metadata-store'
import { SchemaStore } from '../../src/storage/schema-store'
import { authEnv, BOOTSTRAP_API_KEY, call, unique } from '../security/support'

const bootstrap = { 'x-api-key': BOOTSTRAP_API_KEY }
const tenantName = (label: string) =>
  unique(label)
    .toLowerCase()
    .replaceAll(/[^a-z0-9-]/g, '-')

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** The rows a tenant has in one metadata object's tables. */
async function rowsOf(stub: DurableObjectStub<ClusterMetadataDO>, tenant: string) {
  return runInDurableObject(stub, (_o: ClusterMetadataDO, state) => {
    // The tenant's audit trail (`__audit`) is a topic too; only the topics the test made are counted.
    const count = (table: string) =>
      state.storage.sql
        .exec<{ n: number }>(
          `SELECT COUNT(*) AS n FROM ${table} WHERE tenant = ?${table === 'topics' ? " AND name NOT LIKE '\\_\\_%' ESCAPE '\\'" : ''}`,
          tenant,
        )
        .one().n
    return { topics: count('topics'), groups: count('consumer_groups'), keys: count('api_keys'), quotas: count('quotas'), schemas: count('schemas') }
  })
}

afterEach(() => vi.restoreAllMocks())

describe('Metadata > sharded per tenant', () => {
  it("keeps each tenant's topics, keys and quotas in the tenant's own object, and lists the tenants", async () => {
    const appEnv = authEnv()
    const [a, b] = [tenantName('shard-a'), tenantName('shard-b')]
    for (const tenant of [a, b]) {
      expect((await call(appEnv, 'POST', `/admin/topics?tenant=${tenant}`, { headers: bootstrap, body: { topic: 'orders' } })).status).toBe(201)
      expect(
        (await call(appEnv, 'POST', `/admin/api-keys?tenant=${tenant}`, { headers: bootstrap, body: { name: 'k', permissions: ['topic:read'] } }))
          .status,
      ).toBe(201)
      expect((await call(appEnv, 'PUT', `/admin/quotas?tenant=${tenant}`, { headers: bootstrap, body: { maxTopics: 5 } })).status).toBe(200)
    }
    expect(await rowsOf(metadataStub(env, a), a)).toMatchObject({ topics: 1, keys: 1, quotas: 1 })
    expect(await rowsOf(metadataStub(env, a), b)).toMatchObject({ topics: 0, keys: 0, quotas: 0 })
    expect(await rowsOf(metadataStub(env, b), b)).toMatchObject({ topics: 1, keys: 1, quotas: 1 })
    expect(await rowsOf(directoryStub(env), a)).toEqual({ topics: 0, groups: 0, keys: 0, quotas: 0, schemas: 0 })
    const listed = await call(appEnv, 'GET', '/admin/tenants', { headers: bootstrap })
    expect(listed.body.tenants).toEqual(expect.arrayContaining([a, b]))

    expect((await call(appEnv, 'DELETE', `/admin/tenants/${a}`, { headers: bootstrap })).status).toBe(200)
    expect((await call(appEnv, 'GET', '/admin/tenants', { headers: bootstrap })).body.tenants).not.toContain(a)
  })

  it("checks a key that names its tenant with that tenant's object alone, never the directory", async () => {
    const appEnv = authEnv()
    const tenant = tenantName('shard-key')
    const created = await call(appEnv, 'POST', `/admin/api-keys?tenant=${tenant}`, {
      headers: bootstrap,
      body: { name: 'k', permissions: ['topic:read'] },
    })
    expect(created.body.key).toMatch(new RegExp(`^kfd_${created.body.keyId}_${tenant}_[A-Za-z0-9_-]{43}$`))
    const directory = vi.spyOn(ClusterMetadataDO.prototype, 'legacyKeyTenant')
    const listed = await call(appEnv, 'GET', '/admin/topics', { headers: { 'x-api-key': created.body.key } })
    expect(listed.status).toBe(200)
    expect(directory).not.toHaveBeenCalled()
    // The tenant part is covered by the hash: the same id and secret under another tenant is unknown.
    const forged = created.body.key.replace(`_${tenant}_`, '_default_')
    const refused = await call(appEnv, 'GET', '/admin/topics', { headers: { 'x-api-key': forged } })
    expect(refused.status).toBe(401)
    expect(refused.body.error.details.reason).toBe('unknown API key')
  })
})

describe('Metadata > the directory is off the hot paths', () => {
  it('is not asked anything while an established tenant authenticates, produces and fetches', async () => {
    const appEnv = authEnv()
    const tenant = tenantName('hot-path')
    await call(appEnv, 'POST', `/admin/topics?tenant=${tenant}`, { headers: bootstrap, body: { topic: 'hot', partitions: 1 } })
    const created = await call(appEnv, 'POST', `/admin/api-keys?tenant=${tenant}`, {
      headers: bootstrap,
      body: { name: 'k', permissions: ['produce', 'consume'] },
    })
    const directoryOnly = [
      'listTenants',
      'listTenant',
      'forgetTenant',
      'exportLegacyTenant',
      'releaseLegacyTenant',
      'legacyKeyTenant',
      'ticketSecret',
    ] as const
    const spies = directoryOnly.map((method) => vi.spyOn(ClusterMetadataDO.prototype, method))
    const key = { 'x-api-key': created.body.key }
    for (let i = 0; i < 3; i++) {
      expect((await call(appEnv, 'POST', '/topics/hot/produce', { headers: key, body: { value: i } })).status).toBe(200)
      expect((await call(appEnv, 'GET', '/topics/hot/partitions/0/messages?offset=0', { headers: key })).status).toBe(200)
    }
    for (const spy of spies) expect(spy).not.toHaveBeenCalled()
  })
})

describe('Metadata > data written by the old cluster-wide object', () => {
  it("is taken over by the tenant's object on first use: topics, groups, keys, quotas and schema ids, and old keys keep working", async () => {
    const appEnv = authEnv()
    const tenant = tenantName('legacy')
    const keyId = [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('')
    const oldKey = `kfd_${keyId}_${'Q'.repeat(20)}_${'w'.repeat(22)}`
    // Written as the code before the sharding wrote it: every tenant in the one object named 'cluster'.
    const schemaId = await runInDurableObject(directoryStub(env), async (_o: ClusterMetadataDO, state) => {
      const store = new MetadataStore(state.storage)
      const now = Date.now()
      store.insertTopic(tenant, {
        topic: 'legacy-orders',
        topicId: crypto.randomUUID(),
        partitions: 2,
        config: { 'retention.ms': 3_600_000 } as never,
        queue: {} as never,
        createdAt: now,
      })
      store.registerGroup(tenant, 'legacy-group', now)
      store.insertApiKey({
        keyId,
        tenant,
        name: 'old',
        hash: await sha256Hex(oldKey),
        permissions: ['topic:read', 'produce'],
        createdBy: 'bootstrap',
        createdAt: now,
        expiresAt: null,
        revokedAt: null,
      })
      store.writeQuotas(tenant, JSON.stringify({ maxTopics: 7 }), now)
      // Schema ids were shared by every tenant, so this one's first id need not be 1.
      const schemas = new SchemaStore(state.storage)
      schemas.schemaId('someone-else', 'JSON', '{"type":"string"}', 'x')
      const registered = new SchemaRegistry(schemas).register(tenant, 'legacy-value', 'JSON', '{"type":"object"}')
      if (!registered.ok) throw new Error('schema not registered')
      return registered.value.id
    })
    expect(schemaId).toBeGreaterThan(1)

    // The old key authenticates: its tenant is asked of the directory once.
    const topics = await call(appEnv, 'GET', '/admin/topics', { headers: { 'x-api-key': oldKey } })
    expect(topics.status).toBe(200)
    expect(JSON.stringify(topics.body)).toContain('legacy-orders')
    const described = await call(appEnv, 'GET', `/admin/topics/legacy-orders?tenant=${tenant}`, { headers: bootstrap })
    expect(described.body).toMatchObject({ config: { 'retention.ms': '3600000' } })
    expect(described.body.partitions).toHaveLength(2)
    expect((await call(appEnv, 'GET', `/admin/quotas?tenant=${tenant}`, { headers: bootstrap })).body.quotas).toEqual({ maxTopics: 7 })
    expect((await call(appEnv, 'GET', `/admin/groups?tenant=${tenant}`, { headers: bootstrap })).body).toMatchObject({
      groups: [expect.objectContaining({ groupId: 'legacy-group' })],
    })
    expect((await call(appEnv, 'GET', `/schemas/ids/${schemaId}?tenant=${tenant}`, { headers: bootstrap })).body).toEqual({
      schema: '{"type":"object"}',
      schemaType: 'JSON',
    })
    const keys = await call(appEnv, 'GET', `/admin/api-keys?tenant=${tenant}`, { headers: bootstrap })
    expect(keys.body.keys).toEqual([expect.objectContaining({ keyId, name: 'old' })])

    // Moved, not copied: the old object keeps none of the tenant's rows, yet still lists it and knows the key.
    expect(await rowsOf(directoryStub(env), tenant)).toEqual({ topics: 0, groups: 0, keys: 0, quotas: 0, schemas: 0 })
    expect(await rowsOf(metadataStub(env, tenant), tenant)).toEqual({ topics: 1, groups: 1, keys: 1, quotas: 1, schemas: 1 })
    expect((await call(appEnv, 'GET', '/admin/tenants', { headers: bootstrap })).body.tenants).toContain(tenant)
    expect(await directoryStub(env).legacyKeyTenant(keyId)).toEqual({ tenant, any: true })

    // A new schema in the tenant takes an id after the ones it brought, and revoking the old key works.
    const next = await call(appEnv, 'POST', `/subjects/other-value/versions?tenant=${tenant}`, {
      headers: bootstrap,
      body: { schemaType: 'JSON', schema: '{"type":"number"}' },
    })
    expect(next.body.id).toBeGreaterThan(schemaId)
    expect((await call(appEnv, 'DELETE', `/admin/api-keys/${keyId}?tenant=${tenant}`, { headers: bootstrap })).status).toBe(200)
    const revoked = await call(appEnv, 'GET', '/admin/topics', { headers: { 'x-api-key': oldKey } })
    expect(revoked.body.error.details.reason).toBe('revoked API key')
  })

  it('finishes a takeover interrupted after the copy: the old rows go on the next opening, nothing is lost', async () => {
    const tenant = tenantName('legacy-half')
    await runInDurableObject(directoryStub(env), (_o: ClusterMetadataDO, state) => {
      new MetadataStore(state.storage).writeQuotas(tenant, JSON.stringify({ maxTopics: 3 }), Date.now())
    })
    const release = vi.spyOn(ClusterMetadataDO.prototype, 'releaseLegacyTenant').mockImplementationOnce(() => {
      throw new Error('the directory is unreachable')
    })
    expect(await metadataStub(env, tenant).quotas(tenant)).toEqual({ maxTopics: 3 })
    expect(release).toHaveBeenCalledTimes(1)
    expect((await rowsOf(directoryStub(env), tenant)).quotas).toBe(1)

    // The next call completes the move.
    release.mockRestore()
    expect(await metadataStub(env, tenant).quotas(tenant)).toEqual({ maxTopics: 3 })
    expect((await rowsOf(directoryStub(env), tenant)).quotas).toBe(0)
    expect((await rowsOf(metadataStub(env, tenant), tenant)).quotas).toBe(1)
  })
})

describe('Metadata > topic settings pushed to partitions', () => {
  it('ignores a push older than the settings the partition holds', async () => {
    const appEnv = authEnv()
    const tenant = tenantName('push')
    await call(appEnv, 'POST', `/admin/topics?tenant=${tenant}`, { headers: bootstrap, body: { topic: 'pushed', partitions: 1 } })
    const first = await metadataStub(env, tenant).topicConfig(tenant, (await metadataStub(env, tenant).topic(tenant, 'pushed'))!.topicId)
    // The partition takes the pushed settings; it never asks the metadata object back while that one waits.
    const asked = vi.spyOn(ClusterMetadataDO.prototype, 'topicConfig')
    const changed = await call(appEnv, 'PATCH', `/admin/topics/pushed/config?tenant=${tenant}`, {
      headers: bootstrap,
      body: { set: { 'retention.ms': 120_000 } },
    })
    expect(changed.status).toBe(200)
    expect(asked).not.toHaveBeenCalled()
    const ref = { tenant, topic: 'pushed', topicId: first!.topic.topicId, partition: 0 }
    // The push of the first settings, arriving late.
    expect(await partitionStub(env, ref).applyConfig(ref, first!)).toEqual({ ok: true, value: null })
    const held = await runInDurableObject(partitionStub(env, ref), (_o, state) =>
      JSON.parse(state.storage.sql.exec<{ config: string }>('SELECT config FROM partition_meta').one().config),
    )
    expect(held['retention.ms']).toBe(120_000)
  })
})

/**
 * The cluster-wide metadata object as the code before the sharding left it (schema version 7, every
 * tenant's rows in it) opened by today's code: it migrates, each tenant's object takes its rows over on
 * first use, and an evicted tenant object reopens from its own storage without asking again.
 */
import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { ClusterMetadataDO } from '../../src/durable-objects/cluster-metadata'
import { directoryStub, metadataStub } from '../../src/services/stubs'
import { MetadataStore, METADATA_MIGRATIONS } from '../../src/storage/metadata-store'
import { authEnv, BOOTSTRAP_API_KEY, call } from '../security/support'

const bootstrap = { 'x-api-key': BOOTSTRAP_API_KEY }

describe('ClusterMetadataDO > from schema version 7 (before the sharding)', () => {
  it('migrates the old object, hands each tenant its rows once, and a reopened tenant object keeps them', async () => {
    const [tenant, other] = ['old-shop', 'old-bank']
    await runInDurableObject(directoryStub(env), (_o: ClusterMetadataDO, state) => {
      const sql = state.storage.sql
      for (const table of ['shard', 'tenant_directory', 'legacy_key_tenants']) sql.exec(`DROP TABLE ${table}`)
      sql.exec('UPDATE _schema_version SET version = 7')
      const store = new MetadataStore(state.storage)
      for (const [t, name] of [
        [tenant, 'carts'],
        [other, 'ledger'],
      ] as const) {
        store.insertTopic(t, { topic: name, topicId: crypto.randomUUID(), partitions: 3, config: {} as never, queue: {} as never, createdAt: 1 })
      }
    })
    await evictDurableObject(directoryStub(env))

    const appEnv = authEnv()
    const listed = await call(appEnv, 'GET', '/admin/tenants', { headers: bootstrap })
    expect(listed.body.tenants).toEqual(expect.arrayContaining([tenant, other]))
    const version = await runInDurableObject(
      directoryStub(env),
      (_o: ClusterMetadataDO, state) => state.storage.sql.exec<{ version: number }>('SELECT version FROM _schema_version').one().version,
    )
    expect(version).toBe(METADATA_MIGRATIONS.length)

    const topics = await call(appEnv, 'GET', `/admin/topics?tenant=${tenant}`, { headers: bootstrap })
    expect(topics.body.topics.map((t: { topic: string }) => t.topic)).toContain('carts')
    expect(JSON.stringify(topics.body)).not.toContain('ledger')

    const exported = vi.spyOn(ClusterMetadataDO.prototype, 'exportLegacyTenant')
    await evictDurableObject(metadataStub(env, tenant))
    expect((await metadataStub(env, tenant).topic(tenant, 'carts'))?.partitions).toBe(3)
    expect(exported).not.toHaveBeenCalled()
    // The other tenant's rows wait in the old object until its own is first used.
    expect(await directoryStub(env).exportLegacyTenant(other)).not.toBeNull()
    expect(await directoryStub(env).exportLegacyTenant(tenant)).toBeNull()
  })
})

/**
 * A tenant monitor stored before webhooks had names (schema version 1) opened by today's code: its
 * subscriptions survive, unnamed, and names can be given to new ones.
 */
import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { TenantMonitorDO } from '../../src/durable-objects/tenant-monitor'
import { MONITOR_MIGRATIONS } from '../../src/storage/monitor-store'
import { request, uniqueName } from '../support/http'

describe('TenantMonitorDO > schema migrations', () => {
  it('keeps the subscriptions of version 1, unnamed, and takes named ones after', async () => {
    const tenant = uniqueName('monitor-v1')
    const stub = env.TENANT_MONITOR!.getByName(tenant)
    await runInDurableObject(stub, (_instance: TenantMonitorDO, state) => {
      const sql = state.storage.sql
      sql.exec('DROP INDEX webhooks_name')
      sql.exec('DROP TABLE webhooks')
      sql.exec(MONITOR_MIGRATIONS[0]!.find((statement) => statement.includes('CREATE TABLE webhooks'))!)
      sql.exec(
        `INSERT INTO webhooks (id, url, events, format, secret, description, created_at)
         VALUES ('wh_0123456789abcdef', 'https://old.example.com/hook', '["health.recovered"]', 'json', 'whsec_old', NULL, 1)`,
      )
      sql.exec('UPDATE _schema_version SET version = 1')
    })
    await evictDurableObject(stub)

    const listed = await request('GET', `/admin/webhooks?tenant=${tenant}`)
    expect(listed.body.webhooks).toEqual([
      {
        id: 'wh_0123456789abcdef',
        name: null,
        url: 'https://old.example.com/hook',
        events: ['health.recovered'],
        format: 'json',
        description: null,
        createdAt: 1,
      },
    ])
    const named = { url: 'https://new.example.com/hook', events: ['health.recovered'], name: 'new' }
    expect((await request('POST', `/admin/webhooks?tenant=${tenant}`, named)).status).toBe(201)
    expect((await request('POST', `/admin/webhooks?tenant=${tenant}`, named)).status).toBe(422)
    expect((await request('POST', `/admin/webhooks?tenant=${tenant}`, { ...named, name: undefined })).status).toBe(201)
  })
})

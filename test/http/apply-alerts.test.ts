/**
 * `POST /admin/apply` for alerting: alert webhooks matched by name (secrets and URL paths never in the
 * plan), consumer groups' health thresholds, and topics' and queues' health thresholds, with dry run,
 * idempotent second apply, prune only when asked, and refusals before anything changes.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/http/app'
import { request, uniqueName } from '../support/http'

const tenantOf = () => uniqueName('apply-alerts')
const apply = (tenant: string, document: unknown, flags = '') => request('POST', `/admin/apply?tenant=${tenant}${flags}`, document)
const get = (tenant: string, path: string) => request('GET', `${path}?tenant=${tenant}`)
const actions = (body: { items: Array<{ kind: string; name: string; action: string }> }) => body.items.map((i) => `${i.action} ${i.kind} ${i.name}`)
const webhooksOf = async (tenant: string) =>
  (
    (await get(tenant, '/admin/webhooks')).body.webhooks as Array<{ id: string; name: string | null; events: string[]; description: string | null }>
  ).sort((a, b) => String(a.name).localeCompare(String(b.name)))

/** A Slack URL's path is its token: it must never be shown in a plan. */
const SLACK_URL = 'https://hooks.slack.com/services/T0000/B0000/slacktokenXYZ'
const DECLARED_SECRET = 'declared-secret-0123456789abcdef-0123456789'

const webhooksDocument = () => ({
  webhooks: {
    oncall: { url: SLACK_URL, events: ['record.dead_lettered', 'health.threshold_crossed'], format: 'slack' },
    audit: { url: 'https://alerts.example.com/kafdo', events: ['record.dead_lettered'], secret: DECLARED_SECRET, description: 'audit log' },
  },
})

describe('HTTP > POST /admin/apply > webhooks', () => {
  it('plans without secrets or URL paths, creates by name (a secret Kafdo made answered once), then finds everything unchanged', async () => {
    const tenant = tenantOf()
    const planned = await apply(tenant, webhooksDocument(), '&dryRun=true')
    expect(planned.status).toBe(200)
    expect(actions(planned.body)).toEqual(['create webhook oncall', 'create webhook audit'])
    expect(planned.body.items[0].changes).toEqual([
      { field: 'url', to: 'https://hooks.slack.com/…' },
      { field: 'events', to: ['record.dead_lettered', 'health.threshold_crossed'] },
      { field: 'format', to: 'slack' },
      { field: 'secret', to: '(generated, answered once)' },
    ])
    expect(planned.body.items[1].changes).toContainEqual({ field: 'secret', to: '(hidden)' })
    for (const secret of ['slacktokenXYZ', DECLARED_SECRET]) expect(JSON.stringify(planned.body)).not.toContain(secret)
    expect(await webhooksOf(tenant)).toEqual([])

    const applied = await apply(tenant, webhooksDocument())
    expect(applied.status, JSON.stringify(applied.body)).toBe(200)
    expect(applied.body.summary).toMatchObject({ create: 2, applied: 2 })
    const [oncall, audit] = applied.body.items
    expect(oncall.secret).toEqual({ webhookId: expect.stringMatching(/^wh_/), secret: expect.stringMatching(/^whsec_[0-9a-f]{64}$/) })
    // The declared secret is the caller's already: it is not sent back.
    expect(audit.secret).toBeUndefined()
    expect(JSON.stringify(applied.body)).not.toContain(DECLARED_SECRET)
    const listed = await webhooksOf(tenant)
    expect(listed.map((w) => [w.name, w.events, w.description])).toEqual([
      ['audit', ['record.dead_lettered'], 'audit log'],
      ['oncall', ['record.dead_lettered', 'health.threshold_crossed'], null],
    ])
    expect(listed.find((w) => w.name === 'oncall')!.id).toBe(oncall.secret.webhookId)
    const audited = (await get(tenant, '/admin/audit')).body.entries as Array<{ action: string; details: Record<string, unknown> }>
    expect(audited.filter((e) => e.action === 'webhook:create').map((e) => e.details.origin)).toEqual(
      expect.arrayContaining(['https://hooks.slack.com', 'https://alerts.example.com']),
    )
    expect(JSON.stringify(audited)).not.toContain('slacktokenXYZ')

    const again = await apply(tenant, webhooksDocument())
    expect(again.body.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 2, refused: 0, applied: 0, failed: 0 })
    expect(again.body.items.some((i: object) => 'secret' in i)).toBe(false)
  })

  it('changes a declared webhook in place, keeping its id; a changed secret shows only that it changes', async () => {
    const tenant = tenantOf()
    await apply(tenant, webhooksDocument())
    const before = await webhooksOf(tenant)
    const changed = webhooksDocument()
    changed.webhooks.audit = { ...changed.webhooks.audit, secret: `${DECLARED_SECRET}-rotated`, events: ['record.retries_exhausted'] }
    delete (changed.webhooks.audit as { description?: string }).description

    const plan = await apply(tenant, changed, '&dryRun=true')
    expect(plan.body.items[1]).toEqual({
      kind: 'webhook',
      name: 'audit',
      action: 'update',
      changes: [
        { field: 'events', from: ['record.dead_lettered'], to: ['record.retries_exhausted'] },
        { field: 'description', from: 'audit log', to: null },
        { field: 'secret', from: '(hidden)', to: '(hidden), another' },
      ],
    })
    expect(JSON.stringify(plan.body)).not.toContain(DECLARED_SECRET)
    expect((await apply(tenant, changed)).body.items.map((i: { outcome?: string }) => i.outcome)).toEqual([undefined, 'applied'])
    const after = await webhooksOf(tenant)
    expect(after.map((w) => w.id)).toEqual(before.map((w) => w.id))
    expect(after.find((w) => w.name === 'audit')).toMatchObject({ events: ['record.retries_exhausted'], description: null })
    expect((await apply(tenant, changed)).body.summary.unchanged).toBe(2)
  })

  it('deletes the webhooks the document does not list, named or not, only with prune', async () => {
    const tenant = tenantOf()
    await apply(tenant, webhooksDocument())
    const unnamed = await request('POST', `/admin/webhooks?tenant=${tenant}`, { url: 'https://other.example.com/x', events: ['health.recovered'] })
    expect(unnamed.status).toBe(201)
    const declared = { webhooks: { audit: webhooksDocument().webhooks.audit } }

    expect((await apply(tenant, declared)).body.summary).toMatchObject({ delete: 0, unchanged: 1 })
    expect(await webhooksOf(tenant)).toHaveLength(3)
    const plan = await apply(tenant, declared, '&dryRun=true&prune=true')
    expect(actions(plan.body)).toEqual([`delete webhook oncall`, `delete webhook ${unnamed.body.id}`, 'unchanged webhook audit'])
    expect(plan.body.items[0].changes).toEqual([
      { field: 'id', from: expect.stringMatching(/^wh_/) },
      { field: 'url', from: 'https://hooks.slack.com/…' },
    ])
    expect(await webhooksOf(tenant)).toHaveLength(3)

    const pruned = await apply(tenant, declared, '&prune=true')
    expect(pruned.body.status).toBe('applied')
    expect((await webhooksOf(tenant)).map((w) => w.name)).toEqual(['audit'])
  })

  it('refuses more webhooks than a tenant may have, before anything changes, and a bad one with 400', async () => {
    const tenant = tenantOf()
    const many = Object.fromEntries(
      Array.from({ length: 21 }, (_, n) => [`hook-${n}`, { url: `https://h.example.com/${n}`, events: ['health.recovered'] }]),
    )
    const refused = await apply(tenant, { topics: { 'apply-alerts-t': {} }, webhooks: many })
    expect(refused.status).toBe(422)
    const items = refused.body.error.details.result.items as Array<{ name: string; refusal?: { message: string } }>
    expect(items.filter((i) => i.refusal).map((i) => [i.name, i.refusal!.message])).toEqual([
      ['hook-20', 'a tenant may have at most 20 webhooks; this needs 21'],
    ])
    expect(await webhooksOf(tenant)).toEqual([])
    expect((await get(tenant, '/admin/topics')).body.topics).toEqual([])

    const bad = await apply(tenant, { webhooks: { plain: { url: 'http://example.com/hook', events: ['health.recovered'] } } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('INVALID_REQUEST')
    expect((await apply(tenant, { webhooks: { 'has space': { url: 'https://e.example.com', events: ['health.recovered'] } } })).status).toBe(400)
  })

  it('answers 503 naming the missing TENANT_MONITOR binding for a webhooks or groups section, applying nothing', async () => {
    const tenant = tenantOf()
    const { TENANT_MONITOR: _monitor, ...withoutMonitor } = env
    for (const section of [webhooksDocument(), { groups: { g: { health: { thresholds: [] } } } }]) {
      const body = JSON.stringify({ topics: { 'apply-no-monitor': {} }, ...section })
      const init = { method: 'POST', body, headers: { 'content-type': 'application/json' } }
      const response = await createApp().fetch(new Request(`http://kafdo.test/admin/apply?tenant=${tenant}`, init), withoutMonitor)
      expect(response.status).toBe(503)
      expect(((await response.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe('TENANT_MONITOR_NOT_BOUND')
    }
    expect((await get(tenant, '/admin/topics')).body.topics).toEqual([])
  })
})

describe('HTTP > POST /admin/apply > health thresholds', () => {
  const lag = (value: number) => ({ thresholds: [{ metric: 'lag', op: '>', value }] })

  it("sets a group's thresholds, keeps them when the group is declared without health, and clears unlisted ones only with prune", async () => {
    const tenant = tenantOf()
    const first = await apply(tenant, { groups: { billing: { health: lag(100) } } })
    expect(first.body.items).toEqual([
      { kind: 'group', name: 'billing', action: 'update', changes: [{ field: 'health', to: lag(100).thresholds }], outcome: 'applied' },
    ])
    expect((await get(tenant, '/admin/groups/billing/health')).body).toEqual({ groupId: 'billing', ...lag(100) })
    expect((await apply(tenant, { groups: { billing: { health: lag(100) } } })).body.summary.unchanged).toBe(1)
    const changed = await apply(tenant, { groups: { billing: { health: lag(500) } } }, '&dryRun=true')
    expect(changed.body.items[0].changes).toEqual([{ field: 'health', from: lag(100).thresholds, to: lag(500).thresholds }])

    expect((await request('PUT', `/admin/groups/search/health?tenant=${tenant}`, lag(7))).status).toBe(200)
    const kept = await apply(tenant, { groups: { billing: null } })
    expect(actions(kept.body)).toEqual(['unchanged group billing'])
    expect((await get(tenant, '/admin/groups/search/health')).body.thresholds).toHaveLength(1)
    const pruned = await apply(tenant, { groups: { billing: null } }, '&prune=true')
    expect(actions(pruned.body)).toEqual(['delete group search', 'unchanged group billing'])
    expect((await get(tenant, '/admin/groups/search/health')).body.thresholds).toEqual([])
    expect((await get(tenant, '/admin/groups/billing/health')).body.thresholds).toEqual(lag(100).thresholds)
  })

  it("sets topics' and queues' thresholds on create and change, keeps them when omitted, and clears them with []", async () => {
    const tenant = tenantOf()
    const records = { thresholds: [{ metric: 'records', op: '>', value: 10 }] }
    const depth = { thresholds: [{ metric: 'depth', op: '>=', value: 5, severity: 'failing' }] }
    const created = await apply(tenant, { topics: { orders: { health: records } }, queues: { jobs: { health: depth } } })
    expect(created.status, JSON.stringify(created.body)).toBe(200)
    expect(created.body.items[0].changes).toContainEqual({ field: 'health', to: records.thresholds })
    expect((await get(tenant, '/queues/jobs')).body.health).toEqual(depth)
    expect((await get(tenant, '/health/topics/orders')).body.checks.map((c: { metric: string }) => c.metric)).toEqual(['records'])
    expect((await apply(tenant, { topics: { orders: { health: records } }, queues: { jobs: { health: depth } } })).body.summary.unchanged).toBe(2)
    expect((await apply(tenant, { topics: { orders: {} }, queues: { jobs: {} } })).body.summary.unchanged).toBe(2)
    expect((await get(tenant, '/queues/jobs')).body.health).toEqual(depth)

    const cleared = await apply(tenant, { topics: { orders: { health: { thresholds: [] } } }, queues: { jobs: { health: records } } })
    expect(cleared.body.items.map((i: { changes: unknown[] }) => i.changes)).toEqual([
      [{ field: 'health', from: records.thresholds, to: [] }],
      [{ field: 'health', from: depth.thresholds, to: records.thresholds }],
    ])
    expect((await get(tenant, '/health/topics/orders')).body.checks).toEqual([])
    expect((await get(tenant, '/queues/jobs')).body.health).toEqual(records)
  })
})

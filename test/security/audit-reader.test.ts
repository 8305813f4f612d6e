import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { encodeRecordBody, utf8Length } from '../../src/core/record-codec'
import { partitionStub } from '../../src/services/stubs'
import { requireTopic } from '../../src/services/topic-cache'
import { request, uniqueName } from '../support/http'

/**
 * `GET /admin/audit` reads whatever `__audit` holds. A value that is not an audit entry (forged before
 * internal topics were closed to producers, or written by an older version) is left out and counted in
 * `skipped`; the answer is 200 and the readable entries are listed and filtered as usual.
 */

/** Appends raw values to the default tenant's trail, as only storage itself could now. */
async function appendToTrail(values: Array<{ value: unknown; valueEncoding?: 'base64' }>): Promise<void> {
  const meta = await requireTopic(env, DEFAULT_TENANT, '__audit', true)
  const ref = { tenant: DEFAULT_TENANT, topic: '__audit', topicId: meta.topicId, partition: 0 }
  const records = values.map(({ value, valueEncoding }) => {
    const body = encodeRecordBody({ key: 'forged', value, headers: {}, ...(valueEncoding ? { valueEncoding } : {}) })
    return { body, bytes: utf8Length(body) }
  })
  const appended = await partitionStub(env, ref).append(ref, { records })
  expect(appended.ok).toBe(true)
}

const HOSTILE = [
  { value: null },
  { value: 'a string' },
  { value: 42 },
  { value: [{ actor: { subject: 'x', via: 'jwt' } }] },
  { value: {} },
  { value: { action: 'topic:delete', result: 'success', requestId: 'r', time: 't' } },
  { value: { actor: 'mallory', action: 'topic:delete', result: 'success', requestId: 'r', time: 't' } },
  { value: { actor: { subject: 5, via: 'jwt' }, action: 'topic:delete', result: 'success', requestId: 'r', time: 't' } },
  { value: { actor: { subject: 'mallory', via: 'magic' }, action: 'topic:delete', result: 'success', requestId: 'r', time: 't' } },
  { value: { actor: { subject: 'mallory', via: 'jwt' }, action: 'topic:delete', result: 'maybe', requestId: 'r', time: 't' } },
  { value: { actor: { subject: 'mallory', via: 'jwt' }, action: ['x'], result: 'success', requestId: 'r', time: 't' } },
  { value: { actor: { subject: 'mallory', via: 'jwt' }, action: 'x', result: 'success', requestId: 'r', time: 't', details: 'no' } },
  { value: 'eyJ9', valueEncoding: 'base64' as const },
]

describe('Security > audit reader', () => {
  it('skips and counts entries it cannot read, and still lists and filters the others', async () => {
    const first = uniqueName('audited')
    expect((await request('POST', '/admin/topics', { topic: first })).status).toBe(201)
    await appendToTrail(HOSTILE)
    const second = uniqueName('audited')
    expect((await request('POST', '/admin/topics', { topic: second })).status).toBe(201)

    const all = await request('GET', '/admin/audit?limit=1000')
    expect(all.status).toBe(200)
    expect(all.body.skipped).toBe(HOSTILE.length)
    expect(all.body.entries.map((e: { action: string; target: string }) => [e.action, e.target])).toEqual([
      ['topic:create', first],
      ['topic:create', second],
    ])
    expect(all.body.entries[1]).toEqual({
      offset: HOSTILE.length + 1,
      actor: { subject: 'anonymous', via: 'none' },
      action: 'topic:create',
      target: second,
      result: 'success',
      requestId: expect.any(String),
      details: { partitions: 1, config: {} },
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    const bySubject = await request('GET', '/admin/audit?subject=mallory')
    expect(bySubject.status).toBe(200)
    expect(bySubject.body).toEqual({ entries: [], nextOffset: HOSTILE.length + 2, skipped: HOSTILE.length })
    const anonymous = await request('GET', '/admin/audit?subject=anonymous&limit=1')
    expect(anonymous.body).toMatchObject({ entries: [{ target: first }], nextOffset: 1, skipped: 0 })
    const page2 = await request('GET', `/admin/audit?subject=anonymous&offset=${anonymous.body.nextOffset}`)
    expect(page2.body).toMatchObject({ entries: [{ target: second }], skipped: HOSTILE.length })
  })
})

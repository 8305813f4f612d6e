import { env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import type { R2Event } from '../../../integrations/index'
import { call, topicRecords, uniqueName } from './support'

const TOPIC = 'r2.kafdo-uploads'
const recordsOf = async (key: string) => (await topicRecords(TOPIC)).filter((record) => record.key === key)

describe('R2 events example > uploads through the Queue', () => {
  it('writes the object to R2, and its notification arrives in the bucket topic through the Queue', async () => {
    const key = `uploads/${uniqueName('cat')}.txt`
    const res = await call('PUT', `/upload/${key}`, 'meow')
    expect(res.status).toBe(201)
    const uploaded = (await res.json()) as { size: number; eTag: string }
    expect(await (await env.UPLOADS.get(key))?.text()).toBe('meow')

    const records = await vi.waitFor(
      async () => {
        const found = await recordsOf(key)
        expect(found).toHaveLength(1)
        return found
      },
      { timeout: 10_000, interval: 100 },
    )
    expect(records[0]!.value).toMatchObject({
      action: 'PutObject',
      bucket: 'kafdo-uploads',
      key,
      object: { key, size: 4, eTag: uploaded.eTag },
    } satisfies Partial<R2Event>)
  })

  it('bridges a delete after the upload, in order for the object', async () => {
    const key = `uploads/${uniqueName('dog')}.txt`
    expect((await call('PUT', `/upload/${key}`, 'woof')).status).toBe(201)
    expect((await call('DELETE', `/upload/${key}`)).status).toBe(204)
    expect(await env.UPLOADS.get(key)).toBeNull()
    const actions = await vi.waitFor(
      async () => {
        const found = (await recordsOf(key)).map((record) => (record.value as R2Event).action)
        expect(found).toHaveLength(2)
        return found
      },
      { timeout: 10_000, interval: 100 },
    )
    expect(actions).toEqual(['PutObject', 'DeleteObject'])
  })

  it('leaves keys outside KEY_PREFIX_FILTER out of the topic', async () => {
    const skipped = `tmp/${uniqueName('scratch')}`
    const kept = `uploads/${uniqueName('kept')}`
    expect((await call('PUT', `/upload/${skipped}`, 'x')).status).toBe(201)
    expect((await call('PUT', `/upload/${kept}`, 'y')).status).toBe(201)
    await vi.waitFor(async () => expect(await recordsOf(kept)).toHaveLength(1), { timeout: 10_000, interval: 100 })
    expect(await env.UPLOADS.get(skipped)).not.toBeNull()
    expect(await recordsOf(skipped)).toEqual([])
  })
})

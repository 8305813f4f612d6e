import { env } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import type { R2EventNotification } from '../../../integrations/index'
import { createTopic, topicRecords, uniqueName } from './support'

const notification = (bucket: string, key: string, n: number): R2EventNotification => ({
  account: '3f4b7e3dcab231cbfdaa90a6a28bd548',
  action: 'PutObject',
  bucket,
  object: { key, size: n, eTag: `etag-${n}` },
  eventTime: new Date(Date.UTC(2024, 4, 24, 19, 36, 44, n)).toISOString(),
})

describe('R2 events example > redelivery by the Queue', () => {
  it('redelivers only the failing message, and the others are written once', async () => {
    const bucket = uniqueName('photos')
    await createTopic(`r2.${bucket}`, 1, { 'max.message.bytes': 900 })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await env.R2_EVENTS.sendBatch([
      { body: notification(bucket, 'uploads/a', 1) },
      { body: notification(bucket, `uploads/${'x'.repeat(500)}`, 2) },
      { body: notification(bucket, 'tmp/skipped', 3) },
    ])
    // The first delivery writes one, skips one and retries one; each redelivery (max_retries = 5) holds
    // only the failed one, which then goes to the dead-letter queue.
    const reports = await vi.waitFor(
      () => {
        const seen = warn.mock.calls.map(([line]) => JSON.parse(String(line)) as { written: number; skipped: number; retried: number })
        expect(seen).toHaveLength(6)
        return seen
      },
      { timeout: 15_000, interval: 100 },
    )
    warn.mockRestore()
    expect(reports[0]).toMatchObject({ written: 1, skipped: 1, retried: 1 })
    for (const report of reports.slice(1)) expect(report).toMatchObject({ written: 0, skipped: 0, retried: 1 })
    expect((await topicRecords(`r2.${bucket}`)).map((record) => record.key)).toEqual(['uploads/a'])
  })
})

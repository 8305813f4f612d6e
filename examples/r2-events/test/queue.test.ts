import { createExecutionContext, createMessageBatch, env, getQueueResult, type MessageBatchMessage } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import type { R2Event, R2EventNotification } from '../../../integrations/index'
import worker from '../src/index'
import { createTopic, topicRecords, uniqueName } from './support'

let sent = 0
const notification = (bucket: string, key: string, action: 'PutObject' | 'DeleteObject' = 'PutObject'): R2EventNotification => ({
  account: '3f4b7e3dcab231cbfdaa90a6a28bd548',
  action,
  bucket,
  object: action === 'PutObject' ? { key, size: 65536, eTag: 'c846ff7a18f28c2e262116d6e8719ef0' } : { key },
  eventTime: new Date(Date.parse('2024-05-24T19:36:44.379Z') + ++sent).toISOString(),
})
const messages = (bodies: R2EventNotification[]): Array<MessageBatchMessage<R2EventNotification>> =>
  bodies.map((body, i) => ({ id: `m${sent}-${i}`, timestamp: new Date(), attempts: 1, body }))

async function deliver(batch: MessageBatch<R2EventNotification>) {
  const ctx = createExecutionContext()
  await worker.queue(batch, env)
  return getQueueResult(batch, ctx)
}

describe('R2 events example > queue()', () => {
  it('acks every message, writing those under the key prefix and skipping the rest', async () => {
    const bucket = uniqueName('photos')
    const batch = createMessageBatch('kafdo-r2-events', messages([notification(bucket, 'uploads/a.png'), notification(bucket, 'tmp/b.png')]))
    const result = await deliver(batch)
    expect(result.explicitAcks).toHaveLength(2)
    expect(result.retryMessages).toEqual([])
    expect((await topicRecords(`r2.${bucket}`)).map((record) => (record.value as R2Event).key)).toEqual(['uploads/a.png'])
  })

  it('retries only the message whose record cannot be written', async () => {
    const bucket = uniqueName('photos')
    // The bucket's topic refuses records over 900 bytes, so an event for a very long key fails.
    await createTopic(`r2.${bucket}`, 1, { 'max.message.bytes': 900 })
    const longKey = `uploads/${'x'.repeat(500)}`
    const batchMessages = messages([
      notification(bucket, 'uploads/a'),
      notification(bucket, longKey),
      notification(bucket, 'uploads/b', 'DeleteObject'),
    ])
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const result = await deliver(createMessageBatch('kafdo-r2-events', batchMessages))
    expect(warn).toHaveBeenCalledOnce()
    warn.mockRestore()
    expect(result.retryMessages.map((retry) => retry.msgId)).toEqual([batchMessages[1]!.id])
    expect(result.explicitAcks.sort()).toEqual([batchMessages[0]!.id, batchMessages[2]!.id].sort())
    expect((await topicRecords(`r2.${bucket}`)).map((record) => record.key)).toEqual(['uploads/a', 'uploads/b'])
  })
})

import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { partitionForKey } from '../../src/core/murmur2'
import { createR2EventBridge, R2_HEADERS, R2EventBridge, type R2Event } from '../../integrations/index'
import { createTopic, uniqueName } from '../support/http'
import { completeMultipartUpload, copyObject, deleteObject, lifecycleDeletion, putObject, queueMessages } from './support/r2-notifications'
import { partitionCount, readTopic, recordsOfKey } from './support/topics'

describe('R2EventBridge > parseQueueMessage', () => {
  it('reads every R2 action, adding the object key at the top level', () => {
    const bucket = 'photos'
    const bodies = [
      putObject(bucket, 'a.jpg'),
      copyObject(bucket, 'b.jpg', 'a.jpg'),
      completeMultipartUpload(bucket, 'big.bin'),
      deleteObject(bucket, 'a.jpg'),
      lifecycleDeletion(bucket, 'old.log'),
    ]
    for (const body of bodies) expect(R2EventBridge.parseQueueMessage({ body })).toEqual({ ...body, key: body.object.key })
    expect(R2EventBridge.parseQueueMessage({ body: JSON.stringify(bodies[0]) })).toEqual({ ...bodies[0], key: 'a.jpg' })
  })

  it('returns null for anything that is not an R2 event notification', () => {
    const put = putObject('photos', 'a.jpg')
    for (const body of [
      null,
      'hello',
      { ...put, action: 'GetObject' },
      { ...put, object: { size: 1 } },
      { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' }] },
      { key: '/1', value: 'one' },
    ]) {
      expect(R2EventBridge.parseQueueMessage({ body })).toBeNull()
    }
  })
})

describe('R2EventBridge > processEvent', () => {
  it('writes events to r2.{bucket} keyed by object key, in order per object', async () => {
    const bucket = uniqueName('bucket')
    const bridge = createR2EventBridge({ env })
    const events = [putObject(bucket, 'a.txt'), putObject(bucket, 'b.txt'), copyObject(bucket, 'c.txt', 'a.txt'), deleteObject(bucket, 'a.txt')]
    for (const body of events) await bridge.processEvent(R2EventBridge.parseQueueMessage({ body })!)

    const topic = `r2.${bucket}`
    expect(await partitionCount(topic)).toBe(3)
    const records = await readTopic(topic)
    expect(records).toHaveLength(4)
    const a = recordsOfKey(records, 'a.txt')
    expect(a.map((record) => (record.value as R2Event).action)).toEqual(['PutObject', 'DeleteObject'])
    expect(a[0]!.partition).toBe(partitionForKey('a.txt', 3))
    expect(a[0]!.value).toEqual({ ...events[0], key: 'a.txt' })
    expect(a[0]!.headers).toMatchObject({ [R2_HEADERS.action]: 'PutObject', [R2_HEADERS.bucket]: bucket })
    expect(recordsOfKey(records, 'c.txt')[0]!.value).toMatchObject({ copySource: { bucket, object: 'a.txt' } })
  })

  it('skips events the bucket and key-prefix filters leave out', async () => {
    const bucket = uniqueName('bucket')
    const bridge = createR2EventBridge({ env, bucketFilter: bucket, keyPrefixFilter: ['uploads/', 'images/'] })
    const parse = (body: unknown) => R2EventBridge.parseQueueMessage({ body })!
    expect(await bridge.processEvent(parse(putObject(`${bucket}-other`, 'uploads/a')))).toBeNull()
    expect(await bridge.processEvent(parse(putObject(bucket, 'tmp/a')))).toBeNull()
    expect(await bridge.processEvent(parse(putObject(bucket, 'uploads/a')))).toMatchObject({ topic: `r2.${bucket}`, offset: 0 })
    expect(await bridge.processEvent(parse(deleteObject(bucket, 'images/b')))).toMatchObject({ topic: `r2.${bucket}` })
    expect((await readTopic(`r2.${bucket}`)).map((record) => record.key)).toEqual(expect.arrayContaining(['uploads/a', 'images/b']))
    expect(await readTopic(`r2.${bucket}`)).toHaveLength(2)
  })

  it('writes a redelivered notification once', async () => {
    const bucket = uniqueName('bucket')
    const body = putObject(bucket, 'a.txt')
    const first = await createR2EventBridge({ env }).processEvent(R2EventBridge.parseQueueMessage({ body })!)
    const again = await createR2EventBridge({ env }).processEvent(R2EventBridge.parseQueueMessage({ body: structuredClone(body) })!)
    expect(again).toEqual(first)
    // A new upload of the same key is a new event.
    await createR2EventBridge({ env }).processEvent(R2EventBridge.parseQueueMessage({ body: putObject(bucket, 'a.txt') })!)
    expect(await readTopic(`r2.${bucket}`)).toHaveLength(2)
  })
})

describe('R2EventBridge > processBatch', () => {
  it('acks each message once its record is written, and acks what it skips', async () => {
    const bucket = uniqueName('bucket')
    const bridge = createR2EventBridge({ env, keyPrefixFilter: 'uploads/' })
    const messages = queueMessages([
      putObject(bucket, 'uploads/a'),
      { hello: 'world' },
      putObject(bucket, 'tmp/x'),
      deleteObject(bucket, 'uploads/a'),
    ])
    const batch = createMessageBatch('r2-events', messages)
    const ctx = createExecutionContext()
    expect(await bridge.processBatch(batch)).toEqual({ written: 2, skipped: 2, retried: 0 })
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks.sort()).toEqual(messages.map((message) => message.id).sort())
    expect(result.retryMessages).toEqual([])
    expect(recordsOfKey(await readTopic(`r2.${bucket}`), 'uploads/a').map((record) => (record.value as R2Event).action)).toEqual([
      'PutObject',
      'DeleteObject',
    ])
  })

  it('retries only the failed messages and later ones for the same object; the redelivery completes them once', async () => {
    const [ready, missing] = [uniqueName('bucket'), uniqueName('bucket')]
    await createTopic(`r2.${ready}`, 1)
    // Without auto-creation, events for a bucket whose topic does not exist yet fail.
    const bridge = () => createR2EventBridge({ env, autoCreateTopics: false })
    const messages = queueMessages([putObject(ready, 'a'), putObject(missing, 'x'), putObject(ready, 'b'), deleteObject(missing, 'x')])
    const batch = createMessageBatch('r2-events', messages)
    const ctx = createExecutionContext()
    expect(await bridge().processBatch(batch)).toEqual({ written: 2, skipped: 0, retried: 2 })
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks.sort()).toEqual([messages[0]!.id, messages[2]!.id].sort())
    expect(result.retryMessages.map((retry) => retry.msgId).sort()).toEqual([messages[1]!.id, messages[3]!.id].sort())
    expect((await readTopic(`r2.${ready}`)).map((record) => record.key)).toEqual(['a', 'b'])

    // The topic is created; the Queue redelivers the whole batch (as after a crash): nothing doubles.
    await createTopic(`r2.${missing}`, 1)
    const redelivery = createMessageBatch(
      'r2-events',
      messages.map((message) => ({ ...message, attempts: 2 })),
    )
    const ctx2 = createExecutionContext()
    expect(await bridge().processBatch(redelivery)).toEqual({ written: 4, skipped: 0, retried: 0 })
    expect((await getQueueResult(redelivery, ctx2)).explicitAcks).toHaveLength(4)
    expect((await readTopic(`r2.${ready}`)).map((record) => record.key)).toEqual(['a', 'b'])
    expect((await readTopic(`r2.${missing}`)).map((record) => (record.value as R2Event).action)).toEqual(['PutObject', 'DeleteObject'])
  })
})

import { describe, expect, it, vi } from 'vitest'
import {
  isR2EventNotification,
  isR2LifecycleDeletion,
  isR2MultipartUploadCompleted,
  isR2ObjectCopied,
  isR2ObjectCreated,
  isR2ObjectDeleted,
  parseR2Event,
  processR2Event,
  type R2Event,
} from '../../integrations/index'
import { completeMultipartUpload, copyObject, deleteObject, lifecycleDeletion, putObject } from './support/r2-notifications'

const record = (value: unknown) => ({ topic: 'r2.photos', partition: 0, offset: 3, key: 'k', value, headers: {} })

describe('processR2Event', () => {
  it('calls onObjectCreated for creates and onObjectDeleted for deletes', async () => {
    const onObjectCreated = vi.fn()
    const onObjectDeleted = vi.fn()
    for (const body of [putObject('photos', 'a'), copyObject('photos', 'b', 'a'), completeMultipartUpload('photos', 'c')]) {
      expect(await processR2Event(record({ ...body, key: body.object.key }), { onObjectCreated, onObjectDeleted })).toBe(true)
    }
    for (const body of [deleteObject('photos', 'a'), lifecycleDeletion('photos', 'b')]) {
      expect(await processR2Event(record(body), { groupId: 'g', onObjectCreated, onObjectDeleted })).toBe(true)
    }
    expect(onObjectCreated.mock.calls.map(([event]) => [event.action, event.object.key, event.object.size > 0])).toEqual([
      ['PutObject', 'a', true],
      ['CopyObject', 'b', true],
      ['CompleteMultipartUpload', 'c', true],
    ])
    // A raw notification (no top-level key) still gets `key`, which delete handlers name the object by.
    expect(onObjectDeleted.mock.calls.map(([event, context]) => [event.action, event.key, context.groupId])).toEqual([
      ['DeleteObject', 'a', 'g'],
      ['LifecycleDeletion', 'b', 'g'],
    ])
  })

  it('skips other buckets and keys, values that are not R2 events, and types without a handler', async () => {
    const onObjectCreated = vi.fn()
    expect(await processR2Event(record(putObject('other', 'uploads/a')), { bucketFilter: 'photos', onObjectCreated })).toBe(false)
    expect(await processR2Event(record(putObject('photos', 'tmp/a')), { keyPrefixFilter: 'uploads/', onObjectCreated })).toBe(false)
    expect(await processR2Event(record({ action: 'PutObject' }), { onObjectCreated })).toBe(false)
    expect(await processR2Event(record(deleteObject('photos', 'a')), { onObjectCreated })).toBe(false)
    expect(
      await processR2Event(
        { body: putObject('photos', 'uploads/a') },
        { bucketFilter: ['x', 'photos'], keyPrefixFilter: 'uploads/', onObjectCreated },
      ),
    ).toBe(true)
    expect(onObjectCreated).toHaveBeenCalledTimes(1)
  })
})

describe('R2 event guards', () => {
  it('tell creates from deletes, and name each action', () => {
    const events = [
      putObject('p', 'a'),
      copyObject('p', 'b', 'a'),
      completeMultipartUpload('p', 'c'),
      deleteObject('p', 'a'),
      lifecycleDeletion('p', 'b'),
    ].map((body) => parseR2Event(body) as R2Event)
    expect(events.map(isR2ObjectCreated)).toEqual([true, true, true, false, false])
    expect(events.map(isR2ObjectDeleted)).toEqual([false, false, false, true, true])
    expect(events.map(isR2ObjectCopied)).toEqual([false, true, false, false, false])
    expect(events.map(isR2MultipartUploadCompleted)).toEqual([false, false, true, false, false])
    expect(events.map(isR2LifecycleDeletion)).toEqual([false, false, false, false, true])
    expect(isR2EventNotification(putObject('p', 'a'))).toBe(true)
    expect(isR2EventNotification({ action: 'PutObject', bucket: 'p' })).toBe(false)
  })
})

/**
 * R2 event notification bodies as Cloudflare delivers them to a Queue (R2 docs, "Event notifications" >
 * "Message format"), and Queue messages holding them.
 */
import type { MessageBatchMessage } from 'cloudflare:test'
import type { R2EventNotification } from '../../../integrations/index'

const ACCOUNT = '3f4b7e3dcab231cbfdaa90a6a28bd548'
let clock = Date.parse('2024-05-24T19:36:44.379Z')
let ids = 0

export function putObject(bucket: string, key: string, size = 65536): R2EventNotification {
  return { account: ACCOUNT, action: 'PutObject', bucket, object: { key, size, eTag: etag(key, size) }, eventTime: tick() }
}

export function copyObject(bucket: string, key: string, from: string): R2EventNotification {
  return {
    account: ACCOUNT,
    action: 'CopyObject',
    bucket,
    object: { key, size: 65536, eTag: 'c846ff7a18f28c2e262116d6e8719ef0' },
    eventTime: tick(),
    copySource: { bucket, object: from },
  }
}

export function completeMultipartUpload(bucket: string, key: string): R2EventNotification {
  return {
    account: ACCOUNT,
    action: 'CompleteMultipartUpload',
    bucket,
    object: { key, size: 20971520, eTag: 'd8e8fca2dc0f896fd7cb4cb0031ba249-4' },
    eventTime: tick(),
  }
}

export function deleteObject(bucket: string, key: string): R2EventNotification {
  return { account: ACCOUNT, action: 'DeleteObject', bucket, object: { key }, eventTime: tick() }
}

export function lifecycleDeletion(bucket: string, key: string): R2EventNotification {
  return { account: ACCOUNT, action: 'LifecycleDeletion', bucket, object: { key }, eventTime: tick() }
}

/** Queue messages carrying these bodies, as `createMessageBatch` takes them. */
export function queueMessages(bodies: unknown[]): Array<MessageBatchMessage<unknown>> {
  return bodies.map((body) => ({ id: `msg-${++ids}`, timestamp: new Date(), attempts: 1, body }))
}

function tick(): string {
  clock += 7
  return new Date(clock).toISOString()
}

function etag(key: string, size: number): string {
  let h = size
  for (const c of key) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0
  return (h >>> 0).toString(16).padStart(8, '0').repeat(4)
}

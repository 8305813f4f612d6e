/**
 * R2 event notifications, as Cloudflare delivers them to a Queue (R2 docs, "Event notifications" >
 * "Message format"): `account`, `action`, `bucket`, `object` (`key`, and for creates `size` and `eTag`),
 * `eventTime`, and `copySource` for `CopyObject`. Kafdo adds `key` (the object key) at the top level so
 * handlers of either kind can name the object the same way.
 */

export const R2_OBJECT_CREATE_ACTIONS = ['PutObject', 'CopyObject', 'CompleteMultipartUpload'] as const
export const R2_OBJECT_DELETE_ACTIONS = ['DeleteObject', 'LifecycleDeletion'] as const

export type R2ObjectCreateAction = (typeof R2_OBJECT_CREATE_ACTIONS)[number]
export type R2ObjectDeleteAction = (typeof R2_OBJECT_DELETE_ACTIONS)[number]
export type R2EventAction = R2ObjectCreateAction | R2ObjectDeleteAction

/** A Queue message body exactly as R2 sends it. */
export interface R2EventNotification {
  account: string
  action: R2EventAction
  bucket: string
  object: { key: string; size?: number; eTag?: string }
  eventTime: string
  copySource?: { bucket: string; object: string }
}

export interface R2ObjectCreatedEvent extends R2EventNotification {
  action: R2ObjectCreateAction
  object: { key: string; size: number; eTag: string }
  key: string
}

export interface R2ObjectDeletedEvent extends R2EventNotification {
  action: R2ObjectDeleteAction
  object: { key: string }
  key: string
}

export type R2Event = R2ObjectCreatedEvent | R2ObjectDeletedEvent

/** Headers on every bridged record. */
export const R2_HEADERS = {
  eventId: 'kafdo-r2-event-id',
  action: 'kafdo-r2-action',
  bucket: 'kafdo-r2-bucket',
} as const

type Fields = Record<string, unknown>
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value)
const isCreateAction = (action: unknown): action is R2ObjectCreateAction => (R2_OBJECT_CREATE_ACTIONS as readonly unknown[]).includes(action)
const isDeleteAction = (action: unknown): action is R2ObjectDeleteAction => (R2_OBJECT_DELETE_ACTIONS as readonly unknown[]).includes(action)

/**
 * Reads an R2 event from a notification body (or a bridged record's value); null for anything else.
 * Fields R2 may add later are kept. A create without `size`/`eTag` gets `0` and `''` rather than being
 * dropped.
 */
export function parseR2Event(value: unknown): R2Event | null {
  if (!isObject(value) || !isObject(value.object)) return null
  const { account, action, bucket, object, eventTime } = value
  if (typeof account !== 'string' || typeof bucket !== 'string' || typeof eventTime !== 'string' || typeof object.key !== 'string') return null
  const key = object.key
  if (isCreateAction(action)) {
    const size = typeof object.size === 'number' ? object.size : 0
    const eTag = typeof object.eTag === 'string' ? object.eTag : ''
    return { ...(value as unknown as R2EventNotification), action, object: { ...object, key, size, eTag }, key }
  }
  if (isDeleteAction(action)) return { ...(value as unknown as R2EventNotification), action, object: { ...object, key }, key }
  return null
}

/** Whether a value (a Queue message body, a record value) is an R2 event notification. */
export function isR2EventNotification(value: unknown): value is R2EventNotification {
  return parseR2Event(value) !== null
}

/** `PutObject`, `CopyObject` or `CompleteMultipartUpload`. */
export const isR2ObjectCreated = (event: R2Event): event is R2ObjectCreatedEvent => isCreateAction(event.action)
/** `DeleteObject` or `LifecycleDeletion`. */
export const isR2ObjectDeleted = (event: R2Event): event is R2ObjectDeletedEvent => isDeleteAction(event.action)
export const isR2ObjectCopied = (event: R2Event): event is R2ObjectCreatedEvent & { action: 'CopyObject' } => event.action === 'CopyObject'
export const isR2MultipartUploadCompleted = (event: R2Event): event is R2ObjectCreatedEvent & { action: 'CompleteMultipartUpload' } =>
  event.action === 'CompleteMultipartUpload'
export const isR2LifecycleDeletion = (event: R2Event): event is R2ObjectDeletedEvent & { action: 'LifecycleDeletion' } =>
  event.action === 'LifecycleDeletion'

/**
 * MongoDB change events as Kafdo carries them: the change stream's documents in Extended JSON (ObjectId
 * `{"$oid": …}`, dates `{"$date": …}`, decimals `{"$numberDecimal": …}`, timestamps `{"$timestamp": …}`),
 * stored in the record value exactly as given. The shapes follow MongoDB's "Change Events" reference;
 * `eventId` and `timestamp` are the Kafdo README's additions for events built by hand.
 */
import type { JsonValue } from '../../src/protocol/records.js'

/** Headers on every CDC record, so consumers can filter without parsing values. */
export const CDC_HEADERS = {
  eventId: 'kafdo-cdc-event-id',
  operation: 'kafdo-cdc-operation',
  database: 'kafdo-cdc-db',
  collection: 'kafdo-cdc-coll',
} as const

/** Any Extended JSON value. */
export type ExtendedJsonValue = JsonValue
/** An Extended JSON document, e.g. `fullDocument`. */
export type ExtendedJsonDocument = { [field: string]: JsonValue }

/** `documentKey`: the `_id` and, for sharded collections, the shard key fields. */
export type DocumentKey = { _id: JsonValue; [field: string]: JsonValue }

export interface CollectionNamespace {
  db: string
  coll: string
}

export interface DatabaseNamespace {
  db: string
  coll?: string
}

/** Fields every change event may carry. */
export interface CDCEventBase {
  /** The resume token (`{"_data": "8265…"}`): the change stream's id for the event. */
  _id?: ExtendedJsonDocument
  /** An id for events built by hand (the README's); used when `_id` is absent. */
  eventId?: string
  /** Oplog time, `{"$timestamp": {"t": …, "i": …}}`; shared by the events of one transaction. */
  clusterTime?: ExtendedJsonValue
  /** Server wall-clock time, `{"$date": …}` (MongoDB 6.0+). */
  wallTime?: ExtendedJsonValue
  /** When the change happened, ISO-8601 or epoch milliseconds (the README's hand-built events). */
  timestamp?: string | number
  collectionUUID?: ExtendedJsonValue
  /** Session and transaction number, present for events of a multi-document transaction. */
  lsid?: ExtendedJsonDocument
  txnNumber?: ExtendedJsonValue
}

export interface UpdateDescription {
  updatedFields: ExtendedJsonDocument
  removedFields: string[]
  truncatedArrays?: Array<{ field: string; newSize: number }>
  disambiguatedPaths?: ExtendedJsonDocument
}

export interface CDCInsertEvent extends CDCEventBase {
  operationType: 'insert'
  ns: CollectionNamespace
  documentKey: DocumentKey
  fullDocument: ExtendedJsonDocument
}

export interface CDCUpdateEvent extends CDCEventBase {
  operationType: 'update'
  ns: CollectionNamespace
  documentKey: DocumentKey
  updateDescription: UpdateDescription
  /** Present with `fullDocument: 'updateLookup'` (null if the document is gone by then). */
  fullDocument?: ExtendedJsonDocument | null
  fullDocumentBeforeChange?: ExtendedJsonDocument | null
}

export interface CDCReplaceEvent extends CDCEventBase {
  operationType: 'replace'
  ns: CollectionNamespace
  documentKey: DocumentKey
  fullDocument: ExtendedJsonDocument
  fullDocumentBeforeChange?: ExtendedJsonDocument | null
}

export interface CDCDeleteEvent extends CDCEventBase {
  operationType: 'delete'
  ns: CollectionNamespace
  documentKey: DocumentKey
  fullDocumentBeforeChange?: ExtendedJsonDocument | null
}

export interface CDCDropEvent extends CDCEventBase {
  operationType: 'drop'
  ns: CollectionNamespace
}

export interface CDCRenameEvent extends CDCEventBase {
  operationType: 'rename'
  /** The collection's old name. */
  ns: CollectionNamespace
  /** The collection's new name. */
  to: CollectionNamespace
  operationDescription?: ExtendedJsonDocument
}

export interface CDCDropDatabaseEvent extends CDCEventBase {
  operationType: 'dropDatabase'
  ns: { db: string }
}

/** Ends a change stream; MongoDB sends it without `ns`. */
export interface CDCInvalidateEvent extends CDCEventBase {
  operationType: 'invalidate'
  ns?: DatabaseNamespace
}

export type CDCEvent =
  CDCInsertEvent | CDCUpdateEvent | CDCReplaceEvent | CDCDeleteEvent | CDCDropEvent | CDCRenameEvent | CDCDropDatabaseEvent | CDCInvalidateEvent

export type CDCOperationType = CDCEvent['operationType']

export const CDC_OPERATION_TYPES: readonly CDCOperationType[] = [
  'insert',
  'update',
  'replace',
  'delete',
  'drop',
  'rename',
  'dropDatabase',
  'invalidate',
]

/** Change events that concern one document, and so carry `documentKey`. */
export type CDCDocumentEvent = CDCInsertEvent | CDCUpdateEvent | CDCReplaceEvent | CDCDeleteEvent

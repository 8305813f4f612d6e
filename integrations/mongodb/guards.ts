/**
 * Type guards for change events. `isCDCEvent` checks the shape each operation type needs (namespace,
 * `documentKey`, `updateDescription`, `to`), so a value read back from a topic can be trusted as typed.
 */
import type {
  CDCDeleteEvent,
  CDCDocumentEvent,
  CDCDropDatabaseEvent,
  CDCDropEvent,
  CDCEvent,
  CDCInsertEvent,
  CDCInvalidateEvent,
  CDCRenameEvent,
  CDCReplaceEvent,
  CDCUpdateEvent,
} from './types.js'

type Fields = Record<string, unknown>

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value)
const isCollection = (ns: unknown) => isObject(ns) && typeof ns.db === 'string' && typeof ns.coll === 'string'
/** A database namespace; a `coll` beside it, if any, must be a name too (it routes and fills headers). */
const isDatabase = (ns: unknown) => isObject(ns) && typeof ns.db === 'string' && (ns.coll === undefined || typeof ns.coll === 'string')
const hasDocumentKey = (event: Fields) => isObject(event.documentKey) && event.documentKey._id !== undefined

const SHAPES: Record<CDCEvent['operationType'], (event: Fields) => boolean> = {
  insert: (e) => isCollection(e.ns) && hasDocumentKey(e) && isObject(e.fullDocument),
  update: (e) => isCollection(e.ns) && hasDocumentKey(e) && isObject(e.updateDescription),
  replace: (e) => isCollection(e.ns) && hasDocumentKey(e) && isObject(e.fullDocument),
  delete: (e) => isCollection(e.ns) && hasDocumentKey(e),
  drop: (e) => isCollection(e.ns),
  rename: (e) => isCollection(e.ns) && isCollection(e.to),
  dropDatabase: (e) => isDatabase(e.ns),
  invalidate: (e) => e.ns === undefined || isDatabase(e.ns),
}

export function isCDCEvent(value: unknown): value is CDCEvent {
  if (!isObject(value) || typeof value.operationType !== 'string' || !Object.hasOwn(SHAPES, value.operationType)) return false
  return SHAPES[value.operationType as CDCEvent['operationType']](value)
}

/** Each guard accepts a typed event or any value (e.g. a record's `value`) and checks its whole shape. */
const guard =
  <T extends CDCEvent>(operationType: T['operationType']) =>
  (value: unknown): value is T =>
    isCDCEvent(value) && value.operationType === operationType

export const isInsertEvent = guard<CDCInsertEvent>('insert')
export const isUpdateEvent = guard<CDCUpdateEvent>('update')
export const isReplaceEvent = guard<CDCReplaceEvent>('replace')
export const isDeleteEvent = guard<CDCDeleteEvent>('delete')
export const isDropEvent = guard<CDCDropEvent>('drop')
export const isRenameEvent = guard<CDCRenameEvent>('rename')
export const isDropDatabaseEvent = guard<CDCDropDatabaseEvent>('dropDatabase')
export const isInvalidateEvent = guard<CDCInvalidateEvent>('invalidate')

/** Insert, update, replace and delete: the events about one document. */
export const isDocumentEvent = (value: unknown): value is CDCDocumentEvent =>
  isInsertEvent(value) || isUpdateEvent(value) || isReplaceEvent(value) || isDeleteEvent(value)

/**
 * `processCDCMessage`: hands a change event read from a Kafdo topic to the handler for its operation
 * type. `database` and `collection` filter (other namespaces are skipped, as are values that are not
 * change events); the result says whether a handler ran. A `rename` matches on its old namespace; a
 * `dropDatabase` passes a `collection` filter, since it ends every collection of its database; an
 * `invalidate` (MongoDB sends it without `ns`) is matched by the namespace the pipeline put in its
 * headers, and passes if there is none.
 */
import { contextOf, matchesExactly, payloadOf, type IntegrationMessage, type MessageContext, type OneOrMany } from '../internal/message.js'
import { isCDCEvent } from './guards.js'
import {
  CDC_HEADERS,
  type CDCDeleteEvent,
  type CDCDropDatabaseEvent,
  type CDCDropEvent,
  type CDCEvent,
  type CDCInsertEvent,
  type CDCInvalidateEvent,
  type CDCRenameEvent,
  type CDCReplaceEvent,
  type CDCUpdateEvent,
  type DatabaseNamespace,
} from './types.js'

type Handler<E> = (event: E, context: MessageContext) => void | Promise<void>

export interface CDCHandlers {
  /** Only events of this database (or these databases). */
  database?: OneOrMany
  /** Only events of this collection (or these collections). */
  collection?: OneOrMany
  /** The consumer group processing the messages; passed to handlers in their context. */
  groupId?: string
  onInsert?: Handler<CDCInsertEvent>
  onUpdate?: Handler<CDCUpdateEvent>
  onReplace?: Handler<CDCReplaceEvent>
  onDelete?: Handler<CDCDeleteEvent>
  onDrop?: Handler<CDCDropEvent>
  onRename?: Handler<CDCRenameEvent>
  onDropDatabase?: Handler<CDCDropDatabaseEvent>
  onInvalidate?: Handler<CDCInvalidateEvent>
}

/** Calls the handler for the message's change event; resolves true if one ran. */
export async function processCDCMessage(message: IntegrationMessage, handlers: CDCHandlers): Promise<boolean> {
  const event = payloadOf(message)
  if (!isCDCEvent(event) || !inScope(namespaceOf(event, message), handlers)) return false
  const context = contextOf(message, handlers.groupId)
  switch (event.operationType) {
    case 'insert':
      return run(handlers.onInsert, event, context)
    case 'update':
      return run(handlers.onUpdate, event, context)
    case 'replace':
      return run(handlers.onReplace, event, context)
    case 'delete':
      return run(handlers.onDelete, event, context)
    case 'drop':
      return run(handlers.onDrop, event, context)
    case 'rename':
      return run(handlers.onRename, event, context)
    case 'dropDatabase':
      return run(handlers.onDropDatabase, event, context)
    case 'invalidate':
      return run(handlers.onInvalidate, event, context)
  }
}

function namespaceOf(event: CDCEvent, message: IntegrationMessage): DatabaseNamespace | undefined {
  if (event.ns) return event.ns
  const db = message.headers?.[CDC_HEADERS.database]
  const coll = message.headers?.[CDC_HEADERS.collection]
  return db === undefined ? undefined : { db, ...(coll === undefined ? {} : { coll }) }
}

function inScope(ns: DatabaseNamespace | undefined, { database, collection }: CDCHandlers): boolean {
  if (ns === undefined) return true
  if (!matchesExactly(database, ns.db)) return false
  return collection === undefined || ns.coll === undefined || matchesExactly(collection, ns.coll)
}

async function run<E>(handler: Handler<E> | undefined, event: E, context: MessageContext): Promise<boolean> {
  if (!handler) return false
  await handler(event, context)
  return true
}

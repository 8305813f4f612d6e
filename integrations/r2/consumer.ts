/**
 * `processR2Event`: hands an R2 event read from a Kafdo topic (or straight from a Queue message) to
 * `onObjectCreated` or `onObjectDeleted`. `bucketFilter` and `keyPrefixFilter` skip other events, as do
 * values that are not R2 events; the result says whether a handler ran.
 */
import {
  contextOf,
  matchesExactly,
  matchesPrefix,
  payloadOf,
  type IntegrationMessage,
  type MessageContext,
  type OneOrMany,
} from '../internal/message.js'
import { isR2ObjectCreated, parseR2Event, type R2ObjectCreatedEvent, type R2ObjectDeletedEvent } from './types.js'

type Handler<E> = (event: E, context: MessageContext) => void | Promise<void>

export interface R2EventHandlers {
  bucketFilter?: OneOrMany
  keyPrefixFilter?: OneOrMany
  /** The consumer group processing the messages; passed to handlers in their context. */
  groupId?: string
  onObjectCreated?: Handler<R2ObjectCreatedEvent>
  onObjectDeleted?: Handler<R2ObjectDeletedEvent>
}

/** Calls the handler for the message's R2 event; resolves true if one ran. */
export async function processR2Event(message: IntegrationMessage, handlers: R2EventHandlers): Promise<boolean> {
  const event = parseR2Event(payloadOf(message))
  if (!event || !matchesExactly(handlers.bucketFilter, event.bucket) || !matchesPrefix(handlers.keyPrefixFilter, event.key)) return false
  const context = contextOf(message, handlers.groupId)
  if (isR2ObjectCreated(event)) {
    if (!handlers.onObjectCreated) return false
    await handlers.onObjectCreated(event, context)
    return true
  }
  if (!handlers.onObjectDeleted) return false
  await handlers.onObjectDeleted(event, context)
  return true
}

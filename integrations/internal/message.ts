/**
 * What the consumer helpers accept as a "message": a record from `consumer.poll()` or an async iterator,
 * a fetched message from the HTTP API or `KafdoClient` (the event is its `value`), or a Cloudflare Queue
 * message (the event is its `body`). A JSON string value is parsed, for records produced as text.
 */
import type { RecordHeaders } from '../../src/protocol/records.js'

export interface IntegrationMessage {
  value?: unknown
  body?: unknown
  key?: string | null
  headers?: RecordHeaders
  topic?: string
  partition?: number
  offset?: number
}

/** Where a message came from, passed to handlers next to the event. */
export interface MessageContext {
  groupId?: string | undefined
  topic?: string | undefined
  partition?: number | undefined
  offset?: number | undefined
  key?: string | null | undefined
  headers?: RecordHeaders | undefined
}

/** The event a message carries; undefined for anything that is not a message (null, a number...). */
export function payloadOf(message: IntegrationMessage): unknown {
  if (typeof message !== 'object' || message === null) return undefined
  const payload = message.value !== undefined ? message.value : message.body
  if (typeof payload !== 'string') return payload
  try {
    return JSON.parse(payload) as unknown
  } catch {
    return payload
  }
}

export function contextOf(message: IntegrationMessage, groupId?: string): MessageContext {
  return { groupId, topic: message.topic, partition: message.partition, offset: message.offset, key: message.key, headers: message.headers }
}

/** A filter value: one string or any of several. */
export type OneOrMany = string | readonly string[]

export function matchesExactly(filter: OneOrMany | undefined, value: string | undefined): boolean {
  if (filter === undefined) return true
  if (value === undefined) return false
  return typeof filter === 'string' ? filter === value : filter.includes(value)
}

export function matchesPrefix(filter: OneOrMany | undefined, value: string): boolean {
  if (filter === undefined) return true
  return typeof filter === 'string' ? value.startsWith(filter) : filter.some((prefix) => value.startsWith(prefix))
}

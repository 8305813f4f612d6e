/**
 * Topic patterns such as `cdc.{db}.{coll}` or `r2.{bucket}`: placeholders are filled from the event, and
 * the filled-in names are made legal Kafka topic names (`[a-zA-Z0-9._-]`), since MongoDB collection
 * names may hold characters Kafka refuses. A placeholder the event has no value for is removed together
 * with the separator before it, so a `dropDatabase` event (no collection) under `cdc.{db}.{coll}` goes to
 * `cdc.{db}`, the database's own topic.
 */
import { KafdoError } from '../../src/protocol/errors.js'

const PLACEHOLDER = /([._-]?)\{([a-zA-Z]+)\}/g

/** Fills a pattern; throws INVALID_REQUEST when nothing is left to name a topic. */
export function fillTopicPattern(pattern: string, values: Record<string, string | undefined>): string {
  const filled = pattern.replace(PLACEHOLDER, (_whole, separator: string, name: string) => {
    const value = values[name]
    return value === undefined ? '' : `${separator}${sanitize(value)}`
  })
  if (filled === '' || filled === '.' || filled === '..') {
    throw new KafdoError('INVALID_REQUEST', `topic pattern '${pattern}' names no topic for this event`, { pattern })
  }
  return filled
}

/** Whether a pattern uses a placeholder, e.g. to know if an event without a namespace can be routed. */
export function usesPlaceholder(pattern: string, name: string): boolean {
  return pattern.includes(`{${name}}`)
}

/** Replaces each character Kafka does not allow in a topic name with `_`. */
function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]/g, '_')
}

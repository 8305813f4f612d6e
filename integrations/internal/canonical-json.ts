/**
 * Deterministic serialisation for keys and dedupe ids. Record keys decide partitions and dedupe ids decide
 * what counts as "already written", so the same value must always give the same string: object keys are
 * sorted at every depth (as RFC 8785's JSON Canonicalization Scheme does), arrays keep their order.
 */
import { nestsDeeperThan } from '../../src/core/record-codec.js'
import { KafdoError } from '../../src/protocol/errors.js'
import { MAX_VALUE_DEPTH } from '../../src/protocol/limits.js'

/**
 * JSON text with object keys sorted recursively; `undefined` members are dropped, as JSON.stringify does.
 * A value nested deeper than a record value may be (MAX_VALUE_DEPTH) is refused before the recursion
 * could overflow the stack.
 */
export function canonicalJson(value: unknown): string {
  if (nestsDeeperThan(value, MAX_VALUE_DEPTH)) {
    throw new KafdoError('INVALID_REQUEST', `value is nested deeper than ${MAX_VALUE_DEPTH} levels`, { maxDepth: MAX_VALUE_DEPTH })
  }
  return JSON.stringify(sortKeys(value))
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  // Dates, ObjectIds and other classes with toJSON serialise as their toJSON value.
  const json = (value as { toJSON?: () => unknown }).toJSON
  if (typeof json === 'function') return sortKeys(json.call(value))
  const sorted: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key])
  return sorted
}

const encoder = new TextEncoder()

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

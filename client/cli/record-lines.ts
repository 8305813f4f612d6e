/**
 * How `kafdo produce` turns a line of input into a record:
 *
 * 1. A line ends at `\n`; a `\r` before it is dropped (CRLF files). An empty line is skipped.
 * 2. If the line holds the key delimiter (a tab unless `--key-delimiter` says otherwise; an empty one turns
 *    keys off), the text before its first occurrence is the key, exactly as written, and the text after
 *    it is the value. Otherwise the whole line is the value, and the key is `--key`'s (or none).
 * 3. With `--value-format json` (the default) the value text must be one JSON value (`{"a":1}`, `42`,
 *    `"text"`, `null`); a line that is not is an error naming its line number. With `string` the value is
 *    the text itself, as a JSON string.
 */
import { KafdoError } from '../../src/protocol/errors.js'

export type ValueFormat = 'json' | 'string'

export interface LineOptions {
  keyDelimiter: string
  valueFormat: ValueFormat
  /** The key of lines that carry none. */
  key?: string
}

export interface ParsedLine {
  key?: string
  value: unknown
  /** Key and value text as read, in UTF-8 bytes. */
  bytes: number
}

/** The record of one line, or undefined for a line to skip; throws on a value that is not JSON. */
export function parseLine(raw: string, lineNumber: number, options: LineOptions): ParsedLine | undefined {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
  if (line === '') return undefined
  const at = options.keyDelimiter === '' ? -1 : line.indexOf(options.keyDelimiter)
  const key = at >= 0 ? line.slice(0, at) : options.key
  const text = at >= 0 ? line.slice(at + options.keyDelimiter.length) : line
  const value = parseValue(text, options.valueFormat, `line ${lineNumber}`)
  return { ...(key !== undefined ? { key } : {}), value, bytes: byteLength(key ?? '') + byteLength(text) }
}

export function parseValue(text: string, format: ValueFormat, where: string): unknown {
  if (format === 'string') return text
  try {
    return JSON.parse(text) as unknown
  } catch {
    const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text
    throw new KafdoError('INVALID_REQUEST', `${where}: the value is not JSON: ${shown} (quote text as "text", or use --value-format string)`)
  }
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

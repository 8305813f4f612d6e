/**
 * What the CLI prints: tables for people, JSON for scripts (`--output json`), colour only on a terminal,
 * and errors as one line naming the code and what to do. Exit codes: 0 ok, 1 failed, 2 bad usage.
 */
import { KafdoError } from '../../src/protocol/errors.js'

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** The command ran and reports failure (an incompatible schema, a refused plan): exit code 1, message already printed. */
export class ReportedFailure extends Error {
  override readonly name = 'ReportedFailure'
}

export type OutputFormat = 'table' | 'json'

export interface Output {
  format: OutputFormat
  /** Whether stdout is a terminal that takes colour (not with NO_COLOR). */
  color: boolean
  out(text: string): void
  err(text: string): void
}

export function createOutput(format: OutputFormat): Output {
  return {
    format,
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  }
}

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2))
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const
export function paint(output: Output, color: keyof typeof CODES, text: string): string {
  return output.color ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text
}

/** Columns padded to their widest cell; the header in capitals, as kubectl prints. */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = [
    headers.map((h) => h.toUpperCase()),
    ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell)))),
  ]
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)))
  return cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n')
}

/** Prints `value` as JSON with `--output json`, else what `human` renders. */
export function emit<T>(output: Output, value: T, human: (value: T) => string): void {
  if (output.format === 'json') printJson(output, value)
  else output.out(human(value))
}

export const formatTime = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString())

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

export function formatDuration(ms: number): string {
  if (ms < 0) return 'never'
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

/** One line for an error: `error: CODE: message (what to do)`. */
export function errorLine(error: unknown, context: { url: string }): string {
  if (error instanceof KafdoError) {
    const hint = hintFor(error, context)
    return `error: ${error.code}: ${error.message}${hint ? ` (${hint})` : ''}`
  }
  if (error instanceof UsageError) return `error: ${error.message}`
  return `error: ${error instanceof Error ? error.message : String(error)}`
}

function hintFor(error: KafdoError, { url }: { url: string }): string | undefined {
  const missingTopic = /^topic '([^']+)' does not exist/.exec(error.message)
  switch (error.code) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return missingTopic ? `create it with: kafdo topics create ${missingTopic[1]}` : 'list the topics with: kafdo topics list'
    case 'TOPIC_ALREADY_EXISTS':
      return typeof error.details?.topic === 'string' ? `see it with: kafdo topics describe ${error.details.topic}` : undefined
    case 'UNAUTHENTICATED':
      return 'give a token with --token or KAFDO_TOKEN, or save one with: kafdo profile set <name> --url <url> --token <token>'
    case 'FORBIDDEN':
      return typeof error.details?.missing === 'string' ? `the credential needs the permission ${error.details.missing}` : undefined
    case 'SERVICE_UNAVAILABLE':
      return /network error/.test(error.message)
        ? `is Kafdo running at ${url}? start it with npm start, or point --url or KAFDO_URL at it`
        : 'retry in a moment'
    case 'REQUEST_TIMED_OUT':
      return `no answer from ${url} in time; retry, or raise --timeout`
    case 'NON_EMPTY_GROUP':
      return "stop the group's consumers first"
    case 'GROUP_ID_NOT_FOUND':
      return 'list the groups with: kafdo groups list'
    case 'THROTTLING_QUOTA_EXCEEDED':
      return typeof error.details?.retryAfterSeconds === 'number' ? `retry in ${error.details.retryAfterSeconds} s` : 'retry later'
    case 'INVALID_CONFIG': {
      const keys = error.details?.config
      return keys && typeof keys === 'object'
        ? Object.entries(keys)
            .map(([key, why]) => `${key}: ${String(why)}`)
            .join('; ')
        : undefined
    }
    case 'SUBJECT_NOT_FOUND':
      return 'list the subjects with: kafdo schemas list'
    default:
      return undefined
  }
}

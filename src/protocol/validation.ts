/**
 * Checks a value against a zod schema and, when it does not match, throws one 400 `KafdoError` worded in
 * Kafdo's terms rather than zod's: every problem names its field and says what the field takes.
 *
 *   limit must be an integer from 1 to 10000
 *   record 0: value is required
 *   unknown field "foo"
 *
 * Conventions, so that schemas' own messages read the same as the generic ones:
 * - A message starting with "must", "may", "cannot", "is" or "has" describes the value at its path, and
 *   the field's name is put in front of it. Schemas word their messages that way when they describe one
 *   value (`'may contain only ...'`), and as whole sentences when they describe the request as a whole
 *   (`'give exactly one of topics or pattern'`).
 * - Paths read as JavaScript: `retry.delayMs`, `offsets[0].offset`, `headers["content-type"]`. The records
 *   of a produce request are "record N:", as the produce service names them in its own errors.
 * - `details.issues` lists every problem as `{ path, message }`; `path` is empty for the input as a whole.
 */
import type { z } from 'zod'
import { KafdoError } from './errors.js'

type PathKey = PropertyKey

export interface Where {
  /** Path segments in front of the schema's own: a path parameter's name, `['records', 3]`. */
  at?: readonly PathKey[]
  /** What the input is, for messages about it as a whole and about keys it should not have. */
  source?: 'body' | 'query' | 'value'
}

export interface ValidationIssue {
  path: string
  message: string
}

const WHOLE = { body: 'the request body', query: 'the query string', value: 'the value' } as const
const UNKNOWN_KEY = { body: 'unknown field', query: 'unknown query parameter', value: 'unknown field' } as const
/** Arrays whose items are produce records: their problems are "record N: ...". */
const RECORD_ARRAYS = new Set<PathKey>(['records', 'messages'])
const PREDICATE = /^(must|may|cannot|is|has) /

export function check<S extends z.ZodType>(schema: S, input: unknown, where: Where = {}): z.output<S> {
  const parsed = schema.safeParse(input, { error: describeIssue })
  if (parsed.success) return parsed.data
  const source = where.source ?? 'value'
  const issues = parsed.error.issues.flatMap((issue) => explain(issue, where.at ?? [], source))
  throw new KafdoError('INVALID_REQUEST', issues.map((issue) => issue.message).join('; '), { issues })
}

/** One zod issue as Kafdo issues: unknown keys one by one, a failed union as its closest alternative. */
function explain(issue: z.core.$ZodIssue, at: readonly PathKey[], source: keyof typeof WHOLE): ValidationIssue[] {
  const path = [...at, ...issue.path]
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const { prefix, rest } = splitRecord([...path, key])
      return { path: formatPath([...path, key]), message: `${prefix}${UNKNOWN_KEY[source]} "${formatPath(rest)}"` }
    })
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // When one alternative is clearly closest (fewest problems), its problems say more than "matches none".
    const fewest = Math.min(...issue.errors.map((errors) => errors.length))
    const closest = issue.errors.filter((errors) => errors.length === fewest)
    if (closest.length === 1) return closest[0]!.flatMap((inner) => explain(inner, path, source))
  }
  const { prefix, rest } = splitRecord(path)
  if (!PREDICATE.test(issue.message)) return [{ path: formatPath(path), message: `${prefix}${issue.message}` }]
  // A record as a whole is "record N must be ...", not "record N: the record must be ...".
  const subject = rest.length > 0 ? `${prefix}${formatPath(rest)}` : prefix ? prefix.slice(0, -2) : WHOLE[source]
  return [{ path: formatPath(path), message: `${subject} ${issue.message}` }]
}

function splitRecord(path: readonly PathKey[]): { prefix: string; rest: readonly PathKey[] } {
  if (path.length >= 2 && RECORD_ARRAYS.has(path[0]!) && typeof path[1] === 'number') return { prefix: `record ${path[1]}: `, rest: path.slice(2) }
  return { prefix: '', rest: path }
}

function formatPath(path: readonly PathKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out
}

/**
 * zod's per-parse error map: Kafdo wording for every issue a schema gave no message of its own. It answers
 * with a predicate ("must be ..."), which `explain` puts after the field's name.
 */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  const schema = schemaOf(issue)
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required'
      return `must be ${(schema && describeSchema(schema)) ?? withArticle(issue.expected)}`
    case 'too_small':
    case 'too_big':
      return describeSize(issue, schema)
    case 'invalid_format':
      if (issue.format === 'datetime') return 'must be an ISO-8601 date-time, such as 2026-01-31T12:00:00Z'
      if (issue.format === 'regex') return 'is not in an accepted format'
      return `must be a valid ${issue.format}`
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`
    case 'invalid_value':
      return `must be ${alternatives(issue.values.map(quote))}`
    case 'invalid_union': {
      // A discriminated union whose discriminator matched no alternative reports the discriminator's path.
      const options = (issue as { options?: unknown[] }).options
      if (Array.isArray(options) && options.length > 0) return `must be ${alternatives(options.map(quote))}`
      const described = schema && describeSchema(schema)
      return described ? `must be ${described}` : 'does not match any accepted form'
    }
    case 'invalid_key':
      return `is not an accepted key: it ${issue.issues[0]?.message ?? 'is invalid'}`
    case 'invalid_element':
      return `is not an accepted element: it ${issue.issues[0]?.message ?? 'is invalid'}`
    case 'custom':
      return 'is invalid'
    default:
      return undefined
  }
}

function describeSize(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig>, schema: z.core.$ZodType | undefined): string {
  const small = issue.code === 'too_small'
  const bound = Number(small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum)
  switch (issue.origin) {
    case 'number':
    case 'int':
    case 'bigint':
      return `must be ${(schema && describeNumber(schema)) ?? `${small ? 'at least' : 'at most'} ${bound}`}`
    case 'string':
      if (small && bound === 1) return 'must not be empty'
      return `must be ${small ? 'at least' : 'at most'} ${bound} characters long`
    case 'array':
    case 'set':
      if (small && bound === 1) return 'must not be empty'
      return `must hold ${small ? 'at least' : 'at most'} ${bound} ${bound === 1 ? 'item' : 'items'}`
    default:
      return `must be ${small ? 'at least' : 'at most'} ${bound}`
  }
}

/** The schema an issue is about: the one that raised it, or the one owning the check that did. */
function schemaOf(issue: z.core.$ZodRawIssue): z.core.$ZodType | undefined {
  if (issue.schema) return issue.schema
  const inst = issue.inst as { _zod: { def: { type?: unknown } } } | undefined
  return inst && typeof inst._zod.def.type === 'string' ? (issue.inst as z.core.$ZodType) : undefined
}

/** What a schema accepts, as a noun phrase ("an integer from 1 to 100"), or undefined if it has none. */
function describeSchema(schema: z.core.$ZodType, inUnion = false): string | undefined {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>
  switch (def.type) {
    case 'number':
      return describeNumber(schema)
    case 'string':
      return def.format === 'datetime' ? 'an ISO-8601 date-time' : 'a string'
    case 'boolean':
      return inUnion ? 'a boolean' : 'true or false'
    case 'array':
      return 'an array'
    case 'object':
    case 'record':
      return 'an object'
    case 'null':
      return 'null'
    case 'enum':
      return alternatives(Object.values(def.entries as Record<string, unknown>).map(quote))
    case 'literal':
      return alternatives((def.values as unknown[]).map(quote))
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
      return describeSchema(def.innerType as z.core.$ZodType, inUnion)
    case 'nullable': {
      const inner = describeSchema(def.innerType as z.core.$ZodType, true)
      return inner && `${inner} or null`
    }
    case 'pipe':
      return describeSchema(def.in as z.core.$ZodType, inUnion)
    case 'union': {
      const options = (def.options as z.core.$ZodType[]).map((option) => describeSchema(option, true))
      return options.every((option) => option !== undefined) ? alternatives(options) : undefined
    }
    default:
      return undefined
  }
}

/** "an integer from 1 to 10000", "a non-negative integer", "a number of at most 1", from a number's checks. */
function describeNumber(schema: z.core.$ZodType): string {
  let integer = false
  let min: { value: number; inclusive: boolean } | undefined
  let max: { value: number; inclusive: boolean } | undefined
  for (const checkItem of (schema._zod.def as { checks?: z.core.$ZodCheck[] }).checks ?? []) {
    const def = checkItem._zod.def as { check: string; format?: string; value?: unknown; inclusive?: boolean }
    if (def.check === 'number_format' && def.format !== 'float32' && def.format !== 'float64') integer = true
    if (def.check === 'greater_than' && (min === undefined || Number(def.value) > min.value))
      min = { value: Number(def.value), inclusive: def.inclusive === true }
    if (def.check === 'less_than' && (max === undefined || Number(def.value) < max.value))
      max = { value: Number(def.value), inclusive: def.inclusive === true }
  }
  if (integer) {
    const low = min && (min.inclusive ? Math.ceil(min.value) : Math.floor(min.value) + 1)
    const high = max && (max.inclusive ? Math.floor(max.value) : Math.ceil(max.value) - 1)
    if (low !== undefined && high !== undefined) return `an integer from ${low} to ${high}`
    if (low === 0) return 'a non-negative integer'
    if (low === 1) return 'a positive integer'
    if (low !== undefined) return `an integer of at least ${low}`
    if (high !== undefined) return `an integer of at most ${high}`
    return 'an integer'
  }
  const lower = min && `${min.inclusive ? 'at least' : 'greater than'} ${min.value}`
  const upper = max && `${max.inclusive ? 'at most' : 'less than'} ${max.value}`
  if (lower && upper) return `a number ${lower} and ${upper}`
  return lower || upper ? `a number ${lower ?? upper}` : 'a number'
}

function alternatives(options: readonly string[]): string {
  if (options.length <= 1) return options[0] ?? 'nothing'
  return `${options.slice(0, -1).join(', ')} or ${options.at(-1)}`
}

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`
}

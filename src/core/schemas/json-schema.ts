/**
 * JSON Schema validators over @cfworker/json-schema, which interprets schemas without `eval` and so runs
 * inside workerd (ajv compiles to code and cannot). `$schema` picks the draft (2020-12 when absent).
 * @cfworker does not check schemas against their meta-schema, and fails only at validation time on some
 * mistakes (an unresolvable `$ref` throws), so compilation walks the schema first and refuses anything
 * malformed: a registered schema must never break produce later.
 */
import { dereference, escapePointer, format, validate, type OutputUnit, type Schema, type SchemaDraft } from '@cfworker/json-schema'
import type { CompileResult, ValidationError, ValidationResult } from './index.js'

/** A parsed JSON Schema document; objects are left as written (plus @cfworker's non-enumerable ref markers). */
export type JsonSchemaNode = boolean | { [keyword: string]: unknown }

export interface ParsedJsonSchema {
  root: JsonSchemaNode
  draft: SchemaDraft
  /** @cfworker's URI → subschema table, used to follow `$ref`. */
  lookup: Record<string, JsonSchemaNode>
}

/** `$schema` URIs we accept. Draft 6 has no @cfworker mode; draft 7 only adds keywords to it (if/then/else). */
const DRAFTS: Record<string, SchemaDraft> = {
  'json-schema.org/draft-04/schema': '4',
  'json-schema.org/draft-06/schema': '7',
  'json-schema.org/draft-07/schema': '7',
  'json-schema.org/draft/2019-09/schema': '2019-09',
  'json-schema.org/draft/2020-12/schema': '2020-12',
}
export const DEFAULT_JSON_SCHEMA_DRAFT: SchemaDraft = '2020-12'

const TYPES = new Set(['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'])
const SUBSCHEMA = `additionalItems unevaluatedItems contains additionalProperties unevaluatedProperties propertyNames
  not if then else`.split(/\s+/)
const SUBSCHEMA_LISTS = ['prefixItems', 'allOf', 'anyOf', 'oneOf']
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']
const COUNTS = ['maxLength', 'minLength', 'maxItems', 'minItems', 'maxProperties', 'minProperties', 'minContains', 'maxContains']
const NUMBERS = ['maximum', 'minimum']
/** The first few problems are enough to fix a schema; a long list only buries them. */
const MAX_REPORTED_SCHEMA_ERRORS = 10

export function parseJsonSchema(schemaText: string): { ok: true; schema: ParsedJsonSchema } | { ok: false; error: string } {
  let root: unknown
  try {
    root = JSON.parse(schemaText)
  } catch (err) {
    return { ok: false, error: `schema is not valid JSON: ${(err as Error).message}` }
  }
  if (typeof root !== 'boolean' && !isObject(root)) return { ok: false, error: 'a JSON Schema must be an object or a boolean' }
  let draft = DEFAULT_JSON_SCHEMA_DRAFT
  if (isObject(root) && root.$schema !== undefined) {
    const uri = typeof root.$schema === 'string' ? root.$schema.replace(/^https?:\/\//, '').replace(/#$/, '') : undefined
    const known = uri === undefined ? undefined : DRAFTS[uri]
    if (!known) return { ok: false, error: `unsupported $schema ${JSON.stringify(root.$schema)} (use draft-04, -06, -07, 2019-09 or 2020-12)` }
    draft = known
  }
  const problems: string[] = []
  const refs: Array<{ at: string; node: { [keyword: string]: unknown } }> = []
  try {
    checkNode(root, '', draft, problems, refs)
  } catch (err) {
    // Only absurd nesting exhausts the stack: still a refusal, not a crash.
    problems.push(`schema cannot be checked: ${(err as Error).message}`)
  }
  let lookup: Record<string, JsonSchemaNode> = {}
  if (problems.length === 0) {
    try {
      lookup = dereference(root as Schema | boolean) as Record<string, JsonSchemaNode>
    } catch (err) {
      problems.push((err as Error).message)
    }
    // @cfworker throws on an unknown `$ref` mid-validation; find those now, against the same table it uses.
    for (const { at, node } of refs) {
      const uri = (node.__absolute_ref__ as string | undefined) ?? (node.$ref as string)
      if (lookup[uri] === undefined)
        problems.push(`${at}/$ref: cannot resolve ${JSON.stringify(node.$ref)} (only references within the schema are supported)`)
    }
  }
  if (problems.length === 0 && expandedSize(root as JsonSchemaNode, lookup) > MAX_EXPANDED_NODES) {
    problems.push(
      `the schema expands to more than ${MAX_EXPANDED_NODES} subschemas through $ref/allOf/anyOf/oneOf; validating with it could take too long`,
    )
  }
  if (problems.length > 0) return { ok: false, error: problems.slice(0, MAX_REPORTED_SCHEMA_ERRORS).join('; ') }
  return { ok: true, schema: { root: root as JsonSchemaNode, draft, lookup } }
}

/**
 * Validation visits a subschema once for each way it is reached, so a schema that reuses a definition
 * twice at each of 20 levels costs a million visits per value. Counting the expansion (a `$ref` cycle
 * stops the count: it recurses only as deep as the value) bounds the work a registered schema can ask for.
 */
const MAX_EXPANDED_NODES = 10_000

function expandedSize(root: JsonSchemaNode, lookup: Record<string, JsonSchemaNode>): number {
  let count = 0
  const onPath = new Set<unknown>()
  const visit = (node: unknown): void => {
    if (count > MAX_EXPANDED_NODES || typeof node !== 'object' || node === null) return
    if (onPath.has(node)) return
    count++
    onPath.add(node)
    const schema = node as { [keyword: string]: unknown }
    if (typeof schema.$ref === 'string') visit(lookup[(schema.__absolute_ref__ as string | undefined) ?? schema.$ref])
    for (const keyword of [
      'items',
      'additionalProperties',
      'additionalItems',
      'not',
      'if',
      'then',
      'else',
      'contains',
      'propertyNames',
      'unevaluatedItems',
      'unevaluatedProperties',
    ]) {
      const sub = schema[keyword]
      if (Array.isArray(sub)) sub.forEach(visit)
      else visit(sub)
    }
    for (const keyword of ['allOf', 'anyOf', 'oneOf', 'prefixItems'])
      if (Array.isArray(schema[keyword])) (schema[keyword] as unknown[]).forEach(visit)
    for (const keyword of ['properties', 'patternProperties', 'dependentSchemas']) {
      if (isObject(schema[keyword])) Object.values(schema[keyword]).forEach(visit)
    }
    onPath.delete(node)
  }
  visit(root)
  return count
}

const DETAILED_VALIDATION_BYTES = 64 * 1024

// `format` is an annotation, as JSON Schema 2020-12 makes it by default: some of @cfworker's format
// checks (url among them) use regular expressions that backtrack exponentially on hostile strings.
for (const name of Object.keys(format)) delete (format as Record<string, unknown>)[name]

export function compileJsonSchema(schemaText: string): CompileResult {
  const parsed = parseJsonSchema(schemaText)
  if (!parsed.ok) return parsed
  const { root, draft, lookup } = parsed.schema
  return {
    ok: true,
    validator: {
      validate(value: unknown): ValidationResult {
        let units: OutputUnit[]
        try {
          // Every error, not just the first, so a producer can fix a record in one go; but for a large
          // value the first error only, so the work and the answer stay bounded.
          const detailed = (JSON.stringify(value)?.length ?? 0) <= DETAILED_VALIDATION_BYTES
          const result = validate(value, root as Schema | boolean, draft, lookup as Record<string, Schema | boolean>, !detailed)
          if (result.valid) return { valid: true }
          units = result.errors
        } catch (err) {
          // Values that are not JSON (undefined, functions, bigints) make @cfworker throw.
          return { valid: false, errors: [{ path: '', message: `value cannot be validated: ${(err as Error).message}` }] }
        }
        return { valid: false, errors: readableErrors(units) }
      },
    },
  }
}

/**
 * Keywords whose error only announces that a subschema failed; the subschema's own errors follow it and
 * say what is wrong, so the announcement is dropped.
 */
const WRAPPERS = new Set(
  `properties patternProperties additionalProperties unevaluatedProperties items prefixItems
  additionalItems unevaluatedItems $ref $recursiveRef allOf if dependentSchemas`.split(/\s+/),
)

function readableErrors(units: OutputUnit[]): ValidationError[] {
  const seen = new Set<string>()
  const errors: ValidationError[] = []
  for (const [i, unit] of units.entries()) {
    if (WRAPPERS.has(unit.keyword)) continue
    let path = instancePath(unit.instanceLocation)
    let message = unit.error
    if (unit.keyword === 'required') {
      // Point at the missing property itself, as Avro's "missing field" does.
      const missing = /required property "(.*)"\.$/.exec(unit.error)?.[1]
      if (missing !== undefined) [path, message] = [`${path}/${escapePointer(missing)}`, 'Required property is missing.']
    } else if (unit.keyword === 'false') {
      // A false schema's error does not say where it came from (its keywordLocation is the instance's);
      // the wrapper error pushed just before it does.
      const parent = units[i - 1]?.keyword ?? ''
      message = /[pP]roperties$/.test(parent)
        ? 'Property is not allowed by the schema.'
        : /[iI]tems$/.test(parent)
          ? 'Array item is not allowed by the schema.'
          : 'No value is allowed here (the schema is false).'
    }
    const key = `${path}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    errors.push({ path, message })
  }
  return errors
}

/** @cfworker's `#/a/b%20c` (URI-encoded pointer fragment) → `/a/b c`. */
function instancePath(location: string): string {
  const fragment = location.startsWith('#') ? location.slice(1) : location
  try {
    return decodeURI(fragment.replace(/%23/g, '#'))
  } catch {
    return fragment
  }
}

function checkNode(
  node: unknown,
  at: string,
  draft: SchemaDraft,
  problems: string[],
  refs: Array<{ at: string; node: { [keyword: string]: unknown } }>,
): void {
  if (typeof node === 'boolean') return
  if (!isObject(node)) {
    problems.push(`${at || '/'}: a schema must be an object or a boolean`)
    return
  }
  const problem = (keyword: string, message: string) => problems.push(`${at}/${keyword}: ${message}`)
  const sub = (value: unknown, path: string) => checkNode(value, path, draft, problems, refs)
  const { type } = node
  if (type !== undefined) {
    const list = Array.isArray(type) ? type : [type]
    for (const t of list) if (typeof t !== 'string' || !TYPES.has(t)) problem('type', `${JSON.stringify(t)} is not a type (${[...TYPES].join(', ')})`)
    if (new Set(list).size !== list.length) problem('type', 'types must be unique')
  }
  if (node.required !== undefined && !(Array.isArray(node.required) && node.required.every((r) => typeof r === 'string'))) {
    problem('required', 'must be an array of property names')
  }
  if (node.enum !== undefined && !Array.isArray(node.enum)) problem('enum', 'must be an array')
  for (const keyword of COUNTS) {
    const n = node[keyword]
    if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 0)) problem(keyword, 'must be a non-negative integer')
  }
  for (const keyword of NUMBERS) if (node[keyword] !== undefined && typeof node[keyword] !== 'number') problem(keyword, 'must be a number')
  for (const keyword of ['exclusiveMaximum', 'exclusiveMinimum']) {
    const v = node[keyword]
    // Draft 4 made these booleans modifying maximum/minimum; later drafts made them numbers.
    if (v !== undefined && typeof v !== (draft === '4' ? 'boolean' : 'number')) problem(keyword, `must be a ${draft === '4' ? 'boolean' : 'number'}`)
  }
  if (node.multipleOf !== undefined && !(typeof node.multipleOf === 'number' && node.multipleOf > 0))
    problem('multipleOf', 'must be a number above 0')
  if (node.uniqueItems !== undefined && typeof node.uniqueItems !== 'boolean') problem('uniqueItems', 'must be a boolean')
  if (node.format !== undefined && typeof node.format !== 'string') problem('format', 'must be a string')
  // @cfworker compiles patterns with the `u` flag, so check them the same way.
  if (node.pattern !== undefined && !validPattern(node.pattern))
    problem('pattern', `${JSON.stringify(node.pattern)} is not a valid regular expression`)
  if (node.$ref !== undefined) {
    if (typeof node.$ref === 'string') refs.push({ at, node })
    else problem('$ref', 'must be a string')
  }
  for (const keyword of SUBSCHEMA) if (node[keyword] !== undefined) sub(node[keyword], `${at}/${keyword}`)
  for (const keyword of SUBSCHEMA_LISTS) {
    const list = node[keyword]
    if (list === undefined) continue
    if (!Array.isArray(list) || list.length === 0) problem(keyword, 'must be a non-empty array of schemas')
    else list.forEach((s, i) => sub(s, `${at}/${keyword}/${i}`))
  }
  for (const keyword of SUBSCHEMA_MAPS) {
    const map = node[keyword]
    if (map === undefined) continue
    if (!isObject(map)) problem(keyword, 'must be an object of schemas')
    else for (const [key, s] of Object.entries(map)) sub(s, `${at}/${keyword}/${escapePointer(key)}`)
  }
  if (isObject(node.patternProperties)) {
    for (const key of Object.keys(node.patternProperties))
      if (!validPattern(key)) problem('patternProperties', `${JSON.stringify(key)} is not a valid regular expression`)
  }
  if (node.items !== undefined) {
    if (!Array.isArray(node.items)) sub(node.items, `${at}/items`)
    else if (draft === '2020-12') problem('items', 'must be a schema in draft 2020-12 (tuples use prefixItems)')
    else node.items.forEach((s, i) => sub(s, `${at}/items/${i}`))
  }
  if (
    node.dependentRequired !== undefined &&
    !(
      isObject(node.dependentRequired) &&
      Object.values(node.dependentRequired).every((names) => Array.isArray(names) && names.every((n) => typeof n === 'string'))
    )
  )
    problem('dependentRequired', 'must be an object of property-name arrays')
  if (isObject(node.dependencies)) {
    for (const [key, d] of Object.entries(node.dependencies)) if (!Array.isArray(d)) sub(d, `${at}/dependencies/${escapePointer(key)}`)
  }
}

/**
 * A quantified group that itself contains a quantifier (`(a+)+`, `(\\w*)*`, `(a|b+){2,}`) can backtrack
 * exponentially on a short value; such patterns are refused rather than left to hang a produce.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/

function validPattern(pattern: unknown): boolean {
  if (typeof pattern !== 'string' || NESTED_QUANTIFIER.test(pattern)) return false
  try {
    new RegExp(pattern, 'u')
    return true
  } catch {
    return false
  }
}

export function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

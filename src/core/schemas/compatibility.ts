/**
 * Compatibility checks with Confluent Schema Registry's modes. Every mode reduces to one question, "can
 * a reader with schema R read all data written with schema W?": BACKWARD asks it with R = new, W = each
 * old; FORWARD with R = old, W = new; FULL asks both. Non-transitive modes compare with the latest
 * version only, transitive modes with every version.
 *
 * Avro follows the spec's schema resolution, as Avro Java's SchemaCompatibility does: record fields match
 * by name (or reader alias); a reader field the writer lacks needs a default; writer-only fields are
 * skipped; int→long→float→double and string↔bytes promote; enum writer symbols must exist in the reader
 * unless the reader has a default; named types match by unqualified name or reader alias; fixed sizes
 * must agree; every writer union branch must be readable by the reader (by some reader branch if the
 * reader is a union too).
 *
 * JSON Schema gets a structural check, not full containment (which is undecidable in general). It refuses:
 * a type the writer allows and the reader does not (integer→number widens, the reverse narrows); an enum
 * or const the writer's values escape; a property the reader requires and the writer does not; a
 * property present in both whose schemas are incompatible (recursively); additionalProperties closed or
 * constrained by the reader where the writer left it open, or closed against a writer property; tighter
 * min/max bounds, lengths, item and property counts, uniqueItems or multipleOf; a new or changed pattern
 * or format; any change to keywords it cannot compare (not, if/then/else, dependencies, patternProperties,
 * propertyNames, contains, unevaluated*), compared by equality. Its limits: a property the reader adds
 * where the writer's additionalProperties was left open is assumed absent from old data, so adding an
 * optional property is compatible (Confluent's stricter "open content model" rule would refuse it);
 * allOf is merged shallowly; anyOf/oneOf compare branch by branch (oneOf exclusivity is not checked);
 * `$ref` is followed within each document and siblings of `$ref` are merged shallowly.
 */
import { escapePointer } from '@cfworker/json-schema'
import type { CompatibilityMode, SchemaType } from '../../protocol/schemas.js'
import { avroTypeName, parseAvroSchema, type AvroNamed, type AvroType } from './avro.js'
import { isObject, parseJsonSchema, type JsonSchemaNode, type ParsedJsonSchema } from './json-schema.js'

export type CompatibilityResult = { compatible: true } | { compatible: false; messages: string[] }

/** `existingSchemaTexts` oldest first, so the last is the latest version. */
export function checkCompatibility(
  kind: SchemaType,
  newSchemaText: string,
  existingSchemaTexts: string[],
  mode: CompatibilityMode,
): CompatibilityResult {
  if (mode === 'NONE' || existingSchemaTexts.length === 0) return { compatible: true }
  let messages: string[]
  try {
    messages =
      kind === 'AVRO'
        ? compareAll(parseAvroSchema, avroReads, newSchemaText, existingSchemaTexts, mode)
        : compareAll(parseJsonSchema, jsonReads, newSchemaText, existingSchemaTexts, mode)
  } catch (err) {
    // A budget ran out (TooComplex) or the input defeats the comparison: refuse rather than fail.
    return { compatible: false, messages: [`the schemas could not be compared: ${(err as Error).message}`] }
  }
  return messages.length === 0 ? { compatible: true } : { compatible: false, messages: messages.slice(0, MAX_PROBLEMS) }
}

type Parse<S> = (text: string) => { ok: true; schema: S } | { ok: false; error: string }

function compareAll<S>(
  parse: Parse<S>,
  reads: (reader: S, writer: S) => string[],
  newText: string,
  existing: string[],
  mode: CompatibilityMode,
): string[] {
  const fresh = parse(newText)
  if (!fresh.ok) return [`the new schema is invalid: ${fresh.error}`]
  const indexes = mode.endsWith('_TRANSITIVE') ? existing.map((_, i) => i) : [existing.length - 1]
  const messages: string[] = []
  for (const i of indexes) {
    const old = parse(existing[i]!)
    const label = `schema ${i + 1} of ${existing.length}`
    if (!old.ok) {
      messages.push(`existing ${label} is invalid: ${old.error}`)
      continue
    }
    if (!mode.startsWith('FORWARD')) {
      for (const p of reads(fresh.schema, old.schema)) messages.push(`BACKWARD (the new schema reading data written with ${label}): ${p}`)
    }
    if (!mode.startsWith('BACKWARD')) {
      for (const p of reads(old.schema, fresh.schema)) messages.push(`FORWARD (${label} reading data written with the new schema): ${p}`)
    }
  }
  return messages
}

const MAX_COMPARISON_DEPTH = 200
/** Work and output bounds: the registry runs in the one cluster-wide object and must answer quickly. */
const MAX_COMPARISON_STEPS = 20_000
const MAX_PROBLEMS = 20

class TooComplex extends Error {}

/**
 * One reader/writer comparison's bookkeeping. A pair already being compared further up the stack counts
 * as compatible, the coinductive reading Avro Java uses for recursive types; `trial` compares without
 * reporting, to choose a union branch, sharing that stack so recursion through unions ends too.
 */
class Comparison<T extends object> {
  #problems: string[] = []
  readonly #active = new WeakMap<T, WeakSet<T>>()
  /** Pairs already compared, and whether that found a problem: shared types are compared once. */
  readonly #done = new WeakMap<T, WeakMap<T, boolean>>()
  #depth = 0
  #steps = 0

  get problems(): string[] {
    return this.#problems
  }

  problem(code: string, at: string, message: string): void {
    if (this.#problems.length < MAX_PROBLEMS) this.#problems.push(`${code} at ${at || '/'}: ${message}`)
    else if (this.#problems.length === MAX_PROBLEMS) this.#problems.push('... further problems not listed')
  }

  guard(reader: T, writer: T, at: string, body: () => void): void {
    // Only a schema that nests itself without end (anyOf containing its own $ref) goes this deep.
    if (this.#depth >= MAX_COMPARISON_DEPTH) return this.problem('TOO_DEEP', at, `nesting beyond ${MAX_COMPARISON_DEPTH} levels is not compared`)
    if (++this.#steps > MAX_COMPARISON_STEPS) throw new TooComplex(`more than ${MAX_COMPARISON_STEPS} type comparisons`)
    const earlier = this.#done.get(reader)?.get(writer)
    if (earlier !== undefined) {
      if (earlier) this.problem('INCOMPATIBLE_TYPE', at, 'incompatible, as the same types are elsewhere')
      return
    }
    let writers = this.#active.get(reader)
    if (!writers) this.#active.set(reader, (writers = new WeakSet()))
    if (writers.has(writer)) return
    writers.add(writer)
    this.#depth++
    const before = this.#problems.length
    try {
      body()
    } finally {
      writers.delete(writer)
      this.#depth--
    }
    let done = this.#done.get(reader)
    if (!done) this.#done.set(reader, (done = new WeakMap()))
    done.set(writer, this.#problems.length > before)
  }

  trial(body: () => void): boolean {
    const saved = this.#problems
    this.#problems = []
    try {
      body()
      return this.#problems.length === 0
    } finally {
      this.#problems = saved
    }
  }
}

/** Avro's promotions: the writer types each reader type can read besides its own. */
const PROMOTIONS: Record<string, string[]> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  bytes: ['string'],
  string: ['bytes'],
}

export function avroReads(reader: AvroType, writer: AvroType): string[] {
  const c = new Comparison<AvroType>()
  const problem = c.problem.bind(c)
  const sameName = (r: AvroNamed, w: AvroNamed, at: string) => {
    if (unqualified(r.name) === unqualified(w.name) || r.aliases.includes(w.name)) return true
    problem('NAME_MISMATCH', at, `the reader expects ${r.name} where the writer wrote ${w.name}`)
    return false
  }
  const visit = (r: AvroType, w: AvroType, at: string): void => c.guard(r, w, at, () => compare(r, w, at))
  const compare = (r: AvroType, w: AvroType, at: string): void => {
    if (r.type === 'union' && w.type === 'union') return w.branches.forEach((b) => visit(r, b, at))
    if (w.type === 'union') return w.branches.forEach((b) => visit(r, b, at))
    if (r.type === 'union') {
      if (!r.branches.some((b) => c.trial(() => visit(b, w, at))))
        problem('MISSING_UNION_BRANCH', at, `the reader union ${avroTypeName(r)} has no branch for ${avroTypeName(w)}`)
      return
    }
    if (r.type !== w.type) {
      if (!PROMOTIONS[r.type]?.includes(w.type))
        problem('TYPE_MISMATCH', at, `the reader's ${avroTypeName(r)} cannot read the writer's ${avroTypeName(w)}`)
      return
    }
    if (r.type === 'array' && w.type === 'array') visit(r.items, w.items, `${at}/items`)
    else if (r.type === 'map' && w.type === 'map') visit(r.values, w.values, `${at}/values`)
    else if (r.type === 'fixed' && w.type === 'fixed') {
      if (sameName(r, w, `${at}/name`) && r.size !== w.size)
        problem('FIXED_SIZE_MISMATCH', `${at}/size`, `${r.name} is ${r.size} bytes in the reader, ${w.size} in the writer`)
    } else if (r.type === 'enum' && w.type === 'enum') {
      const missing = w.symbols.filter((s) => !r.symbols.includes(s))
      if (sameName(r, w, `${at}/name`) && missing.length > 0 && r.default === undefined) {
        problem('MISSING_ENUM_SYMBOLS', `${at}/symbols`, `the reader's ${r.name} lacks the writer's symbols ${missing.join(', ')} and has no default`)
      }
    } else if (r.type === 'record' && w.type === 'record') {
      if (!sameName(r, w, `${at}/name`)) return
      r.fields.forEach((field, i) => {
        const written = w.fields.find((f) => f.name === field.name) ?? w.fields.find((f) => field.aliases.includes(f.name))
        if (written) visit(field.type, written.type, `${at}/fields/${i}/type`)
        else if (!field.hasDefault)
          problem(
            'READER_FIELD_MISSING_DEFAULT_VALUE',
            `${at}/fields/${i}`,
            `field "${field.name}" of ${r.name} is missing in the writer and has no default`,
          )
      })
    }
  }
  visit(reader, writer, '')
  return c.problems
}

function unqualified(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1)
}

type JsonObject = { [keyword: string]: unknown }
const ALL_TYPES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']
/** Keywords that do not constrain values; a schema of only these accepts anything. */
const ANNOTATIONS = new Set(
  `$schema $id $comment $defs definitions $anchor title description default examples deprecated
  readOnly writeOnly`.split(/\s+/),
)
/** Keywords compared only by equality: how a change to them moves the accepted set is not worked out. */
const OPAQUE = `not if then else dependentRequired dependentSchemas dependencies patternProperties propertyNames
  contains minContains maxContains unevaluatedProperties unevaluatedItems additionalItems`.split(/\s+/)
/** Stand-ins for boolean schemas in the pair set, which holds objects only. */
const TRUE_KEY = {}
const FALSE_KEY = {}
const pairKey = (node: JsonSchemaNode): JsonObject => (node === true ? TRUE_KEY : node === false ? FALSE_KEY : node)

export function jsonReads(reader: ParsedJsonSchema, writer: ParsedJsonSchema): string[] {
  const c = new Comparison<JsonObject>()
  const problem = c.problem.bind(c)
  // Guarded on the nodes as written: `$ref` cycles always pass through them, while normalize() copies.
  const visit = (rNode: JsonSchemaNode, wNode: JsonSchemaNode, at: string): void =>
    c.guard(pairKey(rNode), pairKey(wNode), at, () => compare(rNode, wNode, at))
  const compare = (rNode: JsonSchemaNode, wNode: JsonSchemaNode, at: string): void => {
    const r = normalize(rNode, reader)
    const w = normalize(wNode, writer)
    if (r === true || w === false || Object.keys(r).every((k) => ANNOTATIONS.has(k))) return
    if (r === false) return void problem('NOTHING_ACCEPTED', at, 'the reader accepts no value here')
    const wo: JsonObject = w === true ? {} : w
    const wAlternatives = alternatives(wo, writer)
    if (wAlternatives) return wAlternatives.forEach((b, i) => visit(r, b, `${at}/anyOf/${i}`))
    const rAlternatives = alternatives(r, reader)
    if (rAlternatives) {
      if (!rAlternatives.some((b) => c.trial(() => visit(b, wo, at))))
        problem('NO_MATCHING_ALTERNATIVE', at, 'no anyOf/oneOf branch of the reader accepts what the writer allows')
      return
    }
    const rTypes = typesOf(r)
    const wTypes = typesOf(wo)
    const lost = wTypes.filter((t) => !rTypes.includes(t) && !(t === 'integer' && rTypes.includes('number')))
    if (lost.length > 0) problem('TYPE_CHANGED', `${at}/type`, `the writer allows ${lost.join(', ')}, the reader only ${rTypes.join(', ')}`)
    const may = (t: string) => wTypes.includes(t) && rTypes.includes(t)
    const rValues = valuesOf(r)
    if (rValues) {
      const wValues = valuesOf(wo)
      if (!wValues) problem('ENUM_ADDED', at, `the reader accepts only ${JSON.stringify(rValues)}, the writer any value`)
      else {
        const gone = wValues.filter((v) => !rValues.some((rv) => sameJson(rv, v)))
        if (gone.length > 0) problem('ENUM_VALUES_REMOVED', at, `the reader no longer accepts ${JSON.stringify(gone)}`)
      }
    }
    const narrowed = (keyword: string, tighter: boolean) =>
      tighter && problem(`${keyword.toUpperCase()}_NARROWED`, `${at}/${keyword}`, `the reader's ${keyword} is tighter than the writer's`)
    const atLeast = (k: string) => narrowed(k, typeof r[k] === 'number' && !(typeof wo[k] === 'number' && wo[k] >= r[k]))
    const atMost = (k: string) => narrowed(k, typeof r[k] === 'number' && !(typeof wo[k] === 'number' && wo[k] <= r[k]))
    if (may('object')) {
      const rProps = isObject(r.properties) ? r.properties : {}
      const wProps = isObject(wo.properties) ? wo.properties : {}
      const wExtra = wo.additionalProperties
      for (const [name, schema] of Object.entries(rProps)) {
        const written = Object.hasOwn(wProps, name) ? wProps[name] : isObject(wExtra) ? wExtra : undefined
        if (written !== undefined) visit(schema as JsonSchemaNode, written as JsonSchemaNode, `${at}/properties/${escapePointer(name)}`)
      }
      const wRequired = Array.isArray(wo.required) ? wo.required : []
      for (const name of Array.isArray(r.required) ? r.required : []) {
        if (!wRequired.includes(name))
          problem('REQUIRED_PROPERTY_MISSING', `${at}/required`, `the reader requires "${name}", which the writer does not`)
      }
      const rExtra = r.additionalProperties
      if (rExtra !== undefined && rExtra !== true) {
        if (wExtra === undefined || wExtra === true)
          problem('ADDITIONAL_PROPERTIES_NARROWED', `${at}/additionalProperties`, 'the reader restricts properties the writer left open')
        else if (wExtra !== false) visit(rExtra as JsonSchemaNode, wExtra as JsonSchemaNode, `${at}/additionalProperties`)
        for (const [name, schema] of Object.entries(wProps)) {
          if (Object.hasOwn(rProps, name) || schema === false) continue
          if (rExtra === false)
            problem('PROPERTY_NOT_ALLOWED', `${at}/properties/${escapePointer(name)}`, `the writer's property "${name}" is not allowed by the reader`)
          else visit(rExtra as JsonSchemaNode, schema as JsonSchemaNode, `${at}/additionalProperties`)
        }
      }
      atLeast('minProperties')
      atMost('maxProperties')
    }
    if (may('array')) {
      const rItems = Array.isArray(r.items) ? undefined : r.items
      const wItems = Array.isArray(wo.items) ? undefined : wo.items
      if (rItems !== undefined) visit(rItems as JsonSchemaNode, (wItems ?? true) as JsonSchemaNode, `${at}/items`)
      const rTuple = tupleOf(r)
      const wTuple = tupleOf(wo)
      rTuple.forEach((s, i) => visit(s, wTuple[i] ?? ((wItems ?? true) as JsonSchemaNode), `${at}/prefixItems/${i}`))
      atLeast('minItems')
      atMost('maxItems')
      narrowed('uniqueItems', r.uniqueItems === true && wo.uniqueItems !== true)
    }
    if (may('string')) {
      atLeast('minLength')
      atMost('maxLength')
      for (const k of ['pattern', 'format'])
        if (r[k] !== undefined && r[k] !== wo[k]) problem(`${k.toUpperCase()}_CHANGED`, `${at}/${k}`, `the reader's ${k} differs from the writer's`)
    }
    const numeric = (types: string[]) => types.includes('number') || types.includes('integer')
    if (numeric(wTypes) && numeric(rTypes)) {
      narrowed('minimum', tighterBound(bound(r, 1, reader), bound(wo, 1, writer), 1))
      narrowed('maximum', tighterBound(bound(r, -1, reader), bound(wo, -1, writer), -1))
      const [rm, wm] = [r.multipleOf, wo.multipleOf]
      narrowed('multipleOf', typeof rm === 'number' && !(typeof wm === 'number' && Number.isInteger(wm / rm)))
    }
    for (const k of OPAQUE)
      if (r[k] !== undefined && !sameJson(r[k], wo[k]))
        problem('UNCHECKED_KEYWORD_CHANGED', `${at}/${k}`, `changes to "${k}" cannot be checked, so they are refused`)
  }
  visit(reader.root, writer.root, '')
  return c.problems
}

/** Follows `$ref` (siblings override the target, shallowly) and folds allOf into its parent. */
function normalize(node: JsonSchemaNode, doc: ParsedJsonSchema, depth = 0): JsonSchemaNode {
  if (typeof node === 'boolean' || depth > 32) return node
  let result: JsonObject = node
  if (typeof node.$ref === 'string') {
    const target = doc.lookup[(node.__absolute_ref__ as string | undefined) ?? node.$ref]
    const { $ref: _ref, ...siblings } = node
    if (target === false) return false
    result = { ...(target === true || target === undefined ? {} : (normalize(target, doc, depth + 1) as JsonObject)), ...siblings }
  }
  if (Array.isArray(result.allOf)) {
    const { allOf, ...rest } = result
    for (const part of allOf as JsonSchemaNode[]) {
      const p = normalize(part, doc, depth + 1)
      if (p === false) return false
      if (p === true) continue
      const properties = { ...(isObject(rest.properties) ? rest.properties : {}), ...(isObject(p.properties) ? p.properties : {}) }
      const required = [...new Set([...(Array.isArray(rest.required) ? rest.required : []), ...(Array.isArray(p.required) ? p.required : [])])]
      Object.assign(rest, p, { properties, required })
    }
    result = rest
  }
  return result
}

/** anyOf/oneOf branches with the schema's other keywords applied to each (shallowly). */
function alternatives(s: JsonObject, doc: ParsedJsonSchema): JsonSchemaNode[] | undefined {
  const list = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined
  if (!list) return undefined
  const { anyOf: _a, oneOf: _o, ...rest } = s
  // A branch is kept as written when there is nothing to merge into it, so `$ref` cycles still meet the guard.
  if (Object.keys(rest).every((k) => ANNOTATIONS.has(k))) return list as JsonSchemaNode[]
  return (list as JsonSchemaNode[]).map((b) => {
    const branch = normalize(b, doc)
    return branch === true ? rest : branch === false ? false : { ...rest, ...branch }
  })
}

function typesOf(s: JsonObject): string[] {
  if (typeof s.type === 'string') return [s.type]
  if (Array.isArray(s.type)) return s.type as string[]
  const values = valuesOf(s)
  if (values) return [...new Set(values.map((v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v)))]
  return ALL_TYPES
}

function valuesOf(s: JsonObject): unknown[] | undefined {
  return s.const !== undefined ? [s.const] : Array.isArray(s.enum) ? s.enum : undefined
}

function tupleOf(s: JsonObject): JsonSchemaNode[] {
  return (Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : []) as JsonSchemaNode[]
}

type Bound = { value: number; exclusive: boolean }

/** The tightest lower (`direction` 1) or upper (-1) bound, reading draft 4's boolean exclusive flags as such. */
function bound(s: JsonObject, direction: 1 | -1, doc: ParsedJsonSchema): Bound | undefined {
  const [inclusive, exclusive] = direction === 1 ? [s.minimum, s.exclusiveMinimum] : [s.maximum, s.exclusiveMaximum]
  const bounds: Bound[] = []
  if (typeof inclusive === 'number') bounds.push({ value: inclusive, exclusive: doc.draft === '4' && exclusive === true })
  if (typeof exclusive === 'number') bounds.push({ value: exclusive, exclusive: true })
  return bounds.reduce<Bound | undefined>((a, b) => (a && !tighterBound(b, a, direction) ? a : b), undefined)
}

function tighterBound(r: Bound | undefined, w: Bound | undefined, direction: 1 | -1): boolean {
  if (!r) return false
  if (!w) return true
  return (r.value - w.value) * direction > 0 || (r.value === w.value && r.exclusive && !w.exclusive)
}

function sameJson(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true
  if (depth > 64) return false
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false
  const ak = Object.keys(a)
  const bk = Object.keys(b)
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(b, k) && sameJson((a as JsonObject)[k], (b as JsonObject)[k], depth + 1))
}

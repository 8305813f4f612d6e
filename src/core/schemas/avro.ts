/**
 * Avro schemas (the 1.11 specification) parsed into a small type graph, and validation of JSON values
 * against it, without code generation (avsc compiles with `new Function`, which workerd forbids).
 * Values are records as applications write them in JSON: bytes and fixed are strings of code points 0-255
 * (Avro's JSON encoding), a union value may be plain (`"x"`) or tagged with its branch (`{"string": "x"}`).
 * Logical types are accepted and checked as their underlying type, as the spec lets readers do.
 */
import { escapePointer } from '@cfworker/json-schema'
import type { CompileResult, ValidationError, ValidationResult } from './index.js'

export const AVRO_PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'] as const
export type AvroPrimitive = (typeof AVRO_PRIMITIVES)[number]

/** Named types carry their fullname, e.g. `shop.Order`, and aliases made full the same way. */
export type AvroRecord = { type: 'record'; name: string; aliases: string[]; fields: AvroField[] }
export type AvroField = { name: string; type: AvroType; aliases: string[]; hasDefault: boolean; default?: unknown }
export type AvroEnum = { type: 'enum'; name: string; aliases: string[]; symbols: string[]; default?: string }
export type AvroFixed = { type: 'fixed'; name: string; aliases: string[]; size: number }
export type AvroNamed = AvroRecord | AvroEnum | AvroFixed
/** Named types are shared objects, so a recursive record is a cycle in this graph. */
export type AvroType =
  | { type: AvroPrimitive }
  | AvroNamed
  | { type: 'array'; items: AvroType }
  | { type: 'map'; values: AvroType }
  | { type: 'union'; branches: AvroType[] }

const INT_MIN = -(2 ** 31)
const INT_MAX = 2 ** 31 - 1
const LONG_MIN = -(2n ** 63n)
const LONG_MAX = 2n ** 63n - 1n
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

class AvroSchemaError extends Error {}

export function parseAvroSchema(schemaText: string): { ok: true; schema: AvroType } | { ok: false; error: string } {
  let json: unknown
  try {
    json = JSON.parse(schemaText)
  } catch (err) {
    return { ok: false, error: `schema is not valid JSON: ${(err as Error).message}` }
  }
  try {
    return { ok: true, schema: parseType(json, '', '', new Map()) }
  } catch (err) {
    // Anything else is the stack running out on absurd nesting: still a refusal, not a crash.
    return { ok: false, error: err instanceof AvroSchemaError ? err.message : `schema cannot be parsed: ${(err as Error).message}` }
  }
}

export function compileAvro(schemaText: string): CompileResult {
  const parsed = parseAvroSchema(schemaText)
  if (!parsed.ok) return parsed
  const schema = parsed.schema
  return {
    ok: true,
    validator: {
      validate(value: unknown): ValidationResult {
        const errors: ValidationError[] = []
        try {
          check(schema, value, '', errors, false)
        } catch (err) {
          // A value nested deeper than the stack allows, through a recursive record.
          return { valid: false, errors: [{ path: '', message: `value cannot be validated: ${(err as Error).message}` }] }
        }
        return errors.length === 0 ? { valid: true } : { valid: false, errors }
      },
    },
  }
}

/** `int`, `shop.Order`, `array<string>`, `[null, string]`: how a type is named in messages. */
export function avroTypeName(t: AvroType): string {
  switch (t.type) {
    case 'record':
    case 'enum':
    case 'fixed':
      return t.name
    case 'array':
      return `array<${avroTypeName(t.items)}>`
    case 'map':
      return `map<${avroTypeName(t.values)}>`
    case 'union':
      return `[${t.branches.map(avroTypeName).join(', ')}]`
    default:
      return t.type
  }
}

function fail(at: string, message: string): never {
  throw new AvroSchemaError(at ? `${at}: ${message}` : message)
}

function parseType(node: unknown, namespace: string, at: string, names: Map<string, AvroNamed>): AvroType {
  if (typeof node === 'string') return primitiveOrReference(node, namespace, at, names)
  if (Array.isArray(node)) return parseUnion(node, namespace, at, names)
  if (typeof node !== 'object' || node === null) fail(at, `${JSON.stringify(node)} is not an Avro schema`)
  const spec = node as Record<string, unknown>
  const type = spec.type
  if (typeof type !== 'string') fail(at, 'a schema object needs a "type" name')
  switch (type) {
    case 'record':
    case 'enum':
    case 'fixed':
      return parseNamed(type, spec, namespace, at, names)
    case 'array':
      if (spec.items === undefined) fail(at, 'an array needs "items"')
      return { type: 'array', items: parseType(spec.items, namespace, `${at}/items`, names) }
    case 'map':
      if (spec.values === undefined) fail(at, 'a map needs "values"')
      return { type: 'map', values: parseType(spec.values, namespace, `${at}/values`, names) }
    default:
      // `{"type": "string", "logicalType": ...}` or `{"type": "shop.Order"}`.
      return primitiveOrReference(type, namespace, at, names)
  }
}

function primitiveOrReference(name: string, namespace: string, at: string, names: Map<string, AvroNamed>): AvroType {
  if ((AVRO_PRIMITIVES as readonly string[]).includes(name)) return { type: name as AvroPrimitive }
  // A bare name resolves in the enclosing namespace first, then the null namespace (spec: "Names").
  const candidates = name.includes('.') || !namespace ? [name] : [`${namespace}.${name}`, name]
  for (const candidate of candidates) {
    const found = names.get(candidate)
    if (found) return found
  }
  fail(at, `unknown type "${name}"`)
}

function parseUnion(node: unknown[], namespace: string, at: string, names: Map<string, AvroNamed>): AvroType {
  const branches = node.map((b, i) => parseType(b, namespace, `${at}/${i}`, names))
  const seen = new Set<string>()
  branches.forEach((b, i) => {
    if (b.type === 'union') fail(`${at}/${i}`, 'a union may not directly contain another union')
    // One branch per unnamed type and per named type's fullname, so a value's branch is never ambiguous.
    const key = 'name' in b ? b.name : b.type
    if (seen.has(key)) fail(`${at}/${i}`, `the union already has a ${key} branch`)
    seen.add(key)
  })
  return { type: 'union', branches }
}

function parseNamed(
  kind: 'record' | 'enum' | 'fixed',
  spec: Record<string, unknown>,
  enclosing: string,
  at: string,
  names: Map<string, AvroNamed>,
): AvroNamed {
  const fullname = fullName(spec.name, spec.namespace, enclosing, at)
  const namespace = fullname.includes('.') ? fullname.slice(0, fullname.lastIndexOf('.')) : ''
  if (names.has(fullname)) fail(at, `type "${fullname}" is defined twice`)
  const aliases = stringList(spec.aliases, `${at}/aliases`).map((a) => (a.includes('.') || !namespace ? a : `${namespace}.${a}`))
  if (kind === 'fixed') {
    if (!Number.isSafeInteger(spec.size) || (spec.size as number) < 0) fail(at, `fixed "${fullname}" needs a non-negative integer "size"`)
    const fixed: AvroFixed = { type: 'fixed', name: fullname, aliases, size: spec.size as number }
    names.set(fullname, fixed)
    return fixed
  }
  if (kind === 'enum') {
    if (!Array.isArray(spec.symbols)) fail(at, `enum "${fullname}" needs "symbols"`)
    const symbols = stringList(spec.symbols, `${at}/symbols`)
    for (const s of symbols) if (!NAME.test(s)) fail(`${at}/symbols`, `"${s}" is not a valid symbol`)
    if (new Set(symbols).size !== symbols.length) fail(`${at}/symbols`, 'symbols must be unique')
    if (spec.default !== undefined && !symbols.includes(spec.default as string))
      fail(`${at}/default`, `${JSON.stringify(spec.default)} is not one of the symbols`)
    const e: AvroEnum = { type: 'enum', name: fullname, aliases, symbols, ...(spec.default !== undefined ? { default: spec.default as string } : {}) }
    names.set(fullname, e)
    return e
  }
  if (!Array.isArray(spec.fields)) fail(at, `record "${fullname}" needs a "fields" array`)
  // Registered before its fields are parsed so that a field may refer to the record itself (a linked list).
  const record: AvroRecord = { type: 'record', name: fullname, aliases, fields: [] }
  names.set(fullname, record)
  const fieldNames = new Set<string>()
  spec.fields.forEach((f: unknown, i: number) => {
    const fieldAt = `${at}/fields/${i}`
    if (typeof f !== 'object' || f === null || Array.isArray(f)) fail(fieldAt, 'a field must be an object')
    const field = f as Record<string, unknown>
    if (typeof field.name !== 'string' || !NAME.test(field.name)) fail(fieldAt, `${JSON.stringify(field.name)} is not a valid field name`)
    if (fieldNames.has(field.name)) fail(fieldAt, `record "${fullname}" already has a field "${field.name}"`)
    fieldNames.add(field.name)
    if (field.type === undefined) fail(fieldAt, `field "${field.name}" needs a "type"`)
    if (field.order !== undefined && !['ascending', 'descending', 'ignore'].includes(field.order as string))
      fail(fieldAt, '"order" must be ascending, descending or ignore')
    const type = parseType(field.type, namespace, `${fieldAt}/type`, names)
    const parsed: AvroField = { name: field.name, type, aliases: stringList(field.aliases, `${fieldAt}/aliases`), hasDefault: 'default' in field }
    if (parsed.hasDefault) {
      // Spec: a default is a JSON value of the field's type; for a union, of its first branch.
      const errors: ValidationError[] = []
      check(type, field.default, '', errors, true)
      if (errors.length > 0) fail(`${fieldAt}/default`, `default of field "${field.name}" does not match ${avroTypeName(type)}: ${describe(errors)}`)
      parsed.default = field.default
    }
    record.fields.push(parsed)
  })
  return record
}

function fullName(name: unknown, namespace: unknown, enclosing: string, at: string): string {
  if (typeof name !== 'string') fail(at, 'a named type needs a "name"')
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') fail(at, '"namespace" must be a string')
  const full = name.includes('.') ? name : [typeof namespace === 'string' ? namespace : enclosing, name].filter(Boolean).join('.')
  const parts = full.split('.')
  if (!parts.every((p) => NAME.test(p))) fail(at, `"${full}" is not a valid name`)
  if ((AVRO_PRIMITIVES as readonly string[]).includes(parts[parts.length - 1]!)) fail(at, `"${name}" is a primitive type name`)
  return full
}

function stringList(value: unknown, at: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(at, 'must be an array of strings')
  return value as string[]
}

function describe(errors: ValidationError[]): string {
  return errors.map((e) => (e.path ? `${e.path} ${e.message}` : e.message)).join('; ')
}

/** What a JSON value looks like, for messages and for choosing the union branch an error is about. */
function jsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

const JSON_KINDS: Partial<Record<AvroType['type'], string>> = {
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'string',
  enum: 'string',
  fixed: 'string',
  record: 'object',
  map: 'object',
}
const kindOf = (t: AvroType): string => JSON_KINDS[t.type] ?? t.type

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Appends to `errors` every way `value` breaks `t`. `asDefault`: a field default, where a union takes only its first branch. */
function check(t: AvroType, value: unknown, path: string, errors: ValidationError[], asDefault: boolean): void {
  const wrong = (message: string): void => void errors.push({ path, message })
  const expected = () => wrong(`expected ${avroTypeName(t)}, got ${jsonKind(value)}`)
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'string':
      if (jsonKind(value) !== t.type) expected()
      return
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) expected()
      else if (value < INT_MIN || value > INT_MAX) wrong(`${value} is out of range for int (32-bit)`)
      return
    case 'long':
      if (typeof value === 'bigint') {
        if (value < LONG_MIN || value > LONG_MAX) wrong(`${value} is out of range for long (64-bit)`)
      } else if (typeof value !== 'number' || !Number.isInteger(value)) expected()
      // Beyond 2^53 a JSON number has already lost digits, so the value is not the one written.
      else if (!Number.isSafeInteger(value)) wrong(`${value} is beyond the exactly representable integers (±2^53)`)
      return
    case 'float':
    case 'double':
      if (typeof value !== 'number') expected()
      return
    case 'bytes':
    case 'fixed':
      if (typeof value !== 'string') expected()
      // Avro's JSON encoding maps each byte to the code point of the same value.
      else if (!/^[\u0000-\u00ff]*$/.test(value)) wrong(`${t.type} must be a string of code points 0-255 (one per byte)`)
      else if (t.type === 'fixed' && value.length !== t.size) wrong(`${t.name} is ${t.size} bytes, got ${value.length}`)
      return
    case 'enum':
      if (typeof value !== 'string') expected()
      else if (!t.symbols.includes(value)) wrong(`"${value}" is not a symbol of ${t.name} (${t.symbols.join(', ')})`)
      return
    case 'array':
      if (!Array.isArray(value)) expected()
      else value.forEach((item, i) => check(t.items, item, `${path}/${i}`, errors, asDefault))
      return
    case 'map':
      if (!isPlainObject(value)) expected()
      else for (const [key, v] of Object.entries(value)) check(t.values, v, `${path}/${escapePointer(key)}`, errors, asDefault)
      return
    case 'record': {
      if (!isPlainObject(value)) return expected()
      const known = new Set<string>()
      for (const field of t.fields) {
        known.add(field.name)
        const fieldPath = `${path}/${escapePointer(field.name)}`
        if (Object.hasOwn(value, field.name) && value[field.name] !== undefined) check(field.type, value[field.name], fieldPath, errors, asDefault)
        else if (!field.hasDefault) errors.push({ path: fieldPath, message: `missing field of ${t.name} (it has no default)` })
      }
      for (const key of Object.keys(value)) {
        if (!known.has(key)) errors.push({ path: `${path}/${escapePointer(key)}`, message: `${t.name} has no field "${key}"` })
      }
      return
    }
    case 'union':
      return checkUnion(t, value, path, errors, asDefault)
  }
}

function checkUnion(t: { type: 'union'; branches: AvroType[] }, value: unknown, path: string, errors: ValidationError[], asDefault: boolean): void {
  const attempt = (branch: AvroType, v: unknown, at: string) => {
    const found: ValidationError[] = []
    check(branch, v, at, found, asDefault)
    return found
  }
  if (asDefault) {
    const first = t.branches[0]
    if (first) errors.push(...attempt(first, value, path))
    return
  }
  // Each branch is tried once and its errors kept: trying again to report them would double the work at
  // every level of a recursive union (a linked list ["null", "Node"]), which is exponential in its depth.
  const tried = new Map<AvroType, ValidationError[]>()
  for (const branch of t.branches) {
    const found = attempt(branch, value, path)
    if (found.length === 0) return
    tried.set(branch, found)
  }
  // Avro's JSON encoding tags a non-null union value with its branch: {"string": "x"}, {"shop.Order": {...}}.
  const keys = isPlainObject(value) ? Object.keys(value) : []
  const tag = keys.length === 1 ? keys[0]! : undefined
  const tagged =
    tag === undefined
      ? undefined
      : t.branches.find((b) => b.type !== 'null' && ('name' in b ? b.name === tag || shortName(b) === tag : b.type === tag))
  if (tag !== undefined && tagged) {
    errors.push(...attempt(tagged, (value as Record<string, unknown>)[tag], `${path}/${escapePointer(tag)}`))
    return
  }
  // One branch of the value's JSON kind (the record in ["null", Order]) gives the precise nested errors.
  const plausible = t.branches.filter((b) => kindOf(b) === jsonKind(value))
  if (plausible.length === 1) errors.push(...(tried.get(plausible[0]!) ?? []))
  else errors.push({ path, message: `${jsonKind(value)} matches no branch of union ${avroTypeName(t)}` })
}

function shortName(t: AvroType): string | undefined {
  return 'name' in t ? t.name.slice(t.name.lastIndexOf('.') + 1) : undefined
}

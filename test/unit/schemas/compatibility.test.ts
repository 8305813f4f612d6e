import { describe, expect, it } from 'vitest'
import { checkCompatibility } from '../../../src/core/schemas/index.js'
import type { CompatibilityMode } from '../../../src/protocol/schemas.js'

type Field = Record<string, unknown>
const record = (...fields: Field[]) => JSON.stringify({ type: 'record', name: 'User', namespace: 'app', fields })
const id: Field = { name: 'id', type: 'string' }
const age = (type: unknown = 'int'): Field => ({ name: 'age', type })
const emailWithDefault: Field = { name: 'email', type: ['null', 'string'], default: null }
const emailRequired: Field = { name: 'email', type: 'string' }
const status = (...symbols: string[]): Field => ({ name: 'status', type: { type: 'enum', name: 'Status', symbols } })

function verdict(kind: 'AVRO' | 'JSON', next: string, existing: string[], mode: CompatibilityMode): boolean {
  return checkCompatibility(kind, next, existing, mode).compatible
}

/** Whether `next` may follow `previous` under BACKWARD, FORWARD and FULL. */
function modes(kind: 'AVRO' | 'JSON', previous: string, next: string) {
  return {
    BACKWARD: verdict(kind, next, [previous], 'BACKWARD'),
    FORWARD: verdict(kind, next, [previous], 'FORWARD'),
    FULL: verdict(kind, next, [previous], 'FULL'),
  }
}

describe('Compatibility > Avro', () => {
  it('adding a field with a default is fully compatible', () => {
    expect(modes('AVRO', record(id), record(id, emailWithDefault))).toEqual({ BACKWARD: true, FORWARD: true, FULL: true })
  })

  it('adding a field without a default breaks BACKWARD only', () => {
    expect(modes('AVRO', record(id), record(id, emailRequired))).toEqual({ BACKWARD: false, FORWARD: true, FULL: false })
    const result = checkCompatibility('AVRO', record(id, emailRequired), [record(id)], 'BACKWARD')
    expect(result).toEqual({
      compatible: false,
      messages: [
        'BACKWARD (the new schema reading data written with schema 1 of 1): READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1: field "email" of app.User is missing in the writer and has no default',
      ],
    })
  })

  it('removing a field without a default breaks FORWARD only; with a default it stays compatible', () => {
    expect(modes('AVRO', record(id, emailRequired), record(id))).toEqual({ BACKWARD: true, FORWARD: false, FULL: false })
    expect(modes('AVRO', record(id, emailWithDefault), record(id))).toEqual({ BACKWARD: true, FORWARD: true, FULL: true })
  })

  it('promotes int to long for readers, but not back', () => {
    expect(modes('AVRO', record(id, age('int')), record(id, age('long')))).toEqual({ BACKWARD: true, FORWARD: false, FULL: false })
    expect(modes('AVRO', record(id, age('string')), record(id, age('bytes')))).toEqual({ BACKWARD: true, FORWARD: true, FULL: true })
  })

  it('refuses a type change that is no promotion', () => {
    expect(modes('AVRO', record(id, age('int')), record(id, age('string')))).toEqual({ BACKWARD: false, FORWARD: false, FULL: false })
    const result = checkCompatibility('AVRO', record(id, age('string')), [record(id, age('int'))], 'BACKWARD')
    expect(result.compatible ? [] : result.messages).toEqual([
      expect.stringContaining("TYPE_MISMATCH at /fields/1/type: the reader's string cannot read the writer's int"),
    ])
  })

  it('adding an enum symbol is BACKWARD compatible, removing one FORWARD compatible', () => {
    expect(modes('AVRO', record(status('A', 'B')), record(status('A', 'B', 'C')))).toEqual({ BACKWARD: true, FORWARD: false, FULL: false })
    expect(modes('AVRO', record(status('A', 'B')), record(status('A')))).toEqual({ BACKWARD: false, FORWARD: true, FULL: false })
  })

  it('an enum default lets a reader take unknown symbols', () => {
    const withDefault: Field = { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['A', 'UNKNOWN'], default: 'UNKNOWN' } }
    expect(verdict('AVRO', record(withDefault), [record(status('A', 'B'))], 'BACKWARD')).toBe(true)
  })

  it('widening a field to a union is BACKWARD compatible; narrowing it is not', () => {
    expect(modes('AVRO', record(id, age('int')), record(id, age(['null', 'int'])))).toEqual({ BACKWARD: true, FORWARD: false, FULL: false })
    expect(modes('AVRO', record(id, age(['null', 'long'])), record(id, age(['null', 'int'])))).toEqual({
      BACKWARD: false,
      FORWARD: true,
      FULL: false,
    })
  })

  it('matches records by name, and fixed by size', () => {
    const renamed = JSON.stringify({ type: 'record', name: 'Person', namespace: 'app', fields: [id] })
    expect(checkCompatibility('AVRO', renamed, [record(id)], 'BACKWARD')).toMatchObject({
      compatible: false,
      messages: [expect.stringContaining('NAME_MISMATCH')],
    })
    const aliased = JSON.stringify({ type: 'record', name: 'Person', namespace: 'app', aliases: ['User'], fields: [id] })
    expect(verdict('AVRO', aliased, [record(id)], 'BACKWARD')).toBe(true)
    const hash = (size: number) => record({ name: 'h', type: { type: 'fixed', name: 'Hash', size } })
    expect(checkCompatibility('AVRO', hash(32), [hash(16)], 'BACKWARD')).toMatchObject({
      compatible: false,
      messages: [expect.stringContaining('FIXED_SIZE_MISMATCH')],
    })
  })

  it('compares recursive types without looping', () => {
    const list = (extra: Field[]) =>
      JSON.stringify({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'], default: null }, ...extra] })
    expect(modes('AVRO', list([]), list([{ name: 'v', type: 'int', default: 0 }]))).toEqual({ BACKWARD: true, FORWARD: true, FULL: true })
  })

  it('transitive modes check every version, the others only the latest', () => {
    // v1 has no email; v2 adds it with a default; v3 drops the default. v3 reads v2 data, not v1 data.
    const versions = [record(id), record(id, emailWithDefault)]
    const v3 = record(id, { name: 'email', type: ['null', 'string'] })
    expect(verdict('AVRO', v3, versions, 'BACKWARD')).toBe(true)
    const transitive = checkCompatibility('AVRO', v3, versions, 'BACKWARD_TRANSITIVE')
    expect(transitive).toMatchObject({ compatible: false, messages: [expect.stringContaining('schema 1 of 2')] })
    expect(verdict('AVRO', v3, versions, 'FULL')).toBe(true)
    expect(verdict('AVRO', v3, versions, 'FULL_TRANSITIVE')).toBe(false)
  })

  it('FORWARD_TRANSITIVE checks that every old version reads the new data', () => {
    // v1 requires age; v2 gives it a default; v3 removes it: v2 still reads v3 data, v1 cannot.
    const versions = [record(id, age()), record(id, { ...age(), default: 0 })]
    expect(verdict('AVRO', record(id), versions, 'FORWARD')).toBe(true)
    expect(verdict('AVRO', record(id), versions, 'FORWARD_TRANSITIVE')).toBe(false)
  })

  it('NONE accepts anything, and there is nothing to break without earlier versions', () => {
    expect(verdict('AVRO', record(id, emailRequired), [record(age())], 'NONE')).toBe(true)
    expect(verdict('AVRO', record(id, emailRequired), [], 'FULL_TRANSITIVE')).toBe(true)
  })

  it('reports an invalid schema instead of comparing it', () => {
    expect(checkCompatibility('AVRO', '{"type": "nope"}', [record(id)], 'BACKWARD')).toMatchObject({
      compatible: false,
      messages: [expect.stringMatching(/^the new schema is invalid: unknown type "nope"/)],
    })
  })
})

const object = (properties: Record<string, unknown>, required: string[] = [], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'object', properties, required, ...extra })
const str = { type: 'string' }

describe('Compatibility > JSON Schema', () => {
  it('adding an optional property is compatible both ways', () => {
    expect(modes('JSON', object({ id: str }, ['id']), object({ id: str, email: str }, ['id']))).toEqual({ BACKWARD: true, FORWARD: true, FULL: true })
  })

  it('adding a required property breaks BACKWARD', () => {
    expect(modes('JSON', object({ id: str }, ['id']), object({ id: str, email: str }, ['id', 'email']))).toEqual({
      BACKWARD: false,
      FORWARD: true,
      FULL: false,
    })
    const result = checkCompatibility('JSON', object({ id: str, email: str }, ['id', 'email']), [object({ id: str }, ['id'])], 'BACKWARD')
    expect(result).toMatchObject({
      compatible: false,
      messages: [expect.stringContaining('REQUIRED_PROPERTY_MISSING at /required: the reader requires "email"')],
    })
  })

  it('removing a required property breaks FORWARD', () => {
    expect(modes('JSON', object({ id: str, email: str }, ['id', 'email']), object({ id: str }, ['id']))).toEqual({
      BACKWARD: true,
      FORWARD: false,
      FULL: false,
    })
  })

  it('changing a property type is incompatible; integer to number widens', () => {
    expect(modes('JSON', object({ age: { type: 'integer' } }), object({ age: { type: 'string' } }))).toEqual({
      BACKWARD: false,
      FORWARD: false,
      FULL: false,
    })
    expect(modes('JSON', object({ age: { type: 'integer' } }), object({ age: { type: 'number' } }))).toEqual({
      BACKWARD: true,
      FORWARD: false,
      FULL: false,
    })
    const result = checkCompatibility('JSON', object({ age: { type: 'string' } }), [object({ age: { type: 'integer' } })], 'BACKWARD')
    expect(result).toMatchObject({ messages: [expect.stringContaining('TYPE_CHANGED at /properties/age/type')] })
  })

  it('adding an enum value is BACKWARD compatible, removing one FORWARD compatible', () => {
    const status = (...values: string[]) => object({ status: { enum: values } })
    expect(modes('JSON', status('A', 'B'), status('A', 'B', 'C'))).toEqual({ BACKWARD: true, FORWARD: false, FULL: false })
    expect(modes('JSON', status('A', 'B'), status('A'))).toEqual({ BACKWARD: false, FORWARD: true, FULL: false })
  })

  it('closing an open object breaks BACKWARD; a closed reader refuses properties it does not know', () => {
    const open = object({ id: str })
    const closed = object({ id: str }, [], { additionalProperties: false })
    expect(modes('JSON', open, closed)).toEqual({ BACKWARD: false, FORWARD: true, FULL: false })
    const closedWithName = object({ id: str, name: str }, [], { additionalProperties: false })
    expect(modes('JSON', closedWithName, closed)).toEqual({ BACKWARD: false, FORWARD: true, FULL: false })
  })

  it('tighter bounds and new patterns narrow what the reader accepts', () => {
    expect(modes('JSON', object({ n: { type: 'integer', minimum: 0 } }), object({ n: { type: 'integer', minimum: 1 } }))).toEqual({
      BACKWARD: false,
      FORWARD: true,
      FULL: false,
    })
    expect(verdict('JSON', object({ s: { type: 'string', pattern: '^a' } }), [object({ s: str })], 'BACKWARD')).toBe(false)
    expect(verdict('JSON', object({ s: { type: 'string', maxLength: 5 } }), [object({ s: { type: 'string', maxLength: 10 } })], 'BACKWARD')).toBe(
      false,
    )
  })

  it('follows $ref and compares nested objects', () => {
    const withAddress = (zip: unknown) =>
      JSON.stringify({
        type: 'object',
        properties: { address: { $ref: '#/$defs/address' } },
        $defs: { address: { type: 'object', properties: { zip } } },
      })
    expect(verdict('JSON', withAddress({ type: 'string' }), [withAddress({ type: 'string' })], 'FULL')).toBe(true)
    const result = checkCompatibility('JSON', withAddress({ type: 'integer' }), [withAddress({ type: 'string' })], 'BACKWARD')
    expect(result).toMatchObject({ messages: [expect.stringContaining('/properties/address/properties/zip/type')] })
  })

  it('a union reader accepts each writer branch it has', () => {
    const either = object({ v: { anyOf: [{ type: 'string' }, { type: 'integer' }] } })
    expect(modes('JSON', object({ v: str }), either)).toEqual({ BACKWARD: true, FORWARD: false, FULL: false })
  })

  it('follows $ref inside anyOf branches', () => {
    const nullable = (type: string) => JSON.stringify({ anyOf: [{ $ref: '#/$defs/v' }, { type: 'null' }], $defs: { v: { type } } })
    expect(modes('JSON', nullable('integer'), nullable('number'))).toEqual({ BACKWARD: true, FORWARD: false, FULL: false })
    expect(modes('JSON', nullable('integer'), nullable('string'))).toEqual({ BACKWARD: false, FORWARD: false, FULL: false })
  })

  it('compares exclusive and inclusive bounds', () => {
    const n = (bounds: Record<string, number>) => object({ n: { type: 'number', ...bounds } })
    expect(modes('JSON', n({ minimum: 0 }), n({ exclusiveMinimum: 0 }))).toEqual({ BACKWARD: false, FORWARD: true, FULL: false })
    expect(modes('JSON', n({ maximum: 10 }), n({ maximum: 10, minimum: -5 }))).toEqual({ BACKWARD: false, FORWARD: true, FULL: false })
  })

  it('compares recursive schemas without looping', () => {
    const tree = (extra: Record<string, unknown>) =>
      JSON.stringify({ type: 'object', properties: { children: { type: 'array', items: { $ref: '#' } }, ...extra } })
    expect(verdict('JSON', tree({ label: str }), [tree({})], 'FULL')).toBe(true)
  })

  it('transitive modes check every version, the others only the latest', () => {
    // v1 lacks email; v2 makes it required; v3 keeps it required: v3 reads v2 data, not v1 data.
    const versions = [object({ id: str }, ['id']), object({ id: str, email: str }, ['id', 'email'])]
    const v3 = object({ id: str, email: str, name: str }, ['id', 'email'])
    expect(verdict('JSON', v3, versions, 'BACKWARD')).toBe(true)
    expect(verdict('JSON', v3, versions, 'BACKWARD_TRANSITIVE')).toBe(false)
  })

  it('refuses a change to a keyword it cannot compare', () => {
    const guarded = (not: unknown) => object({ v: { type: 'string', not } })
    expect(verdict('JSON', guarded({ const: 'x' }), [guarded({ const: 'y' })], 'BACKWARD')).toBe(false)
    expect(verdict('JSON', guarded({ const: 'x' }), [guarded({ const: 'x' })], 'FULL')).toBe(true)
  })
})

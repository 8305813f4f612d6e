import { describe, expect, it } from 'vitest'
import { compileSchema, type ValidationError, type Validator } from '../../../src/core/schemas/index.js'

function compile(schema: unknown): Validator {
  const result = compileSchema('AVRO', JSON.stringify(schema))
  if (!result.ok) throw new Error(result.error)
  return result.validator
}

function refusal(schema: unknown): string {
  const result = compileSchema('AVRO', typeof schema === 'string' ? schema : JSON.stringify(schema))
  if (result.ok) throw new Error('schema was accepted')
  return result.error
}

function errorsOf(validator: Validator, value: unknown): ValidationError[] {
  const result = validator.validate(value)
  return result.valid ? [] : result.errors
}

const order = {
  type: 'record',
  name: 'Order',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'quantity', type: 'int' },
    { name: 'total', type: 'long' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] }, default: 'NEW' },
    {
      name: 'customer',
      type: {
        type: 'record',
        name: 'Customer',
        fields: [
          { name: 'name', type: 'string' },
          { name: 'address', type: { type: 'record', name: 'Address', fields: [{ name: 'zip', type: 'string' }] } },
        ],
      },
    },
    {
      name: 'items',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Item',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'price', type: 'double' },
          ],
        },
      },
    },
    { name: 'billing', type: ['null', 'Address'], default: null },
    { name: 'tags', type: { type: 'map', values: 'string' }, default: {} },
    { name: 'checksum', type: ['null', { type: 'fixed', name: 'MD5', size: 16 }], default: null },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'createdAt', type: { type: 'long', logicalType: 'timestamp-millis' }, default: 0 },
  ],
}

const validOrder = {
  id: 'o-1',
  quantity: 2,
  total: 9_007_199_254_740_991,
  status: 'PAID',
  customer: { name: 'Ada', address: { zip: '12345' } },
  items: [{ sku: 'a', price: 1.5 }],
}

describe('Avro > validate', () => {
  it('accepts a valid record, with defaulted fields left out', () => {
    expect(compile(order).validate(validOrder)).toEqual({ valid: true })
  })

  it('accepts union values plain and in the tagged JSON encoding', () => {
    const validator = compile(order)
    expect(validator.validate({ ...validOrder, note: 'gift', billing: { zip: '1' } })).toEqual({ valid: true })
    expect(validator.validate({ ...validOrder, note: { string: 'gift' }, billing: { 'shop.Address': { zip: '1' } } })).toEqual({ valid: true })
    expect(validator.validate({ ...validOrder, checksum: { 'shop.MD5': 'x'.repeat(16) } })).toEqual({ valid: true })
  })

  it('reports nested errors with their paths', () => {
    const errors = errorsOf(compile(order), {
      ...validOrder,
      quantity: 2 ** 31,
      total: 1.5,
      status: 'LOST',
      customer: { name: 'Ada', address: {} },
      items: [
        { sku: 'a', price: 1 },
        { sku: 'b', price: 2 },
        { sku: 'c', price: 'free' },
      ],
      tags: { gift: 1 },
      extra: true,
    })
    expect(errors.map((e) => e.path).sort()).toEqual([
      '/customer/address/zip',
      '/extra',
      '/items/2/price',
      '/quantity',
      '/status',
      '/tags/gift',
      '/total',
    ])
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]))
    expect(byPath['/quantity']).toMatch(/out of range for int/)
    expect(byPath['/total']).toMatch(/expected long/)
    expect(byPath['/status']).toMatch(/"LOST" is not a symbol of shop.Status/)
    expect(byPath['/customer/address/zip']).toMatch(/missing field of shop.Address/)
    expect(byPath['/items/2/price']).toBe('expected double, got string')
    expect(byPath['/extra']).toMatch(/shop.Order has no field "extra"/)
  })

  it('reports errors inside the one union branch a value can be meant for', () => {
    expect(errorsOf(compile(order), { ...validOrder, billing: { zip: 5 } })).toEqual([
      { path: '/billing/zip', message: 'expected string, got number' },
    ])
    expect(errorsOf(compile(order), { ...validOrder, note: { string: 5 } })).toEqual([
      { path: '/note/string', message: 'expected string, got number' },
    ])
    expect(errorsOf(compile(['null', 'int', 'string']), true)).toEqual([
      { path: '', message: 'boolean matches no branch of union [null, int, string]' },
    ])
  })

  it('checks fixed sizes and that bytes are code points 0-255', () => {
    expect(errorsOf(compile(order), { ...validOrder, checksum: 'short' })).toEqual([{ path: '/checksum', message: 'shop.MD5 is 16 bytes, got 5' }])
    const bytes = compile('bytes')
    expect(bytes.validate('\u0000\u00ff')).toEqual({ valid: true })
    expect(bytes.validate('\u0100').valid).toBe(false)
  })

  it('validates primitives at the top level', () => {
    expect(compile('long').validate(2 ** 53)).toMatchObject({ valid: false })
    expect(compile('long').validate(-(2 ** 53) + 1)).toEqual({ valid: true })
    expect(compile('float').validate(0.1)).toEqual({ valid: true })
    expect(compile('null').validate(null)).toEqual({ valid: true })
    expect(compile('boolean').validate('true')).toEqual({ valid: false, errors: [{ path: '', message: 'expected boolean, got string' }] })
  })

  it('follows recursive named types', () => {
    const list = compile({
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'value', type: 'int' },
        { name: 'next', type: ['null', 'Node'], default: null },
      ],
    })
    expect(list.validate({ value: 1, next: { value: 2, next: { value: 3 } } })).toEqual({ valid: true })
    expect(errorsOf(list, { value: 1, next: { value: 2, next: { value: 'x' } } })).toEqual([
      { path: '/next/next/value', message: 'expected int, got string' },
    ])
  })
})

describe('Avro > compile', () => {
  it('refuses text that is not JSON', () => {
    expect(refusal('{"type": "record"')).toMatch(/not valid JSON/)
  })

  it('refuses unknown types and names that do not resolve', () => {
    expect(refusal('"integer"')).toMatch(/unknown type "integer"/)
    expect(refusal({ type: 'record', name: 'A', fields: [{ name: 'b', type: 'B' }] })).toMatch(/\/fields\/0\/type: unknown type "B"/)
  })

  it('resolves names through namespaces', () => {
    const schema = {
      type: 'record',
      name: 'A',
      namespace: 'x',
      fields: [
        {
          name: 'b',
          type: { type: 'record', name: 'B', namespace: 'y', fields: [{ name: 'c', type: { type: 'enum', name: 'C', symbols: ['ONE'] } }] },
        },
        { name: 'c1', type: 'y.C' },
        { name: 'b1', type: 'y.B' },
      ],
    }
    expect(compileSchema('AVRO', JSON.stringify(schema)).ok).toBe(true)
    // C was defined in namespace y, so its bare name does not resolve inside x.
    const wrong = { ...schema, fields: [...schema.fields.slice(0, 1), { name: 'c1', type: 'C' }] }
    expect(refusal(wrong)).toMatch(/unknown type "C"/)
  })

  it('refuses malformed records, enums, fixed and unions', () => {
    expect(refusal({ type: 'record', name: 'A' })).toMatch(/needs a "fields" array/)
    expect(
      refusal({
        type: 'record',
        name: 'A',
        fields: [
          { name: 'x', type: 'int' },
          { name: 'x', type: 'int' },
        ],
      }),
    ).toMatch(/already has a field "x"/)
    expect(refusal({ type: 'record', name: '9lives', fields: [] })).toMatch(/not a valid name/)
    expect(refusal({ type: 'enum', name: 'E', symbols: ['A', 'A'] })).toMatch(/symbols must be unique/)
    expect(refusal({ type: 'enum', name: 'E', symbols: ['A'], default: 'B' })).toMatch(/not one of the symbols/)
    expect(refusal({ type: 'fixed', name: 'F', size: -1 })).toMatch(/non-negative integer "size"/)
    expect(refusal(['null', 'string', 'null'])).toMatch(/already has a null branch/)
    expect(refusal(['null', ['int']])).toMatch(/may not directly contain another union/)
    expect(refusal({ type: 'array' })).toMatch(/needs "items"/)
    expect(refusal({ type: 'record', name: 'A', fields: {} })).toMatch(/needs a "fields" array/)
  })

  it('refuses a type defined twice', () => {
    const e = { type: 'enum', name: 'E', symbols: ['A'] }
    expect(
      refusal({
        type: 'record',
        name: 'R',
        fields: [
          { name: 'a', type: e },
          { name: 'b', type: e },
        ],
      }),
    ).toMatch(/"E" is defined twice/)
  })

  it('refuses defaults that do not match the field type (a union default matches its first branch)', () => {
    expect(refusal({ type: 'record', name: 'A', fields: [{ name: 'n', type: 'int', default: 'zero' }] })).toMatch(
      /default of field "n" does not match int/,
    )
    expect(refusal({ type: 'record', name: 'A', fields: [{ name: 'n', type: ['null', 'string'], default: 'x' }] })).toMatch(/default of field "n"/)
    expect(
      compileSchema('AVRO', JSON.stringify({ type: 'record', name: 'A', fields: [{ name: 'n', type: ['string', 'null'], default: 'x' }] })).ok,
    ).toBe(true)
  })

  it('accepts logical types as their underlying type', () => {
    const decimal = compile({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 })
    expect(decimal.validate('\u0001\u0002')).toEqual({ valid: true })
    expect(compile({ type: 'int', logicalType: 'date' }).validate(19000)).toEqual({ valid: true })
  })
})

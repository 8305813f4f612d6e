import { describe, expect, it } from 'vitest'
import { compileSchema, type Validator } from '../../../src/core/schemas/index.js'

function compile(schema: unknown): Validator {
  const result = compileSchema('JSON', JSON.stringify(schema))
  if (!result.ok) throw new Error(result.error)
  return result.validator
}

function refusal(schema: unknown): string {
  const result = compileSchema('JSON', typeof schema === 'string' ? schema : JSON.stringify(schema))
  if (result.ok) throw new Error('schema was accepted')
  return result.error
}

const order = {
  type: 'object',
  required: ['id', 'customer', 'items'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    customer: {
      type: 'object',
      required: ['address'],
      properties: {
        address: { type: 'object', required: ['zip'], properties: { zip: { type: 'string', pattern: '^[0-9]{5}$' } } },
      },
    },
    items: { type: 'array', items: { $ref: '#/$defs/item' } },
  },
  $defs: { item: { type: 'object', required: ['sku', 'price'], properties: { sku: { type: 'string' }, price: { type: 'number', minimum: 0 } } } },
}

describe('JSON Schema > validate', () => {
  it('accepts a valid record', () => {
    const record = { id: 'o-1', customer: { address: { zip: '12345' } }, items: [{ sku: 'a', price: 1.5 }] }
    expect(compile(order).validate(record)).toEqual({ valid: true })
  })

  it('reports every error with its path into the record', () => {
    const record = {
      id: 7,
      customer: { address: { zip: 'abc' } },
      items: [{ sku: 'a', price: 1 }, { sku: 'b', price: 2 }, { sku: 'c', price: 'free' }, { price: -1 }],
      note: 'x',
    }
    const result = compile(order).validate(record)
    expect(result.valid).toBe(false)
    if (result.valid) return
    const paths = result.errors.map((e) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['/id', '/customer/address/zip', '/items/2/price', '/items/3/sku', '/items/3/price', '/note']))
    expect(result.errors.find((e) => e.path === '/id')?.message).toMatch(/type "number" is invalid. Expected "string"/)
    expect(result.errors.find((e) => e.path === '/items/3/sku')?.message).toBe('Required property is missing.')
    expect(result.errors.find((e) => e.path === '/note')?.message).toBe('Property is not allowed by the schema.')
    // The "a subschema failed" announcements are dropped: each error says what is wrong.
    expect(result.errors.every((e) => !/does not match schema|subschema had errors/.test(e.message))).toBe(true)
  })

  it('reports a missing top-level property at its own path', () => {
    const result = compile(order).validate({ id: 'o-1', items: [] })
    expect(result).toEqual({ valid: false, errors: [{ path: '/customer', message: 'Required property is missing.' }] })
  })

  it('decodes escaped and special characters in paths', () => {
    const result = compile({ type: 'object', additionalProperties: { type: 'integer' } }).validate({ 'a/b': 1, 'c d#': 'x' })
    expect(result).toEqual({ valid: false, errors: [{ path: '/c d#', message: expect.stringMatching(/Expected "integer"/) }] })
  })

  it('reports a non-JSON value instead of throwing', () => {
    expect(compile({ type: 'string' }).validate(undefined).valid).toBe(false)
  })

  it('uses draft 2020-12 by default and draft 7 when $schema says so', () => {
    // Draft 7 tuple `items`; in 2020-12 the same schema is refused (tuples are prefixItems there).
    const tuple = { type: 'array', items: [{ type: 'string' }, { type: 'integer' }], additionalItems: false }
    expect(refusal(tuple)).toMatch(/items: must be a schema in draft 2020-12/)
    const draft7 = compile({ $schema: 'http://json-schema.org/draft-07/schema#', ...tuple })
    expect(draft7.validate(['a', 1])).toEqual({ valid: true })
    expect(draft7.validate(['a', 'b', 3])).toEqual({
      valid: false,
      errors: [
        { path: '/1', message: expect.stringMatching(/Expected "integer"/) },
        { path: '/2', message: 'Array item is not allowed by the schema.' },
      ],
    })
    const modern = compile({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }],
      items: false,
    })
    expect(modern.validate(['a'])).toEqual({ valid: true })
    expect(modern.validate(['a', 1]).valid).toBe(false)
  })

  it('accepts boolean schemas', () => {
    expect(compile(true).validate({ any: 'thing' })).toEqual({ valid: true })
    expect(compile(false).validate(1)).toEqual({ valid: false, errors: [{ path: '', message: 'No value is allowed here (the schema is false).' }] })
  })
})

describe('JSON Schema > compile', () => {
  it('refuses text that is not JSON', () => {
    expect(refusal('{"type": ')).toMatch(/not valid JSON/)
  })

  it('refuses a schema that is neither an object nor a boolean', () => {
    expect(refusal([])).toMatch(/object or a boolean/)
    expect(refusal(42)).toMatch(/object or a boolean/)
  })

  it('refuses an unknown $schema', () => {
    expect(refusal({ $schema: 'http://json-schema.org/draft-03/schema#' })).toMatch(/unsupported \$schema/)
  })

  it('refuses wrong type names, nested too', () => {
    expect(refusal({ type: 'strnig' })).toMatch(/\/type: "strnig" is not a type/)
    expect(refusal({ type: 'object', properties: { a: { type: ['string', 'int'] } } })).toMatch(/\/properties\/a\/type: "int" is not a type/)
  })

  it('refuses malformed keywords', () => {
    expect(refusal({ required: 'id' })).toMatch(/required: must be an array/)
    expect(refusal({ minLength: -1 })).toMatch(/minLength: must be a non-negative integer/)
    expect(refusal({ pattern: '([a-z' })).toMatch(/pattern: .* not a valid regular expression/)
    expect(refusal({ anyOf: [] })).toMatch(/anyOf: must be a non-empty array/)
    expect(refusal({ properties: { a: 3 } })).toMatch(/\/properties\/a: a schema must be an object or a boolean/)
  })

  it('refuses a $ref that does not resolve, which would otherwise throw at produce time', () => {
    expect(refusal({ properties: { a: { $ref: '#/$defs/missing' } } })).toMatch(/properties\/a\/\$ref: cannot resolve/)
    expect(refusal({ $ref: 'https://example.com/other.json' })).toMatch(/cannot resolve/)
  })

  it('accepts recursive schemas through $ref', () => {
    const tree = compile({ type: 'object', properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#' } } } })
    expect(tree.validate({ value: 1, children: [{ value: 2, children: [] }] })).toEqual({ valid: true })
    expect(tree.validate({ value: 1, children: [{ value: 2, children: [{ value: 'x' }] }] })).toMatchObject({
      valid: false,
      errors: [{ path: '/children/0/children/0/value' }],
    })
  })
})

import { describe, expect, it } from 'vitest'
import { checkCompatibility, compileSchema } from '../../../src/core/schemas/index'

/** Hostile schemas and values: bounded work and bounded answers, never an exception. */
describe('schemas > hardening', () => {
  it('refuses schema documents nested deeper than 64 levels', () => {
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`
    const result = compileSchema('JSON', JSON.stringify({ const: JSON.parse(deep) }))
    expect(result.ok).toBe(false)
  })

  it('refuses patterns that can backtrack exponentially', () => {
    for (const pattern of ['^(a+)+$', '(\\w*)*x', '(a|b+){2,}']) {
      expect(compileSchema('JSON', JSON.stringify({ type: 'string', pattern })).ok, pattern).toBe(false)
    }
    expect(compileSchema('JSON', JSON.stringify({ type: 'string', pattern: '^[a-z]+-\\d{3}$' })).ok).toBe(true)
  })

  it('treats format as an annotation', () => {
    const compiled = compileSchema('JSON', JSON.stringify({ type: 'string', format: 'url' }))
    if (!compiled.ok) throw new Error(compiled.error)
    expect(compiled.validator.validate(`http://${'a'.repeat(5000)}!`)).toEqual({ valid: true })
  })

  it('reports at most 100 errors for one value', () => {
    const compiled = compileSchema('JSON', JSON.stringify({ type: 'array', items: { type: 'string' } }))
    if (!compiled.ok) throw new Error(compiled.error)
    const result = compiled.validator.validate(Array.from({ length: 5000 }, (_, i) => i))
    expect(result.valid).toBe(false)
    if (!result.valid) expect(result.errors.length).toBeLessThanOrEqual(100)
  })

  it('validates a deep recursive Avro union (a linked list) once per level', () => {
    const schema = JSON.stringify({
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'value', type: 'int' },
        { name: 'next', type: ['null', 'Node'] },
      ],
    })
    const compiled = compileSchema('AVRO', schema)
    if (!compiled.ok) throw new Error(compiled.error)
    let list: unknown = { value: 'bad', next: null }
    for (let i = 0; i < 60; i++) list = { value: i, next: list }
    const result = compiled.validator.validate(list)
    expect(result.valid).toBe(false)
    if (!result.valid) expect(result.errors[0]!.path).toBe(`${'/next'.repeat(60)}/value`)
  })

  it('compares schemas that share named types many times without blowing up', () => {
    // Each level uses the level below twice: naive comparison is exponential in the depth.
    const record = (level: number): unknown =>
      level === 0
        ? { type: 'record', name: 'L0', fields: [{ name: 'x', type: 'int' }] }
        : {
            type: 'record',
            name: `L${level}`,
            fields: [
              { name: 'a', type: record(level - 1) },
              { name: 'b', type: `L${level - 1}` },
            ],
          }
    const old = JSON.stringify(record(24))
    const changed = old.replace('{"name":"x","type":"int"}', '{"name":"x","type":"string"}')
    const result = checkCompatibility('AVRO', changed, [old], 'BACKWARD')
    expect(result.compatible).toBe(false)
    if (!result.compatible) expect(result.messages.length).toBeLessThanOrEqual(21)
  })
})

describe('schemas > expansion bound', () => {
  it('refuses a JSON Schema whose definitions reuse each other exponentially, and keeps ordinary recursion', () => {
    const defs: Record<string, unknown> = { d0: { type: 'integer' } }
    for (let i = 1; i <= 20; i++) defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] }
    expect(compileSchema('JSON', JSON.stringify({ $defs: defs, $ref: '#/$defs/d20' })).ok).toBe(false)
    const tree = {
      $defs: { node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } } },
      $ref: '#/$defs/node',
    }
    const compiled = compileSchema('JSON', JSON.stringify(tree))
    expect(compiled.ok).toBe(true)
    if (compiled.ok) expect(compiled.validator.validate({ children: [{ children: [{ children: [] }] }] })).toEqual({ valid: true })
  })
})

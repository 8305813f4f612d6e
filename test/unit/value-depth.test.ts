import { describe, expect, it } from 'vitest'
import { nestsDeeperThan } from '../../src/core/record-codec'
import { MAX_VALUE_DEPTH } from '../../src/protocol/limits'

const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels))

describe('record codec > value depth', () => {
  it('counts each array or object as one level, and scalars as none', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false)
    expect(nestsDeeperThan(null, 0)).toBe(false)
    expect(nestsDeeperThan([], 0)).toBe(true)
    expect(nestsDeeperThan([], 1)).toBe(false)
    expect(nestsDeeperThan({ a: [1, { b: 2 }] }, 3)).toBe(false)
    expect(nestsDeeperThan({ a: [1, { b: 2 }] }, 2)).toBe(true)
    expect(nestsDeeperThan([{ x: 1 }, [[[]]]], 3)).toBe(true)
  })

  it(`allows exactly ${MAX_VALUE_DEPTH} levels`, () => {
    expect(nestsDeeperThan(nested(MAX_VALUE_DEPTH), MAX_VALUE_DEPTH)).toBe(false)
    expect(nestsDeeperThan(nested(MAX_VALUE_DEPTH + 1), MAX_VALUE_DEPTH)).toBe(true)
  })

  it('checks a value a million levels deep without overflowing the stack', () => {
    expect(nestsDeeperThan(nested(1_000_000), MAX_VALUE_DEPTH)).toBe(true)
  })

  it('ends on a cyclic value and counts it as too deep', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    cyclic.again = cyclic
    expect(nestsDeeperThan(cyclic, MAX_VALUE_DEPTH)).toBe(true)
  })
})

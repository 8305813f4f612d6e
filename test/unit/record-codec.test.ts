import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { utf8Length } from '../../src/core/record-codec'

const utf8 = (text: string) => new TextEncoder().encode(text).length

describe('record codec > utf8Length', () => {
  it('is the UTF-8 size max.message.bytes and the key limit are checked against', () => {
    expect(utf8Length('')).toBe(0)
    expect(utf8Length('abc')).toBe(3)
    expect(utf8Length('é')).toBe(2)
    expect(utf8Length('€')).toBe(3)
    expect(utf8Length('😀')).toBe(4)
    // A lone surrogate is sent as U+FFFD, 3 bytes; a high surrogate before another character counts alone.
    expect(utf8Length('\ud800')).toBe(3)
    expect(utf8Length('\ud800a')).toBe(4)
    expect(utf8Length('\udc00\ud83d\ude00')).toBe(7)
  })

  it('measures texts longer than its reused buffer, and a short one after a long one', () => {
    const long = '€'.repeat(20_000) + 'x'
    expect(utf8Length(long)).toBe(60_001)
    expect(utf8Length('😀x')).toBe(5)
  })

  it('agrees with TextEncoder for any text, including lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => utf8Length(text) === utf8(text)),
      { numRuns: 500 },
    )
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  applyChanges,
  coalesce,
  diffRanges,
  fillGaps,
  leaseSpans,
  rangeAt,
  runsOf,
  spanOf,
  unionOf,
  type DeliveryFields,
  type DeliveryRange,
  type RangeChange,
} from '../../src/core/delivery-ranges'

const leased = (token: string, attempts = 1): DeliveryFields => ({
  state: 'leased',
  memberId: 'm',
  token,
  visibleAt: 1000,
  attempts,
  firstFailureAt: null,
  lastFailureAt: null,
  lastError: null,
  dlqSequence: null,
})
const delayed = (visibleAt: number): DeliveryFields => ({ ...leased('x'), state: 'delayed', memberId: null, token: null, visibleAt })
const range = (first: number, last: number, fields: DeliveryFields): DeliveryRange => ({ ...fields, first, last })
const spans = (ranges: DeliveryRange[]) => ranges.map((r) => [r.first, r.last, r.token ?? r.state])

/** The per-offset view the ranges stand for. */
function perOffset(ranges: readonly DeliveryRange[]): Map<number, string> {
  const map = new Map<number, string>()
  for (const r of ranges) for (let o = r.first; o <= r.last; o++) map.set(o, JSON.stringify({ ...r, first: 0, last: 0 }))
  return map
}

describe('delivery ranges > applyChanges', () => {
  it('splits a range around acked records in the middle, in any order, and removes it when all are acked', () => {
    let ranges = [range(0, 9, leased('t'))]
    ranges = applyChanges(ranges, [{ first: 5, last: 5, fields: null }])
    expect(spans(ranges)).toEqual([
      [0, 4, 't'],
      [6, 9, 't'],
    ])
    ranges = applyChanges(ranges, [
      { first: 2, last: 2, fields: null },
      { first: 9, last: 9, fields: null },
    ])
    expect(spans(ranges)).toEqual([
      [0, 1, 't'],
      [3, 4, 't'],
      [6, 8, 't'],
    ])
    ranges = applyChanges(
      ranges,
      runsOf([0, 1, 3, 4, 6, 7, 8]).map((r) => ({ ...r, fields: null })),
    )
    expect(ranges).toEqual([])
  })

  it('merges neighbours that become alike: records nacked one by one and then leased again together are one range', () => {
    const nacked = [range(0, 0, delayed(50)), range(1, 1, delayed(50)), range(2, 2, delayed(60)), range(3, 5, leased('t'))]
    const releasing: RangeChange[] = [0, 1, 2].map((o) => ({ first: o, last: o, fields: leased('u', 2) }))
    expect(spans(applyChanges(nacked, releasing))).toEqual([
      [0, 2, 'u'],
      [3, 5, 't'],
    ])
  })

  it('adds records no range held (a receive of new records), merging them into one range', () => {
    const fresh: RangeChange[] = [10, 11, 12, 13].map((o) => ({ first: o, last: o, fields: leased('v') }))
    expect(spans(applyChanges([range(0, 9, leased('t'))], fresh))).toEqual([
      [0, 9, 't'],
      [10, 13, 'v'],
    ])
  })

  it('gives every offset the change that covers it, or else the range that held it (property)', () => {
    const fields = fc.constantFrom<DeliveryFields | null>(leased('a'), leased('b'), delayed(5), delayed(9), null)
    const layout = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fields), { maxLength: 25 })
    fc.assert(
      fc.property(layout, layout, (before, changed) => {
        // Gaps and lengths as offsets from 0: the ranges (without null), then non-overlapping changes.
        const ranges: DeliveryRange[] = []
        let at = 0
        for (const [gap, f] of before) {
          const first = at + gap
          if (f) ranges.push(range(first, first + gap, f))
          at = first + gap + 1
        }
        const merged = applyChanges(ranges, [])
        const changes: RangeChange[] = []
        at = 0
        for (const [gap, f] of changed) {
          const first = at + gap
          changes.push({ first, last: first + (gap % 2), fields: f })
          at = first + (gap % 2) + 1
        }
        const after = applyChanges(merged, changes)
        // The model: offset by offset.
        const expected = perOffset(merged)
        for (const c of changes) {
          for (let o = c.first; o <= c.last; o++) {
            if (c.fields) expected.set(o, JSON.stringify({ ...c.fields, first: 0, last: 0 }))
            else expected.delete(o)
          }
        }
        expect(perOffset(after)).toEqual(expected)
        // Sorted, not overlapping, maximal (no two neighbours alike).
        for (let i = 1; i < after.length; i++) {
          expect(after[i]!.first).toBeGreaterThan(after[i - 1]!.last)
          const touching = after[i]!.first === after[i - 1]!.last + 1
          expect(touching && JSON.stringify({ ...after[i], first: 0, last: 0 }) === JSON.stringify({ ...after[i - 1], first: 0, last: 0 })).toBe(
            false,
          )
        }
        // The diff turns the stored rows into the result, writing only rows that changed.
        const { deletes, upserts } = diffRanges(merged, after)
        const rows = new Map(merged.map((r) => [r.first, r]))
        for (const first of deletes) rows.delete(first)
        for (const r of upserts) rows.set(r.first, r)
        expect([...rows.values()].sort((a, b) => a.first - b.first)).toEqual(after)
        expect(deletes.length + upserts.length).toBeLessThanOrEqual(merged.length + after.length)
      }),
      { numRuns: 300 },
    )
  })
})

describe('delivery ranges > helpers', () => {
  it('finds the range holding an offset', () => {
    const ranges = [range(0, 4, leased('a')), range(7, 7, leased('b')), range(9, 20, leased('c'))]
    expect([0, 4, 5, 7, 8, 15, 21].map((o) => rangeAt(ranges, o)?.token ?? null)).toEqual(['a', 'a', null, 'b', null, 'c', null])
  })

  it('turns offsets into runs of consecutive offsets', () => {
    expect(runsOf([5, 1, 2, 3, 9, 5, 10])).toEqual([
      { first: 1, last: 3 },
      { first: 5, last: 5 },
      { first: 9, last: 10 },
    ])
  })

  it('joins single-offset changes of consecutive offsets with the same fields, and nothing else', () => {
    const a = leased('a')
    const changes: RangeChange[] = [
      { first: 3, last: 3, fields: a },
      { first: 4, last: 4, fields: { ...a } },
      { first: 5, last: 5, fields: delayed(1) },
      { first: 6, last: 6, fields: a },
      { first: 8, last: 8, fields: a },
      { first: 9, last: 9, fields: null },
      { first: 10, last: 10, fields: null },
    ]
    expect(coalesce(changes).map((c) => [c.first, c.last, c.fields?.state ?? null])).toEqual([
      [3, 4, 'leased'],
      [5, 5, 'delayed'],
      [6, 6, 'leased'],
      [8, 8, 'leased'],
      [9, 10, null],
    ])
    // The input is left as it was.
    expect(changes[0]).toEqual({ first: 3, last: 3, fields: a })
  })

  it('removes the offsets of a span that no change covers (records no longer stored)', () => {
    const u = leased('u', 2)
    expect(
      fillGaps(10, 20, [
        { first: 14, last: 14, fields: u },
        { first: 12, last: 12, fields: u },
      ]),
    ).toEqual([
      { first: 10, last: 11, fields: null },
      { first: 12, last: 12, fields: u },
      { first: 13, last: 13, fields: null },
      { first: 14, last: 14, fields: u },
      { first: 15, last: 20, fields: null },
    ])
    expect(fillGaps(10, 12, [])).toEqual([{ first: 10, last: 12, fields: null }])
    expect(fillGaps(10, 9, [])).toEqual([])
  })

  it('spans offsets in any order', () => {
    expect(spanOf([7, 3, 9, 3])).toEqual({ first: 3, last: 9 })
  })

  it('joins spans into sorted runs, overlapping or not', () => {
    expect(
      unionOf([
        { first: 10, last: 12 },
        { first: 0, last: 3 },
        { first: 4, last: 4 },
        { first: 11, last: 20 },
      ]),
    ).toEqual([
      { first: 0, last: 4 },
      { first: 10, last: 20 },
    ])
  })

  it('gathers leases into spans of consecutive offsets with one token, in the order given', () => {
    const lease = (offset: number, token = 't') => ({ offset, token })
    expect(leaseSpans([lease(3), lease(4), lease(5), lease(6, 'u'), lease(7, 'u'), lease(2), lease(9)])).toEqual([
      { first: 3, last: 5, token: 't' },
      { first: 6, last: 7, token: 'u' },
      { first: 2, last: 2, token: 't' },
      { first: 9, last: 9, token: 't' },
    ])
    // A lease given twice stays two spans, so an ack counts it twice, as it was counted before.
    expect(leaseSpans([lease(1), lease(1)])).toHaveLength(2)
  })
})

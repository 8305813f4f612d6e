/**
 * A share group's records in flight, kept as ranges of offsets that share one state, as Kafka's share
 * partitions keep in-flight batches (KIP-932): a receive that leases 500 records to one consumer is one
 * range, and the ack of all of them removes it. An operation on some offsets cuts the ranges around them
 * (an ack in the middle splits one range in two) and adjacent ranges that end up alike are merged again
 * (records nacked one by one and then redelivered together become one range). Offsets that no range holds
 * are not in flight: before the group's cursor they are finished, from it on never delivered.
 *
 * Pure functions over sorted arrays; the partition's delivery store reads the ranges an operation touches,
 * and writes back only the rows `diffRanges` says changed.
 */
import type { LeaseSpan } from '../protocol/queue-rpc.js'

export type DeliveryState = 'leased' | 'delayed' | 'dead'

/** What every offset of a range shares. */
export interface DeliveryFields {
  state: DeliveryState
  /**
   * The lease's holder and token. A lease that expired leaves them in place (state delayed or dead) until
   * the records are leased again, so its holder is told LEASE_EXPIRED; a nack or reject clears them.
   */
  memberId: string | null
  token: string | null
  /** leased: when the lease ends; delayed: when the records may be delivered again (epoch ms). */
  visibleAt: number | null
  /** Deliveries so far (Kafka's delivery count). */
  attempts: number
  firstFailureAt: number | null
  lastFailureAt: number | null
  lastError: string | null
  /** dead: the order in which records died, which is the order they go to the dead-letter queue. */
  dlqSequence: number | null
}

/** Offsets `first..last` (inclusive), all in the same state. */
export interface DeliveryRange extends DeliveryFields {
  first: number
  last: number
}

/** Offsets `first..last` take `fields`, or leave the ranges (`null`: finished, or dropped). */
export interface RangeChange {
  first: number
  last: number
  fields: DeliveryFields | null
}

const FIELDS = ['state', 'memberId', 'token', 'visibleAt', 'attempts', 'firstFailureAt', 'lastFailureAt', 'lastError', 'dlqSequence'] as const

export function sameFields(a: DeliveryFields, b: DeliveryFields): boolean {
  return FIELDS.every((field) => a[field] === b[field])
}

export function fieldsOf(range: DeliveryFields): DeliveryFields {
  return {
    state: range.state,
    memberId: range.memberId,
    token: range.token,
    visibleAt: range.visibleAt,
    attempts: range.attempts,
    firstFailureAt: range.firstFailureAt,
    lastFailureAt: range.lastFailureAt,
    lastError: range.lastError,
    dlqSequence: range.dlqSequence,
  }
}

export function size(range: { first: number; last: number }): number {
  return range.last - range.first + 1
}

/** Offsets (any order, duplicates allowed) as sorted runs of consecutive offsets. */
export function runsOf(offsets: readonly number[]): Array<{ first: number; last: number }> {
  return unionOf(offsets.map((offset) => ({ first: offset, last: offset })))
}

/** The offsets of `spans` (any order, overlapping or not) as sorted runs of consecutive offsets. */
export function unionOf(spans: ReadonlyArray<{ first: number; last: number }>): Array<{ first: number; last: number }> {
  const sorted = [...spans].sort((a, b) => a.first - b.first)
  const runs: Array<{ first: number; last: number }> = []
  for (const span of sorted) {
    const run = runs[runs.length - 1]
    if (run && span.first <= run.last + 1) run.last = Math.max(run.last, span.last)
    else runs.push({ first: span.first, last: span.last })
  }
  return runs
}

/** The range holding `offset` in sorted, non-overlapping `ranges`, if any. */
export function rangeAt<R extends { first: number; last: number }>(ranges: readonly R[], offset: number): R | undefined {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const range = ranges[mid]!
    if (offset < range.first) hi = mid - 1
    else if (offset > range.last) lo = mid + 1
    else return range
  }
  return undefined
}

/**
 * The ranges after `changes` (which must not overlap one another) are applied to `ranges` (sorted, not
 * overlapping): each offset a change covers takes the change's fields (or leaves), every other offset
 * keeps its range's. The result is sorted, and adjacent ranges with the same fields are merged.
 */
export function applyChanges(ranges: readonly DeliveryRange[], changes: readonly RangeChange[]): DeliveryRange[] {
  const sorted = [...changes].sort((a, b) => a.first - b.first)
  const bounds = new Set<number>()
  for (const range of ranges) bounds.add(range.first).add(range.last + 1)
  for (const change of sorted) bounds.add(change.first).add(change.last + 1)
  const points = [...bounds].sort((a, b) => a - b)
  const out: DeliveryRange[] = []
  const push = (first: number, last: number, fields: DeliveryFields | null) => {
    if (fields === null) return
    const previous = out[out.length - 1]
    if (previous && previous.last + 1 === first && sameFields(previous, fields)) previous.last = last
    else out.push({ ...fieldsOf(fields), first, last })
  }
  let r = 0
  let c = 0
  for (let k = 0; k + 1 < points.length; k++) {
    const from = points[k]!
    const to = points[k + 1]! - 1
    while (r < ranges.length && ranges[r]!.last < from) r++
    while (c < sorted.length && sorted[c]!.last < from) c++
    const change = sorted[c]
    if (change && change.first <= from) push(from, to, change.fields)
    else if (ranges[r] && ranges[r]!.first <= from) push(from, to, ranges[r]!)
  }
  return out
}

/**
 * The rows to write to turn `before` into `after` (both sorted; rows keyed by their first offset): the
 * first offsets of rows that go, and the rows to insert or overwrite. Rows that stay as they were cost
 * nothing.
 */
export function diffRanges(before: readonly DeliveryRange[], after: readonly DeliveryRange[]): { deletes: number[]; upserts: DeliveryRange[] } {
  const old = new Map(before.map((range) => [range.first, range]))
  const kept = new Set(after.map((range) => range.first))
  const upserts = after.filter((range) => {
    const previous = old.get(range.first)
    return !(previous && previous.last === range.last && sameFields(previous, range))
  })
  return { deletes: before.filter((range) => !kept.has(range.first)).map((range) => range.first), upserts }
}

/**
 * `changes` with neighbours that give consecutive offsets the same fields joined into one change: a
 * receive leases its records one by one, and applying 500 single-offset changes costs more than one.
 */
export function coalesce(changes: readonly RangeChange[]): RangeChange[] {
  const out: RangeChange[] = []
  for (const change of changes) {
    const previous = out[out.length - 1]
    const alike =
      previous !== undefined &&
      previous.last + 1 === change.first &&
      (previous.fields === change.fields || (previous.fields !== null && change.fields !== null && sameFields(previous.fields, change.fields)))
    if (alike) previous.last = change.last
    else out.push({ ...change })
  }
  return out
}

/**
 * `changes` (inside `first..last`, not overlapping) plus a removal of every offset of `first..last` that
 * no change covers: a redelivered range whose records retention or TTL removed meanwhile leaves them.
 */
export function fillGaps(first: number, last: number, changes: readonly RangeChange[]): RangeChange[] {
  const out: RangeChange[] = []
  let at = first
  for (const change of [...changes].sort((a, b) => a.first - b.first)) {
    if (change.first > at) out.push({ first: at, last: change.first - 1, fields: null })
    out.push(change)
    at = change.last + 1
  }
  if (at <= last) out.push({ first: at, last, fields: null })
  return out
}

/** The lowest and highest of `offsets` (which must not be empty). */
export function spanOf(offsets: Iterable<number>): { first: number; last: number } {
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY
  for (const offset of offsets) {
    if (offset < first) first = offset
    if (offset > last) last = offset
  }
  return { first, last }
}

/**
 * Leases (`offset`, `token`) as spans, in the order given: a lease on the offset after the previous one,
 * with the same token, extends its span. An ack of what one receive leased is one span per partition.
 */
export function leaseSpans(leases: Iterable<{ offset: number; token: string }>): LeaseSpan[] {
  const spans: LeaseSpan[] = []
  for (const { offset, token } of leases) {
    const span = spans[spans.length - 1]
    if (span && span.last + 1 === offset && span.token === token) span.last = offset
    else spans.push({ first: offset, last: offset, token })
  }
  return spans
}

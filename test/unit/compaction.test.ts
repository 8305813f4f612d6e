import { describe, expect, it } from 'vitest'
import { planCompaction, type BatchChange, type CompactionPlan } from '../../src/core/compaction'
import { packBatches, readBatches, type StoredBatch } from '../../src/core/log'
import { encodeRecordBody, utf8Length } from '../../src/core/record-codec'
import type { EncodedRecord } from '../../src/protocol/partition-rpc'

type Spec = { key: string | null; value: unknown; ts: number; valueEncoding?: 'base64'; expiresAt?: number }
type Row = { offset: number; timestamp: number; key: string | null; value: unknown }

const encode = (spec: Spec): EncodedRecord => {
  const body = encodeRecordBody({ key: spec.key, value: spec.value, headers: { h: 'é' }, valueEncoding: spec.valueEncoding })
  return { body, bytes: utf8Length(body) }
}

/** One stored batch per inner array, offsets contiguous from 0. */
function log(...batches: Spec[][]): StoredBatch[] {
  let offset = 0
  return batches.map((specs) => {
    const [batch] = packBatches(
      specs.map(encode),
      specs.map((spec) => spec.ts),
      offset,
      1_000_000,
      specs.map((spec) => spec.expiresAt),
    )
    offset += specs.length
    return batch!
  })
}

/** The log after applying a plan, as the Durable Object would. */
function apply(batches: StoredBatch[], plan: CompactionPlan): StoredBatch[] {
  const changes = new Map<number, BatchChange>(plan.changes.map((change) => [change.baseOffset, change]))
  return batches.flatMap((batch) => {
    const change = changes.get(batch.base_offset)
    if (!change) return [batch]
    return change.action === 'delete' ? [] : [change.batch]
  })
}

const rows = (batches: StoredBatch[]): Row[] => batches.flatMap((batch) => JSON.parse(batch.payload) as Row[])
const survivors = (batches: StoredBatch[]) => rows(batches).map((row) => [row.offset, row.key, row.value])

const DAY = 86_400_000
const base = { now: 10 * DAY, deleteRetentionMs: DAY }

describe('compaction > planCompaction', () => {
  it('keeps the latest value per key at its original offset', () => {
    const batches = log(
      [
        { key: 'a', value: 1, ts: 1 },
        { key: 'b', value: 1, ts: 2 },
        { key: 'a', value: 2, ts: 3 },
      ],
      [
        { key: 'c', value: 1, ts: 4 },
        { key: 'b', value: 2, ts: 5 },
      ],
    )
    const plan = planCompaction(batches, base)
    expect(survivors(apply(batches, plan))).toEqual([
      [2, 'a', 2],
      [3, 'c', 1],
      [4, 'b', 2],
    ])
    expect(plan).toMatchObject({ removed: 2, tombstonesRemoved: 0 })
    expect(plan.changes.map((change) => [change.baseOffset, change.action])).toEqual([[0, 'rewrite']])
  })

  it('deletes a batch left empty and leaves later batches out of the plan', () => {
    const batches = log(
      [
        { key: 'a', value: 1, ts: 1 },
        { key: 'b', value: 1, ts: 1 },
      ],
      [
        { key: 'a', value: 2, ts: 2 },
        { key: 'b', value: 2, ts: 2 },
      ],
    )
    const plan = planCompaction(batches, base)
    expect(plan.changes).toEqual([{ baseOffset: 0, action: 'delete' }])
    expect(plan.bytesFreed).toBe(batches[0]!.byte_size)
    expect(survivors(apply(batches, plan))).toEqual([
      [2, 'a', 2],
      [3, 'b', 2],
    ])
  })

  it('recomputes a rewritten batch: base offset kept, last offset, max timestamp, byte size, expiry over survivors', () => {
    const specs: Spec[] = [
      { key: 'a', value: { big: 'ü'.repeat(50) }, ts: 900, expiresAt: 5000 }, // superseded: max timestamp, earliest expiry
      { key: 'b', value: 'kept', ts: 100, expiresAt: 9000 },
      { key: 'c', value: 'QUJD', ts: 300, valueEncoding: 'base64' },
      { key: 'd', value: 1, ts: 200 }, // superseded: the batch's last offset
    ]
    const batches = log(specs, [
      { key: 'a', value: 2, ts: 1000 },
      { key: 'd', value: 2, ts: 1000 },
    ])
    const plan = planCompaction(batches, base)
    expect(plan.changes).toHaveLength(1)
    const change = plan.changes[0]!
    if (change.action !== 'rewrite') throw new Error('expected a rewrite')
    // What packBatches would store for the survivors alone (bar the offset gap): same bytes, same text.
    const kept = [specs[1]!, specs[2]!].map(encode)
    expect(change.batch).toMatchObject({
      base_offset: 0,
      last_offset: 2,
      max_timestamp: 300,
      byte_size: kept[0]!.bytes + kept[1]!.bytes,
      expires_at: 9000,
      positions: null, // offsets now have a gap: readers must parse, not slice
    })
    expect(batches[0]).toMatchObject({ expires_at: 5000 })
    const original = JSON.parse(batches[0]!.payload) as unknown[]
    expect(JSON.parse(change.batch.payload)).toEqual([original[1], original[2]])
    expect(change.batch.payload).toBe(`[${[1, 2].map((i) => JSON.stringify(original[i])).join(',')}]`)
    expect(plan.bytesFreed).toBe(batches[0]!.byte_size - change.batch.byte_size)
    // A reader skips the gaps: the rewritten batch reads back as offsets 1, 2 then the next batch.
    const read = readBatches(apply(batches, plan), { from: 0, maxRecords: 10, maxBytes: 1e9 })
    expect((JSON.parse(`[${read.records}]`) as Row[]).map((row) => row.offset)).toEqual([1, 2, 4, 5])
    expect(read.nextOffset).toBe(6)
  })

  it('keeps a tombstone within delete.retention.ms and removes it after', () => {
    const batches = log(
      [
        { key: 'a', value: 1, ts: 0 },
        { key: 'a', value: null, ts: DAY },
      ],
      [{ key: 'b', value: 1, ts: DAY }],
    )
    const young = planCompaction(batches, { now: 2 * DAY - 1, deleteRetentionMs: DAY })
    expect(survivors(apply(batches, young))).toEqual([
      [1, 'a', null],
      [2, 'b', 1],
    ])
    expect(young).toMatchObject({ removed: 1, tombstonesRemoved: 0 })

    const old = planCompaction(batches, { now: 2 * DAY, deleteRetentionMs: DAY })
    expect(old.changes).toEqual([{ baseOffset: 0, action: 'delete' }])
    expect(survivors(apply(batches, old))).toEqual([[2, 'b', 1]])
    expect(old).toMatchObject({ removed: 2, tombstonesRemoved: 1 })
  })

  it('counts a tombstone superseded by a newer value as a removed tombstone', () => {
    const batches = log([
      { key: 'a', value: null, ts: 5 * DAY },
      { key: 'a', value: 'back', ts: 5 * DAY },
    ])
    const plan = planCompaction(batches, base)
    expect(survivors(apply(batches, plan))).toEqual([[1, 'a', 'back']])
    expect(plan).toMatchObject({ removed: 1, tombstonesRemoved: 1 })
  })

  it('keeps keyless records, tombstone-like ones included', () => {
    const batches = log([
      { key: null, value: 1, ts: 1 },
      { key: 'a', value: 1, ts: 1 },
      { key: null, value: null, ts: 1 },
      { key: 'a', value: 2, ts: 1 },
    ])
    const plan = planCompaction(batches, base)
    expect(survivors(apply(batches, plan))).toEqual([
      [0, null, 1],
      [2, null, null],
      [3, 'a', 2],
    ])
    expect(plan).toMatchObject({ removed: 1, tombstonesRemoved: 0 })
  })

  it('never touches the tail from keepFromOffset, which still supersedes older records', () => {
    const batches = log(
      [
        { key: 'a', value: 1, ts: 1 },
        { key: 'b', value: 1, ts: 1 },
      ],
      [
        { key: 'a', value: 2, ts: 1 },
        { key: 'b', value: null, ts: 1 },
        { key: 'a', value: 3, ts: 1 },
      ],
    )
    const plan = planCompaction(batches, { ...base, keepFromOffset: 2 })
    expect(plan.changes).toEqual([{ baseOffset: 0, action: 'delete' }])
    // Offsets 2-4 stay though 2 is superseded and 3 is an expired tombstone.
    expect(survivors(apply(batches, plan))).toEqual([
      [2, 'a', 2],
      [3, 'b', null],
      [4, 'a', 3],
    ])
  })

  it('respects minCompactionLagMs, while a young record still supersedes older ones', () => {
    const now = 10 * DAY
    const batches = log([
      { key: 'a', value: 1, ts: now - 5000 }, // old, superseded by offset 2: removable
      { key: 'b', value: 1, ts: now - 500 }, // young, superseded by offset 3: kept
      { key: 'a', value: 2, ts: now - 100 },
      { key: 'b', value: 2, ts: now - 100 },
    ])
    expect(survivors(apply(batches, planCompaction(batches, { now, deleteRetentionMs: 0, minCompactionLagMs: 1000 })))).toEqual([
      [1, 'b', 1],
      [2, 'a', 2],
      [3, 'b', 2],
    ])
    // Exactly lag old is no longer young.
    expect(survivors(apply(batches, planCompaction(batches, { now, deleteRetentionMs: 0, minCompactionLagMs: 500 })))).toEqual([
      [2, 'a', 2],
      [3, 'b', 2],
    ])
    // A young tombstone stays however short delete.retention.ms is.
    const tombstone = log([
      { key: 'a', value: 1, ts: 0 },
      { key: 'a', value: null, ts: now - 100 },
    ])
    expect(survivors(apply(tombstone, planCompaction(tombstone, { now, deleteRetentionMs: 0, minCompactionLagMs: 1000 })))).toEqual([[1, 'a', null]])
  })

  it('does not remove a tombstone while an older record of its key must stay', () => {
    const now = 10 * DAY
    // Offset 0 is young by its (later) timestamp; removing the tombstone would resurrect its value.
    const batches = log([
      { key: 'a', value: 'old', ts: now - 10 },
      { key: 'a', value: null, ts: 0 },
    ])
    const plan = planCompaction(batches, { now, deleteRetentionMs: DAY, minCompactionLagMs: 1000 })
    expect(plan.changes).toEqual([])
    expect(planCompaction(batches, { now: now + 1000, deleteRetentionMs: DAY, minCompactionLagMs: 1000 }).changes).toEqual([
      { baseOffset: 0, action: 'delete' },
    ])
  })

  it('gives an empty plan when there is nothing to compact', () => {
    const empty = { changes: [], removed: 0, tombstonesRemoved: 0, bytesFreed: 0 }
    expect(planCompaction([], base)).toEqual(empty)
    const batches = log(
      [
        { key: 'a', value: 1, ts: 1 },
        { key: null, value: 1, ts: 1 },
      ],
      [{ key: 'b', value: null, ts: 10 * DAY - 1 }],
    )
    expect(planCompaction(batches, base)).toEqual(empty)
  })

  it('accepts the batches in any order and consumes the iterable once', () => {
    const batches = log([{ key: 'a', value: 1, ts: 1 }], [{ key: 'a', value: 2, ts: 1 }])
    function* once() {
      yield batches[1]!
      yield batches[0]!
    }
    expect(planCompaction(once(), base).changes).toEqual([{ baseOffset: 0, action: 'delete' }])
  })
})

import { describe, expect, it } from 'vitest'
import { packBatches, planRetention, readBatches, type StoredBatch } from '../../src/core/log'
import { encodeRecordBody, utf8Length } from '../../src/core/record-codec'
import type { EncodedRecord } from '../../src/protocol/partition-rpc'
import { DEFAULT_TOPIC_CONFIG, type TopicConfig } from '../../src/protocol/topic-config'

function records(n: number, valueSize = 10): EncodedRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const body = encodeRecordBody({ key: `k${i}`, value: { i, pad: 'x'.repeat(valueSize) }, headers: {} })
    return { body, bytes: utf8Length(body) }
  })
}

function log(batchSizes: number[], startTimestamp = 1000): StoredBatch[] {
  let offset = 0
  return batchSizes.flatMap((size, b) => {
    const batches = packBatches(records(size), Array(size).fill(startTimestamp + b * 1000), offset, 1_000_000)
    offset += size
    return batches
  })
}

const parse = (text: string) => JSON.parse(`[${text}]`) as Array<{ offset: number; value: { i: number } }>

describe('log > packBatches', () => {
  it('assigns contiguous offsets from the base offset', () => {
    const [batch] = packBatches(records(3), [5, 9, 7], 40, 1_000_000)
    expect(batch).toMatchObject({ base_offset: 40, last_offset: 42, max_timestamp: 9 })
    expect(JSON.parse(batch!.payload).map((r: { offset: number }) => r.offset)).toEqual([40, 41, 42])
  })

  it('splits a large request into rows under the byte cap without losing or reordering records', () => {
    const batches = packBatches(records(50, 1000), Array(50).fill(1), 0, 10_000)
    expect(batches.length).toBeGreaterThan(1)
    for (const batch of batches) expect(batch.byte_size).toBeLessThanOrEqual(10_000)
    const offsets = batches.flatMap((batch) => JSON.parse(batch.payload).map((r: { offset: number }) => r.offset))
    expect(offsets).toEqual(Array.from({ length: 50 }, (_, i) => i))
    batches.slice(1).forEach((batch, i) => expect(batch.base_offset).toBe(batches[i]!.last_offset + 1))
  })

  it('gives a record larger than the cap a batch of its own', () => {
    const batches = packBatches(records(3, 5000), [1, 1, 1], 0, 1000)
    expect(batches.map((b) => [b.base_offset, b.last_offset])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ])
  })
})

describe('log > readBatches', () => {
  const batches = log([3, 4, 5]) // offsets 0-2, 3-6, 7-11

  it('reads from the middle of a batch to the requested count', () => {
    const read = readBatches(batches, { from: 2, maxRecords: 5, maxBytes: 1e9 })
    expect(parse(read.records).map((r) => r.offset)).toEqual([2, 3, 4, 5, 6])
    expect(read).toMatchObject({ count: 5, nextOffset: 7 })
  })

  it('stops inside a batch when the count runs out', () => {
    const read = readBatches(batches, { from: 0, maxRecords: 4, maxBytes: 1e9 })
    expect(parse(read.records).map((r) => r.offset)).toEqual([0, 1, 2, 3])
    expect(read.nextOffset).toBe(4)
  })

  it('returns at least the first batch even when it alone is over maxBytes', () => {
    const read = readBatches(batches, { from: 0, maxRecords: 100, maxBytes: 1 })
    expect(read.count).toBe(3)
    expect(read.nextOffset).toBe(3)
  })

  it('returns nothing at the end of the log and keeps the offset', () => {
    expect(readBatches(batches, { from: 12, maxRecords: 10, maxBytes: 1e9 })).toEqual({ records: '', count: 0, nextOffset: 12 })
  })
})

describe('log > planRetention', () => {
  const config = (overrides: Partial<TopicConfig>): TopicConfig => ({ ...DEFAULT_TOPIC_CONFIG, ...overrides })
  const batches = log([2, 2, 2], 1000) // max timestamps 1000, 2000, 3000

  it('deletes the prefix of batches older than retention.ms and says when the next is due', () => {
    const plan = planRetention(batches, config({ 'retention.ms': 1500 }), 1e6, 4000)
    expect(plan.deleteBefore).toBe(4)
    expect(plan.nextDueAt).toBe(3000 + 1500 + 1)
  })

  it('deletes oldest batches until the partition is within retention.bytes', () => {
    const total = batches.reduce((sum, b) => sum + b.byte_size, 0)
    const plan = planRetention(batches, config({ 'retention.ms': -1, 'retention.bytes': total - 1 }), total, 0)
    expect(plan.deleteBefore).toBe(2)
    expect(plan.bytesFreed).toBe(batches[0]!.byte_size)
  })

  it('keeps everything with retention -1, and under cleanup.policy=compact', () => {
    expect(planRetention(batches, config({ 'retention.ms': -1 }), 1e6, 1e12).deleteBefore).toBeUndefined()
    expect(planRetention(batches, config({ 'retention.ms': 1, 'cleanup.policy': 'compact' }), 1e6, 1e12).deleteBefore).toBeUndefined()
  })
})

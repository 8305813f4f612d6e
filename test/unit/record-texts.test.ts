import { describe, expect, it } from 'vitest'
import { packBatches, type StoredBatch } from '../../src/core/log'
import { encodeRecordBody, utf8Length } from '../../src/core/record-codec'
import { batchRecords, checkRecordTexts, readRecordTexts, recordTimestamp, splitRecords } from '../../src/core/record-texts'

function batch(values: unknown[], base = 0, expiries: Array<number | undefined> = []): StoredBatch {
  const records = values.map((value) => {
    const body = encodeRecordBody({ key: null, value, headers: {} })
    return { body, bytes: utf8Length(body) }
  })
  return packBatches(records, Array(values.length).fill(1000), base, 1_000_000, expiries)[0]!
}

/** The same batch as compaction or a TTL purge leaves it: no positions. */
const unpositioned = (b: StoredBatch): StoredBatch => ({ ...b, positions: null })
const values = (texts: Array<{ text: string }>) => texts.map((r) => (JSON.parse(r.text) as { value: unknown }).value)

describe('record texts > batchRecords', () => {
  it('slices the records of a batch with positions from an offset, at most a limit, each a stored record', () => {
    const b = batch(['a', { b: [1, 2] }, 'c', 'd'], 10)
    const texts = batchRecords(b, 11, 2)
    expect(texts.map((r) => r.offset)).toEqual([11, 12])
    expect(values(texts)).toEqual([{ b: [1, 2] }, 'c'])
    expect(batchRecords(b, 0, 10).map((r) => r.offset)).toEqual([10, 11, 12, 13])
  })

  it('gives the same texts for a batch without positions, leaving out expired records', () => {
    const b = batch(['a', 'b', 'c'], 0, [undefined, 500, undefined])
    expect(values(batchRecords(unpositioned(b), 0, 10))).toEqual(['a', 'b', 'c'])
    expect(values(batchRecords(b, 0, 10, 600))).toEqual(['a', 'c'])
    expect(values(batchRecords(b, 0, 10, 400))).toEqual(['a', 'b', 'c'])
  })
})

describe('record texts > readRecordTexts', () => {
  const batches = [batch(['a', 'b'], 0), batch(['c', 'd', 'e'], 2)]

  it('reads across batches up to maxRecords, and says where to go on', () => {
    const read = readRecordTexts(batches, { from: 1, maxRecords: 3, maxBytes: 1_000_000 })
    expect(read.records.map((r) => r.offset)).toEqual([1, 2, 3])
    expect(read.nextOffset).toBe(4)
  })

  it('stops at maxBytes but always takes the first record', () => {
    const tiny = readRecordTexts(batches, { from: 0, maxRecords: 10, maxBytes: 1 })
    expect(tiny.records.map((r) => r.offset)).toEqual([0])
    expect(tiny.nextOffset).toBe(1)
    const all = readRecordTexts(batches, { from: 0, maxRecords: 10, maxBytes: 1_000_000 })
    expect(all.records).toHaveLength(5)
    expect(all.nextOffset).toBe(5)
  })
})

describe('record texts > checkRecordTexts', () => {
  it('finds nothing wrong with stored records', () => {
    expect(checkRecordTexts(batchRecords(batch(['a', null, { x: '\ud800' }]), 0, 10)).size).toBe(0)
  })

  it('names each record that is not a deliverable record, and why', () => {
    const problems = checkRecordTexts([
      { offset: 0, text: '{"offset":0,"timestamp":1,"key":null,"value":1,"headers":{}}' },
      { offset: 1, text: '{"offset":1,"timestamp":1,"key":null,"value":,"headers":{}}' },
      { offset: 2, text: '{"offset":7,"timestamp":1,"key":null,"value":1,"headers":{}}' },
      { offset: 3, text: '{"offset":3,"timestamp":1,"key":null,"value":1}' },
      { offset: 4, text: '[4]' },
      { offset: 5, text: ' {"offset":5,"timestamp":1,"key":null,"value":1,"headers":{}}' },
    ])
    expect([...problems.keys()]).toEqual([1, 2, 3, 4, 5])
    expect(problems.get(1)).toMatch(/not valid JSON/)
    expect(problems.get(2)).toMatch(/does not hold offset 2/)
    expect(problems.get(3)).toMatch(/headers/)
  })
})

describe('record texts > splitRecords', () => {
  const record = (offset: number, value: string) => `{"offset":${offset},"timestamp":1,"key":null,"value":${value},"headers":{}}`

  it('splits a batch that does not parse at the commas between records', () => {
    const parts = splitRecords(`[${record(0, '"a,b]"')},${record(1, '{"x":[}')},${record(2, '[1,{"y":2}]')}]`)
    expect(parts.map((p) => p.offset)).toEqual([0, 1, 2])
    expect(JSON.parse(parts[0]!.text).value).toBe('a,b]')
    expect(JSON.parse(parts[2]!.text).value).toEqual([1, { y: 2 }])
  })

  it('does not let an unclosed string or bracket swallow the records after it', () => {
    for (const garbage of ['"open', '[[[', '{"a":', '\\']) {
      const parts = splitRecords(`[${record(0, '0')},${record(1, garbage)},${record(2, '2')}]`)
      expect(
        parts.map((p) => p.offset),
        garbage,
      ).toEqual([0, 1, 2])
      expect(JSON.parse(parts[2]!.text).value).toBe(2)
    }
  })

  it('recovers the record after one whose garbage closes it early and opens another', () => {
    // `},{{` ends record 1 at its value and starts an unclosed piece that runs into record 2.
    const parts = splitRecords(`[${record(0, '0')},${record(1, '},{{')},${record(2, '2')}]`)
    expect(parts.map((p) => p.offset)).toEqual([0, 1, 2])
    expect(JSON.parse(parts[2]!.text).value).toBe(2)
  })
})

describe('record texts > recordTimestamp', () => {
  it('reads the timestamp a stored record starts with', () => {
    expect(recordTimestamp('{"offset":3,"timestamp":1700000000000,"key":null}')).toBe(1_700_000_000_000)
    expect(recordTimestamp('{"value":1}')).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import { parseLine } from '../../client/cli/record-lines'
import { renderProgress } from '../../client/cli/progress'

const json = { keyDelimiter: '\t', valueFormat: 'json' as const }

describe('CLI > produce > how a line becomes a record', () => {
  it('splits the key off at the first tab, takes the rest as one JSON value, and drops a CR', () => {
    expect(parseLine('user-1\t{"a":"b\\tc"}\r', 1, json)).toEqual({ key: 'user-1', value: { a: 'b\tc' }, bytes: 18 })
    expect(parseLine('k\t1\t2', 1, { ...json, valueFormat: 'string' })).toEqual({ key: 'k', value: '1\t2', bytes: 4 })
    expect(parseLine('\t"empty key"', 1, json)).toMatchObject({ key: '', value: 'empty key' })
  })

  it('takes a line without the delimiter as the value, keyed by --key if given; skips empty lines', () => {
    expect(parseLine('42', 1, json)).toEqual({ value: 42, bytes: 2 })
    expect(parseLine('null', 1, { ...json, key: 'k' })).toEqual({ key: 'k', value: null, bytes: 5 })
    expect(parseLine('', 1, json)).toBeUndefined()
    expect(parseLine('\r', 1, json)).toBeUndefined()
  })

  it('uses another delimiter, or none', () => {
    expect(parseLine('a:{"x":1}', 1, { ...json, keyDelimiter: ':' })).toEqual({ key: 'a', value: { x: 1 }, bytes: 8 })
    expect(parseLine('k\t1', 1, { keyDelimiter: '', valueFormat: 'string' })).toEqual({ value: 'k\t1', bytes: 3 })
  })

  it('refuses a value that is not JSON, naming the line', () => {
    expect(() => parseLine('k\thello', 7, json)).toThrow('line 7: the value is not JSON: hello (quote text as "text", or use --value-format string)')
  })
})

describe('CLI > progress line', () => {
  it('is a bar with a percentage when the size is known, and counts without', () => {
    expect(renderProgress({ records: 500, bytes: 2048, fraction: 0.5 }, 1000)).toBe(
      '[############------------]  50%  500 records  2.0 KB  500 records/s',
    )
    expect(renderProgress({ records: 10, bytes: 10 }, 0)).toBe('producing: 10 records  10 B  0 records/s')
  })
})

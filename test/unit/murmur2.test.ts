import { describe, expect, it } from 'vitest'
import { murmur2, partitionForKey, toPositive } from '../../src/core/murmur2'
// kafkajs's own murmur2 (Long arithmetic), the reference its DefaultPartitioner uses.
import kafkajsMurmur2 from 'kafkajs/src/producer/partitioners/default/murmur2.js'

const encoder = new TextEncoder()

describe('murmur2', () => {
  it("matches the values in Kafka's own UtilsTest.testMurmur2", () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ]
    for (const [key, expected] of cases) expect(murmur2(encoder.encode(key))).toBe(expected)
  })

  it("gives the same partitions as kafkajs's DefaultPartitioner for keys of every tail length", () => {
    const keys = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'order-123',
      'user-456',
      'QuikApp.user.profile-updated',
      'ключ',
      '键值🔑',
      ...Array.from({ length: 200 }, (_, i) => `key-${i * 7919}`),
    ]
    for (const partitions of [1, 3, 6, 12, 1024]) {
      for (const key of keys) {
        const expected = toPositive(Number(kafkajsMurmur2(key))) % partitions
        expect(partitionForKey(key, partitions), `${key} over ${partitions}`).toBe(expected)
      }
    }
  })

  it('hashes long keys and a short key after a long one as their UTF-8 bytes', () => {
    const long = 'é'.repeat(5000)
    const keys = [long, 'ab', `${'k'.repeat(4095)}🔑`, 'ключ', long.slice(0, 4096), 'a']
    for (const key of keys) {
      for (const partitions of [2, 7, 1024]) {
        expect(partitionForKey(key, partitions), `${key.length} units over ${partitions}`).toBe(toPositive(murmur2(encoder.encode(key))) % partitions)
      }
    }
  })
})

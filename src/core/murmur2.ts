/**
 * Kafka's murmur2 hash and default partitioner for keyed records, bit for bit as the Java client's
 * `Utils.murmur2` and `BuiltInPartitioner.partitionForKey`: `toPositive(murmur2(keyBytes)) % partitions`,
 * which kafkajs's DefaultPartitioner (`src/producer/partitioners/default/murmur2.js`) reproduces too. Keys
 * are hashed as their UTF-8 bytes, so a key lands on the same partition number as in Kafka.
 */

const SEED = 0x9747b28c
const M = 0x5bd1e995
const R = 24

const encoder = new TextEncoder()

export function murmur2(data: Uint8Array): number {
  const length = data.length
  let h = SEED ^ length
  const length4 = length >>> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24)
    k = Math.imul(k, M)
    k ^= k >>> R
    k = Math.imul(k, M)
    h = Math.imul(h, M)
    h ^= k
  }
  // The Java original's switch falls through from case 3 to case 1.
  const tail = length & ~3
  const rest = length % 4
  if (rest >= 3) h ^= (data[tail + 2]! & 0xff) << 16
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8
  if (rest >= 1) {
    h ^= data[tail]! & 0xff
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Kafka's `Utils.toPositive`: clears the sign bit rather than taking Math.abs. */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

export function partitionForKey(key: string, partitions: number): number {
  return toPositive(murmur2(encoder.encode(key))) % partitions
}

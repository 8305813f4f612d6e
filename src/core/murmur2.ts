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

/** `murmur2` of the first `length` bytes of `data` (all of it by default). */
export function murmur2(data: Uint8Array, length = data.length): number {
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

/** Keys up to this many UTF-16 units are encoded into one reused buffer (3 bytes per unit at most). */
const SCRATCH_UNITS = 4096
let scratch: Uint8Array | undefined

/**
 * The partition of a keyed record. A produce hashes every record's key, so a topic of one partition
 * skips the hash (every key lands on 0) and short keys are encoded without allocating a buffer each.
 */
export function partitionForKey(key: string, partitions: number): number {
  if (partitions === 1) return 0
  if (key.length > SCRATCH_UNITS) return toPositive(murmur2(encoder.encode(key))) % partitions
  scratch ??= new Uint8Array(SCRATCH_UNITS * 3)
  return toPositive(murmur2(scratch, encoder.encodeInto(key, scratch).written)) % partitions
}

/**
 * kafkajs's partitioners (`src/producer/partitioners/`), run on the client as kafkajs runs them: a
 * message's own `partition` first, else `toPositive(murmur2(key)) % partitions`, else round robin from a
 * random start per topic. `DefaultPartitioner` hashes with the Java client's murmur2 (Kafdo's own,
 * `src/core/murmur2.ts`, the same as the server's), so keys land where Kafka's Java client and kafkajs put
 * them; `LegacyPartitioner` keeps kafkajs 1.x's murmur2, which differs from Java's for some keys.
 */
import { Buffer } from 'node:buffer'
import { murmur2, toPositive } from '../src/core/murmur2.js'
import type { ICustomPartitioner, PartitionerArgs } from './types/config.js'

const bytesOf = (key: unknown): Uint8Array => (Buffer.isBuffer(key) ? (key as Uint8Array) : Buffer.from(String(key)))

/** kafkajs 1.x's murmur2 (`partitioners/legacy/murmur2.js`): plain number arithmetic, so it overflows where Java's does not. */
function legacyMurmur2(key: unknown): number {
  const SEED = 0x9747b28c
  const M = 0x5bd1e995
  const R = 24
  const data = bytesOf(key)
  const length = data.length
  let h = SEED ^ length
  const length4 = length / 4
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = (data[i4 + 0]! & 0xff) + ((data[i4 + 1]! & 0xff) << 8) + ((data[i4 + 2]! & 0xff) << 16) + ((data[i4 + 3]! & 0xff) << 24)
    k *= M
    k ^= k >>> R
    k *= M
    h *= M
    h ^= k
  }
  const tail = length & ~3
  const rest = length % 4
  if (rest >= 3) h ^= (data[tail + 2]! & 0xff) << 16
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8
  if (rest >= 1) {
    h ^= data[tail]! & 0xff
    h *= M
  }
  h ^= h >>> 13
  h *= M
  h ^= h >>> 15
  return h
}

const randomStart = (): number => crypto.getRandomValues(new Uint32Array(1))[0]!

function createPartitioner(hash: (key: unknown) => number): ICustomPartitioner {
  return () => {
    const counters: Record<string, number> = {}
    return ({ topic, partitionMetadata, message }: PartitionerArgs) => {
      if (!(topic in counters)) counters[topic] = randomStart()
      const numPartitions = partitionMetadata.length
      const available = partitionMetadata.filter((p) => p.leader >= 0)
      if (message.partition !== null && message.partition !== undefined) return message.partition
      if (message.key !== null && message.key !== undefined) return toPositive(hash(message.key)) % numPartitions
      if (available.length > 0) return available[toPositive(++counters[topic]!) % available.length]!.partitionId
      return toPositive(++counters[topic]!) % numPartitions
    }
  }
}

const DefaultPartitioner = createPartitioner((key) => murmur2(bytesOf(key)))
const LegacyPartitioner = createPartitioner(legacyMurmur2)

export const Partitioners: {
  DefaultPartitioner: ICustomPartitioner
  LegacyPartitioner: ICustomPartitioner
  /** @deprecated Use DefaultPartitioner instead */
  JavaCompatiblePartitioner: ICustomPartitioner
} = { DefaultPartitioner, LegacyPartitioner, JavaCompatiblePartitioner: DefaultPartitioner }

/**
 * Chooses each record's partition: an explicit partition wins; a keyed record goes where Kafka's
 * default partitioner puts it (`toPositive(murmur2(key)) % partitions`); keyless records of one request
 * stick to one partition (Kafka's sticky partitioner, KIP-480), chosen round-robin per request. For an
 * idempotent request the keyless partition is derived from (producerId, sequence), so a retry lands
 * where the original did and is recognised as a duplicate.
 */
import { partitionForKey } from '../core/murmur2.js'
import { KafdoError } from '../protocol/errors.js'

export interface Partitionable {
  key?: string | null | undefined
  partition?: number | undefined
}

const roundRobin = new Map<string, number>()

export function assignPartitions(
  topic: string,
  records: readonly Partitionable[],
  partitions: number,
  idempotence?: { producerId: string; sequence: number },
): number[] {
  let keyless: number | undefined
  return records.map((record, index) => {
    if (record.partition !== undefined) {
      if (record.partition >= partitions) {
        throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${topic}' has no partition ${record.partition} (it has ${partitions})`, {
          topic,
          partition: record.partition,
          partitions,
          index,
        })
      }
      return record.partition
    }
    if (record.key !== undefined && record.key !== null) return partitionForKey(record.key, partitions)
    keyless ??= idempotence ? partitionForKey(`${idempotence.producerId}:${idempotence.sequence}`, partitions) : nextRoundRobin(topic, partitions)
    return keyless
  })
}

function nextRoundRobin(topic: string, partitions: number): number {
  const next = (roundRobin.get(topic) ?? Math.floor(Math.random() * partitions)) % partitions
  roundRobin.set(topic, next + 1)
  return next
}

/**
 * Sets of topic-partitions as the coordinator keeps them: one string key per partition, so reconciling
 * is plain set arithmetic; and the conversions to and from the wire's `[{ topic, partitions }]`.
 */
import type { TopicPartition, TopicPartitions } from '../../protocol/groups.js'

export type PartitionKey = string

/** Topic names never contain NUL, so the key splits back unambiguously. */
export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}\u0000${partition}`
}

export function parseKey(key: PartitionKey): TopicPartition {
  const at = key.lastIndexOf('\u0000')
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) }
}

export function keysOf(list: readonly TopicPartitions[] | undefined): Set<PartitionKey> {
  const keys = new Set<PartitionKey>()
  for (const { topic, partitions } of list ?? []) for (const partition of partitions) keys.add(partitionKey(topic, partition))
  return keys
}

export function keysOfList(list: readonly TopicPartition[]): Set<PartitionKey> {
  return new Set(list.map((tp) => partitionKey(tp.topic, tp.partition)))
}

/** Grouped by topic, topics and partitions in ascending order. */
export function byTopic(keys: Iterable<PartitionKey>): TopicPartitions[] {
  const topics = new Map<string, number[]>()
  for (const key of keys) {
    const { topic, partition } = parseKey(key)
    const list = topics.get(topic)
    if (list) list.push(partition)
    else topics.set(topic, [partition])
  }
  return [...topics]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }))
}

export function listOf(keys: Iterable<PartitionKey>): TopicPartition[] {
  return byTopic(keys).flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })))
}

export function sameKeys(a: ReadonlySet<PartitionKey>, b: ReadonlySet<PartitionKey>): boolean {
  if (a.size !== b.size) return false
  for (const key of a) if (!b.has(key)) return false
  return true
}

export function intersect(a: ReadonlySet<PartitionKey>, b: ReadonlySet<PartitionKey>): Set<PartitionKey> {
  const out = new Set<PartitionKey>()
  for (const key of a) if (b.has(key)) out.add(key)
  return out
}

export function minus(a: ReadonlySet<PartitionKey>, b: ReadonlySet<PartitionKey>): Set<PartitionKey> {
  const out = new Set<PartitionKey>()
  for (const key of a) if (!b.has(key)) out.add(key)
  return out
}

export function overlaps(a: ReadonlySet<PartitionKey>, b: ReadonlySet<PartitionKey>): boolean {
  for (const key of a) if (b.has(key)) return true
  return false
}

/**
 * kafkajs's offset bookkeeping (`src/consumer/offsetManager/`) for the partitions a member owns: the
 * resolved offset (one past the last message processed, what a commit sends), the committed offset, and
 * seeks waiting for the next fetch. kafkajs fetches from the resolved offset, so messages a handler did
 * not resolve are fetched again; the runner rewinds the consumer core's positions to match.
 */
import type { OffsetsByTopicPartition } from './types/consumer.js'
import type { TopicPartition } from './types/common.js'

const keyOf = ({ topic, partition }: TopicPartition) => `${topic}\u0000${partition}`

interface PartitionOffsets extends TopicPartition {
  committed: number | undefined
  resolved: number | undefined
}

export class OffsetState {
  readonly #partitions = new Map<string, PartitionOffsets>()
  /** Seeks by partition, applied before the next fetch (kafkajs's SeekOffsets). */
  readonly seeks = new Map<string, TopicPartition & { offset: string }>()

  assign(tp: TopicPartition, committed: number | undefined): void {
    this.#partitions.set(keyOf(tp), { topic: tp.topic, partition: tp.partition, committed, resolved: undefined })
  }

  forget(tp: TopicPartition): void {
    this.#partitions.delete(keyOf(tp))
  }

  owns(tp: TopicPartition): boolean {
    return this.#partitions.has(keyOf(tp))
  }

  /** Marks `offset` processed: the next commit of the partition is `offset + 1`. A partition no longer owned is ignored. */
  resolve(tp: TopicPartition, offset: string | number): void {
    const state = this.#partitions.get(keyOf(tp))
    if (state) state.resolved = Number(offset) + 1
  }

  /** Sets the resolved offset itself (a seek: the next message to process is `next`). */
  resolveTo(tp: TopicPartition, next: number): void {
    const state = this.#partitions.get(keyOf(tp))
    if (state) state.resolved = next
  }

  resolved(tp: TopicPartition): number | undefined {
    return this.#partitions.get(keyOf(tp))?.resolved
  }

  committed(tp: TopicPartition): number | undefined {
    return this.#partitions.get(keyOf(tp))?.committed
  }

  markCommitted(offsets: ReadonlyArray<TopicPartition & { offset: number }>): void {
    for (const o of offsets) {
      const state = this.#partitions.get(keyOf(o))
      if (state) state.committed = o.offset
    }
  }

  /** Resolved offsets not yet committed, of `partitions` (all owned ones by default), as kafkajs lists them. */
  uncommitted(partitions?: readonly TopicPartition[]): OffsetsByTopicPartition {
    const wanted = partitions ? new Set(partitions.map(keyOf)) : undefined
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>()
    for (const [key, state] of this.#partitions) {
      if (wanted && !wanted.has(key)) continue
      if (state.resolved === undefined || state.resolved === state.committed) continue
      byTopic.set(state.topic, [...(byTopic.get(state.topic) ?? []), { partition: state.partition, offset: String(state.resolved) }])
    }
    return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) }
  }

  /** How many messages have been resolved since the last commit (for `autoCommitThreshold`). */
  countResolved(): number {
    let count = 0
    for (const state of this.#partitions.values()) {
      if (state.resolved !== undefined) count += state.resolved - (state.committed ?? 0)
    }
    return count
  }
}

export const partitionKey = keyOf

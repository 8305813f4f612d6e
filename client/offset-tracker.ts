/**
 * A consumer's bookkeeping per topic-partition: its position (Kafka's "position": the next offset to
 * read) and the group's committed offset as this member last saw or set it.
 */
import type { FetchedRecord, FetchResponse, TopicPartitions } from '../src/protocol/index.js'
import { key } from './group-membership.js'

export interface TopicPartitionOffset {
  topic: string
  partition: number
  offset: number
}

/** A polled record and where it came from. */
export type ConsumerRecord = { topic: string; partition: number } & FetchedRecord

export class OffsetTracker {
  readonly #positions = new Map<string, TopicPartitionOffset>()
  #committed = new Map<string, number>()

  position(topic: string, partition: number): number | undefined {
    return this.#positions.get(key(topic, partition))?.offset
  }

  setPosition(topic: string, partition: number, offset: number): void {
    this.#positions.set(key(topic, partition), { topic, partition, offset })
  }

  positions(): TopicPartitionOffset[] {
    return [...this.#positions.values()].map((position) => ({ ...position }))
  }

  /**
   * After a join: positions of partitions no longer owned are dropped, and those of owned partitions
   * start at the group's committed offsets (or nowhere, when the group never committed them).
   */
  reassigned(before: TopicPartitions[], after: TopicPartitions[], committed: TopicPartitionOffset[]): void {
    this.#committed = new Map(committed.map(({ topic, partition, offset }) => [key(topic, partition), offset]))
    for (const { topic, partitions } of [...before, ...after]) for (const partition of partitions) this.#positions.delete(key(topic, partition))
    for (const { topic, partitions } of after) {
      for (const partition of partitions) {
        const offset = this.#committed.get(key(topic, partition))
        if (offset !== undefined) this.setPosition(topic, partition, offset)
      }
    }
  }

  /** Positions of the `owned` partitions that differ from their committed offsets. */
  uncommitted(owned: TopicPartitions[]): TopicPartitionOffset[] {
    return owned.flatMap(({ topic, partitions }) =>
      partitions.flatMap((partition) => {
        const position = this.#positions.get(key(topic, partition))
        return position && position.offset !== this.#committed.get(key(topic, partition)) ? [{ ...position }] : []
      }),
    )
  }

  committed(offsets: TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) this.#committed.set(key(topic, partition), offset)
  }

  /**
   * Hands out up to `maxRecords` records of the partitions `owns` accepts, in response order, and moves
   * each partition's position past what it handed out (to the first record held back, if any).
   */
  take(responses: FetchResponse[], maxRecords: number, owns: (topic: string, partition: number) => boolean): ConsumerRecord[] {
    const records: ConsumerRecord[] = []
    for (const response of responses) {
      const { topic, partition, messages } = response
      if (!owns(topic, partition)) continue
      const taken = messages.slice(0, Math.max(0, maxRecords - records.length))
      this.setPosition(topic, partition, taken.length === messages.length ? response.nextOffset : messages[taken.length]!.offset)
      for (const message of taken) records.push({ topic, partition, ...message })
    }
    return records
  }
}

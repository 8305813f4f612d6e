/**
 * A consumer's bookkeeping per topic-partition: its position (Kafka's "position": the next offset to
 * read, or where to start when it has none yet), the group's committed offset as this member last saw or
 * set it, and whether the partition is paused.
 */
import type { FetchedRecord, FetchResponse, TopicPartition } from '../../protocol/index.js'
import { partitionKey as key } from '../group-coordinator/partition-sets.js'

export type Position = number | 'earliest' | 'latest'

export interface TopicPartitionOffset {
  topic: string
  partition: number
  offset: number
  /** Stored with a commit and answered with the group's committed offsets, as Kafka's offset metadata. */
  metadata?: string
}

/** A polled record and where it came from. */
export type ConsumerRecord = { topic: string; partition: number } & FetchedRecord

/** What a fetch asked for, so that its answer moves a position only if nothing moved it meanwhile. */
export interface IssuedRead extends TopicPartition {
  offset: Position
}

export class Positions {
  readonly #positions = new Map<string, IssuedRead>()
  readonly #committed = new Map<string, number>()
  readonly #paused = new Set<string>()

  position(tp: TopicPartition): Position | undefined {
    return this.#positions.get(key(tp.topic, tp.partition))?.offset
  }

  set(tp: TopicPartition, offset: Position): void {
    this.#positions.set(key(tp.topic, tp.partition), { topic: tp.topic, partition: tp.partition, offset })
  }

  /** Numeric positions (those not yet pinned to an offset are left out). */
  numeric(): TopicPartitionOffset[] {
    return [...this.#positions.values()].flatMap((p) =>
      typeof p.offset === 'number' ? [{ topic: p.topic, partition: p.partition, offset: p.offset }] : [],
    )
  }

  /** Newly owned partitions start at the group's committed offsets, or where `reset` says for their topic when it has none. */
  assigned(
    partitions: readonly TopicPartition[],
    committed: ReadonlyArray<{ topic: string; partition: number; offset: number }>,
    reset: (topic: string) => 'earliest' | 'latest',
  ): void {
    for (const c of committed) this.#committed.set(key(c.topic, c.partition), c.offset)
    for (const tp of partitions) this.set(tp, this.#committed.get(key(tp.topic, tp.partition)) ?? reset(tp.topic))
  }

  /** Partitions given up: their positions and pause go with them (a later owner starts from the commit). */
  forget(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      this.#positions.delete(key(tp.topic, tp.partition))
      this.#paused.delete(key(tp.topic, tp.partition))
    }
  }

  /** Positions of `owned` partitions that differ from what the group has committed. */
  uncommitted(owned: readonly TopicPartition[]): TopicPartitionOffset[] {
    return owned.flatMap((tp) => {
      const position = this.position(tp)
      return typeof position === 'number' && position !== this.#committed.get(key(tp.topic, tp.partition))
        ? [{ topic: tp.topic, partition: tp.partition, offset: position }]
        : []
    })
  }

  committed(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) this.#committed.set(key(o.topic, o.partition), o.offset)
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#paused.add(key(tp.topic, tp.partition))
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#paused.delete(key(tp.topic, tp.partition))
  }

  isPaused(tp: TopicPartition): boolean {
    return this.#paused.has(key(tp.topic, tp.partition))
  }

  /**
   * Hands out up to `maxRecords` records, in answer order, of the partitions `owns` accepts and whose
   * position is still the one the read started from (a seek or a new owner meanwhile wins); moves each
   * such position past what it handed out, or to the first record held back.
   */
  take(
    responses: readonly FetchResponse[],
    issued: readonly IssuedRead[],
    maxRecords: number,
    owns: (tp: TopicPartition) => boolean,
  ): ConsumerRecord[] {
    const records: ConsumerRecord[] = []
    for (const response of responses) {
      const { topic, partition, messages } = response
      const from = issued.find((r) => r.topic === topic && r.partition === partition)
      if (!from || !owns(response) || this.position(response) !== from.offset) continue
      const taken = messages.slice(0, Math.max(0, maxRecords - records.length))
      this.set(response, taken.length === messages.length ? response.nextOffset : messages[taken.length]!.offset)
      for (const message of taken) records.push({ topic, partition, ...message })
    }
    return records
  }
}

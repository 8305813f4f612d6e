/**
 * A run's commits, as kafkajs's offset manager makes them: every uncommitted resolved offset after each
 * batch (autoCommit), by `autoCommitInterval` or `autoCommitThreshold` when a handler asks
 * (`commitOffsetsIfNecessary`, and after each message of `eachMessage`), explicit offsets, and the seeks
 * waiting for the next fetch (committed at once with autoCommit, as kafkajs does). Commits go through
 * the consumer core, fenced by the member's epoch.
 */
import type { ConsumerCore } from '../src/core/consumer/consumer-core.js'
import type { TopicPartitionOffset as KafdoOffset } from '../src/core/consumer/positions.js'
import { EARLIEST_OFFSET, LATEST_OFFSET } from './constants.js'
import { CONSUMER_EVENTS } from './instrumentation.js'
import { OffsetState } from './offsets.js'
import type { RunnerSettings } from './runner.js'
import type { Transport } from './transport.js'
import type { Offsets, TopicPartition } from './types/common.js'

type Settings = Pick<RunnerSettings, 'core' | 'instrumentation' | 'logger' | 'run'>

export class CommitLog {
  readonly offsets = new OffsetState()
  readonly #core: ConsumerCore
  readonly #settings: Settings
  #lastCommit = Date.now()

  constructor(core: ConsumerCore, settings: Settings) {
    this.#core = core
    this.#settings = settings
  }

  /** Commits `offsets` (kafkajs's `{ topics: [{ topic, partitions: [{ partition, offset }] }] }`), or every uncommitted resolved offset. */
  async commit(offsets?: Offsets, metadata?: Map<string, string | null>): Promise<void> {
    const { topics } = offsets ?? this.offsets.uncommitted()
    if (topics.length === 0) {
      this.#lastCommit = Date.now()
      return
    }
    const list: KafdoOffset[] = topics.flatMap(({ topic, partitions }) =>
      partitions.map(({ partition, offset }) => {
        const note = metadata?.get(`${topic}\u0000${partition}`)
        return { topic, partition, offset: Number(offset), ...(typeof note === 'string' ? { metadata: note } : {}) }
      }),
    )
    await this.#core.commit(list)
    this.offsets.markCommitted(list)
    this.#lastCommit = Date.now()
    this.#settings.instrumentation.emit(CONSUMER_EVENTS.COMMIT_OFFSETS, {
      groupId: this.#settings.core.groupId,
      memberId: this.#core.memberId,
      groupGenerationId: this.#core.memberEpoch,
      topics,
    })
  }

  /** Commits if `autoCommitInterval` has passed or `autoCommitThreshold` messages were resolved since the last commit. */
  async commitIfNecessary(): Promise<void> {
    const { autoCommitInterval, autoCommitThreshold } = this.#settings.run
    const timeUp = autoCommitInterval != null && Date.now() >= this.#lastCommit + autoCommitInterval
    const enough = autoCommitThreshold != null && this.offsets.countResolved() >= autoCommitThreshold
    if (timeUp || enough) await this.commit()
  }

  autoCommit(): Promise<void> {
    return this.#settings.run.autoCommit ? this.commit() : Promise.resolve()
  }

  autoCommitIfNecessary(): Promise<void> {
    return this.#settings.run.autoCommit ? this.commitIfNecessary() : Promise.resolve()
  }

  /** While revoking: the partitions move on whatever happens, so a failure is only logged. */
  async commitQuietly(partitions: readonly TopicPartition[]): Promise<void> {
    try {
      await this.commit(this.offsets.uncommitted(partitions))
    } catch (err) {
      this.#settings.logger.warn(`Could not commit offsets of revoked partitions: ${(err as Error).message}`, {
        groupId: this.#settings.core.groupId,
        partitions,
      })
    }
  }

  /** Applies the seeks of owned partitions; others wait until the partition is assigned, as in kafkajs. */
  async applySeeks(transport: Transport): Promise<void> {
    for (const [key, seek] of this.offsets.seeks) {
      if (!this.offsets.owns(seek)) continue
      this.offsets.seeks.delete(key)
      const tp = { topic: seek.topic, partition: seek.partition }
      const target = await this.#resolve(transport, tp, seek.offset)
      if (this.#settings.run.autoCommit) {
        await this.#core.commit([{ ...tp, offset: target }])
        this.offsets.assign(tp, target)
      } else {
        this.offsets.resolveTo(tp, target)
      }
      this.#core.seek(tp, target)
    }
  }

  /** kafkajs's special offsets: `-2` the partition's earliest, `-1` its latest. */
  async #resolve(transport: Transport, tp: TopicPartition, offset: string): Promise<number> {
    if (offset !== EARLIEST_OFFSET && offset !== LATEST_OFFSET) return Number(offset)
    const { partitions } = await transport.describeTopic(tp.topic)
    const range = partitions.find((p) => p.partition === tp.partition)
    return (offset === EARLIEST_OFFSET ? range?.earliest : range?.latest) ?? 0
  }
}

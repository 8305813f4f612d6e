/**
 * The one group consumer, transport-agnostic (as `core/queue-loop.ts` is for queues): membership and
 * reconciliation (`membership.ts`), positions, auto-commit, pause/resume/seek and the retry rule, behind
 * a small port (`port.ts`). The in-Worker `createConsumer` heartbeats on `poll`; the client heartbeats in
 * the background. Both are thin adapters, so an option and an error code mean the same in both.
 */
import { KafdoError, type HeartbeatResult, type JoinGroupResult, type TopicPartition } from '../../protocol/index.js'
import { RECONCILE_HEARTBEAT_INTERVAL_MS } from '../../protocol/limits.js'
import { Membership, tpKey, type CoreOptions, type Subscription } from './membership.js'
import type { GroupPort, RebalanceListener } from './port.js'
import { Positions, type ConsumerRecord, type IssuedRead, type TopicPartitionOffset } from './positions.js'
import { hasCode, retrying } from './retry.js'

export type { CoreOptions, Subscription }

const FENCING_CODES: readonly string[] = ['UNKNOWN_MEMBER_ID', 'FENCED_MEMBER_EPOCH', 'STALE_MEMBER_EPOCH', 'PARTITION_NOT_ASSIGNED']

export class ConsumerCore {
  readonly #port: GroupPort
  readonly #options: CoreOptions
  readonly #positions = new Positions()
  readonly #membership: Membership
  /** Each partition's high watermark as its last fetch answered it (kafkajs's batches carry it). */
  readonly #highWatermarks = new Map<string, number>()
  #lastCommitAt = 0
  #rotation = 0

  constructor(port: GroupPort, options: CoreOptions, listener: RebalanceListener = {}) {
    this.#port = port
    this.#options = options
    this.#membership = new Membership(port, options, listener, this.#positions)
  }

  get memberId(): string | undefined {
    return this.#membership.memberId
  }

  get memberEpoch(): number | undefined {
    return this.#membership.memberEpoch
  }

  get joined(): boolean {
    return this.#membership.joined
  }

  get subscription(): Subscription | undefined {
    return this.#membership.subscription
  }

  assignment(): TopicPartition[] {
    return this.#membership.assignment()
  }

  subscribe(subscription: Subscription | undefined): void {
    this.#membership.subscribe(subscription)
  }

  msUntilHeartbeat(): number {
    return this.#membership.msUntilHeartbeat()
  }

  join(): Promise<JoinGroupResult> {
    return this.#membership.join()
  }

  ensureJoined(): Promise<void> {
    return this.#membership.ensureJoined()
  }

  heartbeat(): Promise<HeartbeatResult | undefined> {
    return this.#membership.heartbeat()
  }

  /** For the background timer: joins again if it was fenced or removed, else heartbeats. */
  async tick(): Promise<void> {
    if (this.#membership.wanted && !this.joined) await this.#membership.ensureJoined()
    else await this.heartbeat()
  }

  async heartbeatIfDue(): Promise<void> {
    if (this.joined && this.msUntilHeartbeat() === 0) await this.heartbeat()
  }

  leave(): Promise<void> {
    return this.#membership.leave()
  }

  /**
   * Up to `maxRecords` records of the owned, unpaused partitions, waiting up to `maxWaitMs` for some.
   * With `heartbeatOnPoll` (the in-Worker consumer), it heartbeats whenever one is due, also while waiting.
   * An aborted `signal` ends the wait (and a long poll in flight, where the port can) with no records.
   */
  async poll(maxRecords: number, maxWaitMs: number, heartbeatOnPoll: boolean, signal?: AbortSignal): Promise<ConsumerRecord[]> {
    this.#membership.rethrow()
    if (!this.subscription) throw new KafdoError('INVALID_REQUEST', 'subscribe to topics before polling')
    await this.#membership.ensureJoined()
    if (heartbeatOnPoll) await this.heartbeatIfDue()
    await this.#autoCommitIfDue()
    this.#membership.rethrow()
    const deadline = Date.now() + maxWaitMs
    for (;;) {
      const remaining = Math.max(0, deadline - Date.now())
      // Heartbeats due at every opportunity still leave time to wait between them.
      const slice = heartbeatOnPoll ? Math.min(remaining, Math.max(this.msUntilHeartbeat(), RECONCILE_HEARTBEAT_INTERVAL_MS)) : remaining
      const active = this.#activePartitions()
      if (signal?.aborted) return []
      if (active.length > 0) {
        const records = await this.#fetch(active, maxRecords, slice, signal)
        if (records.length > 0) return records
      } else if (slice > 0) {
        await this.#membership.assignmentChange(slice, signal)
      }
      if (Date.now() >= deadline || signal?.aborted) return []
      await this.#membership.ensureJoined()
      if (heartbeatOnPoll) await this.heartbeatIfDue()
      this.#membership.rethrow()
    }
  }

  /**
   * Commits `offsets` (each the next offset to read), or the positions of owned partitions that moved
   * since their last commit. An offset for a partition this member does not own is refused before
   * anything is sent. Returns what was committed.
   */
  async commit(offsets?: readonly TopicPartitionOffset[]): Promise<TopicPartitionOffset[]> {
    this.#membership.requireMember('commit')
    const explicit = offsets?.map(({ topic, partition, offset, metadata }) => ({
      topic,
      partition,
      offset,
      ...(metadata !== undefined ? { metadata } : {}),
    }))
    const foreign = explicit?.find((tp) => !this.#membership.owns(tp))
    if (foreign) {
      throw new KafdoError(
        'PARTITION_NOT_ASSIGNED',
        `cannot commit partition ${foreign.partition} of '${foreign.topic}': this member does not own it`,
        {
          topic: foreign.topic,
          partition: foreign.partition,
        },
      )
    }
    const list = explicit ?? this.#positions.uncommitted(this.assignment())
    if (list.length > 0) await this.#send(list)
    return list
  }

  seek(tp: TopicPartition, offset: number): void {
    if (!Number.isInteger(offset) || offset < 0) throw new KafdoError('INVALID_REQUEST', 'seek needs a non-negative integer offset')
    this.#positions.set(tp, offset)
  }

  /** Records where a read outside the group (a raw fetch) left off. */
  setPosition(tp: TopicPartition, offset: number): void {
    this.#positions.set(tp, offset)
  }

  position(tp: TopicPartition): number | 'earliest' | 'latest' | undefined {
    return this.#positions.position(tp)
  }

  /** The partition's high watermark (next offset to be written) as its last fetch answered it. */
  highWatermark(tp: TopicPartition): number | undefined {
    return this.#highWatermarks.get(tpKey(tp))
  }

  positions(): TopicPartitionOffset[] {
    return this.#positions.numeric()
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.#positions.pause(partitions)
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.#positions.resume(partitions)
  }

  paused(): TopicPartition[] {
    return this.assignment().filter((tp) => this.#positions.isPaused(tp))
  }

  async #fetch(active: TopicPartition[], maxRecords: number, maxWaitMs: number, signal?: AbortSignal): Promise<ConsumerRecord[]> {
    const memberId = this.#membership.memberId!
    const memberEpoch = this.#membership.memberEpoch!
    const reset = this.#options.fromBeginning ? 'earliest' : 'latest'
    // Each poll starts at another partition, so a busy one cannot starve the rest.
    const start = this.#rotation++ % active.length
    const issued: IssuedRead[] = [...active.slice(start), ...active.slice(0, start)].map((tp) => ({
      ...tp,
      offset: this.#positions.position(tp) ?? reset,
    }))
    try {
      const answers = await retrying(
        () => this.#port.fetch({ memberId, memberEpoch, partitions: issued, maxRecords, maxWaitMs, reset }, signal),
        this.#options.retry,
        signal,
      )
      for (const answer of answers) this.#highWatermarks.set(tpKey(answer), answer.highWatermark)
      return this.#positions.take(answers, issued, maxRecords, (tp) => this.#membership.owns(tp))
    } catch (err) {
      if (signal?.aborted) return []
      if (await this.#membership.lostBy(err, memberEpoch)) return []
      // Its epoch moved on, a partition moved away or its topic was deleted: reconcile, then poll again.
      if (!hasCode(err, 'STALE_MEMBER_EPOCH', 'PARTITION_NOT_ASSIGNED', 'UNKNOWN_TOPIC_OR_PARTITION')) throw err
      await this.heartbeat()
      return []
    }
  }

  /** Commits; a stale epoch (a heartbeat moved it on meanwhile) is learnt and the commit sent once more. */
  async #send(offsets: TopicPartitionOffset[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const memberId = this.#membership.memberId!
      const memberEpoch = this.#membership.memberEpoch!
      try {
        await retrying(() => this.#port.commit({ memberId, memberEpoch, offsets }), this.#options.retry)
        this.#positions.committed(offsets)
        this.#lastCommitAt = Date.now()
        return
      } catch (err) {
        if (await this.#membership.lostBy(err, memberEpoch)) throw err
        if (!hasCode(err, 'STALE_MEMBER_EPOCH', 'PARTITION_NOT_ASSIGNED')) throw err
        await this.heartbeat()
        const stillOwned = this.joined && offsets.every((o) => this.#membership.owns(o))
        if (attempt > 0 || err.code !== 'STALE_MEMBER_EPOCH' || !stillOwned) throw err
      }
    }
  }

  async #autoCommitIfDue(): Promise<void> {
    const since = Math.max(this.#lastCommitAt, this.#membership.joinedAt)
    if (!this.#options.autoCommit || !this.joined || Date.now() - since < this.#options.autoCommitIntervalMs) return
    this.#lastCommitAt = Date.now()
    const offsets = this.#positions.uncommitted(this.assignment())
    if (offsets.length === 0) return
    try {
      await this.#send(offsets)
    } catch (err) {
      // Fenced or moved on (handled already), or unavailable: the next interval commits again.
      if (!(err instanceof KafdoError) || !(err.retriable || FENCING_CODES.includes(err.code))) throw err
    }
  }

  #activePartitions(): TopicPartition[] {
    return this.assignment().filter((tp) => !this.#positions.isPaused(tp))
  }
}

/**
 * A group consumer's membership, for the consumer core: joining, heartbeats and their reconciliation,
 * leaving, and the one reaction to membership errors. Reconciling an answer follows Kafka 4's consumer:
 * partitions no longer given are revoked (auto-commit, then onPartitionsRevoked, then dropped) and
 * reported at once by another heartbeat, so they move on without waiting an interval; lost ones are
 * dropped (onPartitionsLost); new ones start at the group's committed offsets (onPartitionsAssigned).
 * Fenced or removed, it gives up everything and joins again. Changes run one at a time.
 */
import { KafdoError, type CheckedConsumerOptions, type HeartbeatResult, type JoinGroupResult, type TopicPartition } from '../../protocol/index.js'
import { byTopic, keysOf, partitionKey, type PartitionKey } from '../group-coordinator/partition-sets.js'
import type { GroupPort, RebalanceListener } from './port.js'
import type { Positions } from './positions.js'
import type { RetryPolicy } from '../../protocol/queues.js'
import { hasCode, retrying } from './retry.js'

export type Subscription = { topics: string[] } | { pattern: string }

export interface CoreOptions extends CheckedConsumerOptions {
  clientId: string
  /** How the adapter's user joins, for error messages: "call connect() first", "poll first". */
  joinHint: string
  /**
   * Where a newly owned partition with no committed offset starts, per topic (kafkajs subscribes each
   * topic with its own `fromBeginning`); `fromBeginning` decides when this is absent.
   */
  startAt?: (topic: string) => 'earliest' | 'latest'
  /** The retry policy of the port's calls (default CONSUMER_RETRY); kafdo/kafkajs passes kafkajs's `retry`. */
  retry?: RetryPolicy
}

type Answer = Pick<HeartbeatResult, 'memberEpoch' | 'assignment' | 'state' | 'heartbeatIntervalMs' | 'lost'>
export const tpKey = (tp: TopicPartition) => partitionKey(tp.topic, tp.partition)

export class Membership {
  readonly #port: GroupPort
  readonly #options: CoreOptions
  readonly #listener: RebalanceListener
  readonly #positions: Positions
  readonly #owned = new Map<PartitionKey, TopicPartition>()
  #subscription: Subscription | undefined
  #subscriptionChanged = false
  #memberId: string | undefined
  /** Undefined while not a member. */
  #epoch: number | undefined
  /** Joined once and not left: a fenced or removed member joins again by itself. */
  #wanted = false
  #nextHeartbeatAt = 0
  #queue: Promise<unknown> = Promise.resolve()
  #deferred: unknown
  readonly #assignmentWaiters = new Set<() => void>()
  /** When the last join happened (auto-commit counts its interval from there). */
  joinedAt = 0

  constructor(port: GroupPort, options: CoreOptions, listener: RebalanceListener, positions: Positions) {
    this.#port = port
    this.#options = options
    this.#listener = listener
    this.#positions = positions
    if (options.topics?.length) this.#subscription = { topics: options.topics }
    else if (options.pattern !== undefined) this.#subscription = { pattern: options.pattern }
  }

  get memberId(): string | undefined {
    return this.#memberId
  }

  get memberEpoch(): number | undefined {
    return this.#epoch
  }

  get joined(): boolean {
    return this.#epoch !== undefined
  }

  get wanted(): boolean {
    return this.#wanted
  }

  get subscription(): Subscription | undefined {
    return this.#subscription
  }

  owns(tp: TopicPartition): boolean {
    return this.#owned.has(tpKey(tp))
  }

  /** The partitions this member owns now, by topic then partition. */
  assignment(): TopicPartition[] {
    return [...this.#owned.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  }

  /** A new subscription; a member sends it with its next heartbeat, which is due at once. */
  subscribe(subscription: Subscription | undefined): void {
    this.#subscription = subscription
    if (this.joined && subscription) {
      this.#subscriptionChanged = true
      this.#nextHeartbeatAt = 0
    }
  }

  msUntilHeartbeat(): number {
    return Math.max(0, this.#nextHeartbeatAt - Date.now())
  }

  join(): Promise<JoinGroupResult> {
    return this.#serial(() => this.#join())
  }

  /** Joins if it never has, or again after being fenced or removed. */
  async ensureJoined(): Promise<void> {
    if (!this.joined) await this.#serial(async () => (this.joined ? undefined : this.#join()))
  }

  /** One heartbeat now, reconciled; undefined when not a member. */
  heartbeat(): Promise<HeartbeatResult | undefined> {
    return this.#serial(() => this.#heartbeat())
  }

  /** After a commit or fetch failed with `err`: true when it was a membership loss (now handled). */
  lostBy(err: unknown, epochAtRequest: number): Promise<boolean> {
    return this.#serial(() => this.#onMemberError(err, epochAtRequest))
  }

  /** Commits (with autoCommit), revokes everything (onPartitionsRevoked) and leaves the group. */
  async leave(): Promise<void> {
    this.#wanted = false
    let failure: unknown
    await this.#serial(async () => {
      const memberId = this.#memberId
      const memberEpoch = this.#epoch
      if (memberId === undefined || memberEpoch === undefined) return
      const owned = this.assignment()
      if (this.#options.autoCommit) failure = await this.#commitQuietly(owned)
      await this.#notify('onPartitionsRevoked', owned)
      this.#drop(owned)
      this.#epoch = undefined
      this.#memberId = undefined
      try {
        await retrying(() => this.#port.leave({ memberId, memberEpoch }), this.#options.retry)
      } catch (err) {
        if (!hasCode(err, 'UNKNOWN_MEMBER_ID', 'FENCED_MEMBER_EPOCH')) failure ??= err
      }
    })
    if (failure !== undefined) throw failure
  }

  /** Resolves when partitions are added, after `ms`, or when `signal` aborts. */
  assignmentChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#assignmentWaiters.delete(done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#assignmentWaiters.add(done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  /** Throws, once, a failure that happened in the background (a listener's, a commit's while revoking). */
  rethrow(): void {
    const deferred = this.#deferred
    this.#deferred = undefined
    if (deferred !== undefined) throw deferred
  }

  requireMember(action: string): void {
    if (!this.joined) {
      throw new KafdoError(
        'INVALID_REQUEST',
        `cannot ${action}: the consumer is not a member of group '${this.#options.groupId}' (${this.#options.joinHint})`,
        {
          groupId: this.#options.groupId,
        },
      )
    }
  }

  async #join(): Promise<JoinGroupResult> {
    const subscription = this.#subscription
    if (!subscription) throw new KafdoError('INVALID_REQUEST', `give topics or a pattern to join group '${this.#options.groupId}'`)
    const { clientId, sessionTimeoutMs, rebalanceTimeoutMs, strategy } = this.#options
    const request = (memberId: string | undefined) => ({
      ...(memberId !== undefined ? { memberId } : {}),
      clientId,
      ...subscription,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      ...(strategy !== undefined ? { strategy } : {}),
    })
    let answer: JoinGroupResult
    try {
      answer = await this.#port.join(request(this.#memberId))
    } catch (err) {
      // The group forgot this member (its session expired, the group was deleted): join as a new one.
      if (this.#memberId === undefined || !hasCode(err, 'UNKNOWN_MEMBER_ID')) throw err
      answer = await this.#port.join(request(undefined))
    }
    this.#memberId = answer.memberId
    this.#epoch = answer.memberEpoch
    this.#wanted = true
    this.#subscriptionChanged = false
    this.joinedAt = Date.now()
    await this.#reconcile(answer)
    return answer
  }

  async #heartbeat(): Promise<HeartbeatResult | undefined> {
    for (let round = 0; ; round++) {
      const memberId = this.#memberId
      const memberEpoch = this.#epoch
      if (memberId === undefined || memberEpoch === undefined) return undefined
      const subscription = this.#subscriptionChanged ? this.#subscription : undefined
      let answer: HeartbeatResult
      try {
        answer = await retrying(
          () => this.#port.heartbeat({ memberId, memberEpoch, owned: byTopic(this.#owned.keys()), ...subscription }),
          this.#options.retry,
        )
      } catch (err) {
        if (await this.#onMemberError(err, memberEpoch)) return undefined
        throw err
      }
      if (subscription) this.#subscriptionChanged = false
      // Revoked partitions are reported at once (a few rounds at most), so they move on without waiting.
      if (!(await this.#reconcile(answer)) || round >= 2) return answer
    }
  }

  /** Takes a join's or heartbeat's answer; true when it revoked partitions (to be reported at once). */
  async #reconcile(answer: Answer): Promise<boolean> {
    this.#epoch = answer.memberEpoch
    const interval = this.#options.heartbeatIntervalMs
    this.#nextHeartbeatAt = Date.now() + (answer.state === 'Stable' ? interval : Math.min(interval, answer.heartbeatIntervalMs))
    const target = keysOf(answer.assignment)
    const lost = [...keysOf(answer.lost)].flatMap((k) => this.#owned.get(k) ?? [])
    if (lost.length > 0) {
      this.#drop(lost)
      await this.#notify('onPartitionsLost', lost)
    }
    const revoked = this.assignment().filter((tp) => !target.has(tpKey(tp)))
    if (revoked.length > 0) {
      const failure = this.#options.autoCommit ? await this.#commitQuietly(revoked) : undefined
      this.#deferred ??= failure
      await this.#notify('onPartitionsRevoked', revoked)
      this.#drop(revoked)
    }
    const added = [...target].filter((k) => !this.#owned.has(k))
    if (added.length > 0) {
      const partitions = byTopic(added).flatMap(({ topic, partitions: list }) => list.map((partition) => ({ topic, partition })))
      const committed = await retrying(() => this.#port.committedOffsets(), this.#options.retry)
      const reset = this.#options.fromBeginning ? 'earliest' : 'latest'
      this.#positions.assigned(partitions, committed, this.#options.startAt ?? (() => reset))
      for (const tp of partitions) this.#owned.set(tpKey(tp), tp)
      await this.#notify('onPartitionsAssigned', partitions)
      for (const wake of this.#assignmentWaiters) wake()
    }
    return revoked.length > 0
  }

  /**
   * The reaction to a membership error, the same in both adapters: removed (UNKNOWN_MEMBER_ID) or fenced
   * (FENCED_MEMBER_EPOCH), the member loses every partition and joins again (fenced: under its id). An
   * answer about an epoch it has already left is old news. True when `err` was one of those.
   */
  async #onMemberError(err: unknown, epochAtRequest: number): Promise<boolean> {
    if (!hasCode(err, 'UNKNOWN_MEMBER_ID', 'FENCED_MEMBER_EPOCH')) return false
    if (this.#epoch !== epochAtRequest) return true
    const owned = this.assignment()
    this.#drop(owned)
    this.#epoch = undefined
    if (err.code === 'UNKNOWN_MEMBER_ID') this.#memberId = undefined
    await this.#notify('onPartitionsLost', owned)
    return true
  }

  /** A commit while revoking or leaving: the partitions move on whatever happens; a failure is returned. */
  async #commitQuietly(partitions: readonly TopicPartition[]): Promise<unknown> {
    const offsets = this.#positions.uncommitted(partitions)
    const memberId = this.#memberId
    const memberEpoch = this.#epoch
    if (offsets.length === 0 || memberId === undefined || memberEpoch === undefined) return undefined
    try {
      await retrying(() => this.#port.commit({ memberId, memberEpoch, offsets }), this.#options.retry)
      this.#positions.committed(offsets)
      return undefined
    } catch (err) {
      // Fenced meanwhile: the records since the last commit go to the partitions' next owner again.
      return hasCode(err, 'UNKNOWN_MEMBER_ID', 'FENCED_MEMBER_EPOCH', 'STALE_MEMBER_EPOCH', 'PARTITION_NOT_ASSIGNED') ? undefined : err
    }
  }

  #drop(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#owned.delete(tpKey(tp))
    this.#positions.forget(partitions)
  }

  async #notify(callback: keyof RebalanceListener, partitions: TopicPartition[]): Promise<void> {
    if (partitions.length === 0) return
    try {
      await this.#listener[callback]?.(partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition })))
    } catch (err) {
      // The rebalance goes on; the listener's failure surfaces from the next poll or commit.
      this.#deferred ??= err
    }
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation)
    this.#queue = run.catch(() => undefined)
    return run
  }
}

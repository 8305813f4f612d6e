/**
 * The HTTP consumer (`client.consumer()`): a member of a consumer group, and a reader of any partition
 * (`fetch`). A thin adapter over the consumer core (`src/core/consumer/`), which the in-Worker consumer
 * shares: `connect()` joins in one round trip with the partitions free now (possibly none) and starts
 * heartbeating in the background (timers unref'd in Node). Each background heartbeat reconciles: what
 * moves away is committed (autoCommit), handed to `onPartitionsRevoked` and reported at once; what
 * arrives starts at the group's committed offsets. Members whose assignment does not change never stop.
 */
import { ConsumerCore } from '../src/core/consumer/consumer-core.js'
import type { RebalanceListener } from '../src/core/consumer/port.js'
import type { ConsumerRecord, TopicPartitionOffset } from '../src/core/consumer/positions.js'
import { byTopic, partitionKey } from '../src/core/group-coordinator/partition-sets.js'
import {
  KafdoError,
  type CommittedOffsetDescription,
  type FetchOptions,
  type FetchResponse,
  type HeartbeatResult,
  type JoinGroupResult,
  type PartitionOffsets,
  type TopicPartition,
  type TopicPartitions,
} from '../src/protocol/index.js'
import { checkConsumerOptions, checkPollOptions, type ConsumerOptions, type PollOptions } from './consumer-options.js'
import { httpGroupPort } from './group-port.js'
import type { HttpCore } from './http.js'
import { readPartition } from './partition-reader.js'

export type { ConsumerOptions, ConsumerRecord, PollOptions, RebalanceListener, TopicPartitionOffset }

/** @deprecated use JoinGroupResult */
export type JoinResult = JoinGroupResult

export type PartitionOffsetsResponse = PartitionOffsets & { topic: string }

/** The background heartbeat waits at least this long, even when the interval is 0. */
const MIN_BACKGROUND_DELAY_MS = 10

export class KafdoConsumer {
  readonly #http: HttpCore
  readonly #groupId: string
  readonly #maxPollRecords: number
  readonly #heartbeatIntervalMs: number
  readonly #core: ConsumerCore
  #lastJoin: JoinGroupResult | undefined
  #connecting: Promise<JoinGroupResult> | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #heartbeating = false

  constructor(http: HttpCore, options: ConsumerOptions, listener: RebalanceListener = {}) {
    const checked = checkConsumerOptions(options)
    this.#http = http
    this.#groupId = checked.groupId
    this.#maxPollRecords = checked.maxPollRecords
    this.#heartbeatIntervalMs = checked.heartbeatIntervalMs
    const clientId = checked.clientId ?? http.clientId
    this.#core = new ConsumerCore(httpGroupPort(http, checked.groupId), { ...checked, clientId, joinHint: 'call connect() first' }, listener)
  }

  get groupId(): string {
    return this.#groupId
  }

  /** This member's id in its group, once `connect()` has joined it. */
  get memberId(): string | undefined {
    return this.#core.memberId
  }

  /** This member's epoch: commits and fetches carry it, and the group refuses an outdated one. */
  get memberEpoch(): number | undefined {
    return this.#core.memberEpoch
  }

  /**
   * Joins the group: answers at once with this member's id, epoch and the partitions it may own now (its
   * share of the others' arrives with later heartbeats), their positions at the group's committed offsets.
   * Then heartbeats in the background.
   */
  async connect(): Promise<JoinGroupResult> {
    if (this.#lastJoin && this.#core.joined) {
      return { ...this.#lastJoin, memberEpoch: this.#core.memberEpoch!, assignment: this.assignment() }
    }
    // Two concurrent first joins would register two members.
    this.#connecting ??= this.#core.join().finally(() => (this.#connecting = undefined))
    this.#lastJoin = await this.#connecting
    this.#startHeartbeats()
    return this.#lastJoin
  }

  /** The partitions this member owns now, by topic. */
  assignment(): TopicPartitions[] {
    return byTopic(this.#core.assignment().map((tp) => partitionKey(tp.topic, tp.partition)))
  }

  /** Heartbeats now (the background does so every `heartbeatIntervalMs`) and reconciles; the group's answer. */
  async heartbeat(): Promise<HeartbeatResult | undefined> {
    if (!this.#lastJoin) throw this.#notConnected('heartbeat')
    // Fenced or removed since: it joins again first (as the background heartbeat would).
    if (!this.#core.joined) await this.#core.ensureJoined()
    return this.#core.heartbeat()
  }

  /** Reads records of the partitions this member owns, from their positions, and moves the positions past them. */
  poll(options: PollOptions = {}): Promise<ConsumerRecord[]> {
    const { maxRecords, maxWaitMs } = checkPollOptions(options, this.#maxPollRecords)
    if (!this.#lastJoin) return Promise.reject(this.#notConnected('poll'))
    return this.#core.poll(maxRecords, maxWaitMs, false)
  }

  /**
   * Reads one partition, owned or not. Without `offset` (or `timestamp`) it continues from this
   * consumer's position in the partition, or the server's default start if it has none yet.
   */
  async fetch(topic: string, partition: number, options: FetchOptions = {}): Promise<FetchResponse> {
    const position = this.#core.position({ topic, partition })
    const offset = options.offset ?? (options.timestamp === undefined ? position : undefined)
    const response = await readPartition(this.#http, topic, partition, { ...options, offset })
    this.#core.setPosition({ topic, partition }, response.nextOffset)
    return response
  }

  /** The earliest (log start) and latest (next to be written) offsets of one partition. */
  getOffsets(topic: string, partition: number): Promise<PartitionOffsetsResponse> {
    return this.#http.request<PartitionOffsetsResponse>({
      method: 'GET',
      path: ['topics', topic, 'partitions', partition, 'offsets'],
      idempotent: true,
    })
  }

  /** The group's committed offsets (all partitions, whoever committed them). */
  async committed(): Promise<CommittedOffsetDescription[]> {
    const { offsets } = await this.#http.request<{ offsets: CommittedOffsetDescription[] }>({
      method: 'GET',
      path: ['consumer-groups', this.#groupId, 'offsets'],
      idempotent: true,
    })
    return offsets
  }

  /** The next offset this consumer will read from each partition it has read or been assigned. */
  positions(): TopicPartitionOffset[] {
    return this.#core.positions()
  }

  /**
   * Commits `offsets` (each the next offset to read), or by default the positions of owned partitions that
   * moved since their last commit. An offset for a partition this member does not own fails with
   * PARTITION_NOT_ASSIGNED before anything is sent. Returns what was committed.
   */
  commit(offsets?: TopicPartitionOffset[]): Promise<TopicPartitionOffset[]> {
    if (!this.#lastJoin) return Promise.reject(this.#notConnected('commit'))
    return this.#core.commit(offsets)
  }

  /** Moves a partition's position: the next poll reads it from `offset`. */
  seek(tp: TopicPartition, offset: number): void {
    this.#core.seek(tp, offset)
  }

  pause(partitions: TopicPartition[]): void {
    this.#core.pause(partitions)
  }

  resume(partitions: TopicPartition[]): void {
    this.#core.resume(partitions)
  }

  paused(): TopicPartition[] {
    return this.#core.paused()
  }

  /** Stops heartbeating, commits (with `autoCommit`), revokes and leaves; the others take its partitions at once. */
  async disconnect(): Promise<void> {
    this.#stopHeartbeats()
    this.#lastJoin = undefined
    await this.#core.leave()
  }

  #startHeartbeats(): void {
    if (this.#timer !== undefined) return
    this.#schedule(this.#core.msUntilHeartbeat())
  }

  #stopHeartbeats(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** The next background heartbeat; the timer never keeps a Node process alive. */
  #schedule(delay: number): void {
    const timer = setTimeout(() => void this.#tick(), Math.max(delay, MIN_BACKGROUND_DELAY_MS))
    ;(timer as { unref?: () => void }).unref?.()
    this.#timer = timer
  }

  async #tick(): Promise<void> {
    if (this.#timer === undefined || this.#heartbeating) return
    this.#heartbeating = true
    let delay: number
    try {
      await this.#core.tick()
      delay = this.#core.msUntilHeartbeat()
    } catch {
      // A lost heartbeat is retried after an interval; the session timeout allows for several.
      delay = this.#heartbeatIntervalMs || 1_000
    } finally {
      this.#heartbeating = false
    }
    if (this.#timer !== undefined) this.#schedule(delay)
  }

  #notConnected(action: string): KafdoError {
    return new KafdoError('INVALID_REQUEST', `cannot ${action}: the consumer has not joined group '${this.#groupId}' (call connect() first)`, {
      groupId: this.#groupId,
    })
  }
}

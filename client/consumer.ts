/**
 * The HTTP consumer (`client.consumer()`): a member of a consumer group that polls the partitions the
 * group assigns it, and a reader of any partition (`fetch`).
 *
 * It keeps a position per partition (Kafka's "position": the next offset to read). On joining, positions
 * of its partitions start at the group's committed offsets; `poll` reads its partitions from there and
 * advances them; `commit` commits them with the member id and generation, so a group that has moved on
 * refuses a zombie's commit. When a heartbeat learns of a rebalance, the next `poll`, `fetch` or `commit`
 * commits first (with `autoCommit`; the group accepts commits of the ending generation), joins again,
 * and reloads the committed offsets, so it then reads only what it now owns, from where its previous
 * owner committed.
 */
import {
  KafdoError,
  MAX_FETCH_LIMIT,
  type CommittedOffsetDescription,
  type FetchOptions,
  type FetchResponse,
  type JoinGroupResult,
  type PartitionOffsets,
  type TopicPartitions,
} from '../src/protocol/index.js'
import { GroupMembership, type HeartbeatOutcome, type RejoinReason } from './group-membership.js'
import type { HttpCore } from './http.js'
import { readPartition, readPartitions, type ReadTarget } from './partition-reader.js'
import { checkConsumerOptions, checkPollOptions, type ConsumerOptions, type PollOptions } from './consumer-options.js'
import { OffsetTracker, type ConsumerRecord, type TopicPartitionOffset } from './offset-tracker.js'

export type { ConsumerOptions, ConsumerRecord, PollOptions, TopicPartitionOffset }

/** @deprecated use JoinGroupResult */
export type JoinResult = JoinGroupResult

export type PartitionOffsetsResponse = PartitionOffsets & { topic: string }

export class KafdoConsumer {
  readonly #http: HttpCore
  readonly #groupId: string
  readonly #autoCommit: boolean
  readonly #autoCommitIntervalMs: number
  readonly #fromBeginning: boolean
  readonly #membership: GroupMembership
  readonly #offsets = new OffsetTracker()
  #lastJoin: JoinGroupResult | undefined
  #offsetsStale = false
  /** What this member owned before its latest join, until the committed offsets are loaded for the new one. */
  #previousAssignment: TopicPartitions[] = []
  #syncing: Promise<void> | undefined
  #connecting: Promise<JoinGroupResult> | undefined
  /** Counts joins, so a poll that straddles a rejoin drops what it read under the old assignment. */
  #epoch = 0
  #lastCommitAt = 0
  #pollRotation = 0

  constructor(http: HttpCore, options: ConsumerOptions) {
    const checked = checkConsumerOptions(options)
    this.#http = http
    this.#groupId = checked.groupId
    this.#autoCommit = checked.autoCommit
    this.#autoCommitIntervalMs = checked.autoCommitIntervalMs
    this.#fromBeginning = checked.fromBeginning
    this.#membership = new GroupMembership(http, checked.membership)
  }

  get groupId(): string {
    return this.#groupId
  }

  /** This member's id in its group, once `connect()` has joined it. */
  get memberId(): string | undefined {
    return this.#membership.memberId
  }

  get generationId(): number | undefined {
    return this.#membership.generationId
  }

  /** Why the next call will rejoin the group first, if a heartbeat or a refused commit said it must. */
  get rejoinReason(): RejoinReason | undefined {
    return this.#membership.rejoinReason
  }

  /**
   * Joins the consumer group (waiting while the group completes a rebalance), loads the group's committed
   * offsets for the assigned partitions, and starts heartbeating in the background.
   */
  async connect(): Promise<JoinGroupResult> {
    if (!this.#membership.connected) {
      // Two concurrent first joins would register two members.
      this.#connecting ??= this.#join().finally(() => (this.#connecting = undefined))
      await this.#connecting
      this.#lastCommitAt = Date.now()
    }
    this.#membership.startHeartbeats()
    // Joined, but loading the committed offsets failed (or a rebalance is due): finish that first.
    await this.#sync()
    return this.#lastJoin!
  }

  /** The partitions the group assigned to this member in its current generation. */
  assignment(): TopicPartitions[] {
    return this.#membership.assignment
  }

  /** Heartbeats now (the background timer does so every `heartbeatIntervalMs`); says whether a rejoin is due. */
  heartbeat(): Promise<HeartbeatOutcome> {
    return this.#membership.heartbeat()
  }

  /**
   * Reads records from the partitions this member owns, from their positions, and advances the positions
   * past the records returned. Rejoins first if the group is rebalancing.
   */
  async poll(options: PollOptions = {}): Promise<ConsumerRecord[]> {
    const { maxRecords, maxWaitMs } = checkPollOptions(options)
    this.#requireMember('poll')
    await this.#sync()
    await this.#autoCommitIfDue()
    const epoch = this.#epoch
    const owned = this.assignment().flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })))
    if (owned.length === 0) {
      if (maxWaitMs > 0) await new Promise((resolve) => setTimeout(resolve, maxWaitMs))
      return []
    }
    // Start each poll at a different partition, so a busy partition cannot starve the others.
    const start = this.#pollRotation++ % owned.length
    const order = [...owned.slice(start), ...owned.slice(0, start)]
    const reset: 'earliest' | 'latest' = this.#fromBeginning ? 'earliest' : 'latest'
    const limit = Math.min(maxRecords, MAX_FETCH_LIMIT)
    const targets = (): ReadTarget[] => order.map((tp) => ({ ...tp, offset: this.#offsets.position(tp.topic, tp.partition) ?? reset }))
    let responses = await readPartitions(this.#http, targets(), { limit, maxWaitMs: 0, reset })
    if (maxWaitMs > 0 && responses.every((response) => response.messages.length === 0) && epoch === this.#epoch) {
      this.#take(responses, 0) // pins where each partition starts, e.g. 'latest'
      responses = await readPartitions(this.#http, targets(), { limit, maxWaitMs, reset })
    }
    if (epoch !== this.#epoch) return []
    return this.#take(responses, maxRecords)
  }

  /**
   * Reads one partition, owned or not. Without `offset` (or `timestamp`) it continues from this
   * consumer's position in the partition, or the server's default start if it has none yet.
   */
  async fetch(topic: string, partition: number, options: FetchOptions = {}): Promise<FetchResponse> {
    if (this.#membership.connected) await this.#sync()
    const offset = options.offset ?? (options.timestamp === undefined ? this.#offsets.position(topic, partition) : undefined)
    const response = await readPartition(this.#http, topic, partition, { ...options, offset })
    this.#offsets.setPosition(topic, partition, response.nextOffset)
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
    return this.#offsets.positions()
  }

  /**
   * Commits `offsets` (each the next offset to read), or by default the positions of the partitions this
   * member owns that moved since their last commit. Only owned partitions are ever sent: an explicit
   * offset for another partition fails with PARTITION_NOT_ASSIGNED before anything is sent. During a
   * rebalance it commits, then rejoins. If the group already ended this member's generation, nothing can
   * be committed: it rejoins and fails with ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID (records since the
   * last commit will be read again). Returns what was committed.
   */
  async commit(offsets?: TopicPartitionOffset[]): Promise<TopicPartitionOffset[]> {
    this.#requireMember('commit')
    const explicit = offsets?.map(({ topic, partition, offset }) => ({ topic, partition, offset }))
    const foreign = explicit?.find(({ topic, partition }) => !this.#membership.owns(topic, partition))
    if (foreign) {
      throw new KafdoError(
        'PARTITION_NOT_ASSIGNED',
        `cannot commit partition ${foreign.partition} of '${foreign.topic}': it is not assigned to this member`,
        {
          topic: foreign.topic,
          partition: foreign.partition,
        },
      )
    }
    const fenced = this.#membership.rejoinReason
    if (fenced === 'ILLEGAL_GENERATION' || fenced === 'UNKNOWN_MEMBER_ID') {
      await this.#sync()
      throw new KafdoError(fenced, `commit refused: group '${this.#groupId}' ended this member's generation before it committed; it has rejoined`)
    }
    let committed: TopicPartitionOffset[] = []
    try {
      committed = await this.#send(explicit ?? this.#uncommitted())
    } catch (err) {
      if (!this.#membership.noteRefusal(err)) throw err
      await this.#sync()
      throw err
    }
    await this.#sync()
    return committed
  }

  /** Stops heartbeating, commits (with `autoCommit`) and leaves the group, which rebalances at once. */
  async disconnect(): Promise<void> {
    if (!this.#membership.connected) return
    this.#membership.stopHeartbeats()
    await this.#syncing?.catch(() => undefined)
    let failure: unknown
    const reason = this.#membership.rejoinReason
    if (this.#autoCommit && reason !== 'ILLEGAL_GENERATION' && reason !== 'UNKNOWN_MEMBER_ID') {
      try {
        await this.#send(this.#uncommitted())
      } catch (err) {
        if (!this.#membership.noteRefusal(err)) failure = err
      }
    }
    await this.#membership.leave()
    this.#lastJoin = undefined
    if (failure !== undefined) throw failure
  }

  async #join(): Promise<JoinGroupResult> {
    this.#previousAssignment = [...this.#previousAssignment, ...this.assignment()]
    const result = await this.#membership.join()
    this.#epoch += 1
    this.#lastJoin = result
    this.#offsetsStale = true
    await this.#loadCommitted()
    return result
  }

  /** Positions of owned partitions start at the group's committed offsets (or, without one, per `fromBeginning`). */
  async #loadCommitted(): Promise<void> {
    const committed = await this.committed()
    this.#offsets.reassigned(this.#previousAssignment, this.assignment(), committed)
    this.#previousAssignment = []
    this.#offsetsStale = false
  }

  /** Rejoins if the group said so (committing first with `autoCommit`), and loads committed offsets if due. */
  #sync(): Promise<void> {
    if (this.#membership.rejoinReason === undefined && !this.#offsetsStale) return Promise.resolve()
    this.#syncing ??= this.#resync().finally(() => (this.#syncing = undefined))
    return this.#syncing
  }

  async #resync(): Promise<void> {
    if (this.#membership.rejoinReason === undefined) return this.#loadCommitted()
    if (this.#autoCommit && this.#membership.rejoinReason === 'REBALANCE_IN_PROGRESS') {
      try {
        await this.#send(this.#uncommitted())
      } catch (err) {
        // Fenced meanwhile: the records since the last commit go to the partitions' next owner again.
        if (!this.#membership.noteRefusal(err)) throw err
      }
    }
    await this.#join()
  }

  async #autoCommitIfDue(): Promise<void> {
    if (!this.#autoCommit || Date.now() - this.#lastCommitAt < this.#autoCommitIntervalMs) return
    this.#lastCommitAt = Date.now()
    try {
      await this.#send(this.#uncommitted())
    } catch (err) {
      // A refusal means a rejoin (done now); any other failure is retried at the next interval.
      if (this.#membership.noteRefusal(err)) await this.#sync()
    }
  }

  #uncommitted(): TopicPartitionOffset[] {
    return this.#offsets.uncommitted(this.assignment())
  }

  async #send(offsets: TopicPartitionOffset[]): Promise<TopicPartitionOffset[]> {
    const { memberId, generationId } = this.#membership
    if (offsets.length === 0 || memberId === undefined || generationId === undefined) return []
    await this.#http.request<unknown>({
      method: 'POST',
      path: ['consumer-groups', this.#groupId, 'commit'],
      body: { memberId, generationId, offsets },
      // Committing the same offsets again leaves them as they are.
      idempotent: true,
    })
    this.#offsets.committed(offsets)
    this.#lastCommitAt = Date.now()
    return offsets
  }

  #take(responses: FetchResponse[], maxRecords: number): ConsumerRecord[] {
    return this.#offsets.take(responses, maxRecords, (topic, partition) => this.#membership.owns(topic, partition))
  }

  #requireMember(action: string): void {
    if (!this.#membership.connected) {
      throw new KafdoError('INVALID_REQUEST', `cannot ${action}: the consumer has not joined group '${this.#groupId}' (call connect() first)`, {
        groupId: this.#groupId,
      })
    }
  }
}

/**
 * The in-Worker consumer (`createConsumer(env, config, rebalanceListener?)`), modelled on Kafka's
 * KafkaConsumer: `subscribe`, then `poll` (or `for await`) returns records from the partitions the group
 * coordinator assigned to this member, starting at the group's committed offsets.
 *
 * Rebalances follow Kafka's eager protocol: when a heartbeat says the group is rebalancing, the next poll
 * calls `onPartitionsRevoked` (and commits, with autoCommit) before joining again, and the coordinator
 * moves no partition until every member has done so; then `onPartitionsAssigned` gets the new ones.
 * With autoCommit, each poll commits the positions reached by earlier polls once `autoCommitIntervalMs`
 * has passed, which gives at-least-once delivery when records are processed before the next poll.
 *
 * Heartbeats ride on `poll` (every `heartbeatIntervalMs`), not on a background timer: a Worker's
 * consumer lives for one request, and one that stops polling for a whole session timeout is, as with
 * Kafka's max.poll.interval.ms, rightly treated as gone.
 */
import type { TopicPartition } from '../core/assignors.js'
import { DEFAULT_TENANT } from '../core/object-names.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import { groupIdSchema, joinGroupRequestSchema, type JoinGroupResult } from '../protocol/groups.js'
import { DEFAULT_REBALANCE_TIMEOUT_MS, DEFAULT_SESSION_TIMEOUT_MS } from '../protocol/limits.js'
import type { FetchedRecord } from '../protocol/records.js'
import { check } from '../protocol/validation.js'
import * as groups from '../services/groups.js'
import { readPartition } from '../services/read.js'

export interface ConsumerConfig {
  groupId: string
  clientId?: string
  sessionTimeoutMs?: number
  heartbeatIntervalMs?: number
  maxPollRecords?: number
  autoCommit?: boolean
  autoCommitIntervalMs?: number
  /** Where a partition with no committed offset starts (Kafka's auto.offset.reset earliest/latest). */
  fromBeginning?: boolean
  rebalanceTimeoutMs?: number
  /** Assignment strategy, fixed by the group's first member: 'range', 'roundrobin' or 'sticky' (default). */
  strategy?: 'range' | 'roundrobin' | 'sticky'
}

export interface RebalanceListener {
  onPartitionsAssigned?(partitions: TopicPartition[]): Promise<void> | void
  onPartitionsRevoked?(partitions: TopicPartition[]): Promise<void> | void
}

export interface ConsumerRecord extends FetchedRecord {
  topic: string
  partition: number
}

type Position = number | 'earliest' | 'latest'

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`
/** A membership error that a fresh join resolves. */
const REJOIN_CODES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'PARTITION_NOT_ASSIGNED'])

export class Consumer implements AsyncIterable<ConsumerRecord> {
  readonly #env: KafdoBindings
  readonly #tenant: string
  readonly #config: Required<Omit<ConsumerConfig, 'strategy'>> & { strategy: ConsumerConfig['strategy'] }
  readonly #listener: RebalanceListener
  #subscription: { topics: string[] } | { pattern: string } | undefined
  /** The current membership; `memberId` is kept across rejoins unless the coordinator forgot it. */
  #member: JoinGroupResult | undefined
  #memberForgotten = false
  #needsRejoin = false
  #assignment: TopicPartition[] = []
  #positions = new Map<string, Position>()
  #paused = new Set<string>()
  #lastHeartbeat = 0
  #lastCommit = Date.now()
  #rotation = 0
  #closed = false

  constructor(env: KafdoBindings, config: ConsumerConfig, listener: RebalanceListener = {}, tenant = DEFAULT_TENANT) {
    this.#env = env
    this.#tenant = tenant
    this.#listener = listener
    this.#config = {
      groupId: check(groupIdSchema, config.groupId, { at: ['groupId'] }),
      clientId: config.clientId ?? 'kafdo-consumer',
      sessionTimeoutMs: config.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: config.heartbeatIntervalMs ?? 3_000,
      maxPollRecords: config.maxPollRecords ?? 500,
      autoCommit: config.autoCommit ?? true,
      autoCommitIntervalMs: config.autoCommitIntervalMs ?? 5_000,
      fromBeginning: config.fromBeginning ?? false,
      rebalanceTimeoutMs: config.rebalanceTimeoutMs ?? DEFAULT_REBALANCE_TIMEOUT_MS,
      strategy: config.strategy,
    }
  }

  /** Subscribes to topic names, or to every topic whose whole name matches a RegExp (as in Kafka). */
  async subscribe(topics: string[] | string | RegExp): Promise<void> {
    this.#assertOpen()
    const next = topics instanceof RegExp ? { pattern: topics.source } : { topics: Array.isArray(topics) ? topics : [topics] }
    this.#subscription = next
    if (this.#member) this.#needsRejoin = true
  }

  /** Gives up the assignment (committing first with autoCommit) and leaves the group. */
  async unsubscribe(): Promise<void> {
    await this.#leave()
    this.#subscription = undefined
  }

  /** The partitions this member owns in the current generation. */
  assignment(): TopicPartition[] {
    return this.#assignment.map((tp) => ({ ...tp }))
  }

  /** Returns up to `maxPollRecords` records, waiting up to `timeoutMs` for some if none are ready. */
  async poll(timeoutMs = 0): Promise<ConsumerRecord[]> {
    this.#assertOpen()
    await this.#ensureMember()
    if (this.#config.autoCommit && Date.now() - this.#lastCommit >= this.#config.autoCommitIntervalMs) await this.#autoCommit()
    const records = await this.#fetchOnce(0)
    if (records.length > 0 || timeoutMs <= 0) return records
    return this.#fetchOnce(timeoutMs)
  }

  /** Commits the positions reached (the next offsets to read) of every owned partition. */
  async commit(): Promise<void> {
    this.#assertOpen()
    const offsets = this.#ownedPositions()
    if (offsets.length > 0) await this.#commit(offsets)
  }

  /** Commits the given offsets (next offsets to read), or the positions reached when none are given. */
  async commitSync(offsets?: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
    if (offsets === undefined) return this.commit()
    this.#assertOpen()
    if (offsets.length > 0) await this.#commit(offsets)
  }

  /** Moves a partition's position: the next poll reads from `offset`. */
  seek(partition: TopicPartition & { offset?: number }, offset?: number): void {
    const target = offset ?? partition.offset
    if (target === undefined || !Number.isInteger(target) || target < 0) {
      throw new KafdoError('INVALID_REQUEST', 'seek needs a non-negative integer offset')
    }
    this.#positions.set(key(partition), target)
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.#paused.add(key(tp))
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.#paused.delete(key(tp))
  }

  paused(): TopicPartition[] {
    return this.#assignment.filter((tp) => this.#paused.has(key(tp)))
  }

  /** Commits (with autoCommit), revokes, and leaves the group. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.#leave()
    this.#closed = true
  }

  /** Yields records one at a time, polling as needed, until `close()`. */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    while (!this.#closed) {
      const records = await this.poll(1_000)
      for (const record of records) {
        if (this.#closed) return
        yield record
      }
    }
  }

  async #ensureMember(): Promise<void> {
    if (!this.#subscription) throw new KafdoError('INVALID_REQUEST', 'subscribe to topics before polling')
    if (this.#member && Date.now() - this.#lastHeartbeat >= this.#config.heartbeatIntervalMs) await this.#heartbeat()
    if (this.#member && !this.#needsRejoin) return
    if (this.#member) await this.#revoke()
    const member = await this.#join()
    this.#member = member
    this.#needsRejoin = false
    this.#lastHeartbeat = Date.now()
    this.#assignment = member.assignment.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition })))
    const committed = new Map((await groups.committedOffsets(this.#env, this.#tenant, this.#config.groupId)).map((o) => [key(o), o.offset]))
    this.#positions = new Map(this.#assignment.map((tp) => [key(tp), committed.get(key(tp)) ?? (this.#config.fromBeginning ? 'earliest' : 'latest')]))
    this.#paused = new Set([...this.#paused].filter((k) => this.#positions.has(k)))
    await this.#listener.onPartitionsAssigned?.(this.assignment())
  }

  /** Joins (or rejoins), waiting out a rebalance in progress. */
  async #join(): Promise<JoinGroupResult> {
    let memberId = this.#memberForgotten ? undefined : this.#member?.memberId
    this.#memberForgotten = false
    for (;;) {
      const request = check(joinGroupRequestSchema, {
        ...(memberId ? { memberId } : {}),
        clientId: this.#config.clientId,
        ...this.#subscription,
        sessionTimeoutMs: this.#config.sessionTimeoutMs,
        rebalanceTimeoutMs: this.#config.rebalanceTimeoutMs,
        ...(this.#config.strategy ? { strategy: this.#config.strategy } : {}),
      })
      try {
        const result = await groups.joinGroup(this.#env, this.#tenant, this.#config.groupId, request)
        if (result.generationId !== -1) return result
        memberId = result.memberId
      } catch (err) {
        if (!(err instanceof KafdoError) || err.code !== 'UNKNOWN_MEMBER_ID' || memberId === undefined) throw err
        memberId = undefined
      }
    }
  }

  async #heartbeat(): Promise<void> {
    const member = this.#member
    if (!member || this.#needsRejoin) return
    this.#lastHeartbeat = Date.now()
    try {
      await groups.heartbeat(this.#env, this.#tenant, this.#config.groupId, { memberId: member.memberId, generationId: member.generationId })
    } catch (err) {
      if (!(err instanceof KafdoError) || !REJOIN_CODES.has(err.code)) throw err
      this.#needsRejoin = true
      if (err.code === 'UNKNOWN_MEMBER_ID') this.#memberForgotten = true
    }
  }

  /** Before the partitions move: tell the listener, then commit what was consumed. */
  async #revoke(): Promise<void> {
    const revoked = this.assignment()
    await this.#listener.onPartitionsRevoked?.(revoked)
    if (this.#config.autoCommit) await this.#autoCommit()
    this.#assignment = []
  }

  async #leave(): Promise<void> {
    const member = this.#member
    if (!member) return
    if (!this.#needsRejoin) await this.#revoke()
    this.#member = undefined
    this.#assignment = []
    if (this.#memberForgotten) return
    await groups.leaveGroup(this.#env, this.#tenant, this.#config.groupId, member.memberId).catch((err: unknown) => {
      if (!(err instanceof KafdoError) || err.code !== 'UNKNOWN_MEMBER_ID') throw err
    })
  }

  async #autoCommit(): Promise<void> {
    try {
      await this.commit()
    } catch (err) {
      if (!(err instanceof KafdoError) || !REJOIN_CODES.has(err.code)) throw err
    }
  }

  async #commit(offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
    const member = this.#member
    if (!member || this.#memberForgotten) throw new KafdoError('UNKNOWN_MEMBER_ID', 'this consumer is not a member of its group; poll to join')
    try {
      await groups.commitOffsets(this.#env, this.#tenant, this.#config.groupId, {
        memberId: member.memberId,
        generationId: member.generationId,
        offsets,
      })
      this.#lastCommit = Date.now()
    } catch (err) {
      if (err instanceof KafdoError && REJOIN_CODES.has(err.code)) this.#needsRejoin = true
      throw err
    }
  }

  #ownedPositions(): Array<{ topic: string; partition: number; offset: number }> {
    return this.#assignment.flatMap((tp) => {
      const position = this.#positions.get(key(tp))
      return typeof position === 'number' ? [{ ...tp, offset: position }] : []
    })
  }

  /**
   * One fetch from every owned, unpaused partition, in parallel, starting from a different partition each
   * time so none is starved; with `waitMs`, each fetch long-polls and the first records to arrive win.
   */
  async #fetchOnce(waitMs: number): Promise<ConsumerRecord[]> {
    const active = this.#assignment.filter((tp) => !this.#paused.has(key(tp)))
    if (active.length === 0) {
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, this.#config.heartbeatIntervalMs)))
      return []
    }
    const start = this.#rotation++ % active.length
    const ordered = [...active.slice(start), ...active.slice(0, start)]
    const reset = this.#config.fromBeginning ? 'earliest' : 'latest'
    const fetches = ordered.map(async (tp) => {
      const from = this.#positions.get(key(tp)) ?? reset
      try {
        const read = await readPartition(this.#env, this.#tenant, tp.topic, tp.partition, {
          offset: from,
          limit: this.#config.maxPollRecords,
          maxWaitMs: waitMs,
          reset,
        })
        return { tp, from, read }
      } catch (err) {
        if (err instanceof KafdoError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') {
          this.#needsRejoin = true
          return undefined
        }
        throw err
      }
    })
    const results = waitMs > 0 ? await firstWithRecords(fetches) : await Promise.all(fetches)
    const records: ConsumerRecord[] = []
    for (const result of results) {
      if (!result || this.#positions.get(key(result.tp)) !== result.from) continue
      const room = this.#config.maxPollRecords - records.length
      const fetched = result.read.count > 0 ? (JSON.parse(`[${result.read.records}]`) as FetchedRecord[]) : []
      const taken = fetched.slice(0, Math.max(0, room))
      for (const record of taken) records.push({ topic: result.tp.topic, partition: result.tp.partition, ...record })
      // What this poll had no room for is read again by the next one.
      const next =
        taken.length === fetched.length ? result.read.nextOffset : taken.length > 0 ? taken[taken.length - 1]!.offset + 1 : fetched[0]!.offset
      this.#positions.set(key(result.tp), next)
    }
    return records
  }

  #assertOpen(): void {
    if (this.#closed) throw new KafdoError('INVALID_REQUEST', 'the consumer is closed')
  }
}

export function createConsumer(env: KafdoBindings, config: ConsumerConfig, rebalanceListener?: RebalanceListener): Consumer {
  return new Consumer(env, config, rebalanceListener)
}

/**
 * Resolves with every result that has arrived by the time the first one with records does (or with all
 * of them, once all have answered empty). Later answers are dropped; their records are read again.
 */
function firstWithRecords<T extends { read: { count: number } } | undefined>(fetches: Array<Promise<T>>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const arrived: T[] = []
    let pending = fetches.length
    for (const fetch of fetches) {
      fetch.then((result) => {
        arrived.push(result)
        pending -= 1
        if ((result && result.read.count > 0) || pending === 0) resolve([...arrived])
      }, reject)
    }
  })
}

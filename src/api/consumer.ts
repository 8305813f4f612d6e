/**
 * The in-Worker consumer (`createConsumer(env, config, rebalanceListener?)`), modelled on Kafka's
 * KafkaConsumer: `subscribe`, then `poll` (or `for await`) returns records of the partitions the group
 * gives this member, from the group's committed offsets. A thin adapter over the consumer core
 * (`core/consumer/`): its port calls the services in-process, and it heartbeats on `poll` (a Worker's
 * consumer lives for one request, so there is no background timer), reconciling as the client does in
 * the background. A member that stops polling for a whole session timeout is gone, as in Kafka.
 */
import { ConsumerCore } from '../core/consumer/consumer-core.js'
import { parsePage } from '../core/fetch-page.js'
import type { GroupPort, RebalanceListener } from '../core/consumer/port.js'
import type { ConsumerRecord } from '../core/consumer/positions.js'
import { DEFAULT_TENANT } from '../core/object-names.js'
import type { KafdoBindings } from '../env.js'
import { consumerOptionsSchema, type ConsumerOptionsInput } from '../protocol/consumer-options.js'
import { KafdoError } from '../protocol/errors.js'
import { joinGroupRequestSchema, type TopicPartition } from '../protocol/groups.js'
import { check } from '../protocol/validation.js'
import { groupFetch } from '../services/group-fetch.js'
import * as groups from '../services/groups.js'

export type { ConsumerRecord, RebalanceListener }

/** The options of `consumerOptionsSchema` (defaults in the README), without a subscription: `subscribe` gives it. */
export type ConsumerConfig = Omit<ConsumerOptionsInput, 'topics' | 'pattern'>

/** The consumer core's port, in-process: each call goes straight to the services. */
export function workerGroupPort(env: KafdoBindings, tenant: string, groupId: string): GroupPort {
  return {
    join: (request) => groups.joinGroup(env, tenant, groupId, check(joinGroupRequestSchema, request)),
    heartbeat: (request) => groups.heartbeat(env, tenant, groupId, request),
    fetch: async (request) => (await groupFetch(env, tenant, groupId, request)).map((read) => parsePage(read.page)),
    commit: (request) => groups.commitOffsets(env, tenant, groupId, request),
    leave: (request) => groups.leaveGroup(env, tenant, groupId, request),
    committedOffsets: () => groups.committedOffsets(env, tenant, groupId),
  }
}

export class Consumer implements AsyncIterable<ConsumerRecord> {
  readonly #core: ConsumerCore
  readonly #maxPollRecords: number
  #closed = false

  constructor(env: KafdoBindings, config: ConsumerConfig, listener: RebalanceListener = {}, tenant = DEFAULT_TENANT) {
    const options = check(consumerOptionsSchema, { ...config, topics: undefined, pattern: undefined })
    this.#maxPollRecords = options.maxPollRecords
    this.#core = new ConsumerCore(
      workerGroupPort(env, tenant, options.groupId),
      { ...options, clientId: options.clientId ?? 'kafdo-consumer', joinHint: 'poll first' },
      listener,
    )
  }

  /** Subscribes to topic names, or to every topic whose whole name matches a RegExp (as in Kafka). */
  async subscribe(topics: string[] | string | RegExp): Promise<void> {
    this.#assertOpen()
    this.#core.subscribe(topics instanceof RegExp ? { pattern: topics.source } : { topics: Array.isArray(topics) ? [...topics] : [topics] })
  }

  /** Gives up the assignment (committing first with autoCommit) and leaves the group. */
  async unsubscribe(): Promise<void> {
    await this.#core.leave()
    this.#core.subscribe(undefined)
  }

  /** The partitions this member owns now. */
  assignment(): TopicPartition[] {
    return this.#core.assignment()
  }

  /** Returns up to `maxPollRecords` records, waiting up to `timeoutMs` for some if none are ready. */
  async poll(timeoutMs = 0): Promise<ConsumerRecord[]> {
    this.#assertOpen()
    return this.#core.poll(this.#maxPollRecords, timeoutMs, true)
  }

  /** Commits the positions reached (the next offsets to read) of owned partitions that moved. */
  async commit(): Promise<void> {
    this.#assertOpen()
    await this.#core.commit()
  }

  /** Commits the given offsets (next offsets to read), or the positions reached when none are given. */
  async commitSync(offsets?: Array<{ topic: string; partition: number; offset: number }>): Promise<void> {
    this.#assertOpen()
    if (offsets === undefined || offsets.length > 0) await this.#core.commit(offsets)
  }

  /** Moves a partition's position: the next poll reads from `offset`. */
  seek(partition: TopicPartition & { offset?: number }, offset?: number): void {
    const target = offset ?? partition.offset
    if (target === undefined) throw new KafdoError('INVALID_REQUEST', 'seek needs a non-negative integer offset')
    this.#core.seek(partition, target)
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

  /** Commits (with autoCommit), revokes, and leaves the group. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#core.leave()
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

  #assertOpen(): void {
    if (this.#closed) throw new KafdoError('INVALID_REQUEST', 'the consumer is closed')
  }
}

export function createConsumer(env: KafdoBindings, config: ConsumerConfig, rebalanceListener?: RebalanceListener): Consumer {
  return new Consumer(env, config, rebalanceListener)
}

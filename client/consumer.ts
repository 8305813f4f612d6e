/**
 * The HTTP consumer (`client.consumer()`): fetches records from partitions and, as a member of its
 * consumer group, commits how far it has read.
 *
 * The consumer keeps its position per topic-partition from what `fetch` returned (Kafka's "position": the
 * next offset to read), and `commit()` commits those positions with the member id and generation the
 * group gave it on `connect()`, so a group that has since moved on can refuse a zombie's commit.
 */
import { KafdoError, type FetchOptions, type FetchResponse, type PartitionOffsets } from '../src/protocol/index.js'
import type { HttpCore } from './http.js'

export interface ConsumerOptions {
  groupId: string
  topics: string[]
  /** Commit the current positions on `disconnect()` (as Kafka's consumer does on close with auto-commit on). */
  autoCommit?: boolean
}

/** What joining the group answers: this member's identity in the current generation. */
export interface JoinResult {
  memberId: string
  generationId: number
  [field: string]: unknown
}

export interface TopicPartitionOffset {
  topic: string
  partition: number
  offset: number
}

export type PartitionOffsetsResponse = PartitionOffsets & { topic: string }

export class KafdoConsumer {
  readonly #http: HttpCore
  readonly #groupId: string
  readonly #topics: string[]
  readonly #autoCommit: boolean
  #memberId: string | undefined
  #generationId: number | undefined
  /** `topic\u0000partition` → the next offset to read, as the last fetch of that partition answered. */
  readonly #positions = new Map<string, TopicPartitionOffset>()

  constructor(http: HttpCore, options: ConsumerOptions) {
    if (typeof options?.groupId !== 'string' || options.groupId === '') {
      throw new TypeError('KafdoClient.consumer: groupId must be a non-empty string')
    }
    this.#http = http
    this.#groupId = options.groupId
    this.#topics = [...(options.topics ?? [])]
    this.#autoCommit = options.autoCommit ?? false
  }

  get groupId(): string {
    return this.#groupId
  }

  /** This member's id in its group, once `connect()` has joined it. */
  get memberId(): string | undefined {
    return this.#memberId
  }

  get generationId(): number | undefined {
    return this.#generationId
  }

  /** Joins the consumer group for the configured topics. */
  async connect(): Promise<JoinResult> {
    const joined = await this.#http.request<JoinResult>({
      method: 'POST',
      path: ['consumer-groups', this.#groupId, 'join'],
      body: { clientId: this.#http.clientId, topics: this.#topics },
      // Joining twice would register two members.
      idempotent: false,
    })
    this.#memberId = joined.memberId
    this.#generationId = joined.generationId
    return joined
  }

  /**
   * Fetches records from one partition. Without `offset` (or `timestamp`) it continues from this
   * consumer's position in the partition, or the server's default start if it has none yet.
   */
  async fetch(topic: string, partition: number, options: FetchOptions = {}): Promise<FetchResponse> {
    const position = this.#positions.get(positionKey(topic, partition))
    const offset = options.offset ?? (options.timestamp === undefined ? position?.offset : undefined)
    const response = await this.#http.request<FetchResponse>({
      method: 'GET',
      path: ['topics', topic, 'partitions', partition, 'messages'],
      query: {
        offset,
        timestamp: options.timestamp,
        limit: options.limit,
        maxBytes: options.maxBytes,
        maxWaitMs: options.maxWaitMs,
        reset: options.reset,
      },
      idempotent: true,
    })
    this.#positions.set(positionKey(topic, partition), { topic, partition, offset: response.nextOffset })
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

  /** The next offset this consumer will read from each partition it has fetched. */
  positions(): TopicPartitionOffset[] {
    return [...this.#positions.values()].map((position) => ({ ...position }))
  }

  /**
   * Commits `offsets` (by default the current positions) for the group. Needs a joined member: the group
   * checks the member id and generation so that a consumer it has evicted cannot move offsets.
   */
  async commit(offsets: TopicPartitionOffset[] = this.positions()): Promise<void> {
    const { memberId, generationId } = this.#membership('commit')
    if (offsets.length === 0) return
    await this.#http.request<unknown>({
      method: 'POST',
      path: ['consumer-groups', this.#groupId, 'commit'],
      body: { memberId, generationId, offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })) },
      // Committing the same offsets again leaves them as they are.
      idempotent: true,
    })
  }

  /** Leaves the group (committing first with `autoCommit`), so it rebalances without waiting for a timeout. */
  async disconnect(): Promise<void> {
    if (this.#memberId === undefined) return
    if (this.#autoCommit) await this.commit()
    const { memberId } = this.#membership('disconnect')
    await this.#http.request<unknown>({
      method: 'POST',
      path: ['consumer-groups', this.#groupId, 'leave'],
      body: { memberId },
      idempotent: false,
    })
    this.#memberId = undefined
    this.#generationId = undefined
  }

  #membership(action: string): { memberId: string; generationId: number } {
    if (this.#memberId === undefined || this.#generationId === undefined) {
      throw new KafdoError('INVALID_REQUEST', `cannot ${action}: the consumer has not joined group '${this.#groupId}' (call connect() first)`, {
        groupId: this.#groupId,
      })
    }
    return { memberId: this.#memberId, generationId: this.#generationId }
  }
}

function positionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

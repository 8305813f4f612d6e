/**
 * The HTTP queue admin (`client.queues()`): the `/queues` view over topics. Create, list, describe (with
 * a share group's stats), reconfigure and delete queues; send and read messages without leasing them;
 * move a share group's cursor; inspect, re-drive and purge the dead-letter queue. Leasing records
 * (receive/ack/nack) is `client.queueConsumer()`.
 *
 * Requests are validated with the server's own schemas before anything is sent, and sent as given.
 *
 * Which calls are retried (see http.ts): reads, `update` (it sets absolute values), `seek`, `delete` and
 * `purgeDeadLetters` are; `create`, `send` and `redrive` are not, because a repeat would create a
 * conflict or write the records twice.
 */
import { check, type FetchedRecord, type ProduceRecord, type RecordMetadata } from '../src/protocol/index.js'
import {
  createQueueRequestSchema,
  queueMessageSchema,
  redriveRequestSchema,
  seekRequestSchema,
  updateQueueRequestSchema,
  type CreateQueueRequest,
  type QueueDescription,
  type QueueDetails,
  type UpdateQueueRequest,
} from '../src/protocol/queues.js'
import type { HttpCore, QueryValue } from './http.js'

export type { QueueDescription, QueueDetails }

export interface QueueUpdateResult {
  before: QueueDescription
  after: QueueDescription
  /** False for a dry run. */
  applied: boolean
}

/** What `create` answers; with `dryRun`, what it would create. */
export type CreatedQueue = QueueDescription & { dryRun: boolean }

/** A message to send: a record, with an optional `ttlMs`. */
export type QueueMessageInput = ProduceRecord

/** A message read without leasing it (from the queue or its DLQ). */
export type QueueRecord = FetchedRecord & { partition: number }

export interface QueueReadOptions {
  /** One partition (default: all, merged by timestamp). */
  partition?: number
  /** First offset to read (default: the earliest). */
  offset?: number
  /** First record at or after this time: epoch milliseconds, a Date or an ISO-8601 string. */
  timestamp?: number | Date | string
  /** The newest N messages across the partitions. */
  last?: number
  /** Most messages to return (default 100, at most 1000). */
  limit?: number
}

export interface ListQueuesOptions {
  tag?: string
  prefix?: string
}

export interface SeekRequest {
  /** The share group whose cursor moves (default 'default'). */
  group?: string
  /** One of `offset`, `timestamp` or `to`. */
  offset?: number
  timestamp?: number | string
  to?: 'earliest' | 'latest'
  /** One partition (default: all). */
  partition?: number
}

export interface RedriveRequest {
  partition?: number
  fromOffset?: number
  toOffset?: number
  /** Only dead letters carrying this header value. */
  header?: { name: string; value: string }
  /** Most records to re-drive (default 1000). */
  limit?: number
}

export interface DryRunOption {
  /** Validate and answer what would happen, changing nothing. */
  dryRun?: boolean
}

export class KafdoQueues {
  readonly #http: HttpCore

  constructor(http: HttpCore) {
    this.#http = http
  }

  /**
   * Creates a queue (a topic with a queue policy). Not retried unless `dryRun`: a retry after a lost
   * answer would be refused as TOPIC_ALREADY_EXISTS.
   */
  async create(request: CreateQueueRequest, options: DryRunOption = {}): Promise<CreatedQueue> {
    check(createQueueRequestSchema, request)
    return this.#http.request<CreatedQueue>({
      method: 'POST',
      path: ['queues'],
      query: dryRunQuery(options),
      body: request,
      idempotent: options.dryRun === true,
    })
  }

  /** Queues (every topic is one), optionally those with a tag or a name prefix. */
  async list(options: ListQueuesOptions = {}): Promise<QueueDescription[]> {
    const { queues } = await this.#http.request<{ queues: QueueDescription[] }>({
      method: 'GET',
      path: ['queues'],
      query: { tag: options.tag, prefix: options.prefix },
      idempotent: true,
    })
    return queues
  }

  /** The queue and a share group's stats (default group 'default'). */
  async get(name: string, options: { group?: string } = {}): Promise<QueueDetails> {
    return this.#http.request<QueueDetails>({ method: 'GET', path: ['queues', name], query: { group: options.group }, idempotent: true })
  }

  /** Changes the queue's policy, config or partition count (which can only grow); answers before and after. */
  async update(name: string, request: UpdateQueueRequest, options: DryRunOption = {}): Promise<QueueUpdateResult> {
    check(updateQueueRequestSchema, request)
    return this.#http.request<QueueUpdateResult>({
      method: 'PATCH',
      path: ['queues', name, 'config'],
      query: dryRunQuery(options),
      body: request,
      // Every field sets an absolute value, so applying the change twice is applying it once.
      idempotent: true,
    })
  }

  /** Deletes the queue's topic and its dead-letter topic. */
  async delete(name: string): Promise<void> {
    await this.#http.request<unknown>({
      method: 'DELETE',
      path: ['queues', name],
      idempotent: true,
      // A retry that finds the queue gone means the attempt whose answer was lost deleted it.
      doneIf: (error) => error.code === 'UNKNOWN_TOPIC_OR_PARTITION',
    })
  }

  /**
   * Sends one message (answering where it landed) or several (answering in input order). Not retried:
   * the queue endpoint has no producer id to deduplicate by, so a retry could write the messages twice.
   * Use `client.producer()` on the queue's topic for retried, deduplicated writes.
   */
  send(name: string, message: QueueMessageInput): Promise<RecordMetadata>
  send(name: string, messages: QueueMessageInput[]): Promise<RecordMetadata[]>
  async send(name: string, input: QueueMessageInput | QueueMessageInput[]): Promise<RecordMetadata | RecordMetadata[]> {
    if (Array.isArray(input)) {
      input.forEach((message, index) => check(queueMessageSchema, message, { at: ['messages', index] }))
      const { results } = await this.#http.request<{ results: RecordMetadata[] }>({
        method: 'POST',
        path: ['queues', name, 'messages'],
        body: { messages: input },
        idempotent: false,
      })
      return results
    }
    check(queueMessageSchema, input)
    return this.#http.request<RecordMetadata>({
      method: 'POST',
      path: ['queues', name, 'messages'],
      body: input,
      idempotent: false,
    })
  }

  /** Reads messages without leasing them: from an offset or a time, or the newest `last`. */
  async read(name: string, options: QueueReadOptions = {}): Promise<QueueRecord[]> {
    const { messages } = await this.#http.request<{ messages: QueueRecord[] }>({
      method: 'GET',
      path: ['queues', name, 'messages'],
      query: readQuery(options),
      idempotent: true,
    })
    return messages
  }

  /**
   * Moves a share group's cursor on one or every partition to an offset, a time, or the earliest or
   * latest offset; what the group had in flight from there on is dropped. Answers each partition's new
   * cursor.
   */
  async seek(name: string, request: SeekRequest): Promise<Array<{ partition: number; offset: number }>> {
    check(seekRequestSchema, request)
    const { partitions } = await this.#http.request<{ partitions: Array<{ partition: number; offset: number }> }>({
      method: 'POST',
      path: ['queues', name, 'seek'],
      body: request,
      // Seeking again seeks to the same place (to 'latest': the latest at the retry).
      idempotent: true,
    })
    return partitions
  }

  /** The dead letters of the queue (`<name>-dlq`), with their `kafdo-dlq-*` headers (see DLQ_HEADERS). */
  async deadLetters(name: string, options: QueueReadOptions = {}): Promise<QueueRecord[]> {
    const { messages } = await this.#http.request<{ messages: QueueRecord[] }>({
      method: 'GET',
      path: ['queues', name, 'dlq'],
      query: readQuery(options),
      idempotent: true,
    })
    return messages
  }

  /**
   * Sends dead letters back to the queue (all, an offset range, or those with a header value), without
   * their `kafdo-dlq-*` headers and with `kafdo-redriven-from`. The DLQ keeps them until purged. Not
   * retried: a repeat would send them again.
   */
  async redrive(name: string, request: RedriveRequest = {}): Promise<{ redriven: number }> {
    check(redriveRequestSchema, request)
    return this.#http.request<{ redriven: number }>({ method: 'POST', path: ['queues', name, 'dlq', 'redrive'], body: request, idempotent: false })
  }

  /**
   * Deletes the dead letters before `beforeOffset` on each partition, or all of them. Retried: a retry
   * purges what is there at the retry, so its count may be smaller than what the lost attempt purged.
   */
  async purgeDeadLetters(name: string, options: { beforeOffset?: number } = {}): Promise<{ purged: number }> {
    return this.#http.request<{ purged: number }>({
      method: 'DELETE',
      path: ['queues', name, 'dlq'],
      query: { beforeOffset: options.beforeOffset },
      idempotent: true,
    })
  }
}

function dryRunQuery(options: DryRunOption): Record<string, QueryValue> {
  return options.dryRun ? { dryRun: 'true' } : {}
}

function readQuery(options: QueueReadOptions): Record<string, QueryValue> {
  const { timestamp } = options
  return {
    partition: options.partition,
    offset: options.offset,
    timestamp: timestamp instanceof Date ? timestamp.getTime() : timestamp,
    last: options.last,
    limit: options.limit,
  }
}

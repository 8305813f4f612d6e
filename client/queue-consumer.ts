/**
 * The HTTP queue consumer (`client.queueConsumer({ queue, ... })`), the same API as the in-Worker
 * `createQueueConsumer` (src/api/queue-consumer.ts) over `/queues/:name/{receive,ack,nack,reject,extend}`.
 * Consumers of one queue with the same group share its records, each record leased to one of them at a
 * time; `ack` finishes records, `nack` schedules a redelivery by the queue's retry policy (after
 * `maxAttempts` the record goes to the dead-letter queue), `reject` dead-letters at once, and `extend`
 * keeps a slow record leased.
 *
 * `for await (const message of consumer)` acks each message when the loop asks for the next one. A loop
 * left while a message is in hand (an exception, or a `break`) nacks that message, so it is delivered
 * again: ack it yourself before a `break` that should count it as done. The iterator leases one message
 * at a time, so nothing else is left leased. `run(handler)` acks on success and nacks with the error's
 * message on a throw; after `stop()` it hands back the rest of its batch. `stop()` ends both, for good.
 *
 * Retries (see http.ts), by what repeating a request would do:
 * - `receive` is never retried: a request whose answer was lost may have leased records, and a retry
 *   would lease others, leaving the first ones stranded until their visibility timeout (which counts as
 *   a failed attempt). A failed receive throws; call it again.
 * - `ack` is retried. A retry answering UNKNOWN_LEASE counts as success only when an earlier attempt may
 *   have reached the server (it ended without an HTTP answer, or with a gateway's 502/504): the lost
 *   attempt then most likely acked the lease and deleted it. This can hide a lease that really was lost
 *   (it expired and was redelivered); that record is then processed again, which at-least-once delivery
 *   allows. After a refusal (429, 503) an UNKNOWN_LEASE is reported as the error it is.
 * - `extend` is retried: extending again sets the same deadline, counted from the retry.
 * - `nack` and `reject` are not retried: a repeat after a lost answer could not tell its own nack from
 *   another failure, and a nack counts an attempt.
 */
import { check, KafdoError } from '../src/protocol/index.js'
import { DEFAULT_SHARE_GROUP, MAX_RECEIVE, receiveRequestSchema, type QueueMessage } from '../src/protocol/queues.js'
import { topicNameSchema } from '../src/protocol/topics.js'
import { QueueLoop } from '../src/core/queue-loop.js'
import type { HttpCore } from './http.js'

export type { QueueMessage }

export interface QueueConsumerOptions {
  queue: string
  /** Consumers with the same group share the records; each group gets every record (default 'default'). */
  group?: string
  /** Identifies this consumer's leases (default: a random id). */
  consumerId?: string
  /** Most records one `receive` leases (default 10, at most 1000). */
  maxMessages?: number
  /** Lease length; default: the queue policy's visibility timeout. */
  visibilityTimeoutMs?: number
  /** How long `receive` waits for records when none are ready (default 1000; at most 30000). */
  waitMs?: number
}

/** A leased message, or its `leaseId`. */
export type Lease = QueueMessage | string

export interface NackResult {
  /** 'delayed' (redelivered at `redeliverAt`) or 'dead' (dead-lettered). */
  state: string
  redeliverAt?: number
}

/** What a receive request may take beyond its long poll before the client gives up on it. */
export const RECEIVE_GRACE_MS = 10_000
/** The server keeps at most this much of an error message. */
const MAX_ERROR_LENGTH = 4096

const leaseIdOf = (lease: Lease) => (typeof lease === 'string' ? lease : lease.leaseId)

export class KafdoQueueConsumer implements AsyncIterable<QueueMessage> {
  readonly #http: HttpCore
  readonly #queue: string
  readonly #group: string
  readonly #consumerId: string
  readonly #maxMessages: number
  readonly #waitMs: number
  readonly #visibilityTimeoutMs: number | undefined
  readonly #loop: QueueLoop<QueueMessage>

  constructor(http: HttpCore, options: QueueConsumerOptions) {
    if (typeof options !== 'object' || options === null) throw new KafdoError('INVALID_REQUEST', 'queueConsumer: options with a queue are required')
    this.#http = http
    this.#queue = check(topicNameSchema, options.queue, { at: ['queue'] })
    const checked = check(receiveRequestSchema, {
      group: options.group ?? DEFAULT_SHARE_GROUP,
      consumerId: options.consumerId ?? `queue-consumer-${crypto.randomUUID()}`,
      max: options.maxMessages ?? 10,
      waitMs: options.waitMs ?? 1_000,
      ...(options.visibilityTimeoutMs !== undefined ? { visibilityTimeoutMs: options.visibilityTimeoutMs } : {}),
    })
    this.#group = checked.group!
    this.#consumerId = checked.consumerId
    this.#maxMessages = checked.max!
    this.#waitMs = checked.waitMs!
    this.#visibilityTimeoutMs = checked.visibilityTimeoutMs
    this.#loop = new QueueLoop(
      { receive: (max) => this.receive(max), ack: (m) => this.ack(m), nack: (m, error) => this.nack(m, error) },
      this.#maxMessages,
    )
  }

  get queue(): string {
    return this.#queue
  }

  get group(): string {
    return this.#group
  }

  get consumerId(): string {
    return this.#consumerId
  }

  /**
   * Leases up to `max` messages, waiting up to `waitMs` when none are ready. The request may take
   * `waitMs` plus 10 s whatever the client's `timeout`. Never retried (see above).
   */
  async receive(max = this.#maxMessages, waitMs = this.#waitMs): Promise<QueueMessage[]> {
    const { messages } = await this.#http.request<{ messages: QueueMessage[] }>({
      method: 'POST',
      path: ['queues', this.#queue, 'receive'],
      body: {
        group: this.#group,
        consumerId: this.#consumerId,
        max,
        waitMs,
        ...(this.#visibilityTimeoutMs !== undefined ? { visibilityTimeoutMs: this.#visibilityTimeoutMs } : {}),
      },
      idempotent: false,
      timeout: Math.max(this.#http.timeout, waitMs + RECEIVE_GRACE_MS),
    })
    return messages
  }

  /** Finishes leases (atomically per partition); answers how many were acked. */
  async ack(leases: Lease | Lease[]): Promise<number> {
    const ids = (Array.isArray(leases) ? leases : [leases]).map(leaseIdOf)
    let acked = 0
    for (let i = 0; i < ids.length; i += MAX_RECEIVE) {
      const chunk = ids.slice(i, i + MAX_RECEIVE)
      const result = await this.#http.request<{ acked: number } | undefined>({
        method: 'POST',
        path: ['queues', this.#queue, 'ack'],
        body: { ...this.#action(), leaseIds: chunk },
        idempotent: true,
        doneIf: (error, { uncertain }) => uncertain && error.code === 'UNKNOWN_LEASE',
      })
      acked += result?.acked ?? chunk.length
      this.#settle(chunk)
    }
    return acked
  }

  /** A failed attempt: redelivered after the retry policy's delay (or `delayMs`), or dead-lettered when used up. */
  async nack(lease: Lease, error?: unknown, delayMs?: number): Promise<NackResult> {
    const leaseId = leaseIdOf(lease)
    const message = describe(error)
    const result = await this.#http.request<NackResult>({
      method: 'POST',
      path: ['queues', this.#queue, 'nack'],
      body: { ...this.#action(), leaseId, ...(message !== undefined ? { error: message } : {}), ...(delayMs !== undefined ? { delayMs } : {}) },
      idempotent: false,
    })
    this.#settle([leaseId])
    return result
  }

  /** Dead-letters the record at once, whatever attempts are left. */
  async reject(lease: Lease, error?: unknown): Promise<{ state: string }> {
    const leaseId = leaseIdOf(lease)
    const message = describe(error)
    const result = await this.#http.request<{ state: string }>({
      method: 'POST',
      path: ['queues', this.#queue, 'reject'],
      body: { ...this.#action(), leaseId, ...(message !== undefined ? { error: message } : {}) },
      idempotent: false,
    })
    this.#settle([leaseId])
    return result
  }

  /** Keeps the record leased for `visibilityTimeoutMs` from now. */
  extend(lease: Lease, visibilityTimeoutMs: number): Promise<{ visibleUntil: number }> {
    return this.#http.request<{ visibleUntil: number }>({
      method: 'POST',
      path: ['queues', this.#queue, 'extend'],
      body: { ...this.#action(), leaseId: leaseIdOf(lease), visibilityTimeoutMs },
      idempotent: true,
    })
  }

  /**
   * Handles messages until `stop()`: ack on success, nack with the error's message on a throw. A failed
   * receive ends it with that error; a failed ack or nack does not (the record comes back by its lease).
   */
  run(handler: (message: QueueMessage) => Promise<void> | void): Promise<void> {
    return this.#loop.run(handler)
  }

  /** Ends `run` and the async iterator after the message in hand (a receive under way completes first). */
  stop(): void {
    this.#loop.stop()
  }

  /** Leases one message at a time; acks it when the loop moves on, nacks it if the loop ends first. */
  [Symbol.asyncIterator](): AsyncIterator<QueueMessage> {
    return this.#loop.iterate()
  }

  #action() {
    return { group: this.#group, consumerId: this.#consumerId }
  }

  /** Notes that the caller settled leases an iterator handed out, so the iterator leaves them alone. */
  #settle(leaseIds: string[]): void {
    for (const id of leaseIds) this.#loop.settled(id)
  }
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined
  let text: string
  if (error instanceof Error) text = error.message
  else if (typeof error === 'string') text = error
  else {
    try {
      text = JSON.stringify(error) ?? String(error)
    } catch {
      text = String(error)
    }
  }
  return text.slice(0, MAX_ERROR_LENGTH)
}

/**
 * The in-Worker queue consumer (`createQueueConsumer(env, { queue, ... })`): several consumers of one
 * queue share its records, each record leased to one of them at a time (Kafka 4's share groups, plus
 * retries with backoff and a dead-letter queue). `receive` leases records; `ack` finishes them; `nack`
 * schedules a redelivery by the queue's retry policy; `reject` dead-letters at once; `extend` keeps a
 * slow record leased.
 *
 * `for await (const message of consumer)` acks each message when the loop asks for the next one. A loop
 * left while a message is in hand (an exception, or a `break`) nacks that message, so it is delivered
 * again: ack it yourself before a `break` that should count it as done. `run(handler)` acks on success
 * and nacks with the error's message on a throw.
 */
import { DEFAULT_TENANT } from '../core/object-names.js'
import type { KafdoBindings } from '../env.js'
import { DEFAULT_SHARE_GROUP, type QueueMessage } from '../protocol/queues.js'
import { topicNameSchema } from '../protocol/topics.js'
import { check } from '../protocol/validation.js'
import { QueueLoop } from '../core/queue-loop.js'
import * as queues from '../services/queues.js'

export interface QueueConsumerConfig {
  queue: string
  /** Consumers with the same group share the records; each group gets every record (default 'default'). */
  group?: string
  /** Identifies this consumer's leases (default: a random id). */
  consumerId?: string
  /** Most records one `receive` leases (default 10). */
  maxMessages?: number
  /** Lease length; default: the queue policy's visibility timeout. */
  visibilityTimeoutMs?: number
  /** How long `receive` waits for records when none are ready (default 1000; at most 30000). */
  waitMs?: number
}

type Lease = QueueMessage | string

const leaseIdOf = (lease: Lease) => (typeof lease === 'string' ? lease : lease.leaseId)

export class QueueConsumer implements AsyncIterable<QueueMessage> {
  readonly #env: KafdoBindings
  readonly #tenant: string
  readonly #config: Required<Omit<QueueConsumerConfig, 'visibilityTimeoutMs'>> & { visibilityTimeoutMs?: number }
  readonly #loop: QueueLoop<QueueMessage>

  constructor(env: KafdoBindings, config: QueueConsumerConfig, tenant = DEFAULT_TENANT) {
    this.#env = env
    this.#tenant = tenant
    this.#config = {
      queue: check(topicNameSchema, config.queue, { at: ['queue'] }),
      group: config.group ?? DEFAULT_SHARE_GROUP,
      consumerId: config.consumerId ?? `queue-consumer-${crypto.randomUUID()}`,
      maxMessages: config.maxMessages ?? 10,
      waitMs: config.waitMs ?? 1_000,
      ...(config.visibilityTimeoutMs !== undefined ? { visibilityTimeoutMs: config.visibilityTimeoutMs } : {}),
    }
    this.#loop = new QueueLoop(
      { receive: (max) => this.receive(max), ack: (m) => this.ack(m), nack: (m, error) => this.nack(m, error) },
      this.#config.maxMessages,
    )
  }

  get consumerId(): string {
    return this.#config.consumerId
  }

  /** Leases up to `max` messages, waiting up to `waitMs` when none are ready. */
  receive(max = this.#config.maxMessages, waitMs = this.#config.waitMs): Promise<QueueMessage[]> {
    return queues.receive(this.#env, this.#tenant, this.#config.queue, {
      group: this.#config.group,
      consumerId: this.#config.consumerId,
      max,
      waitMs,
      visibilityTimeoutMs: this.#config.visibilityTimeoutMs,
    })
  }

  async ack(leases: Lease | Lease[]): Promise<number> {
    const ids = (Array.isArray(leases) ? leases : [leases]).map(leaseIdOf)
    const { acked } = await queues.ack(this.#env, this.#tenant, this.#config.queue, this.#action(), ids)
    for (const id of ids) this.#loop.settled(id)
    return acked
  }

  async nack(lease: Lease, error?: unknown, delayMs?: number): Promise<{ state: string; redeliverAt?: number }> {
    const result = await queues.nack(this.#env, this.#tenant, this.#config.queue, this.#action(), leaseIdOf(lease), describe(error), delayMs)
    this.#loop.settled(leaseIdOf(lease))
    return result
  }

  async reject(lease: Lease, error?: unknown): Promise<{ state: string }> {
    const result = await queues.reject(this.#env, this.#tenant, this.#config.queue, this.#action(), leaseIdOf(lease), describe(error))
    this.#loop.settled(leaseIdOf(lease))
    return result
  }

  extend(lease: Lease, visibilityTimeoutMs: number): Promise<{ visibleUntil: number }> {
    return queues.extend(this.#env, this.#tenant, this.#config.queue, this.#action(), leaseIdOf(lease), visibilityTimeoutMs)
  }

  /** Handles messages until `stop()`: ack on success, nack with the error on a throw. */
  run(handler: (message: QueueMessage) => Promise<void> | void): Promise<void> {
    return this.#loop.run(handler)
  }

  /** Ends `run` and the async iterator after the message in hand. */
  stop(): void {
    this.#loop.stop()
  }

  [Symbol.asyncIterator](): AsyncIterator<QueueMessage> {
    return this.#loop.iterate()
  }

  #action() {
    return { group: this.#config.group, consumerId: this.#config.consumerId }
  }
}

export function createQueueConsumer(env: KafdoBindings, config: QueueConsumerConfig): QueueConsumer {
  return new QueueConsumer(env, config)
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : JSON.stringify(error)
}

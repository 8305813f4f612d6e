/**
 * `KafdoClient`, Kafdo over HTTP for any JavaScript runtime (Node 18+, Deno, Bun, browsers, Workers): one
 * configuration (base URL, client id, headers, timeout, retries) shared by the producers, consumers,
 * admin, queue admin and queue consumers it hands out.
 */
import { HttpCore, type FetchLike } from './http.js'
import { KafdoAdmin } from './admin.js'
import { KafdoConsumer, type ConsumerOptions, type RebalanceListener } from './consumer.js'
import { KafdoProducer, type ProducerOptions } from './producer.js'
import { KafdoQueueConsumer, type QueueConsumerOptions } from './queue-consumer.js'
import { KafdoQueues } from './queues.js'
import { KafdoSchemaRegistry } from './registry.js'
import { tail, type TailOptions, type TailRecord } from './tail.js'

export interface KafdoClientConfig {
  /** Where the Kafdo Worker answers, e.g. `https://kafdo.your-domain.workers.dev`. */
  baseUrl: string
  /** Sent as `x-client-id` on every request; generated when absent. */
  clientId?: string
  /** Milliseconds a call may take, retries included (default 30000); then it fails with REQUEST_TIMED_OUT. */
  timeout?: number
  /** Sent on every request, e.g. `{ Authorization: 'Bearer …' }`. */
  headers?: Record<string, string>
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: FetchLike
  /** Retries of a retriable failure (429, 503, 504, network error) of an idempotent call (default 3). */
  retries?: number
  /**
   * The tenant to act in, sent as `?tenant=` on every request. Only a platform admin may name a tenant
   * other than its credential's own; without it, requests act in the credential's tenant.
   */
  tenant?: string
}

export interface HealthStatus {
  status: string
  version: string
  /** ISO-8601 time of the answer. */
  timestamp: string
}

export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_RETRIES = 3

export class KafdoClient {
  readonly #http: HttpCore

  constructor(config: KafdoClientConfig) {
    const {
      baseUrl,
      clientId,
      timeout = DEFAULT_TIMEOUT_MS,
      headers = {},
      fetch,
      retries = DEFAULT_RETRIES,
      tenant,
    } = config ?? ({} as KafdoClientConfig)
    if (!isAbsoluteUrl(baseUrl)) throw new TypeError(`KafdoClient: baseUrl must be an absolute URL, got ${String(baseUrl)}`)
    if (!(Number.isFinite(timeout) && timeout > 0)) throw new TypeError('KafdoClient: timeout must be a positive number of milliseconds')
    if (!(Number.isInteger(retries) && retries >= 0)) throw new TypeError('KafdoClient: retries must be a non-negative integer')
    this.#http = new HttpCore({
      baseUrl,
      clientId: clientId ?? `kafdo-client-${crypto.randomUUID()}`,
      timeout,
      headers: { ...headers },
      // Resolved per call and never called as a method: some runtimes reject fetch invoked with another `this`.
      fetch: fetch ?? ((input, init) => globalThis.fetch(input, init)),
      retries,
      tenant,
    })
  }

  get clientId(): string {
    return this.#http.clientId
  }

  /** `GET /health`: whether the service answers, and its version. */
  health(): Promise<HealthStatus> {
    return this.#http.request<HealthStatus>({ method: 'GET', path: ['health'], idempotent: true })
  }

  producer(options: ProducerOptions = {}): KafdoProducer {
    return new KafdoProducer(this.#http, options)
  }

  /** A member of a consumer group; `listener` hears of partitions assigned, revoked and lost, as in Kafka. */
  consumer(options: ConsumerOptions, listener?: RebalanceListener): KafdoConsumer {
    return new KafdoConsumer(this.#http, options, listener)
  }

  admin(): KafdoAdmin {
    return new KafdoAdmin(this.#http)
  }

  /** The `/queues` admin: queues, their messages, share-group cursors and dead-letter queues. */
  queues(): KafdoQueues {
    return new KafdoQueues(this.#http)
  }

  /** The schema registry (`/subjects`, `/config`, `/compatibility`). */
  registry(): KafdoSchemaRegistry {
    return new KafdoSchemaRegistry(this.#http)
  }

  /**
   * The topic's records as they are written (every partition, or `partition`), from `fromOffset`
   * (`latest` unless given), over Server-Sent Events; reconnects and resumes by itself. End it with
   * `break` or `signal`.
   */
  tail(topic: string, options: TailOptions = {}): AsyncGenerator<TailRecord, void, undefined> {
    return tail(this.#http, topic, options)
  }

  /** A queue consumer: leases records of a queue, shared with the other consumers of its group. */
  queueConsumer(options: QueueConsumerOptions): KafdoQueueConsumer {
    return new KafdoQueueConsumer(this.#http, options)
  }
}

function isAbsoluteUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}

/**
 * kafkajs's instrumentation events (`src/instrumentation/`): each producer, consumer and admin has its
 * own emitter; `on(eventName, listener)` accepts only its own event names (KafkaJSNonRetriableError
 * otherwise), a listener's failure is logged and never reaches the client, and an event is built only
 * when someone listens.
 */
import { KafkaJSNonRetriableError } from './errors.js'
import type { InstrumentationEvent, Logger } from './types/common.js'

let nextId = 0

type Listener = (event: InstrumentationEvent<unknown>) => unknown

export class Instrumentation<Events extends Record<string, string>> {
  readonly events: Events
  readonly #listeners = new Map<string, Set<Listener>>()
  readonly #logger: Logger
  readonly #prefix: string

  constructor(prefix: string, events: Events, logger: Logger) {
    this.#prefix = prefix
    this.events = events
    this.#logger = logger
  }

  on(eventName: string, listener: Listener): () => void {
    if (!Object.values(this.events).includes(eventName)) {
      const names = Object.keys(this.events)
        .map((key) => `${this.#prefix}.events.${key}`)
        .join(', ')
      throw new KafkaJSNonRetriableError(`Event name should be one of ${names}`)
    }
    let set = this.#listeners.get(eventName)
    if (!set) this.#listeners.set(eventName, (set = new Set()))
    const wrapped: Listener = (event) =>
      Promise.resolve()
        .then(() => listener(event))
        .catch((e: unknown) => {
          this.#logger.error(`Failed to execute listener: ${e instanceof Error ? e.message : String(e)}`, {
            eventName,
            stack: e instanceof Error ? e.stack : undefined,
          })
        })
    set.add(wrapped)
    return () => set.delete(wrapped)
  }

  emit(eventName: string, payload: unknown = null): void {
    const set = this.#listeners.get(eventName)
    if (!set || set.size === 0) return
    const event: InstrumentationEvent<unknown> = { id: String(nextId++), type: eventName, timestamp: Date.now(), payload }
    for (const listener of set) void listener(event)
  }

  listens(eventName: string): boolean {
    return (this.#listeners.get(eventName)?.size ?? 0) > 0
  }
}

export const PRODUCER_EVENTS = {
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
} as const

export const ADMIN_EVENTS = {
  CONNECT: 'admin.connect',
  DISCONNECT: 'admin.disconnect',
  REQUEST: 'admin.network.request',
  REQUEST_TIMEOUT: 'admin.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'admin.network.request_queue_size',
} as const

export const CONSUMER_EVENTS = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const

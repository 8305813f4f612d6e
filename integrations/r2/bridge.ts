/**
 * `R2EventBridge`: R2 event notifications (delivered to a Queue) into Kafdo topics.
 *
 * - Routing: `topicPattern` (default `r2.{bucket}`; `{account}` also works). `bucketFilter` and
 *   `keyPrefixFilter` skip other events.
 * - Order: the record key is the object key, so one object's events share a partition and keep the
 *   order they are processed in. Queues do not promise delivery order, so `eventTime` is in each value;
 *   the record timestamp is when Kafdo writes it (a redelivery days later must not meet retention).
 * - Replays: Queues deliver at least once and retry failed messages; the event id is the notification's
 *   content (account, action, bucket, object, eventTime, copySource), so a redelivered notification is
 *   written once (`internal/event-writer.ts`). Two notifications identical in every field, to the
 *   millisecond, are the same change and are also written once.
 * - Queue handling: `processBatch` acks each message only after its record is written (or it was skipped)
 *   and retries only the messages that failed, plus any later message for the same object, which must
 *   not overtake the failed one.
 */
import type { KafdoBindings } from '../../src/env.js'
import type { RecordMetadata } from '../../src/protocol/records.js'
import { canonicalJson } from '../internal/canonical-json.js'
import { EventWriter, type EventRecord } from '../internal/event-writer.js'
import { matchesExactly, matchesPrefix, payloadOf, type OneOrMany } from '../internal/message.js'
import { fillTopicPattern } from '../internal/topic-pattern.js'
import { parseR2Event, R2_HEADERS, type R2Event } from './types.js'

export const DEFAULT_R2_TOPIC_PATTERN = 'r2.{bucket}'
export const DEFAULT_R2_PARTITIONS = 3

export interface R2EventBridgeConfig {
  env: KafdoBindings
  /** Topic name with optional `{bucket}` and `{account}` placeholders (default `r2.{bucket}`). */
  topicPattern?: string
  /** Only events of this bucket (or these buckets). */
  bucketFilter?: OneOrMany
  /** Only objects whose key starts with this prefix (or one of these). */
  keyPrefixFilter?: OneOrMany
  /** Create a missing target topic (default true), with `partitions` partitions (default 3). */
  autoCreateTopics?: boolean
  partitions?: number
  /** Scope of event ids; bridges with different ids never take each other's events for replays. Default: `topicPattern`. */
  bridgeId?: string
  /** Retries of a retriable failure per event (default 3); safe because writes are idempotent. */
  retries?: number
  /** Objects written side by side (default 8). */
  concurrency?: number
}

/** What `processBatch` did with each message of a batch. */
export interface R2BatchResult {
  /** Messages whose record is written (including replays already written before). */
  written: number
  /** Messages acked without a record: filtered out, or not an R2 event notification. */
  skipped: number
  /** Messages handed back to the Queue with `retry()`. */
  retried: number
}

/** The part of a Queue message the bridge uses; `Message` from a `MessageBatch` fits. */
export interface QueueMessageLike {
  readonly body: unknown
  ack(): void
  retry(options?: QueueRetryOptions): void
}

export class R2EventBridge {
  readonly topicPattern: string
  readonly #config: R2EventBridgeConfig
  readonly #writer: EventWriter

  constructor(config: R2EventBridgeConfig) {
    this.#config = config
    this.topicPattern = config.topicPattern ?? DEFAULT_R2_TOPIC_PATTERN
    this.#writer = new EventWriter({
      env: config.env,
      prefix: 'kafdo-r2',
      scope: config.bridgeId ?? this.topicPattern,
      autoCreateTopics: config.autoCreateTopics,
      partitions: config.partitions ?? DEFAULT_R2_PARTITIONS,
      retries: config.retries,
      concurrency: config.concurrency,
    })
  }

  /** The R2 event in a Queue message's body, or null if the body is not an R2 event notification. */
  static parseQueueMessage(message: { readonly body: unknown }): R2Event | null {
    // A Queue message is always an object; anything else (a careless caller's null) is no event.
    if (typeof message !== 'object' || message === null) return null
    return parseR2Event(payloadOf({ body: message.body }))
  }

  /** Whether the bridge's bucket and key-prefix filters let this event through. */
  matches(event: R2Event): boolean {
    return matchesExactly(this.#config.bucketFilter, event.bucket) && matchesPrefix(this.#config.keyPrefixFilter, event.object.key)
  }

  topicFor(event: R2Event): string {
    return fillTopicPattern(this.topicPattern, { bucket: event.bucket, account: event.account })
  }

  /** Writes the event keyed by object key; resolves null if the filters skip it. */
  async processEvent(event: R2Event): Promise<RecordMetadata | null> {
    if (!this.matches(event)) return null
    return this.#writer.write(this.#record(event))
  }

  /**
   * The Queue consumer: writes each message's event, then `ack()`s it; `retry()`s each message whose
   * write failed. Messages that are not R2 events, or that the filters skip, are acked.
   */
  async processBatch(batch: { readonly messages: readonly QueueMessageLike[] }): Promise<R2BatchResult> {
    // Queue every write before awaiting any, so one object's events enter its lane in batch order.
    const writes = batch.messages.map((message) => {
      const event = R2EventBridge.parseQueueMessage(message)
      if (!event || !this.matches(event)) return undefined
      try {
        return this.#writer.write(this.#record(event))
      } catch (err) {
        return Promise.reject(err)
      }
    })
    const settled = await Promise.allSettled(writes)
    const result: R2BatchResult = { written: 0, skipped: 0, retried: 0 }
    settled.forEach((outcome, index) => {
      const message = batch.messages[index]!
      if (outcome.status === 'rejected') {
        message.retry()
        result.retried += 1
        return
      }
      message.ack()
      if (outcome.value === undefined) result.skipped += 1
      else result.written += 1
    })
    return result
  }

  #record(event: R2Event): EventRecord {
    const { account, action, bucket, object, eventTime, copySource } = event
    return {
      topic: this.topicFor(event),
      key: object.key,
      value: event,
      headers: { [R2_HEADERS.action]: action, [R2_HEADERS.bucket]: bucket },
      eventId: canonicalJson({ account, action, bucket, object, eventTime, copySource }),
      eventIdHeader: R2_HEADERS.eventId,
    }
  }
}

export function createR2EventBridge(config: R2EventBridgeConfig): R2EventBridge {
  return new R2EventBridge(config)
}

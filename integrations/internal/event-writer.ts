/**
 * Writes integration events to Kafdo topics exactly once per event id, in order per key.
 *
 * Replays are the normal case for both sources: a change stream resumed from a saved resume token
 * delivers again whatever followed it, and a Queue redelivers a batch whose handler failed. Each event
 * is therefore written as its own idempotent produce request whose producer id is derived from the
 * event's id (`(producerId, sequence 0)`): the partition stores that pair with the record in one
 * transaction, and a later request with the same pair gets the original offsets back instead of a second
 * record. This holds for any id format and any batch boundaries, across restarts and Worker instances,
 * as long as the replay reaches the same partition (the same key and partition count).
 *
 * Why not one producer id per pipeline with a sequence from the event (clusterTime)? MongoDB documents
 * that events with the same clusterTime need not belong to one transaction, so clusterTime is no unique
 * sequence; a tie split across two requests would be taken for a duplicate and silently dropped. The
 * price of per-event ids is one request and one producer-state row per event instead of per batch.
 *
 * A missing topic is created (with `partitions` partitions) when `autoCreateTopics` is on, because
 * pattern topics such as `cdc.{db}.{coll}` appear as new collections do.
 */
import { createAdmin } from '../../src/api/admin.js'
import { withRetries } from '../../src/api/retry.js'
import { DEFAULT_TENANT } from '../../src/core/object-names.js'
import type { KafdoBindings } from '../../src/env.js'
import { KafdoError } from '../../src/protocol/errors.js'
import { MAX_HEADER_VALUE_BYTES } from '../../src/protocol/limits.js'
import { produceRecordSchema, type RecordHeaders, type RecordMetadata } from '../../src/protocol/records.js'
import { check } from '../../src/protocol/validation.js'
import { produce } from '../../src/services/produce.js'
import { sha256Hex } from './canonical-json.js'
import { OrderedLanes } from './ordered-lanes.js'

/** One event, ready to write. */
export interface EventRecord {
  topic: string
  key: string | null
  value: unknown
  headers: RecordHeaders
  /** Identifies the event across replays; equal ids are written once. */
  eventId: string
  /** The header that carries the event id (hashed if very long) to consumers. */
  eventIdHeader: string
}

export interface EventWriterConfig {
  env: KafdoBindings
  /** Producer-id prefix naming the integration, e.g. `kafdo-cdc`. */
  prefix: string
  /** Separates id spaces of unrelated pipelines (their topic pattern, by default). */
  scope: string
  /** Create a missing topic (default true), with `partitions` partitions. */
  autoCreateTopics?: boolean | undefined
  partitions: number
  /** Retries of a retriable failure (default 3). */
  retries?: number | undefined
  /** Keys written side by side (default 8). */
  concurrency?: number | undefined
}

export class EventWriter {
  readonly #config: Required<EventWriterConfig>
  readonly #lanes: OrderedLanes
  /** Topic creations in flight, so parallel lanes that find the topic missing create it once. */
  readonly #creating = new Map<string, Promise<void>>()

  constructor(config: EventWriterConfig) {
    this.#config = {
      ...config,
      autoCreateTopics: config.autoCreateTopics ?? true,
      retries: config.retries ?? 3,
      concurrency: config.concurrency ?? 8,
    }
    this.#lanes = new OrderedLanes(this.#config.concurrency)
  }

  /** Writes one event after every earlier event with the same topic and key. */
  write(record: EventRecord): Promise<RecordMetadata> {
    return this.#lanes.run(`${record.topic}\u0000${record.key ?? ''}`, () => this.#writeOnce(record))
  }

  /** Writes events (queued in order) and reports each outcome; one failure does not stop other keys. */
  writeAll(records: readonly EventRecord[]): Promise<Array<PromiseSettledResult<RecordMetadata>>> {
    return Promise.allSettled(records.map((record) => this.write(record)))
  }

  async #writeOnce(record: EventRecord): Promise<RecordMetadata> {
    const { env, prefix, scope, retries } = this.#config
    const idempotence = { producerId: `${prefix}:${(await sha256Hex(`${scope}\n${record.eventId}`)).slice(0, 64)}`, sequence: 0 }
    // The same edge validation as the in-Worker producer's (header limits, key size).
    const headers = { ...record.headers, [record.eventIdHeader]: await headerSafe(record.eventId) }
    const body = check(produceRecordSchema, { key: record.key, value: record.value, headers })
    const attempt = () => withRetries(retries, () => produce(env, DEFAULT_TENANT, record.topic, [body], idempotence))
    try {
      return (await attempt())[0]!
    } catch (err) {
      if (!this.#config.autoCreateTopics || !isMissingTopic(err)) throw err
      await this.#createTopic(record.topic)
      return (await attempt())[0]!
    }
  }

  #createTopic(topic: string): Promise<void> {
    let creating = this.#creating.get(topic)
    if (!creating) {
      creating = createAdmin(this.#config.env)
        .createTopic({ topic, partitions: this.#config.partitions })
        .then(
          () => {},
          (err: unknown) => {
            // Another writer created it first: that is what we wanted.
            if (!(err instanceof KafdoError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err
          },
        )
        .finally(() => this.#creating.delete(topic))
      this.#creating.set(topic, creating)
    }
    return creating
  }
}

/** UNKNOWN_TOPIC_OR_PARTITION for the topic itself (a bad partition index carries `details.index`). */
function isMissingTopic(err: unknown): boolean {
  return err instanceof KafdoError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION' && err.details?.index === undefined
}

/** A header value that fits the header limit: long ids are replaced by their hash. */
async function headerSafe(value: string): Promise<string> {
  return value.length <= Math.min(1024, MAX_HEADER_VALUE_BYTES) ? value : `sha256:${await sha256Hex(value)}`
}

/** Rejects a batch with one error that says which events failed and that resending is safe. */
export function batchOutcome(settled: Array<PromiseSettledResult<RecordMetadata>>, what: string): RecordMetadata[] {
  const failed = settled.flatMap((result, index) => (result.status === 'rejected' ? [{ index, error: result.reason as unknown }] : []))
  if (failed.length === 0) return settled.map((result) => (result as PromiseFulfilledResult<RecordMetadata>).value)
  const first = failed[0]!.error
  const code = first instanceof KafdoError ? first.code : 'INTERNAL_ERROR'
  throw new KafdoError(
    code,
    `${failed.length} of ${settled.length} ${what} were not written; sending the batch again is safe (written events are not duplicated). First failure: ${messageOf(first)}`,
    {
      failed: failed.map(({ index, error }) => ({
        index,
        code: error instanceof KafdoError ? error.code : 'INTERNAL_ERROR',
        message: messageOf(error),
      })),
    },
  )
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

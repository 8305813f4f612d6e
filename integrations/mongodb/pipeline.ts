/**
 * `KafdoPipeline`: MongoDB change events into Kafdo topics.
 *
 * - Routing: `topicPattern` with `{db}` and `{coll}` placeholders (`cdc.{db}.{coll}` gives a topic per
 *   collection). Events without a collection (`dropDatabase`) drop the `{coll}` segment; `invalidate`
 *   carries no namespace at all, so it uses `namespace` from the config (what the stream watches).
 * - Order: the record key is the canonical Extended JSON of `documentKey._id`, so every event for one
 *   document lands on one partition, written in the order sent; collection- and database-level events
 *   (`drop`, `rename`, `dropDatabase`, `invalidate`) are keyed by namespace (`ns:<db>.<coll>`).
 * - Replays: each event is written once per id (`_id`, the resume token, or the README's `eventId`), so
 *   resuming a change stream from an older token, or resending a failed batch, duplicates nothing; see
 *   `internal/event-writer.ts` for how and for the limits (same partition count, same `pipelineId`).
 * - Time: the record timestamp is when Kafdo writes it. The change's own time (`clusterTime`, `wallTime`)
 *   stays in the value; as a record timestamp it would let retention delete a replayed backlog at once.
 * - Topics: a missing target topic is created with `partitions` (default 3) partitions, since
 *   `cdc.{db}.{coll}` topics appear with new collections; `autoCreateTopics: false` turns that off.
 */
import type { KafdoBindings } from '../../src/env.js'
import { nestsDeeperThan } from '../../src/core/record-codec.js'
import { KafdoError } from '../../src/protocol/errors.js'
import { MAX_VALUE_DEPTH } from '../../src/protocol/limits.js'
import type { RecordMetadata } from '../../src/protocol/records.js'
import { canonicalJson } from '../internal/canonical-json.js'
import { batchOutcome, EventWriter, type EventRecord } from '../internal/event-writer.js'
import { fillTopicPattern, usesPlaceholder } from '../internal/topic-pattern.js'
import { isCDCEvent, isDocumentEvent } from './guards.js'
import { CDC_HEADERS, type CDCEvent, type DatabaseNamespace } from './types.js'

export const DEFAULT_CDC_PARTITIONS = 3

export interface KafdoPipelineConfig {
  env: KafdoBindings
  /** Topic name with optional `{db}` and `{coll}` placeholders, e.g. `cdc.{db}.{coll}`. */
  topicPattern: string
  /** Create a missing target topic (default true). */
  autoCreateTopics?: boolean
  /** Partitions of a topic the pipeline creates (default 3). */
  partitions?: number
  /** The namespace the change stream watches: routes events that carry none (`invalidate`). */
  namespace?: DatabaseNamespace
  /** Scope of event ids: pipelines with different ids never take each other's events for replays. Default: `topicPattern`. */
  pipelineId?: string
  /** Retries of a retriable failure per event (default 3); safe because writes are idempotent. */
  retries?: number
  /** Documents written side by side (default 8); events of one document always go one at a time. */
  concurrency?: number
}

export class KafdoPipeline {
  readonly topicPattern: string
  readonly #namespace: DatabaseNamespace | undefined
  readonly #writer: EventWriter

  constructor(config: KafdoPipelineConfig) {
    this.topicPattern = config.topicPattern
    this.#namespace = config.namespace
    this.#writer = new EventWriter({
      env: config.env,
      prefix: 'kafdo-cdc',
      scope: config.pipelineId ?? config.topicPattern,
      autoCreateTopics: config.autoCreateTopics,
      partitions: config.partitions ?? DEFAULT_CDC_PARTITIONS,
      retries: config.retries,
      concurrency: config.concurrency,
    })
  }

  /** Writes one change event; a replay of an event already written returns its original metadata. */
  async send(event: CDCEvent): Promise<RecordMetadata> {
    return this.#writer.write(this.#record(event, 0))
  }

  /**
   * Writes change events in order per document (documents side by side). If some fail, the rest are
   * still written and the returned promise rejects naming the failed indexes; send the same batch again.
   */
  async sendBatch(events: readonly CDCEvent[]): Promise<RecordMetadata[]> {
    const records = events.map((event, index) => this.#record(event, index))
    return batchOutcome(await this.#writer.writeAll(records), 'change events')
  }

  /** The topic an event goes to. */
  topicFor(event: CDCEvent): string {
    const ns = this.#namespaceOf(event)
    if (!ns && (usesPlaceholder(this.topicPattern, 'db') || usesPlaceholder(this.topicPattern, 'coll'))) {
      throw new KafdoError(
        'INVALID_REQUEST',
        `a '${event.operationType}' event without ns needs the pipeline's namespace option to fill '${this.topicPattern}'`,
      )
    }
    return fillTopicPattern(this.topicPattern, { db: ns?.db, coll: ns?.coll })
  }

  /** The record key: the document's `_id` as canonical Extended JSON, or the namespace for other events. */
  keyFor(event: CDCEvent): string | null {
    if (isDocumentEvent(event)) return canonicalJson(event.documentKey._id)
    const ns = this.#namespaceOf(event)
    if (!ns) return null
    return ns.coll === undefined ? `ns:${ns.db}` : `ns:${ns.db}.${ns.coll}`
  }

  #namespaceOf(event: CDCEvent): DatabaseNamespace | undefined {
    return event.ns ?? this.#namespace
  }

  #record(event: CDCEvent, index: number): EventRecord {
    if (!isCDCEvent(event)) {
      throw new KafdoError('INVALID_REQUEST', `event ${index} is not a MongoDB change event of a known operationType with its required fields`, {
        index,
      })
    }
    // Checked whole here, so the key and id below (parts of it) cannot overflow and the index is named.
    if (nestsDeeperThan(event, MAX_VALUE_DEPTH)) {
      throw new KafdoError('INVALID_REQUEST', `event ${index} is nested deeper than ${MAX_VALUE_DEPTH} levels`, { index, maxDepth: MAX_VALUE_DEPTH })
    }
    if (event.eventId != null && typeof event.eventId !== 'string') {
      throw new KafdoError('INVALID_REQUEST', `event ${index}: eventId must be a string`, { index })
    }
    const eventId = event.eventId ?? (event._id === undefined ? undefined : canonicalJson(event._id))
    if (eventId === undefined) {
      throw new KafdoError('INVALID_REQUEST', `event ${index} has neither _id (resume token) nor eventId, so a replay could not be recognised`, {
        index,
      })
    }
    const ns = this.#namespaceOf(event)
    const headers: Record<string, string> = { [CDC_HEADERS.operation]: event.operationType }
    if (ns) headers[CDC_HEADERS.database] = ns.db
    if (ns?.coll !== undefined) headers[CDC_HEADERS.collection] = ns.coll
    return {
      topic: this.topicFor(event),
      key: this.keyFor(event),
      value: event,
      headers,
      eventId,
      eventIdHeader: CDC_HEADERS.eventId,
    }
  }
}

/** A pipeline with a custom topic pattern (`{db}` and `{coll}` placeholders). */
export function createKafdoPipeline(config: KafdoPipelineConfig): KafdoPipeline {
  return new KafdoPipeline(config)
}

type PipelineOptions = Omit<KafdoPipelineConfig, 'env' | 'topicPattern'>

/** Every event to one topic. */
export function createFixedTopicPipeline(env: KafdoBindings, topic: string, options: PipelineOptions = {}): KafdoPipeline {
  return new KafdoPipeline({ ...options, env, topicPattern: topic })
}

/** A topic per database: `cdc.{db}`. */
export function createDatabaseTopicPipeline(env: KafdoBindings, options: PipelineOptions = {}): KafdoPipeline {
  return new KafdoPipeline({ ...options, env, topicPattern: 'cdc.{db}' })
}

/** A topic per collection: `cdc.{db}.{coll}`. */
export function createCollectionTopicPipeline(env: KafdoBindings, options: PipelineOptions = {}): KafdoPipeline {
  return new KafdoPipeline({ ...options, env, topicPattern: 'cdc.{db}.{coll}' })
}

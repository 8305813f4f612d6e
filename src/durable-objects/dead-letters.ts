/**
 * Writes dead records to `<topic>-dlq`, exactly once. Each dead record got a dead-letter sequence number
 * in the same transaction that marked it dead; it is written with the idempotent producer
 * `dlq/<topicId>/<partition>` and that sequence, in sequence order, one at a time. A run that is
 * repeated (alarms are at-least-once), or that wrote a record but stopped before forgetting it, sends
 * the same (producer, sequence) again and the DLQ partition answers with the first write's offset.
 *
 * A record is copied with its key, value and headers. One whose stored text cannot be read as a record
 * (the reason it was dead-lettered as undeliverable) is copied as that text, a string value, so routing
 * never stops on it and nothing stored is lost.
 */
import { partitionForKey } from '../core/murmur2.js'
import { metadataStub, partitionStub } from './object-calls.js'
import { encodeRecordBody, utf8Length } from '../core/record-codec.js'
import { parseRecordText, recordTimestamp } from '../core/record-texts.js'
import type { KafdoEnv } from '../env.js'
import { ERROR_CODES, type Result } from '../protocol/errors.js'
import { MAX_MESSAGE_BYTES_CEILING } from '../protocol/limits.js'
import { DLQ_HEADERS, DLQ_SUFFIX } from '../protocol/queues.js'
import type { FetchedRecord } from '../protocol/records.js'
import type { TopicMetadata } from '../protocol/topics.js'
import type { Delivery } from '../storage/delivery-store.js'
import type { PartitionMeta } from '../storage/partition-store.js'

export interface DeadLetterSource {
  meta: PartitionMeta
  env: KafdoEnv
  /** The dead record's stored text, or undefined when retention has removed it. */
  record(offset: number): string | undefined
  /** Called after each record is safely in the DLQ (`dlq` says where; its offset is null when an earlier pass wrote it), or found gone. */
  done(delivery: Delivery, written: boolean, dlq?: { topic: string; partition: number; offset: number | null }): void
}

/**
 * Writes a partition's pending dead records to the DLQ, one pass at a time: a caller arriving during a
 * pass waits for it, and the pass goes round again for records that died meanwhile. Sequential passes
 * keep the DLQ writes in sequence order, which the idempotent producer's deduplication relies on.
 */
export class DeadLetterDrain {
  readonly #source: () => DeadLetterSource
  readonly #pending: () => Delivery[]
  #routing: Promise<boolean> | undefined
  #again = false

  constructor(source: () => DeadLetterSource, pending: () => Delivery[]) {
    this.#source = source
    this.#pending = pending
  }

  /** Resolves false when a record could not be written yet: drain again later. */
  drain(): Promise<boolean> {
    if (this.#routing) {
      this.#again = true
      return this.#routing
    }
    this.#routing = (async () => {
      do {
        this.#again = false
        const dead = this.#pending()
        if (dead.length === 0) break
        if (!(await this.#route(dead))) return false
      } while (this.#again)
      return true
    })().finally(() => {
      this.#routing = undefined
    })
    return this.#routing
  }

  async #route(dead: Delivery[]): Promise<boolean> {
    try {
      return await routeDeadLetters(this.#source(), dead)
    } catch (err) {
      console.error(JSON.stringify({ level: 'warn', message: 'dead-letter routing failed; will retry', error: (err as Error).message }))
      return false
    }
  }
}

/** Routes every pending dead record; returns false if one could not be written yet (retry later). */
export async function routeDeadLetters(source: DeadLetterSource, dead: Delivery[]): Promise<boolean> {
  if (dead.length === 0) return true
  const dlq = await ensureDlqTopic(source)
  for (const delivery of dead) {
    const stored = source.record(delivery.offset)
    if (stored === undefined) {
      source.done(delivery, false)
      continue
    }
    const { meta } = source
    const read = parseRecordText(stored)
    const record = 'record' in read ? read.record : undefined
    const headers = {
      ...(record?.headers ?? {}),
      [DLQ_HEADERS.topic]: meta.topic,
      [DLQ_HEADERS.partition]: String(meta.partition),
      [DLQ_HEADERS.offset]: String(delivery.offset),
      [DLQ_HEADERS.group]: delivery.group,
      [DLQ_HEADERS.attempts]: String(delivery.attempts),
      [DLQ_HEADERS.firstFailure]: new Date(delivery.firstFailureAt ?? Date.now()).toISOString(),
      [DLQ_HEADERS.lastFailure]: new Date(delivery.lastFailureAt ?? Date.now()).toISOString(),
      [DLQ_HEADERS.error]: delivery.lastError ?? '',
    }
    const body = deadLetterBody(record, stored, headers)
    const timestamp = record?.timestamp ?? recordTimestamp(stored) ?? Date.now()
    const producerId = `dlq/${meta.topicId}/${meta.partition}`
    const sequence = delivery.dlqSequence!
    const partition = partitionForKey(record?.key ?? `${producerId}:${sequence}`, dlq.partitions)
    const ref = { tenant: meta.tenant, topic: dlq.topic, topicId: dlq.topicId, partition }
    // The stub's types do not narrow the Result union; the value is the DO's Result.
    const written = (await partitionStub(source.env, ref).append(ref, {
      records: [{ body, bytes: utf8Length(body), timestamp }],
      producerId,
      sequence,
    })) as Result<{ baseOffset: number }>
    if (!written.ok) {
      // A sequence the DLQ partition has already passed was written by an earlier pass.
      if (written.error.code === 'DUPLICATE_SEQUENCE_NUMBER') {
        source.done(delivery, true, { topic: dlq.topic, partition, offset: null })
        continue
      }
      // Retry what may pass later; give up on what never will, rather than block every later record.
      if (ERROR_CODES[written.error.code].retriable || written.error.code === 'UNKNOWN_TOPIC_OR_PARTITION') return false
      console.error(
        JSON.stringify({ level: 'error', message: 'dead letter dropped', topic: meta.topic, offset: delivery.offset, code: written.error.code }),
      )
      source.done(delivery, false)
      continue
    }
    source.done(delivery, true, { topic: dlq.topic, partition, offset: written.value.baseOffset })
  }
  return true
}

/** The DLQ record's encoded body: the record's key and value, or the unreadable stored text as a string. */
function deadLetterBody(record: FetchedRecord | undefined, stored: string, headers: Record<string, string>): string {
  if (record) {
    try {
      return encodeRecordBody({
        key: record.key,
        value: record.value,
        headers,
        ...(record.valueEncoding ? { valueEncoding: record.valueEncoding } : {}),
      })
    } catch {
      // Not encodable after all: keep the stored text instead.
    }
  }
  return encodeRecordBody({ key: null, value: stored, headers })
}

async function ensureDlqTopic(source: DeadLetterSource): Promise<TopicMetadata> {
  const cluster = metadataStub(source.env, source.meta.tenant)
  const name = `${source.meta.topic}${DLQ_SUFFIX}`
  const existing = await cluster.topic(source.meta.tenant, name)
  if (existing) return existing
  // Room for the source's largest record plus the DLQ headers; created by the system, outside quotas.
  const created = await cluster.createTopic(source.meta.tenant, {
    topic: name,
    partitions: 1,
    config: {
      'retention.ms': source.meta.queue.deadLetter.retentionMs,
      'max.message.bytes': Math.min(MAX_MESSAGE_BYTES_CEILING, source.meta.config['max.message.bytes'] + 64 * 1024),
    },
    queue: { deadLetter: { enabled: false } },
    system: true,
  })
  if (created.ok) return created.value
  const raced = await cluster.topic(source.meta.tenant, name)
  if (raced) return raced
  throw new Error(`cannot create dead-letter topic '${name}'`)
}

/**
 * Writes dead records to `<topic>-dlq`, exactly once. Each dead record got a dead-letter sequence number
 * in the same transaction that marked it dead; it is written with the idempotent producer
 * `dlq/<topicId>/<partition>` and that sequence, in sequence order, one at a time. A run that is
 * repeated (alarms are at-least-once), or that wrote a record but stopped before forgetting it, sends
 * the same (producer, sequence) again and the DLQ partition answers with the first write's offset.
 */
import { partitionForKey } from '../core/murmur2.js'
import { CLUSTER_OBJECT_NAME, partitionObjectName } from '../core/object-names.js'
import { encodeRecordBody, utf8Length } from '../core/record-codec.js'
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
  /** The dead record's stored form, or undefined when retention has removed it. */
  record(offset: number): FetchedRecord | undefined
  /** Called after each record is safely in the DLQ (or found gone). */
  done(delivery: Delivery, written: boolean): void
}

/** Routes every pending dead record; returns false if one could not be written yet (retry later). */
export async function routeDeadLetters(source: DeadLetterSource, dead: Delivery[]): Promise<boolean> {
  if (dead.length === 0) return true
  const dlq = await ensureDlqTopic(source)
  for (const delivery of dead) {
    const record = source.record(delivery.offset)
    if (!record) {
      source.done(delivery, false)
      continue
    }
    const { meta } = source
    const headers = {
      ...record.headers,
      [DLQ_HEADERS.topic]: meta.topic,
      [DLQ_HEADERS.partition]: String(meta.partition),
      [DLQ_HEADERS.offset]: String(record.offset),
      [DLQ_HEADERS.group]: delivery.group,
      [DLQ_HEADERS.attempts]: String(delivery.attempts),
      [DLQ_HEADERS.firstFailure]: new Date(delivery.firstFailureAt ?? Date.now()).toISOString(),
      [DLQ_HEADERS.lastFailure]: new Date(delivery.lastFailureAt ?? Date.now()).toISOString(),
      [DLQ_HEADERS.error]: delivery.lastError ?? '',
    }
    const body = encodeRecordBody({
      key: record.key,
      value: record.value,
      headers,
      ...(record.valueEncoding ? { valueEncoding: record.valueEncoding } : {}),
    })
    const producerId = `dlq/${meta.topicId}/${meta.partition}`
    const sequence = delivery.dlqSequence!
    const partition = partitionForKey(record.key ?? `${producerId}:${sequence}`, dlq.partitions)
    const ref = { tenant: meta.tenant, topic: dlq.topic, topicId: dlq.topicId, partition }
    // The stub's types do not narrow the Result union; the value is the DO's Result.
    const written = (await source.env.TOPIC_PARTITION.getByName(partitionObjectName(ref)).append(ref, {
      records: [{ body, bytes: utf8Length(body), timestamp: record.timestamp }],
      producerId,
      sequence,
    })) as Result<unknown>
    if (!written.ok) {
      // A sequence the DLQ partition has already passed was written by an earlier pass.
      if (written.error.code === 'DUPLICATE_SEQUENCE_NUMBER') {
        source.done(delivery, true)
        continue
      }
      // Retry what may pass later; give up on what never will, rather than block every later record.
      if (ERROR_CODES[written.error.code].retriable || written.error.code === 'UNKNOWN_TOPIC_OR_PARTITION') return false
      console.error(
        JSON.stringify({ level: 'error', message: 'dead letter dropped', topic: meta.topic, offset: record.offset, code: written.error.code }),
      )
      source.done(delivery, false)
      continue
    }
    source.done(delivery, true)
  }
  return true
}

async function ensureDlqTopic(source: DeadLetterSource): Promise<TopicMetadata> {
  const cluster = source.env.CLUSTER_METADATA.getByName(CLUSTER_OBJECT_NAME)
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

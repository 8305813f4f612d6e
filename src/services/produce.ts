/**
 * The produce path shared by the HTTP API, the in-Worker producer and the integrations: validate and
 * encode every record first (so a bad record refuses the whole request before anything is written),
 * choose partitions, then one RPC per partition, in parallel. A partition object that no longer knows the
 * topic (deleted or recreated since we cached it) makes us look the topic up again and retry once.
 * Internal topics are refused here for every caller; Kafdo's own writers use `produceInternal`.
 */
import { internalTopicRefusal } from '../core/internal-topics.js'
import { encodeRecordBody, nestsDeeperThan, UnencodableValueError, utf8Length } from '../core/record-codec.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import { MAX_KEY_BYTES, MAX_VALUE_DEPTH } from '../protocol/limits.js'
import type { EncodedRecord } from '../protocol/partition-rpc.js'
import type { RecordHeaders, RecordMetadata } from '../protocol/records.js'
import type { TopicMetadata } from '../protocol/topics.js'
import { assignPartitions } from './partitioner.js'
import { validateRecords } from './schemas.js'
import { call, metadataStub, partitionStub } from './stubs.js'
import { findTopic, forgetTopic, rememberTopic } from './topic-cache.js'

/** A record after edge validation (timestamps already epoch milliseconds). */
export interface ValidRecord {
  key?: string | null | undefined
  value?: unknown
  headers?: RecordHeaders | undefined
  partition?: number | undefined
  timestamp?: number | undefined
  valueEncoding?: 'json' | 'base64' | undefined
  ttlMs?: number | undefined
}

export interface Idempotence {
  producerId?: string | undefined
  sequence?: number | undefined
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export async function produce(
  env: KafdoBindings,
  tenant: string,
  topicName: string,
  records: readonly ValidRecord[],
  idempotence: Idempotence = {},
): Promise<RecordMetadata[]> {
  assertProducible(topicName)
  return write(env, tenant, topicName, records, idempotence)
}

/** Refuses a produce to an internal topic (403 FORBIDDEN), whoever asks. */
export function assertProducible(topicName: string): void {
  const refusal = internalTopicRefusal('produce', topicName)
  if (refusal) throw KafdoError.from(refusal)
}

/** Kafdo's own writes (the audit trail): the one way into an internal topic. */
export function produceInternal(env: KafdoBindings, tenant: string, topicName: string, records: readonly ValidRecord[]): Promise<RecordMetadata[]> {
  return write(env, tenant, topicName, records, {})
}

async function write(
  env: KafdoBindings,
  tenant: string,
  topicName: string,
  records: readonly ValidRecord[],
  idempotence: Idempotence,
): Promise<RecordMetadata[]> {
  const pair = idempotencePair(idempotence)
  // Before schemas: validators recurse into values, and a refused record should cost no lookups.
  records.forEach(assertValidRecord)
  let topic = await topicForProduce(env, tenant, topicName)
  // Schema-validated topics refuse an invalid batch whole, before anything is written.
  const checked = await validateRecords(env, tenant, topic, records)
  const encoded = checked.map(encodeRecord)
  for (let attempt = 0; ; attempt++) {
    try {
      return await writeToPartitions(env, tenant, topic, checked, encoded, pair)
    } catch (err) {
      if (attempt > 0 || !(err instanceof KafdoError) || err.code !== 'UNKNOWN_TOPIC_OR_PARTITION' || err.details?.index !== undefined) throw err
      forgetTopic(tenant, topicName)
      const fresh = await findTopic(env, tenant, topicName, true)
      if (!fresh || (fresh.topicId === topic.topicId && fresh.partitions === topic.partitions)) throw err
      topic = fresh
    }
  }
}

async function writeToPartitions(
  env: KafdoBindings,
  tenant: string,
  topic: TopicMetadata,
  records: readonly ValidRecord[],
  encoded: readonly EncodedRecord[],
  idempotence: { producerId: string; sequence: number } | undefined,
): Promise<RecordMetadata[]> {
  const maxBytes = topic.config['max.message.bytes']
  encoded.forEach((record, index) => {
    if (record.bytes > maxBytes) {
      throw new KafdoError('RECORD_TOO_LARGE', `record ${index} is ${record.bytes} bytes; topic '${topic.topic}' allows ${maxBytes}`, {
        index,
        bytes: record.bytes,
        maxMessageBytes: maxBytes,
      })
    }
  })
  const partitions = assignPartitions(topic.topic, records, topic.partitions, idempotence)
  const byPartition = new Map<number, number[]>()
  partitions.forEach((partition, index) => {
    const indexes = byPartition.get(partition)
    if (indexes) indexes.push(index)
    else byPartition.set(partition, [index])
  })
  const results: RecordMetadata[] = new Array(records.length)
  await Promise.all(
    [...byPartition].map(async ([partition, indexes]) => {
      const ref = { tenant, topic: topic.topic, topicId: topic.topicId, partition }
      const appended = await call(() =>
        partitionStub(env, ref).append(ref, {
          records: indexes.map((index) => encoded[index]!),
          ...(idempotence ?? {}),
        }),
      )
      indexes.forEach((index, i) => {
        results[index] = { topic: topic.topic, partition, offset: appended.baseOffset + i, timestamp: appended.timestamps[i]! }
      })
    }),
  )
  return results
}

/** What the edge schemas cannot say: key bytes, base64 values, and how deeply a value nests (400). */
export function assertValidRecord(record: ValidRecord, index: number): void {
  if (record.key != null && utf8Length(record.key) > MAX_KEY_BYTES) {
    throw new KafdoError('INVALID_REQUEST', `record ${index}: key is longer than ${MAX_KEY_BYTES} bytes`, { index })
  }
  if (record.valueEncoding === 'base64' && (typeof record.value !== 'string' || !BASE64.test(record.value))) {
    throw new KafdoError('INVALID_REQUEST', `record ${index}: valueEncoding 'base64' needs a base64 string value`, { index })
  }
  if (nestsDeeperThan(record.value, MAX_VALUE_DEPTH)) {
    throw new KafdoError('INVALID_REQUEST', `record ${index}: value is nested deeper than ${MAX_VALUE_DEPTH} levels`, {
      index,
      maxDepth: MAX_VALUE_DEPTH,
    })
  }
}

function encodeRecord(record: ValidRecord, index: number): EncodedRecord {
  try {
    const body = encodeRecordBody({
      key: record.key ?? null,
      value: record.value,
      headers: record.headers ?? {},
      ...(record.valueEncoding === 'base64' ? { valueEncoding: 'base64' as const } : {}),
    })
    const encoded: EncodedRecord = { body, bytes: utf8Length(body) }
    if (record.timestamp !== undefined) encoded.timestamp = record.timestamp
    if (record.ttlMs !== undefined) encoded.ttlMs = record.ttlMs
    return encoded
  } catch (err) {
    if (err instanceof UnencodableValueError) throw new KafdoError('INVALID_REQUEST', `record ${index}: ${err.message}`, { index })
    throw err
  }
}

function idempotencePair(idempotence: Idempotence): { producerId: string; sequence: number } | undefined {
  const { producerId, sequence } = idempotence
  if (producerId === undefined && sequence === undefined) return undefined
  if (producerId === undefined || sequence === undefined) {
    throw new KafdoError('INVALID_REQUEST', 'an idempotent produce needs both producerId and sequence')
  }
  return { producerId, sequence }
}

async function topicForProduce(env: KafdoBindings, tenant: string, name: string): Promise<TopicMetadata> {
  const topic = await findTopic(env, tenant, name)
  if (topic) return topic
  if (env.AUTO_CREATE_TOPICS !== 'true') {
    throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist (auto-creation is off)`, { topic: name })
  }
  const partitions = Number.parseInt(env.DEFAULT_PARTITIONS ?? '1', 10) || 1
  try {
    const created = await call(() => metadataStub(env, tenant).createTopic(tenant, { topic: name, partitions }))
    rememberTopic(tenant, created)
    return created
  } catch (err) {
    // Another request created it first.
    const existing = err instanceof KafdoError && err.code === 'TOPIC_ALREADY_EXISTS' ? await findTopic(env, tenant, name, true) : undefined
    if (existing) return existing
    throw err
  }
}

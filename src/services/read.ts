/**
 * The read path shared by the HTTP API, the in-Worker API and consumers: fetch records from one
 * partition, and partition offsets. The partition object answers with the whole fetch answer as UTF-8
 * JSON bytes (core/fetch-page.ts); callers that answer HTTP send those bytes as they are, callers that
 * need objects parse them once.
 */
import { parsePage } from '../core/fetch-page.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError, type Result } from '../protocol/errors.js'
import { DEFAULT_FETCH_LIMIT, DEFAULT_FETCH_MAX_BYTES } from '../protocol/limits.js'
import type { PartitionFetchRequest, PartitionFetchResult, PartitionRef } from '../protocol/partition-rpc.js'
import type { FetchOptions, FetchResponse } from '../protocol/records.js'
import type { PartitionOffsets, TopicMetadata, TopicOffsets } from '../protocol/topics.js'
import { call, partitionStub } from './stubs.js'
import { forgetTopic, requireTopic } from './topic-cache.js'

export interface PartitionRead extends PartitionFetchResult {
  topic: string
  partition: number
}

export async function readPartition(
  env: KafdoBindings,
  tenant: string,
  topicName: string,
  partition: number,
  options: FetchOptions = {},
): Promise<PartitionRead> {
  const request: PartitionFetchRequest = {
    maxRecords: options.limit ?? DEFAULT_FETCH_LIMIT,
    maxBytes: options.maxBytes ?? DEFAULT_FETCH_MAX_BYTES,
    maxWaitMs: options.maxWaitMs ?? 0,
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
    ...(options.reset !== undefined ? { reset: options.reset } : {}),
  }
  const result = await onPartition(env, tenant, topicName, partition, (ref) => partitionStub(env, ref).read(ref, request))
  return { topic: topicName, partition, ...result }
}

/** A fetch response as objects, for callers inside JavaScript. */
export async function fetchRecords(
  env: KafdoBindings,
  tenant: string,
  topic: string,
  partition: number,
  options: FetchOptions = {},
): Promise<FetchResponse> {
  return parsePage((await readPartition(env, tenant, topic, partition, options)).page)
}

export async function partitionOffsets(env: KafdoBindings, tenant: string, topicName: string, partition: number): Promise<PartitionOffsets> {
  const offsets = await onPartition(env, tenant, topicName, partition, (ref) => partitionStub(env, ref).offsets(ref))
  return { partition, ...offsets }
}

export async function topicOffsets(env: KafdoBindings, tenant: string, topicName: string): Promise<TopicOffsets> {
  const topic = await requireTopic(env, tenant, topicName)
  return { topic: topic.topic, partitions: await offsetsOf(env, tenant, topic) }
}

export async function offsetsOf(env: KafdoBindings, tenant: string, topic: TopicMetadata): Promise<PartitionOffsets[]> {
  return Promise.all(
    Array.from({ length: topic.partitions }, async (_, partition) => {
      const ref = { tenant, topic: topic.topic, topicId: topic.topicId, partition }
      return { partition, ...(await call(() => partitionStub(env, ref).offsets(ref))) }
    }),
  )
}

/** Runs `rpc` on the partition, re-reading the topic once if the cached metadata turns out stale. */
async function onPartition<T>(
  env: KafdoBindings,
  tenant: string,
  topicName: string,
  partition: number,
  rpc: (ref: PartitionRef) => Promise<Result<T>>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const topic = await requireTopic(env, tenant, topicName, attempt > 0)
    if (partition >= topic.partitions) {
      if (attempt === 0) {
        forgetTopic(tenant, topicName)
        continue
      }
      throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${topicName}' has no partition ${partition} (it has ${topic.partitions})`, {
        topic: topicName,
        partition,
        partitions: topic.partitions,
      })
    }
    try {
      return await call(() => rpc({ tenant, topic: topic.topic, topicId: topic.topicId, partition }))
    } catch (err) {
      if (attempt > 0 || !(err instanceof KafdoError) || err.code !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err
      forgetTopic(tenant, topicName)
    }
  }
}

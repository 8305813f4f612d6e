/** Topic administration for the HTTP API and the in-Worker admin, through ClusterMetadataDO. */
import type { KafdoBindings } from '../env.js'
import { topicConfigToStrings } from '../protocol/topic-config.js'
import { KafdoError } from '../protocol/errors.js'
import type { CreateTopicInput, UpdateTopicInput } from '../protocol/metadata-rpc.js'
import {
  isInternalTopic,
  type AlterTopicConfigRequest,
  type DeleteRecordsRequest,
  type DeleteRecordsResult,
  type AlterTopicConfigResult,
  type TopicDescription,
  type TopicMetadata,
  type TopicSummary,
} from '../protocol/topics.js'
import { watchHealth } from './monitoring/alerts.js'
import { offsetsOf } from './read.js'
import { attempt, call, metadataStub, partitionStub } from './stubs.js'
import { findTopic, forgetTopic, rememberTopic, requireTopic } from './topic-cache.js'

/** Creates a topic; with `dryRun`, checks its name, partitions and config and that it does not exist, and creates nothing. */
export async function createTopic(env: KafdoBindings, tenant: string, input: CreateTopicInput, dryRun = false): Promise<TopicSummary> {
  if (dryRun) {
    if (await findTopic(env, tenant, input.topic, true)) {
      throw new KafdoError('TOPIC_ALREADY_EXISTS', `topic '${input.topic}' already exists`, { topic: input.topic })
    }
    return summarize(await call(() => metadataStub(env, tenant).validateTopic(tenant, input)))
  }
  const topic = await call(() => metadataStub(env, tenant).createTopic(tenant, input))
  rememberTopic(tenant, topic)
  return summarize(topic)
}

/** Like Kafka's, listings leave internal topics out. */
export async function listTopics(env: KafdoBindings, tenant: string, includeInternal = false): Promise<TopicSummary[]> {
  const topics = await attempt(() => metadataStub(env, tenant).listTopics(tenant))
  return topics.filter((topic) => includeInternal || !isInternalTopic(topic.topic)).map(summarize)
}

export async function describeTopic(env: KafdoBindings, tenant: string, name: string): Promise<TopicDescription> {
  const topic = await requireTopic(env, tenant, name, true)
  return {
    topic: topic.topic,
    topicId: topic.topicId,
    partitions: await offsetsOf(env, tenant, topic),
    config: topicConfigToStrings(topic.config),
    createdAt: topic.createdAt,
  }
}

export async function createPartitions(env: KafdoBindings, tenant: string, name: string, count: number, dryRun = false): Promise<TopicSummary> {
  const topic = await call(() => metadataStub(env, tenant).createPartitions(tenant, name, count, dryRun))
  if (!dryRun) rememberTopic(tenant, topic)
  return summarize(topic)
}

/**
 * Kafka's IncrementalAlterConfigs: sets and resets config keys through the same update as a queue's
 * config, so the change reaches every partition before this returns. With `dryRun`, validates it all
 * (keys, values, tenant quotas) and changes nothing.
 */
export async function alterTopicConfig(
  env: KafdoBindings,
  tenant: string,
  name: string,
  request: AlterTopicConfigRequest,
  dryRun: boolean,
): Promise<AlterTopicConfigResult> {
  const input = { config: request.set ?? {}, reset: request.delete ?? [], ...(request.health ? { health: request.health.thresholds } : {}) }
  const { before, after } = await updateTopic(env, tenant, name, input, dryRun)
  return {
    topic: name,
    before: topicConfigToStrings(before.config),
    after: topicConfigToStrings(after.config),
    ...(request.health ? { health: { before: before.health ?? [], after: after.health ?? [] } } : {}),
    applied: !dryRun,
  }
}

/** Changes a topic's partition count, config and queue policy at once (what a declarative apply does). */
export async function updateTopic(
  env: KafdoBindings,
  tenant: string,
  name: string,
  input: UpdateTopicInput,
  dryRun: boolean,
): Promise<{ before: TopicMetadata; after: TopicMetadata }> {
  const result = await call(() => metadataStub(env, tenant).updateTopic(tenant, name, input, dryRun))
  if (!dryRun) rememberTopic(tenant, result.after)
  // Thresholds set: the tenant's monitor evaluates them periodically (for forMs and alerts).
  if (!dryRun && (result.after.health ?? []).length > 0) await watchHealth(env, tenant)
  return result
}

export async function deleteTopic(env: KafdoBindings, tenant: string, name: string): Promise<TopicSummary> {
  const topic = await call(() => metadataStub(env, tenant).deleteTopic(tenant, name))
  forgetTopic(tenant, name)
  return summarize(topic)
}

/**
 * Kafka's DeleteRecords: moves each named partition's log start to its offset. Every offset is checked
 * against the partition's latest before anything is deleted, so a bad one deletes nothing.
 */
export async function deleteRecords(env: KafdoBindings, tenant: string, name: string, request: DeleteRecordsRequest): Promise<DeleteRecordsResult> {
  const topic = await requireTopic(env, tenant, name, true)
  const missing = request.partitions.find((p) => p.partition >= topic.partitions)
  if (missing) {
    throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' has no partition ${missing.partition} (it has ${topic.partitions})`, {
      topic: name,
      partition: missing.partition,
    })
  }
  const refOf = (partition: number) => ({ tenant, topic: topic.topic, topicId: topic.topicId, partition })
  const before = await Promise.all(
    request.partitions.map(({ partition }) => call(() => partitionStub(env, refOf(partition)).offsets(refOf(partition)))),
  )
  request.partitions.forEach(({ partition, offset }, i) => {
    // The latest offset only grows, so an offset within it now stays within it.
    if (offset !== 'latest' && offset > before[i]!.latest) {
      throw new KafdoError('OFFSET_OUT_OF_RANGE', `offset ${offset} is past partition ${partition}'s latest offset ${before[i]!.latest}`, {
        topic: name,
        partition,
        offset,
        latest: before[i]!.latest,
      })
    }
  })
  const after = await Promise.all(
    request.partitions.map(({ partition, offset }, i) =>
      call(() => partitionStub(env, refOf(partition)).deleteRecordsBefore(refOf(partition), offset === 'latest' ? before[i]!.latest : offset)),
    ),
  )
  return { topic: topic.topic, partitions: request.partitions.map(({ partition }, i) => ({ partition, ...after[i]! })) }
}

export function summarize(topic: TopicMetadata): TopicSummary {
  return {
    topic: topic.topic,
    topicId: topic.topicId,
    partitions: topic.partitions,
    config: topicConfigToStrings(topic.config),
    createdAt: topic.createdAt,
  }
}

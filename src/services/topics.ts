/** Topic administration for the HTTP API and the in-Worker admin, through ClusterMetadataDO. */
import type { CreateTopicInput, UpdateTopicInput } from '../durable-objects/cluster-metadata.js'
import type { KafdoBindings } from '../env.js'
import { topicConfigToStrings } from '../protocol/topic-config.js'
import {
  isInternalTopic,
  type AlterTopicConfigRequest,
  type AlterTopicConfigResult,
  type TopicDescription,
  type TopicMetadata,
  type TopicSummary,
} from '../protocol/topics.js'
import { watchHealth } from './monitoring/alerts.js'
import { offsetsOf } from './read.js'
import { attempt, call, clusterStub } from './stubs.js'
import { forgetTopic, rememberTopic, requireTopic } from './topic-cache.js'

export async function createTopic(env: KafdoBindings, tenant: string, input: CreateTopicInput): Promise<TopicSummary> {
  const topic = await call(() => clusterStub(env).createTopic(tenant, input))
  rememberTopic(tenant, topic)
  return summarize(topic)
}

/** Like Kafka's, listings leave internal topics out. */
export async function listTopics(env: KafdoBindings, tenant: string, includeInternal = false): Promise<TopicSummary[]> {
  const topics = await attempt(() => clusterStub(env).listTopics(tenant))
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

export async function createPartitions(env: KafdoBindings, tenant: string, name: string, count: number): Promise<TopicSummary> {
  const topic = await call(() => clusterStub(env).createPartitions(tenant, name, count))
  rememberTopic(tenant, topic)
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
  const result = await call(() => clusterStub(env).updateTopic(tenant, name, input, dryRun))
  if (!dryRun) rememberTopic(tenant, result.after)
  // Thresholds set: the tenant's monitor evaluates them periodically (for forMs and alerts).
  if (!dryRun && (result.after.health ?? []).length > 0) await watchHealth(env, tenant)
  return result
}

export async function deleteTopic(env: KafdoBindings, tenant: string, name: string): Promise<TopicSummary> {
  const topic = await call(() => clusterStub(env).deleteTopic(tenant, name))
  forgetTopic(tenant, name)
  return summarize(topic)
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

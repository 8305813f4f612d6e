/** Topic administration for the HTTP API and the in-Worker admin, through ClusterMetadataDO. */
import type { CreateTopicInput } from '../durable-objects/cluster-metadata.js'
import type { KafdoBindings } from '../env.js'
import { topicConfigToStrings } from '../protocol/topic-config.js'
import { isInternalTopic, type TopicDescription, type TopicMetadata, type TopicSummary } from '../protocol/topics.js'
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

/**
 * The rules for topic definitions, as pure functions run by ClusterMetadataDO (and by the declarative
 * planner, to list refusals before anything is applied): what creating or changing a topic
 * makes of it (config, partition count, queue policy), the defaults a tenant's quotas lower (a topic that
 * does not set `retention.ms` gets the tenant's limit, not Kafka's 7 days), and the limits a created or
 * changed topic must keep (422 POLICY_VIOLATION). The object passes in what it stores.
 */
import { fail, ok, type Result } from '../protocol/errors.js'
import { DEFAULT_TOPIC_PARTITIONS } from '../protocol/limits.js'
import type { CreateTopicInput, UpdateTopicInput } from '../protocol/metadata-rpc.js'
import { DEFAULT_QUEUE_POLICY, mergeQueuePolicy } from '../protocol/queues.js'
import type { TenantQuotas } from '../protocol/tenants.js'
import { changeTopicConfig, DEFAULT_TOPIC_CONFIG, parseTopicConfig, type TopicConfig } from '../protocol/topic-config.js'
import { isInternalTopic, type TopicMetadata } from '../protocol/topics.js'

/** The topic `input` creates, its unset config keys at the tenant's defaults. */
export function newTopic(input: CreateTopicInput, defaults: TopicConfig): Result<TopicMetadata> {
  const parsed = parseTopicConfig(input.config, defaults)
  if (!parsed.ok) return fail('INVALID_CONFIG', 'invalid topic config', { config: parsed.errors })
  return ok({
    topic: input.topic,
    topicId: crypto.randomUUID(),
    partitions: input.partitions ?? DEFAULT_TOPIC_PARTITIONS,
    config: parsed.config,
    queue: mergeQueuePolicy(DEFAULT_QUEUE_POLICY, input.queue ?? {}),
    health: input.health ?? [],
    createdAt: Date.now(),
  })
}

/** What `before` becomes under `input`; reset keys go back to the tenant's defaults, partitions only grow. */
export function changedTopic(before: TopicMetadata, input: UpdateTopicInput, defaults: TopicConfig): Result<TopicMetadata> {
  const parsed = changeTopicConfig(before.config, input.config, input.reset ?? [], defaults)
  if (!parsed.ok) return fail('INVALID_CONFIG', 'invalid topic config', { config: parsed.errors })
  if (input.partitions !== undefined && input.partitions < before.partitions) {
    return fail('INVALID_PARTITIONS', `topic '${before.topic}' has ${before.partitions} partitions; the count can only grow`, {
      current: before.partitions,
      requested: input.partitions,
    })
  }
  return ok({
    ...before,
    partitions: input.partitions ?? before.partitions,
    config: parsed.config,
    queue: mergeQueuePolicy(before.queue, input.queue ?? {}),
    health: input.health ?? before.health ?? [],
  })
}

/**
 * The defaults of a topic in this tenant: Kafdo's, lowered to the tenant's limits. Internal topics keep
 * Kafdo's: a tenant whose maxMessageBytes is below an audit entry's size would otherwise lose its trail.
 */
export function tenantTopicDefaults(topic: string, quotas: TenantQuotas): TopicConfig {
  const defaults = { ...DEFAULT_TOPIC_CONFIG }
  if (isInternalTopic(topic)) return defaults
  if (quotas.maxRetentionMs !== undefined && defaults['retention.ms'] > quotas.maxRetentionMs) defaults['retention.ms'] = quotas.maxRetentionMs
  if (quotas.maxMessageBytes !== undefined && defaults['max.message.bytes'] > quotas.maxMessageBytes)
    defaults['max.message.bytes'] = quotas.maxMessageBytes
  return defaults
}

/**
 * Refuses `topic` (new when `before` is undefined, else the changed `before`) if it takes the tenant over
 * a limit on topics, partitions, retention or message size. Internal topics are outside the quotas.
 */
export function checkTopicQuotas(
  quotas: TenantQuotas,
  topics: readonly TopicMetadata[],
  topic: TopicMetadata,
  before: TopicMetadata | undefined,
): Result<null> {
  if (isInternalTopic(topic.topic)) return ok(null)
  const refuse = (quota: keyof TenantQuotas, limit: number, requested: number) =>
    fail('POLICY_VIOLATION', `tenant quota ${quota} is ${limit}; this needs ${requested}`, { quota, limit, requested })
  const existing = topics.filter((t) => !isInternalTopic(t.topic))
  if (!before && quotas.maxTopics !== undefined && existing.length + 1 > quotas.maxTopics)
    return refuse('maxTopics', quotas.maxTopics, existing.length + 1)
  const partitions = existing.reduce((sum, t) => sum + t.partitions, 0) - (before?.partitions ?? 0) + topic.partitions
  if (quotas.maxPartitions !== undefined && partitions > quotas.maxPartitions) return refuse('maxPartitions', quotas.maxPartitions, partitions)
  const retention = topic.config['retention.ms']
  if (quotas.maxRetentionMs !== undefined && (retention === -1 || retention > quotas.maxRetentionMs)) {
    return refuse('maxRetentionMs', quotas.maxRetentionMs, retention === -1 ? Number.POSITIVE_INFINITY : retention)
  }
  const messageBytes = topic.config['max.message.bytes']
  if (quotas.maxMessageBytes !== undefined && messageBytes > quotas.maxMessageBytes)
    return refuse('maxMessageBytes', quotas.maxMessageBytes, messageBytes)
  return ok(null)
}

/** The in-Worker admin (`createAdmin(env, config?)`): topics, partitions, offsets, groups, metrics, health and alert webhooks. */
import { DEFAULT_TENANT } from '../core/object-names.js'
import type { KafdoBindings } from '../env.js'
import { check } from '../protocol/validation.js'
import {
  alterTopicConfigRequestSchema,
  createTopicRequestSchema,
  deleteRecordsRequestSchema,
  partitionCountSchema,
  topicNameSchema,
  type AlterTopicConfigOptions,
  type AlterTopicConfigRequest,
  type AlterTopicConfigResult,
  type CreateTopicRequest,
  type DeleteRecordsRequest,
  type DeleteRecordsResult,
  type TopicDescription,
  type TopicSummary,
} from '../protocol/topics.js'
import type { GroupDescription, GroupListing, ResetOffsetsRequest, CommittedOffsetDescription } from '../protocol/groups.js'
import { groupIdSchema, resetOffsetsRequestSchema } from '../protocol/groups.js'
import {
  createWebhookRequestSchema,
  groupHealthPolicySchema,
  webhookIdSchema,
  type CreatedWebhook,
  type CreateWebhookRequest,
  type GroupHealthPolicy,
  type HealthReport,
  type HealthTarget,
  type WebhookDelivery,
  type WebhookDescription,
} from '../protocol/monitoring.js'
import * as groups from '../services/groups.js'
import * as alerts from '../services/monitoring/alerts.js'
import { groupHealth, topicHealth } from '../services/monitoring/health.js'
import { scrape } from '../services/monitoring/scrape.js'
import { topicOffsets } from '../services/read.js'
import * as topics from '../services/topics.js'

export interface AdminConfig {
  clientId?: string
  requestTimeoutMs?: number
}

export class Admin {
  readonly #env: KafdoBindings
  readonly #tenant: string

  constructor(env: KafdoBindings, _config: AdminConfig = {}, tenant = DEFAULT_TENANT) {
    this.#env = env
    this.#tenant = tenant
  }

  /** Creates a topic; with `dryRun`, checks it (name, partitions, config, not existing yet) and creates nothing. */
  createTopic(request: CreateTopicRequest, options: { dryRun?: boolean } = {}): Promise<TopicSummary> {
    return topics.createTopic(this.#env, this.#tenant, check(createTopicRequestSchema, request), options.dryRun === true)
  }

  async deleteTopic(topic: string): Promise<void> {
    await topics.deleteTopic(this.#env, this.#tenant, check(topicNameSchema, topic, { at: ['topic'] }))
  }

  /** Topic names, as kafkajs's `listTopics` returns them. */
  async listTopics(): Promise<string[]> {
    return (await topics.listTopics(this.#env, this.#tenant)).map((topic) => topic.topic)
  }

  describeTopic(topic: string): Promise<TopicDescription> {
    return topics.describeTopic(this.#env, this.#tenant, check(topicNameSchema, topic, { at: ['topic'] }))
  }

  /** Raises the topic's partition count to `count` (the new total, as in Kafka). */
  createPartitions(topic: string, count: number, options: { dryRun?: boolean } = {}): Promise<TopicSummary> {
    return topics.createPartitions(
      this.#env,
      this.#tenant,
      check(topicNameSchema, topic, { at: ['topic'] }),
      check(partitionCountSchema, count, { at: ['count'] }),
      options.dryRun === true,
    )
  }

  /** Kafka's DeleteRecords: deletes each partition's records before `offset` (`'latest'`: all written so far). */
  deleteRecords(topic: string, partitions: DeleteRecordsRequest['partitions']): Promise<DeleteRecordsResult> {
    return topics.deleteRecords(
      this.#env,
      this.#tenant,
      check(topicNameSchema, topic, { at: ['topic'] }),
      check(deleteRecordsRequestSchema, { partitions }),
    )
  }

  /**
   * Kafka's incrementalAlterConfigs for one topic: `set` gives keys new values, `delete` puts keys back to
   * their defaults; the change reaches every partition before this resolves. With `dryRun`, checks it
   * (keys, values, tenant quotas) and changes nothing. The Worker's own code may change internal topics.
   */
  async alterTopicConfig(topic: string, change: AlterTopicConfigRequest, options: AlterTopicConfigOptions = {}): Promise<AlterTopicConfigResult> {
    return topics.alterTopicConfig(
      this.#env,
      this.#tenant,
      check(topicNameSchema, topic, { at: ['topic'] }),
      check(alterTopicConfigRequestSchema, change),
      options.dryRun === true,
    )
  }

  /** Earliest and latest offset of each partition, keyed by partition number. */
  async listOffsets(topic: string): Promise<Map<number, { earliest: number; latest: number }>> {
    const offsets = await topicOffsets(this.#env, this.#tenant, check(topicNameSchema, topic, { at: ['topic'] }))
    return new Map(offsets.partitions.map(({ partition, earliest, latest }) => [partition, { earliest, latest }]))
  }

  /** Every consumer group of this tenant with its state and member count. */
  listGroups(): Promise<GroupListing[]> {
    return groups.listGroups(this.#env, this.#tenant)
  }

  /** State, members with their assignments, committed offsets and lag; an unknown group is `Dead`. */
  describeGroup(groupId: string): Promise<GroupDescription> {
    return groups.describeGroup(this.#env, this.#tenant, check(groupIdSchema, groupId, { at: ['groupId'] }))
  }

  /** Deletes a group with no active members, and its offsets. */
  deleteGroup(groupId: string): Promise<void> {
    return groups.deleteGroup(this.#env, this.#tenant, check(groupIdSchema, groupId, { at: ['groupId'] }))
  }

  /** Resets an inactive group's offsets on one topic to earliest, latest, a timestamp or given offsets. */
  resetOffsets(groupId: string, request: ResetOffsetsRequest): Promise<CommittedOffsetDescription[]> {
    return groups.resetOffsets(this.#env, this.#tenant, check(groupIdSchema, groupId, { at: ['groupId'] }), check(resetOffsetsRequestSchema, request))
  }

  /** This tenant's metrics in the Prometheus text format: what `GET /metrics` answers. */
  async metrics(): Promise<string> {
    return scrape(this.#env, [this.#tenant])
  }

  /** A topic's, a queue's (for share group `group`) or a consumer group's health, checked against its thresholds. */
  async health(target: HealthTarget): Promise<HealthReport> {
    if ('topic' in target || 'queue' in target) {
      const [kind, name] = 'topic' in target ? (['topic', target.topic] as const) : (['queue', target.queue] as const)
      const group = target.group === undefined ? undefined : check(groupIdSchema, target.group, { at: ['group'] })
      return topicHealth(this.#env, this.#tenant, check(topicNameSchema, name, { at: [kind] }), kind, group)
    }
    return groupHealth(this.#env, this.#tenant, check(groupIdSchema, target.group, { at: ['group'] }))
  }

  /** Subscribes a URL to alert events; the answer holds the signing secret, shown this once. */
  async createWebhook(request: CreateWebhookRequest): Promise<CreatedWebhook> {
    return alerts.createWebhook(this.#env, this.#tenant, check(createWebhookRequestSchema, request))
  }

  async listWebhooks(): Promise<WebhookDescription[]> {
    return alerts.listWebhooks(this.#env, this.#tenant)
  }

  async deleteWebhook(id: string): Promise<void> {
    return alerts.deleteWebhook(this.#env, this.#tenant, check(webhookIdSchema, id, { at: ['id'] }))
  }

  /** The subscription's delivery log, newest first: status, attempts, last error. */
  async webhookDeliveries(id: string, limit?: number): Promise<WebhookDelivery[]> {
    return alerts.webhookDeliveries(this.#env, this.#tenant, check(webhookIdSchema, id, { at: ['id'] }), limit)
  }

  /** Sends the subscription a `webhook.test` event. */
  async testWebhook(id: string): Promise<{ eventId: string }> {
    return alerts.testWebhook(this.#env, this.#tenant, check(webhookIdSchema, id, { at: ['id'] }))
  }

  /** Replaces a consumer group's health thresholds (`{ thresholds: [] }` clears them). */
  async setGroupHealth(groupId: string, policy: GroupHealthPolicy): Promise<GroupHealthPolicy> {
    return alerts.setGroupHealthPolicy(
      this.#env,
      this.#tenant,
      check(groupIdSchema, groupId, { at: ['groupId'] }),
      check(groupHealthPolicySchema, policy),
    )
  }

  async groupHealthPolicy(groupId: string): Promise<GroupHealthPolicy> {
    return alerts.groupHealthPolicy(this.#env, this.#tenant, check(groupIdSchema, groupId, { at: ['groupId'] }))
  }

  async close(): Promise<void> {}
}

export function createAdmin(env: KafdoBindings, config?: AdminConfig): Admin {
  return new Admin(env, config)
}

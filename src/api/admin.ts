/** The in-Worker admin (`createAdmin(env, config?)`): topics, partitions, offsets and groups. */
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
import * as groups from '../services/groups.js'
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

  async close(): Promise<void> {}
}

export function createAdmin(env: KafdoBindings, config?: AdminConfig): Admin {
  return new Admin(env, config)
}

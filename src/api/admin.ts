/** The in-Worker admin (`createAdmin(env, config?)`): topics, partitions, offsets and groups. */
import { DEFAULT_TENANT } from '../core/object-names.js'
import type { GroupDescription } from '../durable-objects/consumer-group.js'
import type { KafdoBindings } from '../env.js'
import { check } from '../protocol/validation.js'
import { createTopicRequestSchema, partitionCountSchema, topicNameSchema, type CreateTopicRequest, type TopicDescription, type TopicSummary } from '../protocol/topics.js'
import { deleteGroup, describeGroup, listGroups, type GroupListing } from '../services/groups.js'
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

  createTopic(request: CreateTopicRequest): Promise<TopicSummary> {
    return topics.createTopic(this.#env, this.#tenant, check(createTopicRequestSchema, request, 'topic'))
  }

  async deleteTopic(topic: string): Promise<void> {
    await topics.deleteTopic(this.#env, this.#tenant, check(topicNameSchema, topic, 'topic'))
  }

  /** Topic names, as kafkajs's `listTopics` returns them. */
  async listTopics(): Promise<string[]> {
    return (await topics.listTopics(this.#env, this.#tenant)).map((topic) => topic.topic)
  }

  describeTopic(topic: string): Promise<TopicDescription> {
    return topics.describeTopic(this.#env, this.#tenant, check(topicNameSchema, topic, 'topic'))
  }

  /** Raises the topic's partition count to `count` (the new total, as in Kafka). */
  createPartitions(topic: string, count: number): Promise<TopicSummary> {
    return topics.createPartitions(this.#env, this.#tenant, check(topicNameSchema, topic, 'topic'), check(partitionCountSchema, count, 'count'))
  }

  /** Earliest and latest offset of each partition, keyed by partition number. */
  async listOffsets(topic: string): Promise<Map<number, { earliest: number; latest: number }>> {
    const offsets = await topicOffsets(this.#env, this.#tenant, check(topicNameSchema, topic, 'topic'))
    return new Map(offsets.partitions.map(({ partition, earliest, latest }) => [partition, { earliest, latest }]))
  }

  listGroups(): Promise<GroupListing[]> {
    return listGroups(this.#env, this.#tenant)
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return describeGroup(this.#env, this.#tenant, groupId)
  }

  deleteGroup(groupId: string): Promise<void> {
    return deleteGroup(this.#env, this.#tenant, groupId)
  }

  async close(): Promise<void> {}
}

export function createAdmin(env: KafdoBindings, config?: AdminConfig): Admin {
  return new Admin(env, config)
}

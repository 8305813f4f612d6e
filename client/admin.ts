/**
 * The HTTP admin (`client.admin()`): topics, partitions, offsets and consumer groups on `/admin/...`,
 * with the method names of the Kafdo README (and kafkajs's `createPartitions` as an alias).
 */
import type { CreateTopicRequest, PartitionOffsets, TopicDescription, TopicOffsets, TopicSummary } from '../src/protocol/index.js'
import type { HttpCore } from './http.js'

/** A consumer group as `GET /admin/groups` lists it. */
export interface GroupListing {
  groupId: string
  state: string
}

/** A consumer group as `GET /admin/groups/:groupId` describes it (Kafka's DescribeGroups). */
export interface GroupDescription {
  groupId: string
  state: string
  protocol: string
  members: Array<{ memberId: string; clientId: string; assignment: Array<{ topic: string; partitions: number[] }> }>
}

export class KafdoAdmin {
  readonly #http: HttpCore

  constructor(http: HttpCore) {
    this.#http = http
  }

  /**
   * Creates a topic. Not retried: if a first attempt's answer were lost, a retry would be refused as
   * TOPIC_ALREADY_EXISTS and could not tell our own creation from someone else's.
   */
  createTopic(request: CreateTopicRequest): Promise<TopicSummary> {
    return this.#http.request<TopicSummary>({ method: 'POST', path: ['admin', 'topics'], body: request, idempotent: false })
  }

  /** Topic names, as kafkajs's `listTopics` returns them. */
  async listTopics(): Promise<string[]> {
    const { topics } = await this.#http.request<{ topics: TopicSummary[] }>({ method: 'GET', path: ['admin', 'topics'], idempotent: true })
    return topics.map((topic) => topic.topic)
  }

  describeTopic(topic: string): Promise<TopicDescription> {
    return this.#http.request<TopicDescription>({ method: 'GET', path: ['admin', 'topics', topic], idempotent: true })
  }

  /** Raises the topic's partition count to `count`: the new total, as in Kafka's CreatePartitions. */
  addPartitions(topic: string, count: number): Promise<TopicSummary> {
    return this.#http.request<TopicSummary>({ method: 'POST', path: ['admin', 'topics', topic, 'partitions'], body: { count }, idempotent: false })
  }

  /** kafkajs's and the in-Worker admin's name for `addPartitions`. */
  createPartitions(topic: string, count: number): Promise<TopicSummary> {
    return this.addPartitions(topic, count)
  }

  /** Deletes a topic and its records. */
  async deleteTopic(topic: string): Promise<void> {
    await this.#http.request<unknown>({
      method: 'DELETE',
      path: ['admin', 'topics', topic],
      idempotent: true,
      // A retry that finds the topic gone means the attempt whose answer was lost deleted it.
      doneIf: (error) => error.code === 'UNKNOWN_TOPIC_OR_PARTITION',
    })
  }

  /** Earliest and latest offset of each partition, keyed by partition number. */
  async listOffsets(topic: string): Promise<Map<number, Omit<PartitionOffsets, 'partition'>>> {
    const offsets = await this.#http.request<TopicOffsets>({ method: 'GET', path: ['admin', 'topics', topic, 'offsets'], idempotent: true })
    return new Map(offsets.partitions.map(({ partition, earliest, latest }) => [partition, { earliest, latest }]))
  }

  async listGroups(): Promise<GroupListing[]> {
    const { groups } = await this.#http.request<{ groups: GroupListing[] }>({ method: 'GET', path: ['admin', 'groups'], idempotent: true })
    return groups
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.#http.request<GroupDescription>({ method: 'GET', path: ['admin', 'groups', groupId], idempotent: true })
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.#http.request<unknown>({
      method: 'DELETE',
      path: ['admin', 'groups', groupId],
      idempotent: true,
      doneIf: (error) => error.code === 'GROUP_ID_NOT_FOUND',
    })
  }
}

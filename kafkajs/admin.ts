/**
 * kafkajs's admin (`src/admin/index.js`) over Kafdo's admin API: its argument checks and answers, each
 * call retried by the admin's `retry` options when Kafdo says the failure is retriable. What Kafdo has no
 * equivalent for (ACLs: Kafdo's access control is RBAC on API keys and JWTs; partition reassignment: there
 * are no replicas) is refused, naming the feature. Topic configs are in `admin-configs.ts`, groups and
 * offsets in `admin-groups.ts`.
 */
import { KafdoError } from '../src/protocol/errors.js'
import { alterConfigs, describeConfigs } from './admin-configs.js'
import { asProtocolError, checkConfigEntries, deleteTopicRecords, notSupported } from './admin-topics.js'
import * as groups from './admin-groups.js'
import { KafkaJSAggregateError, KafkaJSCreateTopicError, KafkaJSNonRetriableError, KafkaJSNotImplemented } from './errors.js'
import { ADMIN_EVENTS, Instrumentation } from './instrumentation.js'
import type { KafkaContext } from './kafka-context.js'
import { partitionMetadata } from './producer.js'
import { retrying } from './retry.js'
import type { Transport } from './transport.js'
import type { Admin, AdminEvents, IResourceConfig, ITopicConfig, ITopicMetadata, ITopicPartitionConfig, ResourceConfigQuery } from './types/admin.js'
import type { Logger, RetryOptions, SeekEntry } from './types/common.js'
import type { AdminConfig } from './types/config.js'

export class KafdoKafkaAdmin implements Admin {
  readonly events: AdminEvents = ADMIN_EVENTS
  readonly #context: KafkaContext
  readonly #logger: Logger
  readonly #instrumentation: Instrumentation<AdminEvents>
  readonly #retry: RetryOptions
  #transport: Promise<Transport> | undefined

  constructor(context: KafkaContext, config: AdminConfig = {}) {
    this.#context = context
    this.#logger = context.logger.namespace('Admin')
    this.#instrumentation = new Instrumentation('admin', ADMIN_EVENTS, this.#logger)
    this.#retry = { ...context.retry, ...config.retry }
  }

  async connect(): Promise<void> {
    await this.#call((t) => t.ping())
    this.#instrumentation.emit(ADMIN_EVENTS.CONNECT)
  }

  async disconnect(): Promise<void> {
    this.#instrumentation.emit(ADMIN_EVENTS.DISCONNECT)
  }

  listTopics(): Promise<string[]> {
    return this.#call(async (t) => (await t.listTopics()).map((topic) => topic.topic))
  }

  /** True when every topic was created, false when the only failures were topics that exist already. */
  async createTopics({
    topics,
    validateOnly,
  }: {
    topics: ITopicConfig[]
    validateOnly?: boolean
    waitForLeaders?: boolean
    timeout?: number
  }): Promise<boolean> {
    if (!topics || !Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${String(topics)}`)
    if (topics.some(({ topic }) => typeof topic !== 'string'))
      throw new KafkaJSNonRetriableError('Invalid topics array, the topic names have to be a valid string')
    if (new Set(topics.map(({ topic }) => topic)).size < topics.length) {
      throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
    }
    for (const { topic, configEntries } of topics) checkConfigEntries(topic, configEntries)
    if (topics.some((t) => (t.replicationFactor !== undefined && t.replicationFactor !== -1) || t.replicaAssignment?.length)) {
      this.#context.warn(
        'replication',
        'replicationFactor and replicaAssignment are ignored: Kafdo has no replicas (Durable Object storage is replicated by Cloudflare)',
      )
    }
    const transport = await this.#transportOrThrow()
    const outcomes = await Promise.allSettled(
      topics.map(({ topic, numPartitions, configEntries = [] }) =>
        this.#retrying(transport, () =>
          transport.createTopic(
            {
              topic,
              ...(numPartitions !== undefined && numPartitions !== -1 ? { partitions: numPartitions } : {}),
              ...(configEntries.length > 0 ? { config: Object.fromEntries(configEntries.map(({ name, value }) => [name, value])) } : {}),
            },
            validateOnly === true,
          ),
        ),
      ),
    )
    const errors = outcomes.flatMap((outcome, i) =>
      outcome.status === 'rejected' ? [new KafkaJSCreateTopicError(asProtocolError(outcome.reason), topics[i]!.topic)] : [],
    )
    if (errors.length === 0) return true
    if (errors.every((error) => error.type === 'TOPIC_ALREADY_EXISTS')) return false
    throw new KafkaJSAggregateError('Topic creation errors', errors)
  }

  async deleteTopics({ topics }: { topics: string[]; timeout?: number }): Promise<void> {
    if (!topics || !Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${String(topics)}`)
    if (topics.some((topic) => typeof topic !== 'string'))
      throw new KafkaJSNonRetriableError('Invalid topics array, the names must be a valid string')
    const transport = await this.#transportOrThrow()
    const outcomes = await Promise.allSettled(topics.map((topic) => this.#retrying(transport, () => transport.deleteTopic(topic))))
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    if (failed) throw failed.reason
  }

  async createPartitions({
    topicPartitions,
    validateOnly,
  }: {
    topicPartitions: ITopicPartitionConfig[]
    validateOnly?: boolean
    timeout?: number
  }): Promise<boolean> {
    if (!topicPartitions || !Array.isArray(topicPartitions))
      throw new KafkaJSNonRetriableError(`Invalid topic partitions array ${String(topicPartitions)}`)
    if (topicPartitions.length === 0) throw new KafkaJSNonRetriableError('Empty topic partitions array')
    if (topicPartitions.some(({ topic }) => typeof topic !== 'string')) {
      throw new KafkaJSNonRetriableError('Invalid topic partitions array, the topic names have to be a valid string')
    }
    if (new Set(topicPartitions.map(({ topic }) => topic)).size < topicPartitions.length) {
      throw new KafkaJSNonRetriableError('Invalid topic partitions array, it cannot have multiple entries for the same topic')
    }
    if (topicPartitions.some((tp) => tp.assignments?.length))
      this.#context.warn('assignments', 'assignments are ignored: Kafdo has no brokers to place partitions on')
    const transport = await this.#transportOrThrow()
    for (const { topic, count } of topicPartitions) {
      await this.#retrying(transport, () => transport.createPartitions(topic, count, validateOnly === true))
    }
    return true
  }

  fetchTopicMetadata({ topics = [] }: { topics?: string[] } = {}): Promise<{ topics: ITopicMetadata[] }> {
    for (const topic of topics ?? []) if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`)
    return this.#call(async (t) => {
      const all = await t.listTopics()
      const wanted = topics?.length ? topics : all.map((topic) => topic.topic)
      return {
        topics: wanted.map((name) => {
          const found = all.find((topic) => topic.topic === name)
          if (!found)
            throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic-partition: topic '${name}' does not exist`, {
              topic: name,
            })
          return { name, partitions: partitionMetadata(found.partitions) }
        }),
      }
    })
  }

  fetchTopicOffsets(topic: string): Promise<Array<SeekEntry & { high: string; low: string }>> {
    if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`)
    return this.#call(async (t) =>
      (await t.describeTopic(topic)).partitions.map(({ partition, earliest, latest }) => ({
        partition,
        offset: String(latest),
        high: String(latest),
        low: String(earliest),
      })),
    )
  }

  fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<SeekEntry[]> {
    if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`)
    return this.#call(async (t) => {
      const { partitions } = await t.describeTopic(topic)
      return Promise.all(
        partitions.map(async ({ partition, latest }) => ({
          partition,
          offset: String(timestamp === undefined ? latest : await t.offsetForTimestamp(topic, partition, timestamp)),
        })),
      )
    })
  }

  fetchOffsets(options: { groupId: string; topics?: string[]; resolveOffsets?: boolean }) {
    return this.#call((t) => groups.fetchOffsets(t, options))
  }

  setOffsets(options: { groupId: string; topic: string; partitions: SeekEntry[] }): Promise<void> {
    return this.#call((t) => groups.setOffsets(t, options))
  }

  resetOffsets(options: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
    return this.#call((t) => groups.resetOffsets(t, options))
  }

  describeConfigs(configs: { resources: ResourceConfigQuery[]; includeSynonyms: boolean }) {
    return this.#call((t) => describeConfigs(t, configs))
  }

  alterConfigs(configs: { validateOnly: boolean; resources: IResourceConfig[] }) {
    return this.#call((t) => alterConfigs(t, configs))
  }

  listGroups() {
    return this.#call((t) => groups.listGroups(t))
  }

  describeGroups(groupIds: string[]) {
    return this.#call((t) => groups.describeGroups(t, groupIds))
  }

  async deleteGroups(groupIds: string[]) {
    const transport = await this.#transportOrThrow()
    return groups.deleteGroups(transport, groupIds)
  }

  /** Kafka's DeleteRecords: `offset` '-1' deletes everything written so far. Failures come as KafkaJSDeleteTopicRecordsError. */
  async deleteTopicRecords(request: { topic: string; partitions: SeekEntry[] }): Promise<void> {
    const transport = await this.#transportOrThrow()
    await deleteTopicRecords(transport, request, {
      logger: this.#logger,
      retrying: (operation) => this.#retrying(transport, operation),
      offsets: (topic) => this.fetchTopicOffsets(topic),
    })
  }

  async describeCluster(): Promise<{ brokers: Array<{ nodeId: number; host: string; port: number }>; controller: number | null; clusterId: string }> {
    const transport = await this.#transportOrThrow()
    const [host = transport.broker, port = '443'] = transport.broker.split(':')
    return { brokers: [{ nodeId: 0, host, port: Number(port) }], controller: 0, clusterId: 'kafdo' }
  }

  async describeAcls(): Promise<never> {
    throw notSupported('ACLs (describeAcls)')
  }

  async createAcls(): Promise<never> {
    throw notSupported('ACLs (createAcls)')
  }

  async deleteAcls(): Promise<never> {
    throw notSupported('ACLs (deleteAcls)')
  }

  async alterPartitionReassignments(): Promise<never> {
    throw new KafkaJSNotImplemented(
      'Partition reassignment (alterPartitionReassignments) is not supported by Kafdo: it has no brokers or replicas to move partitions between',
    )
  }

  async listPartitionReassignments(): Promise<never> {
    throw new KafkaJSNotImplemented(
      'Partition reassignment (listPartitionReassignments) is not supported by Kafdo: it has no brokers or replicas to move partitions between',
    )
  }

  on(eventName: string, listener: (event: never) => void): () => void {
    return this.#instrumentation.on(eventName, listener as (event: unknown) => void)
  }

  logger(): Logger {
    return this.#logger
  }

  async #call<T>(operation: (transport: Transport) => Promise<T>): Promise<T> {
    const transport = await this.#transportOrThrow()
    return this.#retrying(transport, () => operation(transport))
  }

  #retrying<T>(transport: Transport, operation: () => Promise<T>): Promise<T> {
    return retrying(this.#retry, operation, { broker: transport.broker })
  }

  #transportOrThrow(): Promise<Transport> {
    this.#transport ??= this.#context.transport({
      onRequest: (request) => this.#context.emitRequest(this.#instrumentation, ADMIN_EVENTS.REQUEST, request),
    })
    return this.#transport
  }
}

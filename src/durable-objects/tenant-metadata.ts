/**
 * One tenant's topics, as its metadata object (ClusterMetadataDO named by tenant) keeps them: creating,
 * growing, changing and deleting topics under the tenant's quotas, and pushing what changed to those that
 * act on it, so that none of them calls back while this object waits: a topic's settings, versioned, to
 * its partitions; the tenant's topic list, versioned, to its consumer groups. A deleted topic's partition
 * storage and groups' offsets are removed by `topic-deletion.ts`, retried by the purge timer.
 */
import { internalPartitionsRefusal, internalTopicRefusal } from '../core/internal-topics.js'
import { changedTopic, checkTopicQuotas, newTopic, tenantTopicDefaults } from '../core/topic-rules.js'
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import type { CreateTopicInput, UpdateTopicInput } from '../protocol/metadata-rpc.js'
import type { TenantQuotas } from '../protocol/tenants.js'
import type { TopicConfigPush, TopicMetadata, TopicsSnapshot } from '../protocol/topics.js'
import type { MetadataStore } from '../storage/metadata-store.js'
import type { TimerOutcome } from '../storage/timer-dispatch.js'
import type { TimerStore } from '../storage/timers.js'
import { groupStub, partitionStub } from './object-calls.js'
import { purgeBeforeReuse, purgeDeletedTopic } from './topic-deletion.js'

export const PURGE_TIMER = 'purge-topic'
export const PURGE_RETRY_MS = 30_000

export class TenantTopics {
  readonly tenant: string
  readonly #env: KafdoEnv
  readonly #storage: DurableObjectStorage
  readonly #store: MetadataStore
  readonly #timers: TimerStore
  /**
   * The version of the tenant's topic list: it moves on with each change, and restarts from the clock
   * (so it keeps increasing across restarts unless changes outran the clock, which only repeats a list).
   */
  #topicsVersion = Date.now()

  constructor(tenant: string, env: KafdoEnv, storage: DurableObjectStorage, store: MetadataStore, timers: TimerStore) {
    this.tenant = tenant
    this.#env = env
    this.#storage = storage
    this.#store = store
    this.#timers = timers
  }

  quotas(): TenantQuotas {
    const stored = this.#store.quotas(this.tenant)
    return stored ? (JSON.parse(stored) as TenantQuotas) : {}
  }

  async create(input: CreateTopicInput): Promise<Result<TopicMetadata>> {
    const purged = await this.#purgeOffsetsOf(input.topic)
    if (!purged.ok) return purged
    const topic = this.validate(input)
    if (!topic.ok) return topic
    const quota = input.system ? ok(null) : this.#checkQuotas(topic.value, undefined)
    if (!quota.ok) return quota
    this.#store.insertTopic(this.tenant, topic.value)
    await this.#topicsChanged()
    return topic
  }

  /** The topic `create` would create, or why it would refuse; changes nothing (for dry runs). */
  validate(input: CreateTopicInput): Result<TopicMetadata> {
    // Every way of creating a topic (admin API, queues, provisioning, auto-create) ends here.
    const reserved = input.system ? undefined : internalTopicRefusal('topic:create', input.topic)
    if (reserved) return { ok: false, error: reserved }
    const topic = newTopic(input, tenantTopicDefaults(input.topic, this.quotas()))
    if (!topic.ok || !this.#store.topic(this.tenant, input.topic)) return topic
    return fail('TOPIC_ALREADY_EXISTS', `topic '${input.topic}' already exists`, { topic: input.topic })
  }

  /** Kafka's CreatePartitions: `count` is the new total and may only grow. With `dryRun`, checks it and changes nothing. */
  async createPartitions(name: string, count: number, dryRun: boolean): Promise<Result<TopicMetadata>> {
    const topic = this.#store.topic(this.tenant, name)
    if (!topic) return fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`, { topic: name })
    const internal = internalPartitionsRefusal(name, topic.partitions)
    if (internal) return { ok: false, error: internal }
    if (count <= topic.partitions) {
      return fail('INVALID_PARTITIONS', `topic '${name}' has ${topic.partitions} partitions; the new count must be larger`, {
        current: topic.partitions,
        requested: count,
      })
    }
    const quota = this.#checkQuotas({ ...topic, partitions: count }, topic)
    if (!quota.ok) return quota
    if (dryRun) return ok({ ...topic, partitions: count })
    this.#store.updatePartitions(this.tenant, name, count, this.#nextTopicVersion(topic))
    await this.#topicsChanged()
    return ok({ ...topic, partitions: count })
  }

  /**
   * Changes a topic's config, queue policy and partition count (which may only grow). With `dryRun`,
   * answers what the topic would become and changes nothing. Applied changes are pushed, versioned, to
   * every partition before this returns, so the new settings are enforced at once; a push that arrives
   * after a newer one is ignored there.
   */
  async update(name: string, input: UpdateTopicInput, dryRun: boolean): Promise<Result<{ before: TopicMetadata; after: TopicMetadata }>> {
    const before = this.#store.topic(this.tenant, name)
    if (!before) return fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`, { topic: name })
    const changed = changedTopic(before, input, tenantTopicDefaults(before.topic, this.quotas()))
    if (!changed.ok) return changed
    const after = changed.value
    const internal = after.partitions !== before.partitions ? internalPartitionsRefusal(name, before.partitions) : undefined
    if (internal) return { ok: false, error: internal }
    const quota = this.#checkQuotas(after, before)
    if (!quota.ok) return quota
    if (dryRun) return ok({ before, after })
    const push: TopicConfigPush = { version: this.#nextTopicVersion(before), topic: after }
    this.#store.updateTopic(this.tenant, after, push.version)
    const results = await Promise.allSettled(
      Array.from({ length: before.partitions }, (_, partition) =>
        partitionStub(this.#env, { tenant: this.tenant, topic: name, topicId: before.topicId, partition }).applyConfig(
          { tenant: this.tenant, topic: name, topicId: before.topicId, partition },
          push,
        ),
      ),
    )
    if (after.partitions !== before.partitions) await this.#topicsChanged()
    const unreached = results.filter((r) => r.status === 'rejected').length
    if (unreached > 0) {
      return fail('SERVICE_UNAVAILABLE', `the change is saved but ${unreached} partitions did not take it yet; repeat the request`, { unreached })
    }
    return ok({ before, after })
  }

  /** The topic's settings as pushed to its partitions (a partition reads them once, on first use). */
  configOf(topicId: string): TopicConfigPush | null {
    const topic = this.#store.topicById(this.tenant, topicId)
    const version = this.#store.topicVersion(this.tenant, topicId)
    return topic && version !== undefined ? { version, topic } : null
  }

  /**
   * Deletes the topic now; its partitions' storage and `groups`' committed offsets for it go as soon as
   * those objects answer (retried by a timer, and before the name is created again). Told of the deletion
   * (with the tenant's topic list), the groups drop its partitions from their members at once.
   */
  async delete(name: string, groups: readonly string[] = this.#store.groups(this.tenant)): Promise<Result<TopicMetadata>> {
    const topic = this.#store.topic(this.tenant, name)
    if (!topic) return fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`, { topic: name })
    this.#storage.transactionSync(() => this.#store.markDeleted(this.tenant, topic, groups, Date.now()))
    this.#bumpVersion()
    if (!(await purgeDeletedTopic(this.#env, this.#store, topic.topicId, this.snapshot))) {
      this.#timers.set(PURGE_TIMER, topic.topicId, Date.now() + PURGE_RETRY_MS)
      await this.#timers.arm()
    }
    return ok(topic)
  }

  /** Deletes all topics (and their partitions' storage), the group registry, keys, quotas and schemas. */
  async deleteAll(): Promise<{ topics: string[]; groups: string[] }> {
    const topics = this.#store.topics(this.tenant)
    const groups = this.#store.groups(this.tenant)
    // The groups are wiped whole (by the caller), so none is asked to drop offsets topic by topic.
    for (const topic of topics) await this.delete(topic.topic, [])
    this.#store.deleteTenant(this.tenant)
    return { topics: topics.map((t) => t.topic), groups }
  }

  /** The purge timer's handler: tries the deleted topic's clean-up again until nothing is left. */
  async retryPurge(topicId: string): Promise<TimerOutcome> {
    return (await purgeDeletedTopic(this.#env, this.#store, topicId, this.snapshot)) ? 'done' : { retryAt: Date.now() + PURGE_RETRY_MS }
  }

  /** Schedules the clean-up of topics deleted before this object held them (taken over from the old one). */
  schedulePurges(topicIds: readonly string[], at: number): void {
    for (const topicId of topicIds) this.#timers.set(PURGE_TIMER, topicId, at)
  }

  /** The tenant's topics and partition counts, versioned: pushed to groups, read by a group's periodic check. */
  readonly snapshot = (): TopicsSnapshot => ({
    version: this.#topicsVersion,
    partitions: Object.fromEntries(this.#store.topics(this.tenant).map((topic) => [topic.topic, topic.partitions])),
  })

  #checkQuotas(topic: TopicMetadata, before: TopicMetadata | undefined): Result<null> {
    return checkTopicQuotas(this.quotas(), this.#store.topics(this.tenant), topic, before)
  }

  /** Strictly later than the topic's last change, so two changes in one millisecond still order. */
  #nextTopicVersion(topic: TopicMetadata): number {
    return Math.max(Date.now(), (this.#store.topicVersion(this.tenant, topic.topicId) ?? 0) + 1)
  }

  /**
   * A topic created under the name of a deleted one must not inherit its committed offsets: while a
   * group has not dropped them yet the name stays unusable (503, retriable), as Kafka refuses a topic
   * still marked for deletion.
   */
  async #purgeOffsetsOf(name: string): Promise<Result<null>> {
    const { purged, groups } = await purgeBeforeReuse(this.#env, this.#store, this.tenant, name, () => this.snapshot())
    for (const topicId of purged) this.#timers.delete(PURGE_TIMER, topicId)
    await this.#timers.arm()
    if (groups === 0) return ok(null)
    return fail('SERVICE_UNAVAILABLE', `topic '${name}' is still being deleted: ${groups} consumer groups have not yet dropped its offsets; retry`, {
      topic: name,
      groups,
    })
  }

  #bumpVersion(): void {
    this.#topicsVersion = Math.max(this.#topicsVersion + 1, Date.now())
  }

  /**
   * Pushes the tenant's topic list to each of its groups before the admin call returns, so a member's
   * next heartbeat already gets the new target. Best effort: a group that misses it reads the list
   * itself on its next periodic check.
   */
  async #topicsChanged(): Promise<void> {
    this.#bumpVersion()
    const snapshot = this.snapshot()
    await Promise.allSettled(this.#store.groups(this.tenant).map((groupId) => groupStub(this.#env, this.tenant, groupId).topicsChanged(snapshot)))
  }
}

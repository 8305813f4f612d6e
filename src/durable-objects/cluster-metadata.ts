/**
 * ClusterMetadataDO: the one cluster-wide object. It owns topic definitions (name, id, partition count,
 * config) per tenant and the registry of consumer groups. It is never on the produce/fetch path: Workers
 * cache what it says, and partition objects ask it once, when they are first used. When topics change it
 * pushes the tenant's topic list, versioned, to the tenant's groups (which never call back for it), so
 * pattern subscriptions and partition growth change their target assignments; when one is deleted, the
 * groups drop their committed offsets for it (`topic-deletion.ts`).
 */
import { DurableObject } from 'cloudflare:workers'
import { internalTopicRefusal } from '../core/internal-topics.js'
import { groupObjectName, partitionObjectName } from '../core/object-names.js'
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import type { TopicMetadata, TopicsSnapshot } from '../protocol/topics.js'
import type { TenantQuotas } from '../protocol/tenants.js'
import { MetadataStore, METADATA_MIGRATIONS, type ApiKeyRecord } from '../storage/metadata-store.js'
import { runMigrations } from '../storage/migrations.js'
import { TimerStore } from '../storage/timers.js'
import type { CompatibilityMode, SchemaType, SchemaVersion } from '../protocol/schemas.js'
import { SchemaRegistry } from './schema-registry.js'
import { purgeBeforeReuse, purgeDeletedTopic } from './topic-deletion.js'
import { changedTopic, checkTopicQuotas, newTopic, tenantTopicDefaults, type CreateTopicInput, type UpdateTopicInput } from '../core/topic-rules.js'

export type { CreateTopicInput, UpdateTopicInput } from '../core/topic-rules.js'

const PURGE_TIMER = 'purge-topic'
const PURGE_RETRY_MS = 30_000
const TICKET_SECRET_KEY = 'stream-ticket-secret'

export class ClusterMetadataDO extends DurableObject<KafdoEnv> {
  #store: MetadataStore
  #timers: TimerStore
  #registry: SchemaRegistry
  /**
   * The version of every tenant's topic list: it moves on with each change, and restarts from the clock
   * (so it keeps increasing across restarts unless changes outran the clock, which only repeats a list).
   */
  #topicsVersion = Date.now()

  constructor(ctx: DurableObjectState, env: KafdoEnv) {
    super(ctx, env)
    this.#store = new MetadataStore(ctx.storage)
    this.#timers = new TimerStore(ctx.storage)
    this.#registry = new SchemaRegistry(this.#store)
    ctx.blockConcurrencyWhile(async () => {
      runMigrations(ctx.storage, METADATA_MIGRATIONS)
    })
  }

  async createTopic(tenant: string, input: CreateTopicInput): Promise<Result<TopicMetadata>> {
    const purged = await this.#purgeOffsetsOf(tenant, input.topic)
    if (!purged.ok) return purged
    const topic = this.validateTopic(tenant, input)
    if (!topic.ok) return topic
    const quota = input.system ? ok(null) : this.#checkQuotas(tenant, topic.value, undefined)
    if (!quota.ok) return quota
    this.#store.insertTopic(tenant, topic.value)
    this.#topicsChanged()
    await this.#notifyGroups(tenant)
    return topic
  }

  /** The topic `createTopic` would create, or why it would refuse; changes nothing (for dry runs). */
  validateTopic(tenant: string, input: CreateTopicInput): Result<TopicMetadata> {
    // Every way of creating a topic (admin API, queues, provisioning, auto-create) ends here.
    const reserved = input.system ? undefined : internalTopicRefusal('topic:create', input.topic)
    if (reserved) return { ok: false, error: reserved }
    const topic = newTopic(input, tenantTopicDefaults(input.topic, this.quotas(tenant)))
    if (!topic.ok || !this.#store.topic(tenant, input.topic)) return topic
    return fail('TOPIC_ALREADY_EXISTS', `topic '${input.topic}' already exists`, { topic: input.topic })
  }

  topic(tenant: string, name: string): TopicMetadata | null {
    return this.#store.topic(tenant, name) ?? null
  }

  topicById(tenant: string, topicId: string): TopicMetadata | null {
    return this.#store.topicById(tenant, topicId) ?? null
  }

  listTopics(tenant: string): TopicMetadata[] {
    return this.#store.topics(tenant)
  }

  /** Kafka's CreatePartitions: `count` is the new total and may only grow. With `dryRun`, checks it and changes nothing. */
  async createPartitions(tenant: string, name: string, count: number, dryRun = false): Promise<Result<TopicMetadata>> {
    const topic = this.#store.topic(tenant, name)
    if (!topic) return fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`, { topic: name })
    if (count <= topic.partitions) {
      return fail('INVALID_PARTITIONS', `topic '${name}' has ${topic.partitions} partitions; the new count must be larger`, {
        current: topic.partitions,
        requested: count,
      })
    }
    const quota = this.#checkQuotas(tenant, { ...topic, partitions: count }, topic)
    if (!quota.ok) return quota
    if (dryRun) return ok({ ...topic, partitions: count })
    this.#store.updatePartitions(tenant, name, count, Date.now())
    this.#topicsChanged()
    await this.#notifyGroups(tenant)
    return ok({ ...topic, partitions: count })
  }

  /**
   * Changes a topic's config, queue policy and partition count (which may only grow). With `dryRun`,
   * answers what the topic would become and changes nothing. Applied changes reach every partition
   * before this returns, so the new settings are enforced at once.
   */
  async updateTopic(
    tenant: string,
    name: string,
    input: UpdateTopicInput,
    dryRun: boolean,
  ): Promise<Result<{ before: TopicMetadata; after: TopicMetadata }>> {
    const before = this.#store.topic(tenant, name)
    if (!before) return fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`, { topic: name })
    const changed = changedTopic(before, input, tenantTopicDefaults(before.topic, this.quotas(tenant)))
    if (!changed.ok) return changed
    const after = changed.value
    const quota = this.#checkQuotas(tenant, after, before)
    if (!quota.ok) return quota
    if (dryRun) return ok({ before, after })
    this.#store.updateTopic(tenant, after, Date.now())
    const results = await Promise.allSettled(
      Array.from({ length: before.partitions }, (_, partition) => {
        const ref = { tenant, topic: name, topicId: before.topicId, partition }
        return this.env.TOPIC_PARTITION.getByName(partitionObjectName(ref)).applyConfig(ref)
      }),
    )
    if (after.partitions !== before.partitions) {
      this.#topicsChanged()
      await this.#notifyGroups(tenant)
    }
    const unreached = results.filter((r) => r.status === 'rejected').length
    if (unreached > 0) {
      return fail('SERVICE_UNAVAILABLE', `the change is saved but ${unreached} partitions did not take it yet; repeat the request`, { unreached })
    }
    return ok({ before, after })
  }

  /**
   * Deletes the topic now; its partitions' storage and the tenant's groups' committed offsets for it go as
   * soon as those objects answer (retried by a timer, and before the name is created again). Told of the
   * deletion (with the tenant's topic list), the groups drop its partitions from their members at once.
   */
  deleteTopic(tenant: string, name: string): Promise<Result<TopicMetadata>> {
    return this.#deleteTopic(tenant, name, this.#store.groups(tenant))
  }

  async #deleteTopic(tenant: string, name: string, groups: readonly string[]): Promise<Result<TopicMetadata>> {
    const topic = this.#store.topic(tenant, name)
    if (!topic) return fail('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`, { topic: name })
    this.ctx.storage.transactionSync(() => this.#store.markDeleted(tenant, topic, groups, Date.now()))
    this.#topicsChanged()
    if (!(await purgeDeletedTopic(this.env, this.#store, topic.topicId, this.#snapshotOf))) {
      this.#timers.set(PURGE_TIMER, topic.topicId, Date.now() + PURGE_RETRY_MS)
      await this.#timers.arm()
    }
    return ok(topic)
  }

  insertApiKey(key: ApiKeyRecord): void {
    this.#store.insertApiKey(key)
  }

  apiKey(keyId: string): ApiKeyRecord | null {
    return this.#store.apiKey(keyId) ?? null
  }

  listApiKeys(tenant: string): ApiKeyRecord[] {
    return this.#store.apiKeys(tenant)
  }

  revokeApiKey(tenant: string, keyId: string): Result<null> {
    return this.#store.revokeApiKey(tenant, keyId, Date.now()) ? ok(null) : fail('NOT_FOUND', `no active API key '${keyId}'`, { keyId })
  }

  quotas(tenant: string): TenantQuotas {
    const stored = this.#store.quotas(tenant)
    return stored ? (JSON.parse(stored) as TenantQuotas) : {}
  }

  setQuotas(tenant: string, quotas: TenantQuotas): TenantQuotas {
    this.#store.writeQuotas(tenant, JSON.stringify(quotas), Date.now())
    return quotas
  }

  listTenants(): string[] {
    return this.#store.tenants()
  }

  /** Deletes all of a tenant's topics (and their partitions' storage), groups' registry, keys and quotas. */
  async deleteTenant(tenant: string): Promise<{ topics: string[]; groups: string[] }> {
    const topics = this.#store.topics(tenant)
    const groups = this.#store.groups(tenant)
    // The groups are wiped whole (by the caller), so none is asked to drop offsets topic by topic.
    for (const topic of topics) await this.#deleteTopic(tenant, topic.topic, [])
    this.#store.deleteTenant(tenant)
    return { topics: topics.map((t) => t.topic), groups }
  }

  registerSchema(tenant: string, subject: string, schemaType: SchemaType, schema: string): Result<{ id: number; version: number }> {
    return this.#registry.register(tenant, subject, schemaType, schema)
  }

  subjects(tenant: string): string[] {
    return this.#registry.subjects(tenant)
  }

  subjectVersions(tenant: string, subject: string): Result<number[]> {
    return this.#registry.versions(tenant, subject)
  }

  schemaVersion(tenant: string, subject: string, version: number | 'latest'): Result<SchemaVersion> {
    return this.#registry.version(tenant, subject, version)
  }

  /** Every live version of a subject, oldest first; empty when it has none. */
  schemaHistory(tenant: string, subject: string): SchemaVersion[] {
    return this.#registry.history(tenant, subject)
  }

  latestSchema(tenant: string, subject: string): SchemaVersion | null {
    return this.#registry.latest(tenant, subject)
  }

  schemaById(tenant: string, id: number): Result<{ schema: string; schemaType: SchemaType }> {
    return this.#registry.byId(tenant, id)
  }

  deleteSchemaVersion(tenant: string, subject: string, version: number | 'latest'): Result<number> {
    return this.#registry.deleteVersion(tenant, subject, version)
  }

  deleteSubject(tenant: string, subject: string): Result<number[]> {
    return this.#registry.deleteSubject(tenant, subject)
  }

  compatibility(tenant: string, subject?: string): CompatibilityMode {
    return this.#registry.compatibility(tenant, subject)
  }

  setCompatibility(tenant: string, subject: string | undefined, mode: CompatibilityMode): CompatibilityMode {
    return this.#registry.setCompatibility(tenant, subject, mode)
  }

  testCompatibility(tenant: string, subject: string, version: number | 'latest', schemaType: SchemaType, schema: string) {
    return this.#registry.test(tenant, subject, version, schemaType, schema)
  }

  /** Registers a new group and answers the tenant's topic list, which changes are then pushed after. */
  registerGroup(tenant: string, groupId: string): TopicsSnapshot {
    this.#store.registerGroup(tenant, groupId, Date.now())
    return this.topicSnapshot(tenant)
  }

  /** The tenant's topics and partition counts, versioned; a group's periodic check reads it. */
  topicSnapshot(tenant: string): TopicsSnapshot {
    return this.#snapshotOf(tenant)
  }

  unregisterGroup(tenant: string, groupId: string): void {
    this.#store.unregisterGroup(tenant, groupId)
  }

  /**
   * The secret stream tickets are signed with (services/stream-tickets.ts): 32 random bytes made on first
   * use and kept here, so every Worker isolate verifies what any other signed, with nothing to configure.
   */
  async ticketSecret(): Promise<ArrayBuffer> {
    const kept = await this.ctx.storage.get<ArrayBuffer>(TICKET_SECRET_KEY)
    if (kept) return kept
    const secret = crypto.getRandomValues(new Uint8Array(32)).buffer
    await this.ctx.storage.put(TICKET_SECRET_KEY, secret)
    return secret
  }

  listGroups(tenant: string): string[] {
    return this.#store.groups(tenant)
  }

  override async alarm(): Promise<void> {
    // Timers due by the time the alarm was set for run even when it is driven early (as tests do).
    const firedFor = this.#timers.alarmFired()
    for (const timer of this.#timers.due(Math.max(Date.now(), firedFor ?? 0))) {
      if (timer.kind !== PURGE_TIMER) continue
      if (await purgeDeletedTopic(this.env, this.#store, timer.key, this.#snapshotOf)) this.#timers.delete(PURGE_TIMER, timer.key)
      else this.#timers.set(PURGE_TIMER, timer.key, Date.now() + PURGE_RETRY_MS)
    }
    await this.#timers.arm()
  }

  #checkQuotas(tenant: string, topic: TopicMetadata, before: TopicMetadata | undefined): Result<null> {
    return checkTopicQuotas(this.quotas(tenant), this.#store.topics(tenant), topic, before)
  }

  /**
   * A topic created under the name of a deleted one must not inherit its committed offsets: while a
   * group has not dropped them yet the name stays unusable (503, retriable), as Kafka refuses a topic
   * still marked for deletion.
   */
  async #purgeOffsetsOf(tenant: string, name: string): Promise<Result<null>> {
    const { purged, groups } = await purgeBeforeReuse(this.env, this.#store, tenant, name, this.#snapshotOf)
    for (const topicId of purged) this.#timers.delete(PURGE_TIMER, topicId)
    await this.#timers.arm()
    if (groups === 0) return ok(null)
    return fail('SERVICE_UNAVAILABLE', `topic '${name}' is still being deleted: ${groups} consumer groups have not yet dropped its offsets; retry`, {
      topic: name,
      groups,
    })
  }

  #topicsChanged(): void {
    this.#topicsVersion = Math.max(this.#topicsVersion + 1, Date.now())
  }

  readonly #snapshotOf = (tenant: string): TopicsSnapshot => ({
    version: this.#topicsVersion,
    partitions: Object.fromEntries(this.#store.topics(tenant).map((topic) => [topic.topic, topic.partitions])),
  })

  /**
   * Pushes the tenant's topic list to each of its groups before the admin call returns, so a member's
   * next heartbeat already gets the new target. Best effort: a group that misses it reads the list
   * itself on its next periodic check.
   */
  async #notifyGroups(tenant: string): Promise<void> {
    const groups = this.#store.groups(tenant)
    const snapshot = this.#snapshotOf(tenant)
    await Promise.allSettled(groups.map((groupId) => this.env.CONSUMER_GROUP.getByName(groupObjectName(tenant, groupId)).topicsChanged(snapshot)))
  }
}

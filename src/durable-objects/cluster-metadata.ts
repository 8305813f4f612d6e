/**
 * ClusterMetadataDO: metadata sharded by tenant. Each tenant has its own object (named by
 * `metadataObjectName`) holding its topic definitions, consumer-group registry, API keys (hashed), quotas
 * and schema registry, so no object's traffic grows with the whole deployment. One more object, the
 * directory (`DIRECTORY_OBJECT_NAME`), keeps the tenant list and the stream ticket secret; it is off the
 * produce, fetch and auth paths. In deployments from before the sharding the directory also holds every
 * tenant's rows: a tenant's object takes its share over when first opened (`#takeOverLegacy`).
 *
 * This class is the RPC shell; topics live in `tenant-metadata.ts`, schemas in `schema-registry.ts`.
 */
import { DurableObject } from 'cloudflare:workers'
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import type { ApiKeyRecord, CreateTopicInput, UpdateTopicInput } from '../protocol/metadata-rpc.js'
import type { CompatibilityCheck, CompatibilityMode, SchemaType, SchemaVersion } from '../protocol/schemas.js'
import type { TenantQuotas } from '../protocol/tenants.js'
import type { TopicConfigPush, TopicMetadata, TopicsSnapshot } from '../protocol/topics.js'
import { MetadataStore, METADATA_MIGRATIONS } from '../storage/metadata-store.js'
import { runMigrations } from '../storage/migrations.js'
import { SchemaStore } from '../storage/schema-store.js'
import { TenantShardStore, type TenantExport } from '../storage/tenant-shard-store.js'
import { runDueTimers, type TimerTable } from '../storage/timer-dispatch.js'
import { TimerStore } from '../storage/timers.js'
import { directoryStub } from './object-calls.js'
import { SchemaRegistry } from './schema-registry.js'
import { MetadataShard } from './metadata-shard.js'
import { PURGE_TIMER, type TenantTopics } from './tenant-metadata.js'

const TICKET_SECRET_KEY = 'stream-ticket-secret'

export class ClusterMetadataDO extends DurableObject<KafdoEnv> {
  readonly #store: MetadataStore
  readonly #shards: TenantShardStore
  readonly #timers: TimerStore
  readonly #registry: SchemaRegistry
  /** Which tenant this object holds, opened on first use (taking over its rows from the old object first). */
  readonly #shard: MetadataShard

  constructor(ctx: DurableObjectState, env: KafdoEnv) {
    super(ctx, env)
    this.#store = new MetadataStore(ctx.storage)
    this.#shards = new TenantShardStore(ctx.storage)
    this.#timers = new TimerStore(ctx.storage)
    this.#registry = new SchemaRegistry(new SchemaStore(ctx.storage))
    this.#shard = new MetadataShard(env, ctx.storage, this.#store, this.#shards, this.#timers)
    ctx.blockConcurrencyWhile(async () => {
      runMigrations(ctx.storage, METADATA_MIGRATIONS)
    })
  }

  // Topics (tenant-metadata.ts).

  async createTopic(tenant: string, input: CreateTopicInput): Promise<Result<TopicMetadata>> {
    const created = await (await this.#open(tenant)).create(input)
    return created.ok ? this.#listed(tenant, created) : created
  }

  /** The topic `createTopic` would create, or why it would refuse; changes nothing (for dry runs). */
  async validateTopic(tenant: string, input: CreateTopicInput): Promise<Result<TopicMetadata>> {
    return (await this.#open(tenant)).validate(input)
  }

  async topic(tenant: string, name: string): Promise<TopicMetadata | null> {
    await this.#open(tenant)
    return this.#store.topic(tenant, name) ?? null
  }

  /** A topic's settings, versioned, for a partition object's first use. */
  async topicConfig(tenant: string, topicId: string): Promise<TopicConfigPush | null> {
    return (await this.#open(tenant)).configOf(topicId)
  }

  async listTopics(tenant: string): Promise<TopicMetadata[]> {
    await this.#open(tenant)
    return this.#store.topics(tenant)
  }

  async createPartitions(tenant: string, name: string, count: number, dryRun = false): Promise<Result<TopicMetadata>> {
    return (await this.#open(tenant)).createPartitions(name, count, dryRun)
  }

  async updateTopic(
    tenant: string,
    name: string,
    input: UpdateTopicInput,
    dryRun: boolean,
  ): Promise<Result<{ before: TopicMetadata; after: TopicMetadata }>> {
    return (await this.#open(tenant)).update(name, input, dryRun)
  }

  async deleteTopic(tenant: string, name: string): Promise<Result<TopicMetadata>> {
    return (await this.#open(tenant)).delete(name)
  }

  // Groups: registered here so topic changes reach them; each answers the topic list it starts from.

  async registerGroup(tenant: string, groupId: string): Promise<TopicsSnapshot> {
    const topics = await this.#open(tenant)
    this.#store.registerGroup(tenant, groupId, Date.now())
    return this.#listed(tenant, topics.snapshot())
  }

  /** The tenant's topics and partition counts, versioned; a group's periodic check reads it. */
  async topicSnapshot(tenant: string): Promise<TopicsSnapshot> {
    return (await this.#open(tenant)).snapshot()
  }

  async unregisterGroup(tenant: string, groupId: string): Promise<void> {
    await this.#open(tenant)
    this.#store.unregisterGroup(tenant, groupId)
  }

  async listGroups(tenant: string): Promise<string[]> {
    await this.#open(tenant)
    return this.#store.groups(tenant)
  }

  // API keys and quotas.

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    await this.#open(key.tenant)
    this.#store.insertApiKey(key)
    await this.#listed(key.tenant, null)
  }

  async apiKey(tenant: string, keyId: string): Promise<ApiKeyRecord | null> {
    await this.#open(tenant)
    const key = this.#store.apiKey(keyId)
    return key?.tenant === tenant ? key : null
  }

  async listApiKeys(tenant: string): Promise<ApiKeyRecord[]> {
    await this.#open(tenant)
    return this.#store.apiKeys(tenant)
  }

  async revokeApiKey(tenant: string, keyId: string): Promise<Result<null>> {
    await this.#open(tenant)
    return this.#store.revokeApiKey(tenant, keyId, Date.now()) ? ok(null) : fail('NOT_FOUND', `no active API key '${keyId}'`, { keyId })
  }

  async quotas(tenant: string): Promise<TenantQuotas> {
    return (await this.#open(tenant)).quotas()
  }

  async setQuotas(tenant: string, quotas: TenantQuotas): Promise<TenantQuotas> {
    await this.#open(tenant)
    this.#store.writeQuotas(tenant, JSON.stringify(quotas), Date.now())
    return this.#listed(tenant, quotas)
  }

  /** Deletes all of a tenant's topics (and their partitions' storage), groups' registry, keys, quotas and schemas. */
  async deleteTenant(tenant: string): Promise<{ topics: string[]; groups: string[] }> {
    const deleted = await (await this.#open(tenant)).deleteAll()
    await directoryStub(this.env).forgetTenant(tenant)
    this.#shard.unlisted()
    return deleted
  }

  // The schema registry (schema-registry.ts).

  async registerSchema(tenant: string, subject: string, schemaType: SchemaType, schema: string): Promise<Result<{ id: number; version: number }>> {
    await this.#open(tenant)
    const registered = this.#registry.register(tenant, subject, schemaType, schema)
    return registered.ok ? this.#listed(tenant, registered) : registered
  }

  async subjects(tenant: string): Promise<string[]> {
    return (await this.#registryOf(tenant)).subjects(tenant)
  }

  async subjectVersions(tenant: string, subject: string): Promise<Result<number[]>> {
    return (await this.#registryOf(tenant)).versions(tenant, subject)
  }

  async schemaVersion(tenant: string, subject: string, version: number | 'latest'): Promise<Result<SchemaVersion>> {
    return (await this.#registryOf(tenant)).version(tenant, subject, version)
  }

  /** Every live version of a subject, oldest first; empty when it has none. */
  async schemaHistory(tenant: string, subject: string): Promise<SchemaVersion[]> {
    return (await this.#registryOf(tenant)).history(tenant, subject)
  }

  async latestSchema(tenant: string, subject: string): Promise<SchemaVersion | null> {
    return (await this.#registryOf(tenant)).latest(tenant, subject)
  }

  async schemaById(tenant: string, id: number): Promise<Result<{ schema: string; schemaType: SchemaType }>> {
    return (await this.#registryOf(tenant)).byId(tenant, id)
  }

  async deleteSchemaVersion(tenant: string, subject: string, version: number | 'latest'): Promise<Result<number>> {
    return (await this.#registryOf(tenant)).deleteVersion(tenant, subject, version)
  }

  async deleteSubject(tenant: string, subject: string): Promise<Result<number[]>> {
    return (await this.#registryOf(tenant)).deleteSubject(tenant, subject)
  }

  async compatibility(tenant: string, subject?: string): Promise<CompatibilityMode> {
    return (await this.#registryOf(tenant)).compatibility(tenant, subject)
  }

  async setCompatibility(tenant: string, subject: string | undefined, mode: CompatibilityMode): Promise<CompatibilityMode> {
    return this.#listed(tenant, (await this.#registryOf(tenant)).setCompatibility(tenant, subject, mode))
  }

  async testCompatibility(
    tenant: string,
    subject: string,
    version: number | 'latest',
    schemaType: SchemaType,
    schema: string,
  ): Promise<Result<CompatibilityCheck>> {
    return (await this.#registryOf(tenant)).test(tenant, subject, version, schemaType, schema)
  }

  // The directory (called on the object named DIRECTORY_OBJECT_NAME only).

  /** Every tenant with data: those listed by their objects, and those whose rows are still here. */
  listTenants(): string[] {
    return [...new Set([...this.#shards.listedTenants(), ...this.#store.tenants()])].sort()
  }

  listTenant(tenant: string): void {
    this.#shards.listTenant(tenant, Date.now())
  }

  forgetTenant(tenant: string): void {
    this.ctx.storage.transactionSync(() => this.#shards.forgetTenant(tenant))
  }

  /** A tenant's rows from before the sharding, for its own object to take over; null when it has none. */
  exportLegacyTenant(tenant: string): TenantExport | null {
    const data = this.#shards.exportTenant(tenant)
    return Object.values(data).some((rows) => rows.length > 0) ? data : null
  }

  /** The tenant's own object holds its rows now: they go from here, and the tenant is listed. */
  releaseLegacyTenant(tenant: string): void {
    this.ctx.storage.transactionSync(() => {
      this.#shards.releaseTenant(tenant)
      this.#shards.listTenant(tenant, Date.now())
    })
  }

  /**
   * The tenant of an API key minted before keys named their tenant (services/api-keys.ts), and whether
   * any such key exists (none ever will again: a deployment without one need not ask).
   */
  legacyKeyTenant(keyId: string): { tenant: string | null; any: boolean } {
    return { tenant: this.#shards.legacyKeyTenant(keyId) ?? null, any: this.#shards.hasLegacyKeys() }
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

  override async alarm(): Promise<void> {
    const tenant = this.#shard.held()
    const topics = tenant === undefined ? undefined : await this.#open(tenant)
    const table: TimerTable<typeof PURGE_TIMER> = {
      [PURGE_TIMER]: (timer) => (topics ? topics.retryPurge(timer.key) : this.#shard.retryLegacyPurge(timer.key)),
    }
    await runDueTimers(this.#timers, table)
    await this.#timers.arm()
  }

  /** This tenant's topics, once its object is open; every tenant method starts here. */
  #open(tenant: string): Promise<TenantTopics> {
    return this.#shard.open(tenant)
  }

  #listed<T>(tenant: string, value: T): Promise<T> {
    return this.#shard.listed(tenant, value)
  }

  async #registryOf(tenant: string): Promise<SchemaRegistry> {
    await this.#open(tenant)
    return this.#registry
  }
}

/**
 * Opening a tenant's metadata object: which tenant it holds (kept in its `shard` row), taking over that
 * tenant's rows from the old cluster-wide object of deployments from before the sharding, and listing the
 * tenant in the directory once it has data. Every tenant method of ClusterMetadataDO starts with `open`;
 * until it has answered, the object holds no tenant (there is no half-open state to assert away).
 */
import type { KafdoEnv } from '../env.js'
import type { MetadataStore } from '../storage/metadata-store.js'
import type { ShardRow, TenantShardStore } from '../storage/tenant-shard-store.js'
import type { TimerOutcome } from '../storage/timer-dispatch.js'
import type { TimerStore } from '../storage/timers.js'
import { directoryStub } from './object-calls.js'
import { PURGE_RETRY_MS, TenantTopics } from './tenant-metadata.js'
import { purgeDeletedTopic } from './topic-deletion.js'

export class MetadataShard {
  readonly #env: KafdoEnv
  readonly #storage: DurableObjectStorage
  readonly #store: MetadataStore
  readonly #shards: TenantShardStore
  readonly #timers: TimerStore
  #opened: Promise<TenantTopics> | undefined

  constructor(env: KafdoEnv, storage: DurableObjectStorage, store: MetadataStore, shards: TenantShardStore, timers: TimerStore) {
    this.#env = env
    this.#storage = storage
    this.#store = store
    this.#shards = shards
    this.#timers = timers
  }

  /** The tenant this object holds, if it was ever opened (the directory holds none). */
  held(): string | undefined {
    return this.#shards.shard()?.tenant
  }

  /** This tenant's topics, once the object is open (taking over its rows from the old object first). */
  async open(tenant: string): Promise<TenantTopics> {
    this.#opened ??= this.#openFirst(tenant).catch((err: unknown) => {
      this.#opened = undefined
      throw err
    })
    const topics = await this.#opened
    if (topics.tenant !== tenant) throw new Error(`the metadata object of tenant '${topics.tenant}' was asked about tenant '${tenant}'`)
    if (this.#shards.shard()?.legacy === 'imported') await this.#releaseLegacy(tenant)
    return topics
  }

  /** After a write: the tenant is listed in the directory (once), so platform admins see it. */
  async listed<T>(tenant: string, value: T): Promise<T> {
    if (this.#shards.shard()?.listed) return value
    await directoryStub(this.#env).listTenant(tenant)
    this.#update({ listed: true })
    return value
  }

  /** The tenant was deleted (and taken off the directory's list). */
  unlisted(): void {
    this.#update({ listed: false })
  }

  /** In the directory: a topic deleted before the sharding, of a tenant whose object has not taken over yet. */
  async retryLegacyPurge(topicId: string): Promise<TimerOutcome> {
    const snapshotOf = (tenant: string) => new TenantTopics(tenant, this.#env, this.#storage, this.#store, this.#timers).snapshot()
    return (await purgeDeletedTopic(this.#env, this.#store, topicId, snapshotOf)) ? 'done' : { retryAt: Date.now() + PURGE_RETRY_MS }
  }

  async #openFirst(tenant: string): Promise<TenantTopics> {
    const topics = new TenantTopics(tenant, this.#env, this.#storage, this.#store, this.#timers)
    const shard = this.#shards.shard() ?? { tenant, legacy: 'none', listed: false }
    if (shard.tenant !== tenant) throw new Error(`the metadata object of tenant '${shard.tenant}' was asked about tenant '${tenant}'`)
    if (shard.legacy === 'none') await this.#takeOverLegacy(shard, topics)
    return topics
  }

  /**
   * Takes over the tenant's rows from the old cluster-wide object: copied here in one transaction, then
   * deleted there (by `open`). A failure in between leaves both copies; the next call deletes the old one.
   */
  async #takeOverLegacy(shard: ShardRow, topics: TenantTopics): Promise<void> {
    const data = await directoryStub(this.#env).exportLegacyTenant(shard.tenant)
    this.#storage.transactionSync(() => {
      if (data) this.#shards.importTenant(data)
      this.#shards.writeShard({ ...shard, legacy: data ? 'imported' : 'released', listed: data !== null })
    })
    if (!data) return
    // Clean-ups of topics deleted there go on here.
    topics.schedulePurges(
      [...data.deleted_topics, ...data.offset_purges].map((row) => String(row.topic_id)),
      Date.now(),
    )
    await this.#timers.arm()
  }

  /** Deletes the old copy of the tenant's rows once they are here; failing, it is tried on the next call. */
  async #releaseLegacy(tenant: string): Promise<void> {
    try {
      await directoryStub(this.#env).releaseLegacyTenant(tenant)
      this.#update({ legacy: 'released' })
    } catch {
      // The rows are here already: this call goes on, and the next one tries again.
    }
  }

  #update(change: Partial<ShardRow>): void {
    const shard = this.#shards.shard()
    if (shard) this.#shards.writeShard({ ...shard, ...change })
  }
}

/**
 * Typed SQL for ClusterMetadataDO: its migrations; topics (per tenant, with the id their partition
 * objects are named by), topics deleted but whose partition storage or groups' offsets are still being
 * removed, the group registry, API keys and quotas. The schema registry's tables are in schema-store.ts.
 */
import type { ApiKeyRecord } from '../protocol/metadata-rpc.js'
import { DEFAULT_QUEUE_POLICY, type QueuePolicy } from '../protocol/queues.js'
import { DEFAULT_TOPIC_CONFIG, type TopicConfig } from '../protocol/topic-config.js'
import type { TopicHealthThreshold } from '../protocol/monitoring.js'
import type { TopicMetadata } from '../protocol/topics.js'
import type { Migration } from './migrations.js'
import { TIMERS_TABLE } from './timers.js'

export const METADATA_MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE topics (
      tenant TEXT NOT NULL,
      name TEXT NOT NULL,
      topic_id TEXT NOT NULL UNIQUE,
      partitions INTEGER NOT NULL,
      config TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (tenant, name)
    )`,
    `CREATE TABLE deleted_topics (
      topic_id TEXT PRIMARY KEY,
      tenant TEXT NOT NULL,
      name TEXT NOT NULL,
      partitions INTEGER NOT NULL,
      deleted_at INTEGER NOT NULL
    )`,
    TIMERS_TABLE,
  ],
  [
    `CREATE TABLE consumer_groups (
      tenant TEXT NOT NULL,
      group_id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (tenant, group_id)
    )`,
  ],
  ["ALTER TABLE topics ADD COLUMN queue TEXT NOT NULL DEFAULT '{}'"],
  [
    `CREATE TABLE api_keys (
      key_id TEXT PRIMARY KEY,
      tenant TEXT NOT NULL,
      name TEXT NOT NULL,
      hash TEXT NOT NULL,
      permissions TEXT NOT NULL,
      created_by TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      revoked_at INTEGER
    )`,
    'CREATE TABLE quotas (tenant TEXT PRIMARY KEY, quotas TEXT NOT NULL, updated_at INTEGER NOT NULL)',
  ],
  [
    // The schema registry: schemas by id (one id per distinct schema per tenant, as Confluent does),
    // subjects' versions pointing at them, and compatibility settings ('' is the tenant-wide default).
    `CREATE TABLE schemas (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      tenant TEXT NOT NULL,
      schema_type TEXT NOT NULL,
      schema TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      UNIQUE (tenant, schema_type, fingerprint)
    )`,
    `CREATE TABLE subject_versions (
      tenant TEXT NOT NULL,
      subject TEXT NOT NULL,
      version INTEGER NOT NULL,
      schema_id INTEGER NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant, subject, version)
    )`,
    'CREATE TABLE subject_config (tenant TEXT NOT NULL, subject TEXT NOT NULL, compatibility TEXT NOT NULL, PRIMARY KEY (tenant, subject))',
  ],
  [
    // Groups that have yet to drop their committed offsets for a deleted topic (retried until they do).
    `CREATE TABLE offset_purges (
      topic_id TEXT NOT NULL,
      tenant TEXT NOT NULL,
      topic TEXT NOT NULL,
      group_id TEXT NOT NULL,
      PRIMARY KEY (topic_id, group_id)
    )`,
    'CREATE INDEX offset_purges_by_name ON offset_purges (tenant, topic)',
  ],
  // A topic's health thresholds (JSON array), beside its config and queue policy.
  ["ALTER TABLE topics ADD COLUMN health TEXT NOT NULL DEFAULT '[]'"],
  // Metadata sharded per tenant (storage/tenant-shard-store.ts): which tenant a shard holds and how far
  // it took its data from the old cluster-wide object; and, in that object (the directory), the tenants
  // and the tenant of each API key minted before key ids carried it.
  [
    `CREATE TABLE shard (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      tenant TEXT NOT NULL,
      legacy TEXT NOT NULL,
      listed INTEGER NOT NULL
    )`,
    'CREATE TABLE tenant_directory (tenant TEXT PRIMARY KEY, listed_at INTEGER NOT NULL)',
    'CREATE TABLE legacy_key_tenants (key_id TEXT PRIMARY KEY, tenant TEXT NOT NULL)',
  ],
]

type ApiKeyRow = {
  key_id: string
  tenant: string
  name: string
  hash: string
  permissions: string
  created_by: string
  created_at: number
  expires_at: number | null
  revoked_at: number | null
}

const toApiKey = (row: ApiKeyRow): ApiKeyRecord => ({
  keyId: row.key_id,
  tenant: row.tenant,
  name: row.name,
  hash: row.hash,
  permissions: JSON.parse(row.permissions) as string[],
  createdBy: row.created_by,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
})

type TopicRow = { name: string; topic_id: string; partitions: number; config: string; queue: string; health: string; created_at: number }

export interface DeletedTopic {
  tenant: string
  name: string
  topicId: string
  partitions: number
}

/** A group that has yet to drop its committed offsets for a deleted topic. */
export interface OffsetPurge {
  tenant: string
  topic: string
  groupId: string
}

const TOPIC_COLUMNS = 'name, topic_id, partitions, config, queue, health, created_at'

export class MetadataStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  topic(tenant: string, name: string): TopicMetadata | undefined {
    const row = this.#sql.exec<TopicRow>(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE tenant = ? AND name = ?`, tenant, name).toArray()[0]
    return row && toTopic(row)
  }

  topicById(tenant: string, topicId: string): TopicMetadata | undefined {
    const row = this.#sql.exec<TopicRow>(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE tenant = ? AND topic_id = ?`, tenant, topicId).toArray()[0]
    return row && toTopic(row)
  }

  /** When the topic last changed (ms), the version of its settings pushed to its partitions. */
  topicVersion(tenant: string, topicId: string): number | undefined {
    return this.#sql.exec<{ v: number }>('SELECT updated_at AS v FROM topics WHERE tenant = ? AND topic_id = ?', tenant, topicId).toArray()[0]?.v
  }

  topics(tenant: string): TopicMetadata[] {
    return this.#sql.exec<TopicRow>(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE tenant = ? ORDER BY name`, tenant).toArray().map(toTopic)
  }

  insertTopic(tenant: string, topic: TopicMetadata): void {
    this.#sql.exec(
      'INSERT INTO topics (tenant, name, topic_id, partitions, config, queue, health, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      tenant,
      topic.topic,
      topic.topicId,
      topic.partitions,
      JSON.stringify(topic.config),
      JSON.stringify(topic.queue),
      JSON.stringify(topic.health ?? []),
      topic.createdAt,
      topic.createdAt,
    )
  }

  updatePartitions(tenant: string, name: string, partitions: number, now: number): void {
    this.#sql.exec('UPDATE topics SET partitions = ?, updated_at = ? WHERE tenant = ? AND name = ?', partitions, now, tenant, name)
  }

  updateTopic(tenant: string, topic: TopicMetadata, now: number): void {
    this.#sql.exec(
      'UPDATE topics SET partitions = ?, config = ?, queue = ?, health = ?, updated_at = ? WHERE tenant = ? AND name = ?',
      topic.partitions,
      JSON.stringify(topic.config),
      JSON.stringify(topic.queue),
      JSON.stringify(topic.health ?? []),
      now,
      tenant,
      topic.topic,
    )
  }

  /**
   * Removes the topic and remembers what is left to clean up: its partitions until their storage is gone,
   * and `groups` until each has dropped its committed offsets for it.
   */
  markDeleted(tenant: string, topic: TopicMetadata, groups: readonly string[], now: number): void {
    this.#sql.exec('DELETE FROM topics WHERE tenant = ? AND name = ?', tenant, topic.topic)
    for (const groupId of groups) {
      this.#sql.exec(
        'INSERT OR IGNORE INTO offset_purges (topic_id, tenant, topic, group_id) VALUES (?, ?, ?, ?)',
        topic.topicId,
        tenant,
        topic.topic,
        groupId,
      )
    }
    this.#sql.exec(
      'INSERT OR REPLACE INTO deleted_topics (topic_id, tenant, name, partitions, deleted_at) VALUES (?, ?, ?, ?, ?)',
      topic.topicId,
      tenant,
      topic.topic,
      topic.partitions,
      now,
    )
  }

  deletedTopic(topicId: string): DeletedTopic | undefined {
    return this.#sql
      .exec<{ topic_id: string; tenant: string; name: string; partitions: number }>(
        'SELECT topic_id, tenant, name, partitions FROM deleted_topics WHERE topic_id = ?',
        topicId,
      )
      .toArray()
      .map((row) => ({ tenant: row.tenant, name: row.name, topicId: row.topic_id, partitions: row.partitions }))[0]
  }

  forgetDeleted(topicId: string): void {
    this.#sql.exec('DELETE FROM deleted_topics WHERE topic_id = ?', topicId)
  }

  /** The groups that still hold offsets of this deleted topic. */
  offsetPurges(topicId: string): OffsetPurge[] {
    return this.#sql
      .exec<{ tenant: string; topic: string; group_id: string }>('SELECT tenant, topic, group_id FROM offset_purges WHERE topic_id = ?', topicId)
      .toArray()
      .map((row) => ({ tenant: row.tenant, topic: row.topic, groupId: row.group_id }))
  }

  /** Ids of deleted topics of this name whose offsets some group still holds. */
  pendingOffsetPurges(tenant: string, topic: string): string[] {
    return this.#sql
      .exec<{ topic_id: string }>('SELECT DISTINCT topic_id FROM offset_purges WHERE tenant = ? AND topic = ?', tenant, topic)
      .toArray()
      .map((row) => row.topic_id)
  }

  forgetOffsetPurge(topicId: string, groupId: string): void {
    this.#sql.exec('DELETE FROM offset_purges WHERE topic_id = ? AND group_id = ?', topicId, groupId)
  }

  registerGroup(tenant: string, groupId: string, now: number): void {
    this.#sql.exec('INSERT OR IGNORE INTO consumer_groups (tenant, group_id, created_at) VALUES (?, ?, ?)', tenant, groupId, now)
  }

  /** The group is gone with its offsets: nothing is left to purge from it either. */
  unregisterGroup(tenant: string, groupId: string): void {
    this.#sql.exec('DELETE FROM consumer_groups WHERE tenant = ? AND group_id = ?', tenant, groupId)
    this.#sql.exec('DELETE FROM offset_purges WHERE tenant = ? AND group_id = ?', tenant, groupId)
  }

  groups(tenant: string): string[] {
    return this.#sql
      .exec<{ group_id: string }>('SELECT group_id FROM consumer_groups WHERE tenant = ? ORDER BY group_id', tenant)
      .toArray()
      .map((row) => row.group_id)
  }

  insertApiKey(key: ApiKeyRecord): void {
    this.#sql.exec(
      'INSERT INTO api_keys (key_id, tenant, name, hash, permissions, created_by, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)',
      key.keyId,
      key.tenant,
      key.name,
      key.hash,
      JSON.stringify(key.permissions),
      key.createdBy,
      key.createdAt,
      key.expiresAt,
    )
  }

  apiKey(keyId: string): ApiKeyRecord | undefined {
    const row = this.#sql.exec<ApiKeyRow>('SELECT * FROM api_keys WHERE key_id = ?', keyId).toArray()[0]
    return row && toApiKey(row)
  }

  apiKeys(tenant: string): ApiKeyRecord[] {
    return this.#sql.exec<ApiKeyRow>('SELECT * FROM api_keys WHERE tenant = ? ORDER BY created_at', tenant).toArray().map(toApiKey)
  }

  revokeApiKey(tenant: string, keyId: string, now: number): boolean {
    return (
      this.#sql.exec('UPDATE api_keys SET revoked_at = ? WHERE tenant = ? AND key_id = ? AND revoked_at IS NULL', now, tenant, keyId).rowsWritten > 0
    )
  }

  quotas(tenant: string): string | undefined {
    return this.#sql.exec<{ quotas: string }>('SELECT quotas FROM quotas WHERE tenant = ?', tenant).toArray()[0]?.quotas
  }

  writeQuotas(tenant: string, quotas: string, now: number): void {
    this.#sql.exec(
      'INSERT INTO quotas (tenant, quotas, updated_at) VALUES (?, ?, ?) ON CONFLICT(tenant) DO UPDATE SET quotas = excluded.quotas, updated_at = excluded.updated_at',
      tenant,
      quotas,
      now,
    )
  }

  /** Everything a tenant has here but its topics: schemas (schema-store.ts's tables), groups, keys, quotas. */
  deleteTenant(tenant: string): void {
    this.#sql.exec('DELETE FROM subject_versions WHERE tenant = ?', tenant)
    this.#sql.exec('DELETE FROM subject_config WHERE tenant = ?', tenant)
    this.#sql.exec('DELETE FROM schemas WHERE tenant = ?', tenant)
    this.#sql.exec('DELETE FROM consumer_groups WHERE tenant = ?', tenant)
    this.#sql.exec('DELETE FROM offset_purges WHERE tenant = ?', tenant)
    this.#sql.exec('DELETE FROM api_keys WHERE tenant = ?', tenant)
    this.#sql.exec('DELETE FROM quotas WHERE tenant = ?', tenant)
  }

  tenants(): string[] {
    return this.#sql
      .exec<{ tenant: string }>(
        'SELECT tenant FROM topics UNION SELECT tenant FROM consumer_groups UNION SELECT tenant FROM api_keys UNION SELECT tenant FROM quotas ORDER BY tenant',
      )
      .toArray()
      .map((row) => row.tenant)
  }
}

function toTopic(row: TopicRow): TopicMetadata {
  return {
    topic: row.name,
    topicId: row.topic_id,
    partitions: row.partitions,
    // Defaults first: topics created before a setting existed get its default.
    config: { ...DEFAULT_TOPIC_CONFIG, ...(JSON.parse(row.config) as Partial<TopicConfig>) },
    queue: { ...DEFAULT_QUEUE_POLICY, ...(JSON.parse(row.queue) as Partial<QueuePolicy>) },
    health: JSON.parse(row.health) as TopicHealthThreshold[],
    createdAt: row.created_at,
  }
}

/**
 * Typed SQL for metadata sharded per tenant. Each tenant's metadata object keeps a `shard` row (its
 * tenant, whether it is listed in the directory, and how far it took its data from the old cluster-wide
 * object). The directory object keeps the tenant list and, for API keys minted before key ids named
 * their tenant, which tenant each belongs to. Deployments from before the sharding hold every tenant's
 * rows in the directory object: a tenant's rows are exported from there, imported into its own object
 * in one transaction, and only then released (deleted) from the directory.
 */

/** The tables that hold a tenant's rows (each has a `tenant` column), in an order imports can follow. */
export const TENANT_TABLES = [
  'topics',
  'deleted_topics',
  'offset_purges',
  'consumer_groups',
  'api_keys',
  'quotas',
  'schemas',
  'subject_versions',
  'subject_config',
] as const

type TenantTable = (typeof TENANT_TABLES)[number]
type Row = Record<string, SqlStorageValue>

/** One tenant's rows from the old cluster-wide object, table by table. */
export type TenantExport = Record<TenantTable, Row[]>

/**
 * `none`: nothing taken from the old object yet; `imported`: its rows are here but the old object still
 * holds them; `released`: done.
 */
export type LegacyState = 'none' | 'imported' | 'released'

export interface ShardRow {
  tenant: string
  legacy: LegacyState
  listed: boolean
}

export class TenantShardStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  shard(): ShardRow | undefined {
    const row = this.#sql
      .exec<{ tenant: string; legacy: string; listed: number }>('SELECT tenant, legacy, listed FROM shard WHERE id = 1')
      .toArray()[0]
    return row && { tenant: row.tenant, legacy: row.legacy as LegacyState, listed: row.listed === 1 }
  }

  writeShard(shard: ShardRow): void {
    this.#sql.exec(
      `INSERT INTO shard (id, tenant, legacy, listed) VALUES (1, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET tenant = excluded.tenant, legacy = excluded.legacy, listed = excluded.listed`,
      shard.tenant,
      shard.legacy,
      shard.listed ? 1 : 0,
    )
  }

  /** Every row the tenant has in this object (the old cluster-wide one). */
  exportTenant(tenant: string): TenantExport {
    const rows = (table: TenantTable) => this.#sql.exec<Row>(`SELECT * FROM ${table} WHERE tenant = ?`, tenant).toArray()
    return Object.fromEntries(TENANT_TABLES.map((table) => [table, rows(table)])) as TenantExport
  }

  /** Copies exported rows in as they were (schema ids included, so ids already handed out stay valid). */
  importTenant(data: TenantExport): void {
    for (const table of TENANT_TABLES) {
      for (const row of data[table] ?? []) {
        const columns = Object.keys(row)
        this.#sql.exec(
          `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
          ...columns.map((column) => row[column] ?? null),
        )
      }
    }
  }

  /** Deletes the tenant's rows here once its own object holds them, remembering its API keys' tenant. */
  releaseTenant(tenant: string): void {
    this.#sql.exec('INSERT OR IGNORE INTO legacy_key_tenants (key_id, tenant) SELECT key_id, tenant FROM api_keys WHERE tenant = ?', tenant)
    this.#sql.exec(
      `DELETE FROM timers WHERE kind = 'purge-topic' AND key IN
       (SELECT topic_id FROM deleted_topics WHERE tenant = ? UNION SELECT topic_id FROM offset_purges WHERE tenant = ?)`,
      tenant,
      tenant,
    )
    for (const table of TENANT_TABLES) this.#sql.exec(`DELETE FROM ${table} WHERE tenant = ?`, tenant)
  }

  /** The tenant of an API key minted before key ids named it: still here, or released to its tenant. */
  legacyKeyTenant(keyId: string): string | undefined {
    return this.#sql
      .exec<{ tenant: string }>(
        'SELECT tenant FROM api_keys WHERE key_id = ? UNION SELECT tenant FROM legacy_key_tenants WHERE key_id = ?',
        keyId,
        keyId,
      )
      .toArray()[0]?.tenant
  }

  /** Whether any key of the older form is known here at all (a deployment from before the sharding). */
  hasLegacyKeys(): boolean {
    return this.#sql.exec('SELECT 1 FROM api_keys UNION ALL SELECT 1 FROM legacy_key_tenants LIMIT 1').toArray().length > 0
  }

  listTenant(tenant: string, now: number): void {
    this.#sql.exec('INSERT OR IGNORE INTO tenant_directory (tenant, listed_at) VALUES (?, ?)', tenant, now)
  }

  /** The tenant is deleted: nothing of it is left here, listed, old or keyed. */
  forgetTenant(tenant: string): void {
    this.releaseTenant(tenant)
    this.#sql.exec('DELETE FROM legacy_key_tenants WHERE tenant = ?', tenant)
    this.#sql.exec('DELETE FROM tenant_directory WHERE tenant = ?', tenant)
  }

  listedTenants(): string[] {
    return this.#sql
      .exec<{ tenant: string }>('SELECT tenant FROM tenant_directory ORDER BY tenant')
      .toArray()
      .map((row) => row.tenant)
  }
}

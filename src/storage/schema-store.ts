/**
 * Typed SQL for the schema registry's tables in ClusterMetadataDO (created by its migrations, in
 * metadata-store.ts): schema texts with their ids (`schemas`), subjects' versions (`subject_versions`,
 * deleted ones kept as such) and compatibility settings (`subject_config`).
 */

export interface StoredSchemaVersion {
  subject: string
  version: number
  id: number
  schemaType: string
  schema: string
}

export class SchemaStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  schemaById(tenant: string, id: number): { schemaType: string; schema: string } | undefined {
    return this.#sql
      .exec<{ schema_type: string; schema: string }>('SELECT schema_type, schema FROM schemas WHERE tenant = ? AND id = ?', tenant, id)
      .toArray()
      .map((r) => ({ schemaType: r.schema_type, schema: r.schema }))[0]
  }

  /** The id of this schema text in the tenant, adding it if new. */
  schemaId(tenant: string, schemaType: string, schema: string, fingerprint: string): number {
    const existing = this.#sql
      .exec<{ id: number }>('SELECT id FROM schemas WHERE tenant = ? AND schema_type = ? AND fingerprint = ?', tenant, schemaType, fingerprint)
      .toArray()[0]
    if (existing) return existing.id
    return this.#sql
      .exec<{ id: number }>(
        'INSERT INTO schemas (tenant, schema_type, schema, fingerprint) VALUES (?, ?, ?, ?) RETURNING id',
        tenant,
        schemaType,
        schema,
        fingerprint,
      )
      .one().id
  }

  subjects(tenant: string): string[] {
    return this.#sql
      .exec<{ subject: string }>('SELECT DISTINCT subject FROM subject_versions WHERE tenant = ? AND deleted = 0 ORDER BY subject', tenant)
      .toArray()
      .map((r) => r.subject)
  }

  /** A subject's live versions, oldest first. */
  subjectVersions(tenant: string, subject: string): StoredSchemaVersion[] {
    return this.#sql
      .exec<{ version: number; schema_id: number; schema_type: string; schema: string }>(
        `SELECT v.version, v.schema_id, s.schema_type, s.schema FROM subject_versions v JOIN schemas s ON s.id = v.schema_id
         WHERE v.tenant = ? AND v.subject = ? AND v.deleted = 0 ORDER BY v.version`,
        tenant,
        subject,
      )
      .toArray()
      .map((r) => ({ subject, version: r.version, id: r.schema_id, schemaType: r.schema_type, schema: r.schema }))
  }

  /** The latest live version alone (produce asks for it; a subject may have many large versions). */
  latestVersion(tenant: string, subject: string): StoredSchemaVersion | undefined {
    return this.#sql
      .exec<{ version: number; schema_id: number; schema_type: string; schema: string }>(
        `SELECT v.version, v.schema_id, s.schema_type, s.schema FROM subject_versions v JOIN schemas s ON s.id = v.schema_id
         WHERE v.tenant = ? AND v.subject = ? AND v.deleted = 0 ORDER BY v.version DESC LIMIT 1`,
        tenant,
        subject,
      )
      .toArray()
      .map((r) => ({ subject, version: r.version, id: r.schema_id, schemaType: r.schema_type, schema: r.schema }))[0]
  }

  nextVersion(tenant: string, subject: string): number {
    const row = this.#sql
      .exec<{ v: number | null }>('SELECT MAX(version) AS v FROM subject_versions WHERE tenant = ? AND subject = ?', tenant, subject)
      .one()
    return (row.v ?? 0) + 1
  }

  addVersion(tenant: string, subject: string, version: number, schemaId: number): void {
    this.#sql.exec('INSERT INTO subject_versions (tenant, subject, version, schema_id) VALUES (?, ?, ?, ?)', tenant, subject, version, schemaId)
  }

  deleteVersions(tenant: string, subject: string, version?: number): number[] {
    const versions = this.subjectVersions(tenant, subject)
      .map((v) => v.version)
      .filter((v) => version === undefined || v === version)
    for (const v of versions)
      this.#sql.exec('UPDATE subject_versions SET deleted = 1 WHERE tenant = ? AND subject = ? AND version = ?', tenant, subject, v)
    return versions
  }

  compatibility(tenant: string, subject: string): string | undefined {
    return this.#sql
      .exec<{ c: string }>('SELECT compatibility AS c FROM subject_config WHERE tenant = ? AND subject = ?', tenant, subject)
      .toArray()[0]?.c
  }

  setCompatibility(tenant: string, subject: string, compatibility: string): void {
    this.#sql.exec(
      'INSERT INTO subject_config (tenant, subject, compatibility) VALUES (?, ?, ?) ON CONFLICT(tenant, subject) DO UPDATE SET compatibility = excluded.compatibility',
      tenant,
      subject,
      compatibility,
    )
  }
}

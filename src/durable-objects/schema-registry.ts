/**
 * The schema registry's rules, run inside ClusterMetadataDO so that a registration's compatibility check
 * and its insert are one step: Confluent Schema Registry semantics for subjects, versions, ids (one id per
 * distinct schema, shared by subjects), soft deletes, and compatibility modes checked on registration.
 */
import { checkCompatibility, compileSchema } from '../core/schemas/index.js'
import { admitSchema, canonicalSchema } from '../core/schemas/registration.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import { DEFAULT_COMPATIBILITY, type CompatibilityCheck, type CompatibilityMode, type SchemaType, type SchemaVersion } from '../protocol/schemas.js'
import type { SchemaStore, StoredSchemaVersion } from '../storage/schema-store.js'

/** The tenant-wide default lives under this subject name. */
const GLOBAL = ''

export class SchemaRegistry {
  readonly #store: SchemaStore

  constructor(store: SchemaStore) {
    this.#store = store
  }

  register(tenant: string, subject: string, schemaType: SchemaType, schema: string): Result<{ id: number; version: number }> {
    const admitted = admitSchema(subject, this.#store.subjectVersions(tenant, subject), schemaType, schema, this.compatibility(tenant, subject))
    if (!admitted.ok) return admitted
    const same = admitted.value.existing
    if (same) return ok({ id: same.id, version: same.version })
    const id = this.#store.schemaId(tenant, schemaType, schema, canonicalSchema(schema))
    const version = this.#store.nextVersion(tenant, subject)
    this.#store.addVersion(tenant, subject, version, id)
    return ok({ id, version })
  }

  /** Every live version of the subject, oldest first (what the declarative planner compares against). */
  history(tenant: string, subject: string): SchemaVersion[] {
    return this.#store.subjectVersions(tenant, subject).map(toVersion)
  }

  subjects(tenant: string): string[] {
    return this.#store.subjects(tenant)
  }

  versions(tenant: string, subject: string): Result<number[]> {
    const versions = this.#store.subjectVersions(tenant, subject)
    return versions.length > 0 ? ok(versions.map((v) => v.version)) : subjectNotFound(subject)
  }

  version(tenant: string, subject: string, version: number | 'latest'): Result<SchemaVersion> {
    const versions = this.#store.subjectVersions(tenant, subject)
    if (versions.length === 0) return subjectNotFound(subject)
    const found = version === 'latest' ? versions[versions.length - 1] : versions.find((v) => v.version === version)
    return found ? ok(toVersion(found)) : fail('VERSION_NOT_FOUND', `subject '${subject}' has no version ${version}`, { confluentErrorCode: 40402 })
  }

  /** The latest version, or null: what produce validates against. */
  latest(tenant: string, subject: string): SchemaVersion | null {
    const last = this.#store.latestVersion(tenant, subject)
    return last ? toVersion(last) : null
  }

  byId(tenant: string, id: number): Result<{ schema: string; schemaType: SchemaType }> {
    const found = this.#store.schemaById(tenant, id)
    return found
      ? ok({ schema: found.schema, schemaType: found.schemaType as SchemaType })
      : fail('SCHEMA_NOT_FOUND', `no schema with id ${id}`, { confluentErrorCode: 40403 })
  }

  deleteVersion(tenant: string, subject: string, version: number | 'latest'): Result<number> {
    const found = this.version(tenant, subject, version)
    if (!found.ok) return found
    this.#store.deleteVersions(tenant, subject, found.value.version)
    return ok(found.value.version)
  }

  deleteSubject(tenant: string, subject: string): Result<number[]> {
    const deleted = this.#store.deleteVersions(tenant, subject)
    return deleted.length > 0 ? ok(deleted) : subjectNotFound(subject)
  }

  compatibility(tenant: string, subject?: string): CompatibilityMode {
    const own = subject === undefined ? undefined : this.#store.compatibility(tenant, subject)
    return (own ?? this.#store.compatibility(tenant, GLOBAL) ?? DEFAULT_COMPATIBILITY) as CompatibilityMode
  }

  setCompatibility(tenant: string, subject: string | undefined, mode: CompatibilityMode): CompatibilityMode {
    this.#store.setCompatibility(tenant, subject ?? GLOBAL, mode)
    return mode
  }

  /** Confluent's `POST /compatibility/subjects/:subject/versions/:version`: checks against that version. */
  test(tenant: string, subject: string, version: number | 'latest', schemaType: SchemaType, schema: string): Result<CompatibilityCheck> {
    const compiled = compileSchema(schemaType, schema)
    if (!compiled.ok) return fail('INVALID_SCHEMA', `invalid ${schemaType} schema: ${compiled.error}`, { confluentErrorCode: 42201 })
    const against = this.version(tenant, subject, version)
    if (!against.ok) return against
    if (against.value.schemaType !== schemaType)
      return ok({ is_compatible: false, messages: [`the subject holds ${against.value.schemaType} schemas`] })
    const mode = this.compatibility(tenant, subject)
    const nonTransitive = mode.replace('_TRANSITIVE', '') as CompatibilityMode
    const checked = checkCompatibility(schemaType, schema, [against.value.schema], nonTransitive)
    return ok(checked.compatible ? { is_compatible: true, messages: [] } : { is_compatible: false, messages: checked.messages })
  }
}

function toVersion(v: StoredSchemaVersion): SchemaVersion {
  return { subject: v.subject, id: v.id, version: v.version, schema: v.schema, schemaType: v.schemaType as SchemaType }
}

function subjectNotFound(subject: string): Result<never> {
  return fail('SUBJECT_NOT_FOUND', `subject '${subject}' not found`, { confluentErrorCode: 40401 })
}

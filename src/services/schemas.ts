/**
 * Schema validation on produce: a topic with `confluent.value.schema.validation=true` (or the key
 * variant) checks every record against the latest schema of subject `<topic>-value` (`<topic>-key`), as
 * Confluent's broker-side validation does. A batch with one invalid record is refused whole (422
 * INVALID_RECORD naming the record and each failing path) before anything is written; valid records
 * carry the schema id in a header. Schemas are cached in the isolate for a few seconds, compiled once.
 */
import { compileSchema, type Validator } from '../core/schemas/index.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import { KEY_SCHEMA_ID_HEADER, keySubjectOf, SCHEMA_ID_HEADER, valueSubjectOf, type SchemaVersion } from '../protocol/schemas.js'
import type { TopicMetadata } from '../protocol/topics.js'
import { attempt, metadataStub } from './stubs.js'

const SCHEMA_CACHE_MS = 5_000
const latestCache = new Map<string, { version: SchemaVersion | null; expiresAt: number }>()
const compiled = new Map<string, Validator>()

interface Checkable {
  key?: string | null | undefined
  value?: unknown
  headers?: Record<string, string> | undefined
}

/** Validates records in place of a produce; returns them with schema-id headers added. */
export async function validateRecords<R extends Checkable>(
  env: KafdoBindings,
  tenant: string,
  topic: TopicMetadata,
  records: readonly R[],
): Promise<readonly R[]> {
  const checks: Array<{ subject: string; header: string; pick: (record: R) => unknown }> = []
  if (topic.config['confluent.value.schema.validation'])
    checks.push({ subject: valueSubjectOf(topic.topic), header: SCHEMA_ID_HEADER, pick: (r) => r.value ?? null })
  if (topic.config['confluent.key.schema.validation'])
    checks.push({ subject: keySubjectOf(topic.topic), header: KEY_SCHEMA_ID_HEADER, pick: (r) => r.key ?? null })
  if (checks.length === 0) return records
  const headers: Record<string, string> = {}
  for (const check of checks) {
    const version = await latestSchema(env, tenant, check.subject)
    if (!version) {
      throw new KafdoError('INVALID_RECORD', `topic '${topic.topic}' validates against subject '${check.subject}', which has no schema`, {
        subject: check.subject,
      })
    }
    const validator = validatorFor(version)
    for (const [index, record] of records.entries()) {
      const result = validator.validate(check.pick(record))
      if (!result.valid) {
        throw new KafdoError(
          'INVALID_RECORD',
          `record ${index} does not match schema ${version.id} of '${check.subject}': ${result.errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`,
          {
            index,
            subject: check.subject,
            schemaId: version.id,
            errors: result.errors,
          },
        )
      }
    }
    headers[check.header] = String(version.id)
  }
  return records.map((record) => ({ ...record, headers: { ...(record.headers ?? {}), ...headers } }))
}

async function latestSchema(env: KafdoBindings, tenant: string, subject: string): Promise<SchemaVersion | null> {
  const key = `${tenant}/${subject}`
  const hit = latestCache.get(key)
  if (hit && hit.expiresAt > Date.now()) return hit.version
  const version = await attempt(() => metadataStub(env, tenant).latestSchema(tenant, subject))
  latestCache.set(key, { version, expiresAt: Date.now() + SCHEMA_CACHE_MS })
  return version
}

/** Registering a schema makes produce see it at once in this isolate. */
export function forgetSchema(tenant: string, subject: string): void {
  latestCache.delete(`${tenant}/${subject}`)
}

function validatorFor(version: SchemaVersion): Validator {
  const cacheKey = `${version.schemaType}:${version.id}:${version.schema.length}`
  let validator = compiled.get(cacheKey)
  if (!validator) {
    const result = compileSchema(version.schemaType, version.schema)
    if (!result.ok) throw new KafdoError('INTERNAL_ERROR', `stored schema ${version.id} no longer compiles`)
    validator = result.validator
    compiled.set(cacheKey, validator)
  }
  return validator
}

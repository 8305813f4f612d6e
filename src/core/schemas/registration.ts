/**
 * Whether a schema may be registered under a subject, as pure logic: the registry runs it before each
 * insert, and the declarative planner (`core/apply/`) runs it to list an incompatible schema as a refusal
 * before anything is applied. Confluent's rules: a schema already registered under the subject (ignoring
 * formatting and key order) is answered with its existing version; otherwise it must compile, the subject
 * must have room, and it must be compatible with the subject's versions under its compatibility mode.
 */
import { fail, ok, type Result } from '../../protocol/errors.js'
import type { CompatibilityMode, SchemaType } from '../../protocol/schemas.js'
import { checkCompatibility } from './compatibility.js'
import { compileSchema } from './index.js'

/** Registration compares against and loads every live version; keep that bounded. */
export const MAX_VERSIONS_PER_SUBJECT = 100

export interface RegisteredVersion {
  id: number
  version: number
  schemaType: string
  schema: string
}

/** `existing`: the version that already holds this schema (registering it again changes nothing), or null. */
export function admitSchema(
  subject: string,
  versions: readonly RegisteredVersion[],
  schemaType: SchemaType,
  schema: string,
  mode: CompatibilityMode,
): Result<{ existing: RegisteredVersion | null }> {
  const compiled = compileSchema(schemaType, schema)
  if (!compiled.ok) return fail('INVALID_SCHEMA', `invalid ${schemaType} schema: ${compiled.error}`, { confluentErrorCode: 42201 })
  const same = findSchema(versions, schemaType, schema)
  if (same) return ok({ existing: same })
  if (versions.length >= MAX_VERSIONS_PER_SUBJECT) {
    return fail('POLICY_VIOLATION', `subject '${subject}' already has ${MAX_VERSIONS_PER_SUBJECT} versions; delete old ones first`, {
      limit: MAX_VERSIONS_PER_SUBJECT,
    })
  }
  if (mode !== 'NONE' && versions.length > 0) {
    if (versions.some((v) => v.schemaType !== schemaType)) {
      return fail('INCOMPATIBLE_SCHEMA', `subject '${subject}' holds ${versions[0]!.schemaType} schemas; a ${schemaType} schema is incompatible`, {
        confluentErrorCode: 409,
      })
    }
    const checked = checkCompatibility(
      schemaType,
      schema,
      versions.map((v) => v.schema),
      mode,
    )
    if (!checked.compatible) {
      return fail('INCOMPATIBLE_SCHEMA', `schema is incompatible with an earlier version under ${mode}: ${checked.messages.join('; ')}`, {
        confluentErrorCode: 409,
        messages: checked.messages,
      })
    }
  }
  return ok({ existing: null })
}

/** The version holding `schema` (same type, same canonical form), if any. */
export function findSchema<V extends { schemaType: string; schema: string }>(
  versions: readonly V[],
  schemaType: string,
  schema: string,
): V | undefined {
  const fingerprint = canonicalSchema(schema)
  return versions.find((v) => v.schemaType === schemaType && canonicalSchema(v.schema) === fingerprint)
}

/** A schema's identity ignores formatting and key order. */
export function canonicalSchema(schema: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(schema)))
  } catch {
    return schema.trim()
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

/** The schema registry (a Confluent Schema Registry-compatible subset) and schema-validated topics. */
import { z } from 'zod'

export const SCHEMA_TYPES = ['AVRO', 'JSON'] as const
export type SchemaType = (typeof SCHEMA_TYPES)[number]

export const COMPATIBILITY_MODES = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number]
/** Confluent's default. */
export const DEFAULT_COMPATIBILITY: CompatibilityMode = 'BACKWARD'

export const subjectSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"')

export const MAX_SCHEMA_LENGTH = 256 * 1024

export const registerSchemaRequestSchema = z.strictObject({
  schema: z.string().min(1).max(MAX_SCHEMA_LENGTH),
  /** Confluent's default is AVRO. */
  schemaType: z.enum(SCHEMA_TYPES).optional(),
  /** Confluent clients send `references: []`; schema references are not supported. */
  references: z.array(z.unknown()).max(0, 'must be empty: schema references are not supported').optional(),
})
export type RegisterSchemaRequest = z.infer<typeof registerSchemaRequestSchema>

export const compatibilityConfigSchema = z
  .strictObject({ compatibility: z.enum(COMPATIBILITY_MODES) })
  .meta({ id: 'CompatibilityConfig', example: { compatibility: 'FULL' } })

const VERSION = 'must be a version number (1 or more) or "latest"'
export const versionParamSchema = z.union([z.literal('latest'), z.coerce.number().int(VERSION).min(1, VERSION)], VERSION)

export const schemaVersionSchema = z
  .object({ subject: z.string(), id: z.number().int(), version: z.number().int(), schema: z.string(), schemaType: z.enum(SCHEMA_TYPES) })
  .meta({
    id: 'SchemaVersion',
    example: {
      subject: 'orders-value',
      id: 1,
      version: 1,
      schema: '{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}',
      schemaType: 'AVRO',
    },
  })
export type SchemaVersion = z.infer<typeof schemaVersionSchema>

/** `GET /schemas/ids/:id`: the schema with that id, whichever subjects use it. */
export const schemaByIdSchema = z
  .object({ schema: z.string(), schemaType: z.enum(SCHEMA_TYPES) })
  .meta({ id: 'SchemaById', example: { schema: '{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}', schemaType: 'JSON' } })
export const registeredSchemaSchema = z.object({ id: z.number().int() }).meta({ id: 'RegisteredSchema', example: { id: 1 } })
export const compatibilityLevelSchema = z
  .object({ compatibilityLevel: z.enum(COMPATIBILITY_MODES) })
  .meta({ id: 'CompatibilityLevel', example: { compatibilityLevel: 'BACKWARD' } })
/** Confluent's answer to a compatibility check, field names included. */
export const compatibilityCheckSchema = z
  .object({ is_compatible: z.boolean(), messages: z.array(z.string()) })
  .meta({ id: 'CompatibilityCheck', example: { is_compatible: true, messages: [] } })
export type CompatibilityCheck = z.infer<typeof compatibilityCheckSchema>

/** TopicNameStrategy: the subjects a topic's values and keys are validated against. */
export const valueSubjectOf = (topic: string) => `${topic}-value`
export const keySubjectOf = (topic: string) => `${topic}-key`
/** The topic a subject belongs to (its name without `-value`/`-key`): permissions on it cover the subject. */
export const topicOfSubject = (subject: string) => subject.replace(/-(value|key)$/, '')

/** The header a validated record carries: the id of the schema it was checked against. */
export const SCHEMA_ID_HEADER = 'kafdo-schema-id'
export const KEY_SCHEMA_ID_HEADER = 'kafdo-key-schema-id'

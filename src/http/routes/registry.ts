/**
 * Route definitions of the schema registry: the Confluent Schema Registry REST paths (`/subjects`,
 * `/schemas/ids`, `/config`, `/compatibility`), so its clients can register and look up schemas.
 */
import { z } from 'zod'
import {
  compatibilityCheckSchema,
  compatibilityConfigSchema,
  compatibilityLevelSchema,
  registeredSchemaSchema,
  registerSchemaRequestSchema,
  schemaByIdSchema,
  schemaVersionSchema,
  subjectSchema,
  versionParamSchema,
} from '../../protocol/schemas.js'
import { defineRoute } from '../openapi/define.js'

const tag = 'Schema registry'
const subject = { subject: subjectSchema }
const version = { ...subject, version: versionParamSchema }
const read = "`topic:read` on the subject's topic (the subject without `-value`/`-key`)"
const change = "`topic:config` on the subject's topic"
const schemaExample = { schema: '{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}', schemaType: 'AVRO' }

export const listSubjects = defineRoute({
  method: 'get',
  path: '/subjects',
  operationId: 'listSubjects',
  tag,
  summary: 'List subjects',
  permission: '`topic:read` (subjects of topics the caller may read)',
  answers: { 200: { description: 'The subjects', schema: z.array(z.string()), example: ['orders-value'] } },
})

export const listVersions = defineRoute({
  method: 'get',
  path: '/subjects/:subject/versions',
  operationId: 'listSchemaVersions',
  tag,
  summary: "A subject's versions",
  permission: read,
  params: subject,
  answers: { 200: { description: 'The version numbers', schema: z.array(z.number().int()), example: [1, 2] } },
  errors: ['SUBJECT_NOT_FOUND'],
})

export const register = defineRoute({
  method: 'post',
  path: '/subjects/:subject/versions',
  operationId: 'registerSchema',
  tag,
  summary: 'Register a schema',
  description:
    "Registers a new version (AVRO by default, or JSON Schema) if it is compatible with the subject's compatibility mode; registering a schema the subject already holds answers its id. A topic with `confluent.value.schema.validation=true` then refuses records that do not match (`INVALID_RECORD`).",
  permission: change,
  params: subject,
  body: registerSchemaRequestSchema,
  bodyExample: schemaExample,
  answers: { 200: { description: "The schema's id", schema: registeredSchemaSchema } },
  errors: ['INCOMPATIBLE_SCHEMA', 'INVALID_SCHEMA', 'POLICY_VIOLATION'],
})

export const getVersion = defineRoute({
  method: 'get',
  path: '/subjects/:subject/versions/:version',
  operationId: 'getSchemaVersion',
  tag,
  summary: 'A version of a subject',
  permission: read,
  params: version,
  answers: { 200: { description: 'The version', schema: schemaVersionSchema } },
  errors: ['SUBJECT_NOT_FOUND', 'VERSION_NOT_FOUND'],
})

export const getVersionSchema = defineRoute({
  method: 'get',
  path: '/subjects/:subject/versions/:version/schema',
  operationId: 'getSchemaText',
  tag,
  summary: 'The schema of a version, as is',
  permission: read,
  params: version,
  answers: {
    200: {
      description: 'The schema itself (an Avro or JSON Schema document)',
      schema: z.unknown(),
      example: { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] },
    },
  },
  errors: ['SUBJECT_NOT_FOUND', 'VERSION_NOT_FOUND'],
})

export const deleteVersion = defineRoute({
  method: 'delete',
  path: '/subjects/:subject/versions/:version',
  operationId: 'deleteSchemaVersion',
  tag,
  summary: 'Delete a version',
  permission: change,
  params: version,
  answers: { 200: { description: 'The version deleted', schema: z.number().int(), example: 2 } },
  errors: ['SUBJECT_NOT_FOUND', 'VERSION_NOT_FOUND'],
})

export const deleteSubject = defineRoute({
  method: 'delete',
  path: '/subjects/:subject',
  operationId: 'deleteSubject',
  tag,
  summary: 'Delete a subject',
  permission: change,
  params: subject,
  answers: { 200: { description: 'The versions deleted', schema: z.array(z.number().int()), example: [1, 2] } },
  errors: ['SUBJECT_NOT_FOUND'],
})

export const schemaById = defineRoute({
  method: 'get',
  path: '/schemas/ids/:id',
  operationId: 'getSchemaById',
  tag,
  summary: 'A schema by id',
  description: 'An id does not say which subject it belongs to, so reading by id needs `topic:read` on every topic.',
  permission: '`topic:read` on `*`',
  params: { id: z.coerce.number().int().min(1) },
  answers: { 200: { description: 'The schema', schema: schemaByIdSchema } },
  errors: ['SCHEMA_NOT_FOUND'],
})

export const getConfig = defineRoute({
  method: 'get',
  path: '/config',
  operationId: 'getCompatibility',
  tag,
  summary: "The tenant's default compatibility mode",
  permission: '`topic:read`',
  answers: { 200: { description: 'The mode', schema: compatibilityLevelSchema } },
})

export const setConfig = defineRoute({
  method: 'put',
  path: '/config',
  operationId: 'setCompatibility',
  tag,
  summary: "Set the tenant's default compatibility mode",
  permission: '`admin`',
  body: compatibilityConfigSchema,
  bodyExample: { compatibility: 'BACKWARD' },
  answers: { 200: { description: 'The mode now', schema: compatibilityConfigSchema } },
})

export const getSubjectConfig = defineRoute({
  method: 'get',
  path: '/config/:subject',
  operationId: 'getSubjectCompatibility',
  tag,
  summary: "A subject's compatibility mode",
  description: "The subject's own mode, or the tenant's default.",
  permission: read,
  params: subject,
  answers: { 200: { description: 'The mode', schema: compatibilityLevelSchema } },
})

export const setSubjectConfig = defineRoute({
  method: 'put',
  path: '/config/:subject',
  operationId: 'setSubjectCompatibility',
  tag,
  summary: "Set a subject's compatibility mode",
  permission: change,
  params: subject,
  body: compatibilityConfigSchema,
  bodyExample: { compatibility: 'FULL' },
  answers: { 200: { description: 'The mode now', schema: compatibilityConfigSchema } },
})

export const testCompatibility = defineRoute({
  method: 'post',
  path: '/compatibility/subjects/:subject/versions/:version',
  operationId: 'testCompatibility',
  tag,
  summary: 'Check a schema against a version',
  permission: read,
  params: version,
  body: registerSchemaRequestSchema,
  bodyExample: schemaExample,
  answers: { 200: { description: 'Whether it is compatible, and why not', schema: compatibilityCheckSchema } },
  errors: ['SUBJECT_NOT_FOUND', 'VERSION_NOT_FOUND', 'INVALID_SCHEMA'],
})

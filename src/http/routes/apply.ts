/** Route definition of `POST /admin/apply`: declarative configuration. */
import { applyDocumentSchema, applyQuerySchema, applyResultSchema } from '../../protocol/apply.js'
import { defineRoute } from '../openapi/define.js'

export const apply = defineRoute({
  method: 'post',
  path: '/apply',
  operationId: 'apply',
  tag: 'Declarative configuration',
  summary: 'Plan or apply a configuration document',
  description: [
    "The document `kafdo apply -f` reads (as JSON): the tenant's topics, queues, schemas, quotas and API keys, each section a map keyed by name. `?dryRun=true` answers the plan (create / update / unchanged / delete) and changes nothing; otherwise only the differences are applied. `?prune=true` deletes what the sections present do not list. `?rotateKeys=true` replaces an API key declared with other permissions.",
    "Everything is planned and every permission checked before anything changes. A refusal (a lowered partition count, an unknown config key, an incompatible schema, a quota, a missing permission) answers `422 POLICY_VIOLATION` (or `403 FORBIDDEN`) with nothing applied; a step that fails answers its own code with `incomplete`. In both cases the error's `details.result` is the whole result (an `ApplyResult`), saying what was and was not applied.",
  ].join('\n\n'),
  permission:
    'for a dry run, read permissions on what it reads (`topic:read`, `apikey:admin` for keys, `admin` for quotas); to apply, per item what the route making that change needs',
  query: applyQuerySchema,
  body: applyDocumentSchema,
  bodyExample: {
    version: 1,
    topics: { orders: { partitions: 3, config: { 'retention.ms': 604800000 } } },
    queues: { jobs: { retry: { strategy: 'exponential', delayMs: 1000, maxAttempts: 5 } } },
  },
  answers: { 200: { description: 'The plan (dry run) or what was applied', schema: applyResultSchema } },
  errors: [
    'POLICY_VIOLATION',
    'INVALID_CONFIG',
    'INVALID_PARTITIONS',
    'INVALID_TOPIC_EXCEPTION',
    'TOPIC_ALREADY_EXISTS',
    'UNKNOWN_TOPIC_OR_PARTITION',
    'INCOMPATIBLE_SCHEMA',
    'INVALID_SCHEMA',
    'NOT_FOUND',
  ],
})

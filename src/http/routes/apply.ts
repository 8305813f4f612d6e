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
    "The document `kafdo apply -f` reads (as JSON): the tenant's topics, queues, schemas, quotas, API keys, alert webhooks and consumer groups' health thresholds, each section a map keyed by name. `?dryRun=true` answers the plan (create / update / unchanged / delete) and changes nothing; otherwise only the differences are applied. `?prune=true` deletes what the sections present do not list (for `groups`, clears their thresholds). `?rotateKeys=true` replaces an API key declared with other permissions.",
    'A webhook is matched by its `name` to the subscription created with that name, and changed in place (its id and delivery log stay). Its secret is managed only when declared, compared by digest and never shown; a secret Kafdo makes for a new webhook is in the answer once (`secret.webhookId`, `secret.secret`). The plan shows webhook URLs without their path and query. `health` on a topic, queue or group is kept as it is when omitted; `{"thresholds": []}` clears it. The `webhooks` and `groups` sections need the TENANT_MONITOR binding (503 without it, nothing applied).',
    "Everything is planned and every permission checked before anything changes. A refusal (a lowered partition count, an unknown config key, an incompatible schema, a quota, a missing permission) answers `422 POLICY_VIOLATION` (or `403 FORBIDDEN`) with nothing applied; a step that fails answers its own code with `incomplete`. In both cases the error's `details.result` is the whole result (an `ApplyResult`), saying what was and was not applied.",
  ].join('\n\n'),
  permission:
    'for a dry run, read permissions on what it reads (`topic:read`, `apikey:admin` for keys, `admin` for quotas, `webhook:admin` for webhooks, `group:read` for groups); to apply, per item what the route making that change needs',
  query: applyQuerySchema,
  body: applyDocumentSchema,
  bodyExample: {
    version: 1,
    topics: { orders: { partitions: 3, config: { 'retention.ms': 604800000 } } },
    queues: {
      jobs: {
        retry: { strategy: 'exponential', delayMs: 1000, maxAttempts: 5 },
        health: { thresholds: [{ metric: 'dlqDepth', op: '>', value: 0, severity: 'failing' }] },
      },
    },
    webhooks: { oncall: { url: 'https://alerts.example.com/kafdo', events: ['record.dead_lettered', 'health.threshold_crossed'] } },
    groups: { billing: { health: { thresholds: [{ metric: 'lag', op: '>', value: 10000, forMs: 300000 }] } } },
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

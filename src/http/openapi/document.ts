/**
 * The OpenAPI 3.1 document of an app: its routes' definitions (every route is served through
 * `serve`, which registers it), plus what belongs to the API as a whole: security schemes, the
 * `tenant` query parameter every authenticated route takes, the alert webhook's event, and tags.
 * `GET /openapi.json` answers it and `npm run generate` commits it as openapi/kafdo.openapi.json.
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import { ERROR_CODE_NAMES } from '../../protocol/errors.js'
import { webhookEventSchema } from '../../protocol/monitoring-answers.js'
import { SIGNATURE_HEADER } from '../../protocol/monitoring.js'
import { VERSION } from '../../version.js'
import type { AppEnv } from '../context.js'
import { ERROR_EXAMPLES } from './error-examples.js'

type Document = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>

const DESCRIPTION = `Kafka's programming model (topics, partitions, offsets, consumer groups) and queues (leases, retries, dead-letter queues) on Cloudflare Workers and Durable Objects.

**Authentication.** Every route but \`/health\`, \`/openapi.json\` and \`/docs\` needs a credential: a JWT (\`Authorization: Bearer <token>\`) or an API key (\`x-api-key: <key>\`, or as the bearer token). Credentials in the URL are refused. A platform admin acts in another tenant with \`?tenant=\`.

**Errors.** Every error has one shape, \`{"error": {"code", "message", "details"?}}\` (\`ErrorBody\`), with the status of its code. Each operation lists the codes it can answer under their status (also as \`x-error-codes\`). Besides those, any path answers \`404 NOT_FOUND\` when no route has it and \`405 METHOD_NOT_ALLOWED\` (with \`Allow\`) for a method it does not take. Every response carries \`x-request-id\` (the caller's, or a new one).

**Values** are JSON; binary values travel base64-encoded with \`valueEncoding: "base64"\`.`

const TAGS = [
  ['Records', 'Produce and fetch on a topic partition'],
  ['Consumer groups', "Kafka 4's consumer protocol: join, heartbeat, fetch through the group, commit"],
  ['Topics', 'Topic administration'],
  ['Group administration', 'Consumer groups seen and changed by an operator'],
  ['Queues', 'Any topic consumed as a queue: leases, acks, retries'],
  ['Dead-letter queue', "A queue's dead-lettered records: inspect, re-drive, purge"],
  ['Schema registry', 'Confluent Schema Registry-compatible subjects and schemas'],
  ['API keys', 'Keys held by services, with permissions'],
  ['Audit', 'Who created, deleted, changed or was refused what'],
  ['Quotas', "A tenant's rate and size quotas"],
  ['Tenants', 'Platform administration of tenants'],
  ['Declarative configuration', 'Plan and apply a configuration document (kafdo apply)'],
  ['Monitoring', 'Prometheus metrics and health'],
  ['Alert webhooks', 'Alert subscriptions and group health thresholds'],
  ['Service', 'The index, liveness, and this description'],
] as const

const built = new WeakMap<object, Document>()

export function openApiDocument(app: OpenAPIHono<AppEnv>): Document {
  let document = built.get(app)
  if (document) return document
  const registry = app.openAPIRegistry
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A JWT from the configured issuer (HS256 secret or JWKS), or an API key sent as the bearer token.',
  })
  registry.registerComponent('securitySchemes', 'apiKeyAuth', { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key.' })
  registry.registerComponent('parameters', 'tenant', {
    name: 'tenant',
    in: 'query',
    required: false,
    description: "The tenant to act in; only a platform admin may name one other than the credential's.",
    schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
  })
  registry.registerWebhook({
    method: 'post',
    path: 'alertEvent',
    operationId: 'alertEvent',
    tags: ['Alert webhooks'],
    summary: 'An alert event, as a subscribed webhook receives it',
    description: `Sent to each subscription whose \`events\` include its type, signed with \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">\` under the subscription's secret. Deliveries are at least once: drop an \`id\` seen before. A receiver that does not answer 2xx is retried with backoff. The \`slack\` format sends Slack's incoming-webhook body instead.`,
    request: {
      headers: [],
      body: { required: true, content: { 'application/json': { schema: webhookEventSchema } } },
    },
    responses: { '200': { description: 'Any 2xx acknowledges the event' } },
  })
  for (const code of ERROR_CODE_NAMES) {
    const { summary, error } = ERROR_EXAMPLES[code]
    registry.registerComponent('examples', code, { summary, value: { error: { code, ...error } } })
  }
  document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'Kafdo', version: VERSION, description: DESCRIPTION, license: { name: 'MIT', url: 'https://opensource.org/license/mit' } },
    tags: TAGS.map(([name, description]) => ({ name, description })),
    security: [{ bearerAuth: [] }, { apiKeyAuth: [] }],
  })
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method]
      if (!operation) continue
      // A path parameter is always required; the generator leaves out `required` for coerced numbers.
      for (const parameter of operation.parameters ?? []) if ('in' in parameter && parameter.in === 'path') parameter.required = true
      // Every authenticated operation takes `tenant` (the authentication middleware reads it).
      if (operation.security?.length !== 0) operation.parameters = [...(operation.parameters ?? []), { $ref: '#/components/parameters/tenant' }]
    }
  }
  built.set(app, document)
  return document
}

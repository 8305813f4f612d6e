import { Validator } from '@cfworker/json-schema'
import fc from 'fast-check'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { openApiDocument } from '../../src/http/openapi/document'
import { createApp } from '../../src/http/app'
import { UI_ASSETS } from '../../src/http/ui-assets.generated'
import { authEnv, BOOTSTRAP_API_KEY, call, token, unique, type Reply } from '../security/support'
import { withoutExamples } from '../support/openapi'

/**
 * Schemathesis-style conformance: for every operation of the OpenAPI document, a sample of requests
 * (a valid one, then ones without a credential or permission, with a malformed path parameter, an
 * unknown query parameter, a body that is not JSON, and random JSON bodies) is sent, and every answer
 * must have a status the document lists for that operation, a content type it lists for that status, a
 * body matching the schema it gives (checked with a JSON Schema validator over the document itself), and
 * for an error, a code the document lists under that status.
 */

const appEnv = authEnv()
const document = openApiDocument(createApp()) as unknown as OpenApi
const TENANT = 'conformance'
const hookUrl = `${inject('webhookReceiver')}/hooks/conformance`

interface OpenApi {
  paths: Record<string, Record<string, Operation>>
  components: Record<string, unknown>
}
interface Operation {
  operationId: string
  security?: unknown[]
  parameters?: Array<{ name?: string; in?: string; $ref?: string }>
  requestBody?: unknown
  responses: Record<string, { content?: Record<string, { schema: object }>; 'x-error-codes'?: string[] }>
}
interface Sample {
  path: string
  body?: unknown
  /** Headers of the valid request only (a WebSocket upgrade). */
  headers?: Record<string, string>
}

const operations = Object.entries(document.paths).flatMap(([template, item]) =>
  Object.entries(item).map(([method, operation]) => ({ template, method: method.toUpperCase(), operation })),
)

async function asAdmin(method: string, path: string, body?: unknown): Promise<Reply> {
  const reply = await call(appEnv, method, withTenant(path), { headers: { 'x-api-key': BOOTSTRAP_API_KEY }, ...(body !== undefined ? { body } : {}) })
  if (reply.status >= 300) throw new Error(`setup ${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
  return reply
}
const withTenant = (path: string) => `${path}${path.includes('?') ? '&' : '?'}tenant=${TENANT}`

interface Fixture {
  topic: string
  queue: string
  group: string
  idle: string
  memberId: string
  memberEpoch: number
  subject: string
  schemaId: number
  webhookId: string
}
let f: Fixture

beforeAll(async () => {
  const topic = unique('c-topic')
  const queue = unique('c-queue')
  const group = unique('c-group')
  const idle = unique('c-idle')
  await asAdmin('POST', '/admin/topics', { topic, partitions: 2 })
  await asAdmin('POST', `/topics/${topic}/produce-batch`, { records: [{ key: 'a', value: 1 }, { key: 'b', value: 2 }, { value: 3 }] })
  await asAdmin('POST', '/queues', { name: queue, retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 1 } })
  await asAdmin('POST', `/queues/${queue}/messages`, { messages: Array.from({ length: 20 }, (_, i) => ({ value: i })) })
  const joined = await asAdmin('POST', `/consumer-groups/${group}/join`, { topics: [topic], sessionTimeoutMs: 60_000 })
  await asAdmin('POST', `/consumer-groups/${idle}/commit`, { offsets: [{ topic, partition: 0, offset: 1 }] })
  const subject = `${topic}-value`
  const registered = await asAdmin('POST', `/subjects/${subject}/versions`, { schema: '{"type":"int"}' })
  const webhook = await asAdmin('POST', '/admin/webhooks', { url: hookUrl, events: ['health.recovered'] })
  // One message dead-lettered, so the DLQ routes have something to show.
  const leased = await asAdmin('POST', `/queues/${queue}/receive`, { consumerId: 'setup', max: 1 })
  await asAdmin('POST', `/queues/${queue}/nack`, { consumerId: 'setup', leaseId: leased.body.messages[0].leaseId })
  f = {
    topic,
    queue,
    group,
    idle,
    memberId: joined.body.memberId,
    memberEpoch: joined.body.memberEpoch,
    subject,
    schemaId: registered.body.id,
    webhookId: webhook.body.id,
  }
})

async function lease(): Promise<string> {
  const received = await asAdmin('POST', `/queues/${f.queue}/receive`, { consumerId: 'c', max: 1 })
  return received.body.messages[0].leaseId
}

/** A valid request per operation, creating what it destroys. */
const VALID: Record<string, () => Promise<Sample> | Sample> = {
  produce: () => ({ path: `/topics/${f.topic}/produce`, body: { key: 'k', value: { n: 1 }, headers: { h: 'v' } } }),
  produceBatch: () => ({ path: `/topics/${f.topic}/produce-batch`, body: { records: [{ value: 1 }, { key: 'a', value: 'b', partition: 1 }] } }),
  fetchMessages: () => ({ path: `/topics/${f.topic}/partitions/0/messages?offset=earliest&limit=5` }),
  partitionOffsets: () => ({ path: `/topics/${f.topic}/partitions/1/offsets` }),
  joinGroup: () => ({ path: `/consumer-groups/${unique('g')}/join`, body: { topics: [f.topic] } }),
  heartbeat: () => ({ path: `/consumer-groups/${f.group}/heartbeat`, body: { memberId: f.memberId, memberEpoch: f.memberEpoch } }),
  groupFetch: async () => {
    const beat = await asAdmin('POST', `/consumer-groups/${f.group}/heartbeat`, { memberId: f.memberId, memberEpoch: f.memberEpoch })
    f.memberEpoch = beat.body.memberEpoch
    const partitions = beat.body.assignment.flatMap((a: { topic: string; partitions: number[] }) =>
      a.partitions.map((partition) => ({ topic: a.topic, partition, offset: 0 })),
    )
    return { path: `/consumer-groups/${f.group}/fetch`, body: { memberId: f.memberId, memberEpoch: f.memberEpoch, partitions } }
  },
  commitOffsets: () => ({ path: `/consumer-groups/${unique('g')}/commit`, body: { offsets: [{ topic: f.topic, partition: 0, offset: 1 }] } }),
  leaveGroup: async () => {
    const group = unique('g')
    const joined = await asAdmin('POST', `/consumer-groups/${group}/join`, { topics: [f.topic] })
    return { path: `/consumer-groups/${group}/leave`, body: { memberId: joined.body.memberId, memberEpoch: joined.body.memberEpoch } }
  },
  describeGroup: () => ({ path: `/consumer-groups/${f.group}` }),
  committedOffsets: () => ({ path: `/consumer-groups/${f.idle}/offsets` }),
  listTopics: () => ({ path: '/admin/topics' }),
  createTopic: () => ({ path: '/admin/topics', body: { topic: unique('c-new'), partitions: 1, config: { 'retention.ms': 3_600_000 } } }),
  describeTopic: () => ({ path: `/admin/topics/${f.topic}` }),
  deleteTopic: async () => {
    const topic = unique('c-gone')
    await asAdmin('POST', '/admin/topics', { topic })
    return { path: `/admin/topics/${topic}` }
  },
  createPartitions: async () => {
    const topic = unique('c-grow')
    await asAdmin('POST', '/admin/topics', { topic })
    return { path: `/admin/topics/${topic}/partitions`, body: { count: 2 } }
  },
  deleteRecords: async () => {
    const topic = unique('c-trim')
    await asAdmin('POST', '/admin/topics', { topic })
    await asAdmin('POST', `/topics/${topic}/produce`, { value: 1 })
    return { path: `/admin/topics/${topic}/delete-records`, body: { partitions: [{ partition: 0, offset: 'latest' }] } }
  },
  alterTopicConfig: () => ({ path: `/admin/topics/${f.topic}/config?dryRun=true`, body: { set: { 'retention.ms': 7_200_000 } } }),
  topicOffsets: () => ({ path: `/admin/topics/${f.topic}/offsets` }),
  listGroups: () => ({ path: '/admin/groups' }),
  adminDescribeGroup: () => ({ path: `/admin/groups/${f.idle}` }),
  resetOffsets: () => ({ path: `/admin/groups/${f.idle}/reset-offsets`, body: { topic: f.topic, to: 'earliest' } }),
  deleteGroup: async () => {
    const group = unique('g')
    await asAdmin('POST', `/consumer-groups/${group}/commit`, { offsets: [{ topic: f.topic, partition: 0, offset: 0 }] })
    return { path: `/admin/groups/${group}` }
  },
  createApiKey: () => ({ path: '/admin/api-keys', body: { name: 'conformance', permissions: ['topic:read'] } }),
  listApiKeys: () => ({ path: '/admin/api-keys' }),
  revokeApiKey: async () => {
    const key = await asAdmin('POST', '/admin/api-keys', { name: 'revoked', permissions: ['topic:read'] })
    return { path: `/admin/api-keys/${key.body.keyId}` }
  },
  listAudit: () => ({ path: '/admin/audit?limit=5' }),
  getQuotas: () => ({ path: '/admin/quotas' }),
  setQuotas: () => ({ path: '/admin/quotas', body: { maxTopics: 10_000 } }),
  listTenants: () => ({ path: '/admin/tenants' }),
  provisionTenant: () => ({
    path: `/admin/tenants/${unique('t').toLowerCase()}/provision`,
    body: { templates: [{ name: 'events.{tenant}', partitions: 1 }] },
  }),
  deleteTenant: async () => {
    const tenant = unique('t').toLowerCase()
    await asAdmin('POST', `/admin/tenants/${tenant}/provision`, { templates: [{ name: 'x.{tenant}', partitions: 1 }] })
    return { path: `/admin/tenants/${tenant}` }
  },
  apply: () => ({ path: '/admin/apply?dryRun=true', body: { topics: { [unique('c-apply')]: { partitions: 1 } } } }),
  createQueue: () => ({ path: '/queues', body: { name: unique('c-q'), visibilityTimeoutMs: 5_000 } }),
  listQueues: () => ({ path: '/queues' }),
  getQueue: () => ({ path: `/queues/${f.queue}` }),
  deleteQueue: async () => {
    const queue = unique('c-q')
    await asAdmin('POST', '/queues', { name: queue })
    return { path: `/queues/${queue}` }
  },
  updateQueue: () => ({ path: `/queues/${f.queue}/config?dryRun=true`, body: { visibilityTimeoutMs: 10_000 } }),
  sendMessages: () => ({ path: `/queues/${f.queue}/messages`, body: { value: { job: 1 } } }),
  readMessages: () => ({ path: `/queues/${f.queue}/messages?last=3` }),
  seekQueue: () => ({ path: `/queues/${f.queue}/seek`, body: { group: unique('share'), to: 'earliest' } }),
  receive: () => ({ path: `/queues/${f.queue}/receive`, body: { consumerId: 'c', max: 1 } }),
  ack: async () => ({ path: `/queues/${f.queue}/ack`, body: { consumerId: 'c', leaseIds: [await lease()] } }),
  nack: async () => ({ path: `/queues/${f.queue}/nack`, body: { consumerId: 'c', leaseId: await lease(), error: 'failed' } }),
  reject: async () => ({ path: `/queues/${f.queue}/reject`, body: { consumerId: 'c', leaseId: await lease() } }),
  extendLease: async () => ({ path: `/queues/${f.queue}/extend`, body: { consumerId: 'c', leaseId: await lease(), visibilityTimeoutMs: 5_000 } }),
  inspectDeadLetters: () => ({ path: `/queues/${f.queue}/dlq` }),
  redrive: () => ({ path: `/queues/${f.queue}/dlq/redrive`, body: { limit: 1 } }),
  purgeDeadLetters: () => ({ path: `/queues/${f.queue}/dlq?beforeOffset=0` }),
  listSubjects: () => ({ path: '/subjects' }),
  listSchemaVersions: () => ({ path: `/subjects/${f.subject}/versions` }),
  registerSchema: () => ({ path: `/subjects/${unique('s')}-value/versions`, body: { schema: '{"type":"string"}' } }),
  getSchemaVersion: () => ({ path: `/subjects/${f.subject}/versions/latest` }),
  getSchemaText: () => ({ path: `/subjects/${f.subject}/versions/1/schema` }),
  deleteSchemaVersion: async () => {
    const subject = `${unique('s')}-value`
    await asAdmin('POST', `/subjects/${subject}/versions`, { schema: '{"type":"long"}' })
    return { path: `/subjects/${subject}/versions/1` }
  },
  deleteSubject: async () => {
    const subject = `${unique('s')}-value`
    await asAdmin('POST', `/subjects/${subject}/versions`, { schema: '{"type":"long"}' })
    return { path: `/subjects/${subject}` }
  },
  getSchemaById: () => ({ path: `/schemas/ids/${f.schemaId}` }),
  getCompatibility: () => ({ path: '/config' }),
  setCompatibility: () => ({ path: '/config', body: { compatibility: 'BACKWARD' } }),
  getSubjectCompatibility: () => ({ path: `/config/${f.subject}` }),
  setSubjectCompatibility: () => ({ path: `/config/${f.subject}`, body: { compatibility: 'FULL' } }),
  testCompatibility: () => ({ path: `/compatibility/subjects/${f.subject}/versions/latest`, body: { schema: '{"type":"long"}' } }),
  metrics: () => ({ path: '/metrics' }),
  topicHealth: () => ({ path: `/health/topics/${f.topic}` }),
  queueHealth: () => ({ path: `/health/queues/${f.queue}` }),
  groupHealth: () => ({ path: `/health/groups/${f.group}` }),
  createWebhook: () => ({ path: '/admin/webhooks', body: { url: hookUrl, events: ['record.dead_lettered'] } }),
  listWebhooks: () => ({ path: '/admin/webhooks' }),
  getWebhook: () => ({ path: `/admin/webhooks/${f.webhookId}` }),
  deleteWebhook: async () => {
    const webhook = await asAdmin('POST', '/admin/webhooks', { url: hookUrl, events: ['health.recovered'] })
    return { path: `/admin/webhooks/${webhook.body.id}` }
  },
  webhookDeliveries: () => ({ path: `/admin/webhooks/${f.webhookId}/deliveries?limit=5` }),
  testWebhook: () => ({ path: `/admin/webhooks/${f.webhookId}/test` }),
  getGroupHealthPolicy: () => ({ path: `/admin/groups/${f.group}/health` }),
  setGroupHealthPolicy: () => ({ path: `/admin/groups/${f.group}/health`, body: { thresholds: [{ metric: 'lag', op: '>', value: 100 }] } }),
  streamTopic: () => ({ path: `/topics/${f.topic}/stream?offset=earliest` }),
  streamPartition: () => ({ path: `/topics/${f.topic}/partitions/1/stream?offset=0` }),
  topicSocket: () => ({ path: `/topics/${f.topic}/ws?offset=earliest`, headers: { upgrade: 'websocket' } }),
  createStreamTicket: () => ({ path: '/auth/ticket', body: { path: `/topics/${f.topic}/stream` } }),
  dashboard: () => ({ path: '/ui' }),
  dashboardAsset: () => ({ path: `/ui/assets/${Object.keys(UI_ASSETS)[0]}` }),
  index: () => ({ path: '/' }),
  health: () => ({ path: '/health' }),
  openApiDocument: () => ({ path: '/openapi.json' }),
  docs: () => ({ path: '/docs' }),
  docsAsset: () => ({ path: '/docs/swagger-ui-dist/swagger-ui.css' }),
}

const validators = new Map<object, Validator>()
const schemas = withoutExamples(document.components.schemas)
/** The document's schema as a JSON Schema (2020-12) whose `#/components/schemas/...` references resolve. */
function validatorFor(schema: object): Validator {
  let validator = validators.get(schema)
  if (!validator) {
    validator = new Validator({ ...(withoutExamples(schema) as object), components: { schemas } } as never, '2020-12', false)
    validators.set(schema, validator)
  }
  return validator
}

/** Checks one answer against what the document says the operation answers. */
function conforms(operation: Operation, reply: Reply, what: string): void {
  const label = `${operation.operationId} (${what}) answered ${reply.status} ${JSON.stringify(reply.body)?.slice(0, 300)}`
  const documented = operation.responses[String(reply.status)]
  expect(documented, `${label}: status not documented`).toBeDefined()
  if (reply.status === 101) return // a WebSocket: no body, no content type
  const contentType = (reply.headers.get('content-type') ?? '').split(';')[0]!.trim()
  const media = Object.entries(documented!.content ?? {}).find(([type]) => type.split(';')[0]!.trim() === contentType)
  expect(media, `${label}: content type ${contentType} not documented`).toBeDefined()
  if (contentType === 'application/json') {
    const result = validatorFor(media![1].schema).validate(reply.body)
    expect(result.errors.slice(0, 3), `${label}: body does not match the documented schema`).toEqual([])
  }
  if (reply.status >= 400) expect(documented!['x-error-codes'], label).toContain(reply.body.error.code)
}

const admin = { headers: { 'x-api-key': BOOTSTRAP_API_KEY } }
const send = (method: string, path: string, options: Parameters<typeof call>[3] = admin) => call(appEnv, method, withTenant(path), options)

/** The path with its `index`-th parameter segment replaced by a value no parameter accepts. */
function breakParameter(template: string, path: string, index: number): string {
  const templateParts = template.split('/')
  const pathParts = path.split('?')[0]!.split('/')
  const positions = templateParts.flatMap((part, i) => (part.startsWith('{') ? [i] : []))
  pathParts[positions[index]!] = '%20x'
  return pathParts.join('/')
}

describe('OpenAPI > every operation answers as the document says', () => {
  it('has a sample request for every operation of the document', () => {
    expect(operations.map((o) => o.operation.operationId).filter((id) => !(id in VALID))).toEqual([])
  })

  for (const { template, method, operation } of operations) {
    it(`${method} ${template}`, async () => {
      const sample = await VALID[operation.operationId]!()
      const withBody = (body: unknown) => (body !== undefined ? { body } : {})

      const valid = await send(method, sample.path, { headers: { ...admin.headers, ...sample.headers }, ...withBody(sample.body) })
      expect(valid.status, `${operation.operationId}: ${JSON.stringify(valid.body)}`).toBeLessThan(300)
      conforms(operation, valid, 'valid')

      if (operation.security?.length !== 0) {
        conforms(operation, await send(method, sample.path, withBody(sample.body)), 'no credential')
        const powerless = await token({ tenant: TENANT, roles: [] })
        conforms(operation, await send(method, sample.path, { token: powerless, ...withBody(sample.body) }), 'no permission')
      }
      const parameters = (template.match(/\{/g) ?? []).length
      for (let i = 0; i < parameters; i++) {
        const broken = await send(method, breakParameter(template, sample.path, i), { ...admin, ...withBody(sample.body) })
        expect(broken.status).toBe(400)
        conforms(operation, broken, `bad path parameter ${i}`)
      }
      const [path, search] = sample.path.split('?')
      conforms(
        operation,
        await send(method, `${path}?${search ? `${search}&` : ''}bogus=1`, { ...admin, ...withBody(sample.body) }),
        'unknown query parameter',
      )

      if (operation.requestBody) {
        const notJson = await send(method, sample.path, { ...admin, body: '{"value": ' })
        expect(notJson.body.error.code).toBe('INVALID_JSON')
        conforms(operation, notJson, 'not JSON')
        await fc.assert(
          fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
            conforms(operation, await send(method, sample.path, { ...admin, body: JSON.stringify(body) }), `random body ${JSON.stringify(body)}`)
          }),
          { numRuns: 8, seed: 12 },
        )
      }
    })
  }
})

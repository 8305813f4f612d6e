/**
 * Declarative configuration: the document `kafdo apply -f kafdo.yaml` and `POST /admin/apply` take (the
 * tenant's topics, queues, schemas, quotas, API keys, alert webhooks and consumer groups' health
 * thresholds, each section a map keyed by name), and the plan or result they answer. Sections are a closed
 * list: an unknown one is refused by name rather than ignored, so a section added later cannot be silently
 * dropped by an older server.
 */
import { z } from 'zod'
import { errorPayloadSchema, KafdoError } from './errors.js'
import { groupIdSchema } from './groups.js'
import { createWebhookRequestSchema, groupHealthPolicySchema, topicHealthPolicySchema, webhookNameSchema } from './monitoring.js'
import { queuePolicyFields, DLQ_SUFFIX } from './queues.js'
import { COMPATIBILITY_MODES, MAX_SCHEMA_LENGTH, SCHEMA_TYPES, subjectSchema } from './schemas.js'
import { createApiKeyRequestSchema, quotasSchema } from './tenants.js'
import { partitionCountSchema, topicConfigInputSchema, topicNameSchema } from './topics.js'
import { check } from './validation.js'

/** The document's top-level keys; `version` is the format's version, the rest are sections. */
export const APPLY_SECTIONS = ['topics', 'queues', 'schemas', 'quotas', 'apiKeys', 'webhooks', 'groups'] as const
export type ApplySection = (typeof APPLY_SECTIONS)[number]
export const APPLY_FORMAT_VERSION = 1

/** A YAML entry with nothing under it (`orders:`) is null: it declares the item with every setting at its default. */
const orEmpty = <S extends z.ZodType>(schema: S) => z.preprocess((value) => value ?? {}, schema)

export const topicSpecSchema = z.strictObject({
  /** Kept as it is when omitted (a new topic gets 1); it can only grow. */
  partitions: partitionCountSchema.optional(),
  /** The topic's whole config: keys left out are at their defaults (an apply resets them). */
  config: topicConfigInputSchema.optional(),
  /** The health thresholds; kept as they are when omitted, `{ thresholds: [] }` clears them. */
  health: topicHealthPolicySchema.optional(),
})

export const queueSpecSchema = z.strictObject({
  partitions: partitionCountSchema.optional(),
  /** Shorthand for `config['retention.ms']`. */
  retentionMs: z.number().int().min(-1).optional(),
  config: topicConfigInputSchema.optional(),
  ...queuePolicyFields,
  /** The health thresholds; kept as they are when omitted, `{ thresholds: [] }` clears them. */
  health: topicHealthPolicySchema.optional(),
})

export const schemaSpecSchema = z.strictObject({
  /** The schema: its JSON text, or (in YAML) the schema itself as a map. */
  schema: z.union([z.string().min(1).max(MAX_SCHEMA_LENGTH), z.record(z.string(), z.unknown())], 'must be the schema: JSON text or a map'),
  /** Confluent's default is AVRO. */
  schemaType: z.enum(SCHEMA_TYPES).optional(),
  /** The subject's compatibility mode; left as it is when omitted. */
  compatibility: z.enum(COMPATIBILITY_MODES).optional(),
})

export const apiKeySpecSchema = z.strictObject({
  permissions: createApiKeyRequestSchema.shape.permissions,
  /** Used when the key is created; an existing key keeps its expiry. */
  expiresInSeconds: createApiKeyRequestSchema.shape.expiresInSeconds,
})

/**
 * An alert webhook, declared under its name (the subscription's `name`, which matches it to the one
 * created before). Its whole definition: a format or description left out is put back to its default.
 * A secret left out is the one held (Kafdo makes one for a new subscription, answered once); a declared
 * secret is compared by digest and never shown in the plan.
 */
export const webhookSpecSchema = createWebhookRequestSchema.omit({ name: true })

/** A consumer group's health thresholds; kept as they are when omitted, `{ thresholds: [] }` clears them. */
export const groupSpecSchema = z.strictObject({ health: groupHealthPolicySchema.optional() })

const queueNameSchema = topicNameSchema.refine(
  (name) => !name.endsWith(DLQ_SUFFIX),
  `cannot end in '${DLQ_SUFFIX}', the suffix of dead-letter topics`,
)

export const applyDocumentSchema = z
  .strictObject({
    version: z.literal(APPLY_FORMAT_VERSION, `must be ${APPLY_FORMAT_VERSION}`).optional(),
    topics: z.record(topicNameSchema, orEmpty(topicSpecSchema)).optional(),
    queues: z.record(queueNameSchema, orEmpty(queueSpecSchema)).optional(),
    schemas: z.record(subjectSchema, schemaSpecSchema).optional(),
    quotas: quotasSchema.optional(),
    apiKeys: z.record(createApiKeyRequestSchema.shape.name, apiKeySpecSchema).optional(),
    webhooks: z.record(webhookNameSchema, webhookSpecSchema).optional(),
    groups: z.record(groupIdSchema, orEmpty(groupSpecSchema)).optional(),
  })
  .superRefine((document, ctx) => {
    for (const name of Object.keys(document.queues ?? {})) {
      if (Object.hasOwn(document.topics ?? {}, name)) {
        ctx.addIssue({
          code: 'custom',
          message: `'${name}' is declared both as a topic and as a queue (a queue is a topic: declare it once)`,
          path: ['queues', name],
        })
      }
    }
  })
export type ApplyDocument = z.input<typeof applyDocumentSchema>
export type CheckedApplyDocument = z.output<typeof applyDocumentSchema>
export type TopicSpec = z.output<typeof topicSpecSchema>
export type QueueSpec = z.output<typeof queueSpecSchema>
export type SchemaSpec = z.output<typeof schemaSpecSchema>
export type ApiKeySpec = z.output<typeof apiKeySpecSchema>
export type WebhookSpec = z.output<typeof webhookSpecSchema>
export type GroupSpec = z.output<typeof groupSpecSchema>

/** Checks a parsed document: an unknown section is named as such, then every field as any request's are. */
export function parseApplyDocument(input: unknown): CheckedApplyDocument {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new KafdoError('INVALID_REQUEST', `the document must be a map of sections (${APPLY_SECTIONS.join(', ')})`)
  }
  const known: readonly string[] = ['version', ...APPLY_SECTIONS]
  const unknown = Object.keys(input).filter((key) => !known.includes(key))
  if (unknown.length > 0) {
    const names = unknown.map((key) => `'${key}'`).join(', ')
    throw new KafdoError('INVALID_REQUEST', `unknown section ${names}: a document has version, ${APPLY_SECTIONS.join(', ')}`, {
      unknownSections: unknown,
      sections: APPLY_SECTIONS,
    })
  }
  return check(applyDocumentSchema, input, { source: 'body' })
}

/** `POST /admin/apply` query: a dry run, pruning what the document does not list, rotating changed API keys. */
export const applyQuerySchema = z.strictObject({
  dryRun: z.enum(['true', 'false']).optional(),
  prune: z.enum(['true', 'false']).optional(),
  rotateKeys: z.enum(['true', 'false']).optional(),
})

export interface ApplyOptions {
  /** Plan and answer the plan; change nothing. Needs read permissions only. */
  dryRun?: boolean
  /** Delete the topics, subjects, API keys and webhooks (clear the group thresholds) of the sections present that the document does not list. */
  prune?: boolean
  /** An API key declared with other permissions than its live key's is revoked and created anew (else refused). */
  rotateKeys?: boolean
}

export const applyKindSchema = z.enum(['quotas', 'topic', 'queue', 'schema', 'apiKey', 'webhook', 'group'])
export type ApplyKind = z.infer<typeof applyKindSchema>
export const applyActionSchema = z.enum(['create', 'update', 'unchanged', 'delete'])
export type ApplyAction = z.infer<typeof applyActionSchema>

/** One difference: `from` is absent for something new, `to` for something removed. */
export const applyChangeSchema = z.object({ field: z.string(), from: z.unknown().optional(), to: z.unknown().optional() })
export type ApplyChange = z.infer<typeof applyChangeSchema>

export const applyItemSchema = z
  .object({
    kind: applyKindSchema,
    name: z.string(),
    action: applyActionSchema,
    changes: z.array(applyChangeSchema),
    /** Why this item cannot be applied as declared; any refusal stops the whole apply before it starts. */
    refusal: errorPayloadSchema.optional(),
    /** After an apply (not a dry run), for items that change: whether the change was made. */
    outcome: z.enum(['applied', 'failed']).optional(),
    /** Why it failed, when `outcome` is `failed`. */
    error: errorPayloadSchema.optional(),
    /**
     * A created API key (`keyId`, `key`), or a created webhook whose secret Kafdo made (`webhookId`,
     * `secret`): shown only in this answer. A secret the document declared is never sent back.
     */
    secret: z.union([z.object({ keyId: z.string(), key: z.string() }), z.object({ webhookId: z.string(), secret: z.string() })]).optional(),
    note: z.string().optional(),
  })
  .meta({ id: 'ApplyItem' })
export type ApplyItem = z.infer<typeof applyItemSchema>

export const applySummarySchema = z
  .object({
    create: z.number().int(),
    update: z.number().int(),
    delete: z.number().int(),
    unchanged: z.number().int(),
    refused: z.number().int(),
    applied: z.number().int(),
    failed: z.number().int(),
  })
  .meta({ id: 'ApplySummary' })
export type ApplySummary = z.infer<typeof applySummarySchema>

export const applyResultSchema = z
  .object({
    tenant: z.string(),
    dryRun: z.boolean(),
    prune: z.boolean(),
    /**
     * `planned`: a dry run with no refusal; `refused`: refusals, nothing applied; `applied`: every change
     * made (or none was needed); `incomplete`: some changes failed; `items` says which were made.
     */
    status: z.enum(['planned', 'refused', 'applied', 'incomplete']),
    summary: applySummarySchema,
    items: z.array(applyItemSchema),
  })
  .meta({
    id: 'ApplyResult',
    example: {
      tenant: 'default',
      dryRun: true,
      prune: false,
      status: 'planned',
      summary: { create: 1, update: 0, delete: 0, unchanged: 0, refused: 0, applied: 0, failed: 0 },
      items: [{ kind: 'topic', name: 'orders', action: 'create', changes: [{ field: 'partitions', to: 3 }] }],
    },
  })
export type ApplyResult = z.infer<typeof applyResultSchema>

export function summarizeApply(items: readonly ApplyItem[]): ApplySummary {
  const count = (test: (item: ApplyItem) => boolean) => items.filter(test).length
  return {
    create: count((i) => i.action === 'create'),
    update: count((i) => i.action === 'update'),
    delete: count((i) => i.action === 'delete'),
    unchanged: count((i) => i.action === 'unchanged'),
    refused: count((i) => i.refusal !== undefined),
    applied: count((i) => i.outcome === 'applied'),
    failed: count((i) => i.outcome === 'failed'),
  }
}

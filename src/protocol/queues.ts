/**
 * Queues: a queue is a topic with a queue policy (retry, dead-lettering, visibility timeout, default TTL,
 * tags). Every topic has a policy (the defaults), so any topic can be consumed as a queue and every queue
 * is a topic. Queue consumers lease records one by one, as Kafka 4's share groups do.
 */
import { z } from 'zod'
import { groupIdSchema } from './groups.js'
import { topicHealthPolicySchema } from './monitoring.js'
import { produceRecordFields, timestampParamSchema, timestampSchema } from './records.js'
import { partitionCountSchema, topicConfigInputSchema, topicNameSchema } from './topics.js'

export const MAX_RETRY_DELAY_MS = 7 * 24 * 3_600_000
export const MAX_ATTEMPTS = 100
export const MAX_VISIBILITY_TIMEOUT_MS = 12 * 3_600_000
export const MAX_TTL_MS = 365 * 24 * 3_600_000
export const MAX_RECEIVE = 1_000
/** A receive stops leasing once its messages hold this many characters (but always returns one). */
export const MAX_RECEIVE_BYTES = 8 * 1024 * 1024
export const MAX_TAGS = 20
export const DLQ_SUFFIX = '-dlq'

const delay = z.number().int().min(0).max(MAX_RETRY_DELAY_MS)
const attempts = z.number().int().min(1).max(MAX_ATTEMPTS)
const jitter = z.number().min(0).max(1)

/** How a queue spaces redeliveries (core/backoff.ts computes the delays). */
export type RetryPolicy =
  | { strategy: 'fixed'; delayMs: number; maxAttempts: number; jitter?: number; maxDelayMs?: number }
  | { strategy: 'linear'; delayMs: number; incrementMs?: number; maxAttempts: number; jitter?: number; maxDelayMs?: number }
  | { strategy: 'exponential'; delayMs: number; factor?: number; maxAttempts: number; jitter?: number; maxDelayMs?: number }
  /** Explicit delays per attempt, e.g. retry tiers of 1, 5 and 30 minutes; the last repeats. */
  | { strategy: 'schedule'; delaysMs: number[]; maxAttempts: number; jitter?: number; maxDelayMs?: number }

export const retryPolicySchema = z
  .discriminatedUnion('strategy', [
    z.strictObject({ strategy: z.literal('fixed'), delayMs: delay, maxAttempts: attempts, jitter: jitter.optional(), maxDelayMs: delay.optional() }),
    z.strictObject({
      strategy: z.literal('linear'),
      delayMs: delay,
      incrementMs: delay.optional(),
      maxAttempts: attempts,
      jitter: jitter.optional(),
      maxDelayMs: delay.optional(),
    }),
    z.strictObject({
      strategy: z.literal('exponential'),
      delayMs: delay,
      factor: z.number().min(1).max(100).optional(),
      maxAttempts: attempts,
      jitter: jitter.optional(),
      maxDelayMs: delay.optional(),
    }),
    z.strictObject({
      strategy: z.literal('schedule'),
      delaysMs: z.array(delay).min(1).max(MAX_ATTEMPTS),
      maxAttempts: attempts,
      jitter: jitter.optional(),
      maxDelayMs: delay.optional(),
    }),
  ])
  .meta({ id: 'RetryPolicy' })

export const deadLetterSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    /** Retention of the `<topic>-dlq` topic. */
    retentionMs: z
      .number()
      .int()
      .min(-1)
      .max(MAX_TTL_MS * 10)
      .optional(),
  })
  .meta({ id: 'DeadLetterPolicy' })

export interface QueuePolicy {
  retry: RetryPolicy
  deadLetter: { enabled: boolean; retentionMs: number }
  visibilityTimeoutMs: number
  /** Applied to records produced without their own `ttlMs`; -1 for none. */
  defaultTtlMs: number
  tags: string[]
}

export const DEFAULT_QUEUE_POLICY: QueuePolicy = {
  retry: { strategy: 'exponential', delayMs: 1_000, factor: 2, maxDelayMs: 300_000, jitter: 0.1, maxAttempts: 5 },
  deadLetter: { enabled: true, retentionMs: 14 * 24 * 3_600_000 },
  visibilityTimeoutMs: 30_000,
  defaultTtlMs: -1,
  tags: [],
}

const tagSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9._:/=-]+$/, 'may contain only letters, digits and . _ : / = -')

export const queuePolicyFields = {
  retry: retryPolicySchema.optional(),
  deadLetter: deadLetterSchema.optional(),
  visibilityTimeoutMs: z.number().int().min(1_000).max(MAX_VISIBILITY_TIMEOUT_MS).optional(),
  defaultTtlMs: z.number().int().min(-1).max(MAX_TTL_MS).optional(),
  tags: z.array(tagSchema).max(MAX_TAGS).optional(),
}

export const createQueueRequestSchema = z.strictObject({
  name: topicNameSchema.refine((name) => !name.endsWith(DLQ_SUFFIX), `cannot end in '${DLQ_SUFFIX}', the suffix of dead-letter topics`),
  partitions: partitionCountSchema.optional(),
  retentionMs: z.number().int().min(-1).optional(),
  config: topicConfigInputSchema.optional(),
  ...queuePolicyFields,
  /** Health thresholds (see monitoring). */
  health: topicHealthPolicySchema.optional(),
})
export type CreateQueueRequest = z.infer<typeof createQueueRequestSchema>

export const updateQueueRequestSchema = z.strictObject({
  partitions: partitionCountSchema.optional(),
  retentionMs: z.number().int().min(-1).optional(),
  config: topicConfigInputSchema.optional(),
  ...queuePolicyFields,
  /** Replaces the queue's health thresholds; `{ "thresholds": [] }` clears them. */
  health: topicHealthPolicySchema.optional(),
})
export type UpdateQueueRequest = z.infer<typeof updateQueueRequestSchema>

export type QueuePolicyUpdate = Partial<Pick<CreateQueueRequest, keyof typeof queuePolicyFields>>

/** Applies an update to a policy; nested dead-letter fields merge, a retry policy replaces the old one. */
export function mergeQueuePolicy(base: QueuePolicy, update: QueuePolicyUpdate): QueuePolicy {
  return {
    retry: update.retry ?? base.retry,
    deadLetter: { ...base.deadLetter, ...stripUndefined(update.deadLetter ?? {}) },
    visibilityTimeoutMs: update.visibilityTimeoutMs ?? base.visibilityTimeoutMs,
    defaultTtlMs: update.defaultTtlMs ?? base.defaultTtlMs,
    tags: update.tags ?? base.tags,
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

export const listQueuesQuerySchema = z.strictObject({
  tag: tagSchema.optional(),
  prefix: z.string().max(249).optional(),
})

/** One queue message to produce: a record (with an optional `ttlMs`). */
export const queueMessageSchema = z.strictObject(produceRecordFields)
export const queueProduceRequestSchema = z.union(
  [z.strictObject({ messages: z.array(queueMessageSchema).min(1).max(10_000) }), queueMessageSchema],
  'give one message (an object with a value) or messages, an array of them',
)

export const queueReadQuerySchema = z.strictObject({
  partition: z.coerce.number().int().nonnegative().optional(),
  offset: z.coerce.number().int().nonnegative().optional(),
  timestamp: timestampParamSchema.optional(),
  /** The newest N messages across partitions (Qafka's "view last N messages"). */
  last: z.coerce.number().int().min(1).max(1_000).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).optional(),
})

export const seekRequestSchema = z
  .strictObject({
    group: groupIdSchema.optional(),
    offset: z.number().int().nonnegative().optional(),
    timestamp: timestampSchema.optional(),
    to: z.enum(['earliest', 'latest']).optional(),
    partition: z.number().int().nonnegative().optional(),
  })
  .refine((r) => [r.offset, r.timestamp, r.to].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of offset, timestamp or to',
    path: ['offset'],
  })

const consumerIdSchema = z.string().min(1).max(255)
/** `partition:offset:token`, as `receive` hands it out. */
export const leaseIdSchema = z
  .string()
  .regex(/^\d{1,5}:\d{1,16}:[a-z0-9]{4,32}$/, 'must be a lease id ("partition:offset:token") as receive returned it')

export const receiveRequestSchema = z.strictObject({
  group: groupIdSchema.optional(),
  consumerId: consumerIdSchema,
  max: z.number().int().min(1).max(MAX_RECEIVE).optional(),
  visibilityTimeoutMs: z.number().int().min(1_000).max(MAX_VISIBILITY_TIMEOUT_MS).optional(),
  waitMs: z.number().int().min(0).max(30_000).optional(),
})
export const ackRequestSchema = z.strictObject({
  group: groupIdSchema.optional(),
  consumerId: consumerIdSchema,
  leaseIds: z.array(leaseIdSchema).min(1).max(MAX_RECEIVE),
})
/** Why a record failed (nack, reject): kept to its first 4096 characters rather than refused. */
const failureMessageSchema = z.string().transform((error) => error.slice(0, 4096))

export const nackRequestSchema = z.strictObject({
  group: groupIdSchema.optional(),
  consumerId: consumerIdSchema,
  leaseId: leaseIdSchema,
  error: failureMessageSchema.optional(),
  /** Overrides the policy's delay for this redelivery. */
  delayMs: delay.optional(),
})
export const rejectRequestSchema = z.strictObject({
  group: groupIdSchema.optional(),
  consumerId: consumerIdSchema,
  leaseId: leaseIdSchema,
  error: failureMessageSchema.optional(),
})
export const extendRequestSchema = z.strictObject({
  group: groupIdSchema.optional(),
  consumerId: consumerIdSchema,
  leaseId: leaseIdSchema,
  visibilityTimeoutMs: z.number().int().min(1_000).max(MAX_VISIBILITY_TIMEOUT_MS),
})

export const redriveRequestSchema = z.strictObject({
  partition: z.number().int().nonnegative().optional(),
  fromOffset: z.number().int().nonnegative().optional(),
  toOffset: z.number().int().nonnegative().optional(),
  /** Only records carrying this header value. */
  header: z.strictObject({ name: z.string().min(1), value: z.string() }).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
})

export const DEFAULT_SHARE_GROUP = 'default'

export type { QueueDescription, QueueDetails, QueueMessage, QueueStats } from './queue-answers.js'

/** Header names a dead-lettered record carries. */
export const DLQ_HEADERS = {
  topic: 'kafdo-dlq-original-topic',
  partition: 'kafdo-dlq-original-partition',
  offset: 'kafdo-dlq-original-offset',
  group: 'kafdo-dlq-group',
  attempts: 'kafdo-dlq-attempts',
  firstFailure: 'kafdo-dlq-first-failure-at',
  lastFailure: 'kafdo-dlq-last-failure-at',
  error: 'kafdo-dlq-last-error',
} as const

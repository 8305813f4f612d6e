/**
 * What the queue API answers: queue descriptions and statistics, leased messages, and the results of
 * lease operations, seeks and dead-letter work. `queues.ts` holds the requests and the policy.
 */
import { z } from 'zod'
import { topicHealthPolicySchema } from './monitoring.js'
import { deadLetterSchema, retryPolicySchema } from './queues.js'
import { fetchedRecordFields, fetchedRecordSchema } from './records.js'

/** A queue's policy as it is kept: every field set (the defaults where none was given). */
const queuePolicyAnswerSchema = z
  .object({
    retry: retryPolicySchema,
    deadLetter: deadLetterSchema.required(),
    visibilityTimeoutMs: z.number().int(),
    /** Applied to records produced without their own `ttlMs`; -1 for none. */
    defaultTtlMs: z.number().int(),
  })
  .meta({ id: 'QueuePolicy' })

/** A queue as the examples of the API description show it. */
export const QUEUE_EXAMPLE = {
  name: 'jobs',
  topicId: '0f9c2e1a-5b7d-4c1e-9a3f-2d6b8e4c7a10',
  partitions: 4,
  config: { 'retention.ms': '604800000' },
  policy: {
    retry: { strategy: 'exponential', delayMs: 1000, factor: 2, maxDelayMs: 300000, jitter: 0.1, maxAttempts: 5 },
    deadLetter: { enabled: true, retentionMs: 1209600000 },
    visibilityTimeoutMs: 30000,
    defaultTtlMs: -1,
  },
  tags: ['team-a'],
  deadLetterTopic: 'jobs-dlq',
  health: { thresholds: [{ metric: 'depth', op: '>', value: 1000 }] },
  createdAt: 1767225600000,
}

export const queueDescriptionSchema = z
  .object({
    name: z.string(),
    topicId: z.string(),
    partitions: z.number().int(),
    config: z.record(z.string(), z.string()),
    policy: queuePolicyAnswerSchema,
    tags: z.array(z.string()),
    /** `<name>-dlq` while dead-lettering is enabled. */
    deadLetterTopic: z.string().nullable(),
    health: topicHealthPolicySchema,
    createdAt: z.number().int(),
  })
  .meta({ id: 'QueueDescription', example: QUEUE_EXAMPLE })
export type QueueDescription = z.infer<typeof queueDescriptionSchema>

/** A share group's view of a queue, in records (ages in milliseconds). */
export const queueStatsSchema = z
  .object({
    /** Every record the group has not finished (not acked, dead-lettered or expired): ready + inFlight + delayed. */
    depth: z.number().int(),
    /** Deliverable now: never delivered, a redelivery that is due, or a lease that ran out. */
    ready: z.number().int(),
    /** Leased to a consumer, the lease not yet run out. */
    inFlight: z.number().int(),
    /** Waiting for a redelivery time still to come (after a nack or an expired lease). */
    delayed: z.number().int(),
    /** Records in the queue's dead-letter topic. */
    deadLettered: z.number().int(),
    /** Records removed by TTL before they were finished (all groups). */
    expired: z.number().int(),
    /** Age of the oldest record counted in `depth`, by its timestamp; null when depth is 0. */
    oldestMessageAgeMs: z.number().nullable(),
  })
  .meta({ id: 'QueueStats' })
export type QueueStats = z.infer<typeof queueStatsSchema>

export const queueDetailsSchema = queueDescriptionSchema.extend({ group: z.string(), stats: queueStatsSchema }).meta({
  id: 'QueueDetails',
  example: {
    ...QUEUE_EXAMPLE,
    group: 'default',
    stats: { depth: 1200, ready: 1100, inFlight: 90, delayed: 10, deadLettered: 3, expired: 0, oldestMessageAgeMs: 42000 },
  },
})
export type QueueDetails = z.infer<typeof queueDetailsSchema>

/** A leased record, as `receive` returns it. */
export const leasedMessageSchema = z
  .object({ leaseId: z.string(), partition: z.number().int(), ...fetchedRecordFields, deliveryCount: z.number().int() })
  .meta({
    id: 'LeasedMessage',
    example: {
      leaseId: '0:42:k3x9q2',
      partition: 0,
      offset: 42,
      timestamp: 1767225600000,
      key: null,
      value: { job: 'resize', image: 'a.png' },
      headers: {},
      deliveryCount: 1,
    },
  })
export type QueueMessage = z.infer<typeof leasedMessageSchema>

/** A record read without leasing it (`GET /queues/:name/messages`, the dead-letter queue). */
export const queueRecordSchema = fetchedRecordSchema.extend({ partition: z.number().int() }).meta({ id: 'QueueRecord' })
export type PartitionedRecord = z.infer<typeof queueRecordSchema>

export const ackResultSchema = z.object({ acked: z.number().int() }).meta({ id: 'AckResult', example: { acked: 2 } })
export const nackResultSchema = z
  .object({
    /** `delayed` (redelivered at `redeliverAt`), `ready` (at once) or `dead` (moved to the dead-letter queue). */
    state: z.string(),
    redeliverAt: z.number().int().optional(),
  })
  .meta({ id: 'NackResult', example: { state: 'delayed', redeliverAt: 1767225602000 } })
export const rejectResultSchema = z.object({ state: z.string() }).meta({ id: 'RejectResult', example: { state: 'dead' } })
export const extendResultSchema = z.object({ visibleUntil: z.number().int() }).meta({ id: 'ExtendResult', example: { visibleUntil: 1767225660000 } })
export const seekResultSchema = z.object({ partitions: z.array(z.object({ partition: z.number().int(), offset: z.number().int() })) }).meta({
  id: 'SeekResult',
  example: {
    partitions: [
      { partition: 0, offset: 100 },
      { partition: 1, offset: 87 },
    ],
  },
})

/**
 * Consumer groups on Kafka 4's consumer protocol (KIP-848): join, heartbeat (which reconciles the member
 * toward its target assignment), commit and fetch fenced by member epoch, leave; and what the
 * coordinator answers. The answers' types are in `group-answers.ts`.
 */
import { z } from 'zod'
import {
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
  MAX_COMMIT_METADATA_LENGTH,
  MAX_FETCH_LIMIT,
  MAX_FETCH_MAX_BYTES,
  MAX_FETCH_WAIT_MS,
  MAX_GROUP_ID_LENGTH,
  MAX_PATTERN_LENGTH,
  MAX_RECORDS_PER_BATCH,
  MAX_REBALANCE_TIMEOUT_MS,
  MAX_SESSION_TIMEOUT_MS,
  MIN_SESSION_TIMEOUT_MS,
} from './limits.js'
import { timestampSchema } from './records.js'
import { topicNameSchema } from './topics.js'

export * from './group-answers.js'

/**
 * The coordinator's assignors, as Kafka's: `sticky` (the default; Kafka 4 calls its server-side one
 * `uniform`, accepted here as a name for it), `range` and `roundrobin`.
 */
export type AssignmentStrategy = 'range' | 'roundrobin' | 'sticky'
export const ASSIGNMENT_STRATEGIES: readonly AssignmentStrategy[] = ['range', 'roundrobin', 'sticky']

export interface TopicPartition {
  topic: string
  partition: number
}

export interface TopicPartitions {
  topic: string
  partitions: number[]
}

export const groupIdSchema = z
  .string()
  .min(1)
  .max(MAX_GROUP_ID_LENGTH)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')

/** A subscription pattern is a regular expression matched against whole topic names, as in Kafka. */
export const patternSchema = z
  .string()
  .min(1)
  .max(MAX_PATTERN_LENGTH)
  .refine((pattern) => {
    try {
      new RegExp(`^(?:${pattern})$`)
      return true
    } catch {
      return false
    }
  }, 'must be a valid regular expression')

export function compilePattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`)
}

const memberIdSchema = z.string().min(1).max(512)
const memberEpochSchema = z.number().int().nonnegative()
const strategySchema = z
  .enum(['range', 'roundrobin', 'sticky', 'uniform'])
  .transform((strategy) => (strategy === 'uniform' ? 'sticky' : strategy) as AssignmentStrategy)

const topicPartitionsSchema = z.strictObject({
  topic: topicNameSchema,
  partitions: z.array(z.number().int().nonnegative()).max(10_000),
})

export const joinGroupRequestSchema = z
  .strictObject({
    memberId: memberIdSchema.optional(),
    clientId: z.string().min(1).max(255).default('kafdo-consumer'),
    topics: z.array(topicNameSchema).min(1).max(1000).optional(),
    pattern: patternSchema.optional(),
    sessionTimeoutMs: z.number().int().min(MIN_SESSION_TIMEOUT_MS).max(MAX_SESSION_TIMEOUT_MS).default(DEFAULT_SESSION_TIMEOUT_MS),
    rebalanceTimeoutMs: z.number().int().min(MIN_SESSION_TIMEOUT_MS).max(MAX_REBALANCE_TIMEOUT_MS).default(DEFAULT_REBALANCE_TIMEOUT_MS),
    strategy: strategySchema.default('sticky'),
  })
  .refine((request) => (request.topics === undefined) !== (request.pattern === undefined), {
    message: 'give exactly one of topics or pattern',
    path: ['topics'],
  })
export type JoinGroupRequest = z.input<typeof joinGroupRequestSchema>
export type JoinGroupInput = z.output<typeof joinGroupRequestSchema>

/**
 * A heartbeat carries the member's epoch and the partitions it holds now (after revoking what it was
 * asked to); `owned` omitted means "unchanged", so partitions it was asked to revoke still count as held.
 * `topics` or `pattern` changes the subscription.
 */
export const heartbeatRequestSchema = z
  .strictObject({
    memberId: memberIdSchema,
    memberEpoch: memberEpochSchema,
    owned: z.array(topicPartitionsSchema).max(10_000).optional(),
    topics: z.array(topicNameSchema).min(1).max(1000).optional(),
    pattern: patternSchema.optional(),
  })
  .refine((request) => request.topics === undefined || request.pattern === undefined, {
    message: 'give at most one of topics or pattern',
    path: ['topics'],
  })
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>

export const offsetCommitSchema = z.strictObject({
  topic: topicNameSchema,
  partition: z.number().int().nonnegative(),
  /** The next offset to read, as in Kafka: one past the last record processed. */
  offset: z.number().int().nonnegative(),
  metadata: z.string().max(MAX_COMMIT_METADATA_LENGTH).optional(),
})
export type OffsetCommit = z.infer<typeof offsetCommitSchema>

/** A member's commit carries its id and epoch; a group with no members takes `{ offsets }` alone. */
export const commitRequestSchema = z
  .strictObject({
    memberId: memberIdSchema.optional(),
    memberEpoch: memberEpochSchema.optional(),
    offsets: z.array(offsetCommitSchema).min(1).max(MAX_RECORDS_PER_BATCH),
  })
  .refine((request) => (request.memberId === undefined) === (request.memberEpoch === undefined), {
    message: 'memberId and memberEpoch go together',
    path: ['memberEpoch'],
  })
export type CommitRequest = z.infer<typeof commitRequestSchema>

export const leaveRequestSchema = z.strictObject({ memberId: memberIdSchema, memberEpoch: memberEpochSchema.optional() })
export type LeaveRequest = z.infer<typeof leaveRequestSchema>

const OFFSET = 'must be a non-negative integer, "earliest" or "latest"'

/** A fetch through the group: the coordinator checks epoch and ownership, then the partitions are read. */
export const groupFetchRequestSchema = z.strictObject({
  memberId: memberIdSchema,
  memberEpoch: memberEpochSchema,
  partitions: z
    .array(
      z.strictObject({
        topic: topicNameSchema,
        partition: z.number().int().nonnegative(),
        offset: z.union([z.enum(['earliest', 'latest']), z.number().int(OFFSET).nonnegative(OFFSET)], OFFSET),
      }),
    )
    .min(1)
    .max(1000),
  /** Most records per partition. */
  maxRecords: z.number().int().min(1).max(MAX_FETCH_LIMIT).optional(),
  maxBytes: z.number().int().min(1).max(MAX_FETCH_MAX_BYTES).optional(),
  /** Wait this long for records when none are ready; the first partition to get some answers. */
  maxWaitMs: z.number().int().min(0).max(MAX_FETCH_WAIT_MS).optional(),
  /** Where to start a partition whose offset is out of range (a committed offset removed by retention). */
  reset: z.enum(['earliest', 'latest', 'none']).optional(),
})
export type GroupFetchRequest = z.infer<typeof groupFetchRequestSchema>

export const resetOffsetsRequestSchema = z.union(
  [
    z.strictObject({ topic: topicNameSchema, to: z.enum(['earliest', 'latest']) }),
    z.strictObject({ topic: topicNameSchema, timestamp: timestampSchema }),
    z.strictObject({
      topic: topicNameSchema,
      offsets: z.array(z.strictObject({ partition: z.number().int().nonnegative(), offset: z.number().int().nonnegative() })).min(1),
    }),
  ],
  'give topic and one of to ("earliest" or "latest"), timestamp or offsets',
)
export type ResetOffsetsRequest = z.input<typeof resetOffsetsRequestSchema>

/** What the coordinator says to a client of the classic protocol (generationId, no memberEpoch). */
export const LEGACY_PROTOCOL_MESSAGE =
  "this server's consumer groups use Kafka 4's consumer protocol (memberEpoch), not generations; upgrade kafdo/client (or send memberEpoch as docs/consumer-groups.md describes)"

/**
 * Whether a heartbeat or commit body comes from a client of the classic protocol: it carries
 * `generationId`, or names a member without `memberEpoch`.
 */
export function isLegacyGroupRequest(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  return 'generationId' in body || ('memberId' in body && !('memberEpoch' in body))
}

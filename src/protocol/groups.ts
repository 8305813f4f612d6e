/** Consumer groups: join/heartbeat/commit/leave requests and what the coordinator answers. */
import { z } from 'zod'
import { ASSIGNMENT_STRATEGIES, type AssignmentStrategy } from '../core/assignors.js'
import {
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
  MAX_COMMIT_METADATA_LENGTH,
  MAX_GROUP_ID_LENGTH,
  MAX_PATTERN_LENGTH,
  MAX_RECORDS_PER_BATCH,
  MAX_REBALANCE_TIMEOUT_MS,
  MAX_SESSION_TIMEOUT_MS,
  MIN_SESSION_TIMEOUT_MS,
} from './limits.js'
import { timestampSchema } from './records.js'
import { topicNameSchema } from './topics.js'

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

export const joinGroupRequestSchema = z
  .strictObject({
    memberId: memberIdSchema.optional(),
    clientId: z.string().min(1).max(255).default('kafdo-consumer'),
    topics: z.array(topicNameSchema).min(1).max(1000).optional(),
    pattern: patternSchema.optional(),
    sessionTimeoutMs: z.number().int().min(MIN_SESSION_TIMEOUT_MS).max(MAX_SESSION_TIMEOUT_MS).default(DEFAULT_SESSION_TIMEOUT_MS),
    rebalanceTimeoutMs: z.number().int().min(MIN_SESSION_TIMEOUT_MS).max(MAX_REBALANCE_TIMEOUT_MS).default(DEFAULT_REBALANCE_TIMEOUT_MS),
    strategy: z.enum(ASSIGNMENT_STRATEGIES as [AssignmentStrategy, ...AssignmentStrategy[]]).default('sticky'),
  })
  .refine((request) => (request.topics === undefined) !== (request.pattern === undefined), {
    message: 'give exactly one of topics or pattern',
    path: ['topics'],
  })
export type JoinGroupRequest = z.input<typeof joinGroupRequestSchema>
export type JoinGroupInput = z.output<typeof joinGroupRequestSchema>

export const heartbeatRequestSchema = z.strictObject({ memberId: memberIdSchema, generationId: z.number().int().nonnegative() })
export type HeartbeatRequest = z.infer<typeof heartbeatRequestSchema>

export const offsetCommitSchema = z.strictObject({
  topic: topicNameSchema,
  partition: z.number().int().nonnegative(),
  /** The next offset to read, as in Kafka: one past the last record processed. */
  offset: z.number().int().nonnegative(),
  metadata: z.string().max(MAX_COMMIT_METADATA_LENGTH).optional(),
})
export type OffsetCommit = z.infer<typeof offsetCommitSchema>

export const commitRequestSchema = z
  .strictObject({
    memberId: memberIdSchema.optional(),
    generationId: z.number().int().nonnegative().optional(),
    offsets: z.array(offsetCommitSchema).min(1).max(MAX_RECORDS_PER_BATCH),
  })
  .refine((request) => (request.memberId === undefined) === (request.generationId === undefined), {
    message: 'memberId and generationId go together',
    path: ['generationId'],
  })
export type CommitRequest = z.infer<typeof commitRequestSchema>

export const leaveRequestSchema = z.strictObject({ memberId: memberIdSchema })

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

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export interface TopicPartitions {
  topic: string
  partitions: number[]
}

export interface JoinGroupResult {
  groupId: string
  memberId: string
  /** -1 while the rebalance this member joined has not completed: join again (with this memberId). */
  generationId: number
  state: GroupState
  protocol: AssignmentStrategy
  leaderId: string | null
  assignment: TopicPartitions[]
}

export interface HeartbeatResult {
  generationId: number
  state: GroupState
}

export interface GroupMemberDescription {
  memberId: string
  clientId: string
  topics: string[]
  pattern: string | null
  assignment: TopicPartitions[]
}

export interface CommittedOffsetDescription {
  topic: string
  partition: number
  offset: number
  metadata: string | null
  committedAt: number
}

export interface PartitionLag {
  topic: string
  partition: number
  /** The committed offset (next to read), or null when the group never committed this partition. */
  committed: number | null
  latest: number
  /** latest - committed; null when nothing is committed. */
  lag: number | null
}

export interface GroupDescription {
  groupId: string
  state: GroupState
  generationId: number
  protocol: AssignmentStrategy | null
  leaderId: string | null
  members: GroupMemberDescription[]
  offsets: CommittedOffsetDescription[]
  lag: PartitionLag[]
  totalLag: number
}

export interface GroupListing {
  groupId: string
  state: GroupState
  members: number
}

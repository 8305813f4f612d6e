/** What the consumer group coordinator answers: joins, heartbeats, group fetches, descriptions. */
import { z } from 'zod'
import { fetchResponseSchema } from './records.js'

/**
 * A group's state, as Kafka's consumer groups report it: `Empty` (no members), `Assigning` (the target
 * assignment is being computed), `Reconciling` (some member has not reached it yet), `Stable`, and `Dead`
 * (no such group).
 */
export const groupStateSchema = z.enum(['Empty', 'Assigning', 'Reconciling', 'Stable', 'Dead'])
export type GroupState = z.infer<typeof groupStateSchema>

/**
 * A member's reconciliation state, as Kafka's: `Stable` (it owns its assignment), `UnrevokedPartitions`
 * (it must revoke partitions before it moves on), `UnreleasedPartitions` (some of its target partitions
 * are still held by members revoking them; it gets them on a later heartbeat).
 */
export const memberStateSchema = z.enum(['Stable', 'UnrevokedPartitions', 'UnreleasedPartitions'])
export type MemberState = z.infer<typeof memberStateSchema>

/** Partitions of one topic, as assignments list them. */
const assignedSchema = z.object({ topic: z.string(), partitions: z.array(z.number().int()) }).meta({ id: 'TopicPartitions' })
const assignmentSchema = z.array(assignedSchema)

export const joinGroupResultSchema = z
  .object({
    groupId: z.string(),
    memberId: z.string(),
    memberEpoch: z.number().int(),
    /** How long to wait before the next heartbeat (shorter while the member is reconciling). */
    heartbeatIntervalMs: z.number().int(),
    /** The partitions this member may own now: those of its target that are free (possibly none). */
    assignment: assignmentSchema,
    state: memberStateSchema,
    /**
     * Deprecated, equal to `memberEpoch`: lets a client of the classic protocol get as far as its first
     * heartbeat or commit, which is then refused with UNSUPPORTED_VERSION naming the upgrade.
     */
    generationId: z.number().int(),
  })
  .meta({
    id: 'JoinGroupResult',
    example: {
      groupId: 'billing',
      memberId: 'm-4f2a9c',
      memberEpoch: 1,
      heartbeatIntervalMs: 3000,
      assignment: [{ topic: 'orders', partitions: [0, 1, 2] }],
      state: 'Stable',
      generationId: 1,
    },
  })
export type JoinGroupResult = z.infer<typeof joinGroupResultSchema>

export const heartbeatResultSchema = z
  .object({
    memberEpoch: z.number().int(),
    heartbeatIntervalMs: z.number().int(),
    /**
     * What the member may own now. Anything it holds that is not here must be revoked (commit, run
     * onPartitionsRevoked, stop fetching), then reported by a heartbeat's `owned`.
     */
    assignment: assignmentSchema,
    state: memberStateSchema,
    /**
     * Partitions the member reported holding that it no longer owns: it did not revoke them within its
     * rebalance timeout (or their topic was deleted), and they moved on. Drop them without committing.
     */
    lost: assignmentSchema.optional(),
  })
  .meta({
    id: 'HeartbeatResult',
    example: { memberEpoch: 3, heartbeatIntervalMs: 3000, assignment: [{ topic: 'orders', partitions: [0, 1] }], state: 'Stable' },
  })
export type HeartbeatResult = z.infer<typeof heartbeatResultSchema>

export const groupFetchResultSchema = z
  .object({
    /** The partitions that answered, in answer order (a long poll ends at the first one with records). */
    partitions: z.array(fetchResponseSchema),
  })
  .meta({
    id: 'GroupFetchResult',
    example: {
      partitions: [
        {
          topic: 'orders',
          partition: 0,
          messages: [{ offset: 42, timestamp: 1767225600000, key: 'order-42', value: { id: 'order-42' }, headers: {} }],
          nextOffset: 43,
          highWatermark: 43,
          logStartOffset: 0,
        },
      ],
    },
  })
export type GroupFetchResult = z.infer<typeof groupFetchResultSchema>

export const groupMemberDescriptionSchema = z
  .object({
    memberId: z.string(),
    clientId: z.string(),
    memberEpoch: z.number().int(),
    state: memberStateSchema,
    topics: z.array(z.string()),
    pattern: z.string().nullable(),
    /** Every partition the member owns now, including those it has been asked to revoke. */
    assignment: assignmentSchema,
    /** The partitions the coordinator's target assignment gives it. */
    target: assignmentSchema,
    /** The owned partitions it has been asked to revoke and has not yet. */
    pendingRevocation: assignmentSchema,
  })
  .meta({ id: 'GroupMember' })
export type GroupMemberDescription = z.infer<typeof groupMemberDescriptionSchema>

export const committedOffsetDescriptionSchema = z
  .object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.number().int(),
    metadata: z.string().nullable(),
    committedAt: z.number().int(),
  })
  .meta({ id: 'CommittedOffset' })
export type CommittedOffsetDescription = z.infer<typeof committedOffsetDescriptionSchema>

export const partitionLagSchema = z
  .object({
    topic: z.string(),
    partition: z.number().int(),
    /** The committed offset (next to read), or null when the group never committed this partition. */
    committed: z.number().int().nullable(),
    latest: z.number().int(),
    /** latest - committed; null when nothing is committed. */
    lag: z.number().int().nullable(),
  })
  .meta({ id: 'PartitionLag' })
export type PartitionLag = z.infer<typeof partitionLagSchema>

export const groupDescriptionSchema = z
  .object({
    groupId: z.string(),
    state: groupStateSchema,
    /** Bumped on every change of membership, subscription or subscribed topics. */
    groupEpoch: z.number().int(),
    /** The group epoch the target assignment was computed at. */
    assignmentEpoch: z.number().int(),
    protocol: z.enum(['range', 'roundrobin', 'sticky']).nullable(),
    members: z.array(groupMemberDescriptionSchema),
    offsets: z.array(committedOffsetDescriptionSchema),
    lag: z.array(partitionLagSchema),
    totalLag: z.number().int(),
  })
  .meta({
    id: 'GroupDescription',
    example: {
      groupId: 'billing',
      state: 'Stable',
      groupEpoch: 3,
      assignmentEpoch: 3,
      protocol: 'sticky',
      members: [
        {
          memberId: 'm-7c1e2f',
          clientId: 'billing-1',
          memberEpoch: 3,
          state: 'Stable',
          topics: ['orders'],
          pattern: null,
          assignment: [{ topic: 'orders', partitions: [0, 1] }],
          target: [{ topic: 'orders', partitions: [0, 1] }],
          pendingRevocation: [],
        },
      ],
      offsets: [{ topic: 'orders', partition: 0, offset: 120, metadata: null, committedAt: 1767225600000 }],
      lag: [
        { topic: 'orders', partition: 0, committed: 120, latest: 125, lag: 5 },
        { topic: 'orders', partition: 1, committed: null, latest: 30, lag: null },
      ],
      totalLag: 5,
    },
  })
export type GroupDescription = z.infer<typeof groupDescriptionSchema>

export const groupListingSchema = z.object({ groupId: z.string(), state: groupStateSchema, members: z.number().int() }).meta({ id: 'GroupListing' })
export type GroupListing = z.infer<typeof groupListingSchema>

/** A group's description as its coordinator object gives it; the service adds lag from the partitions. */
export type GroupSnapshot = Omit<GroupDescription, 'lag' | 'totalLag'>

/** Which group an RPC to a coordinator object is about (the object's name is derived from it). */
export interface GroupRef {
  tenant: string
  groupId: string
}

/** Route definitions of `/consumer-groups/:groupId/...` (Kafka 4's consumer protocol). */
import { z } from 'zod'
import {
  commitRequestSchema,
  committedOffsetDescriptionSchema,
  groupDescriptionSchema,
  groupFetchRequestSchema,
  groupFetchResultSchema,
  groupIdSchema,
  heartbeatRequestSchema,
  heartbeatResultSchema,
  joinGroupRequestSchema,
  joinGroupResultSchema,
  leaveRequestSchema,
} from '../../protocol/groups.js'
import { defineRoute } from '../openapi/define.js'

const tag = 'Consumer groups'
const group = { groupId: groupIdSchema }
/** What the coordinator answers a member whose id or epoch it does not accept. */
const FENCING = ['UNKNOWN_MEMBER_ID', 'STALE_MEMBER_EPOCH', 'FENCED_MEMBER_EPOCH'] as const

export const join = defineRoute({
  method: 'post',
  path: '/:groupId/join',
  operationId: 'joinGroup',
  tag,
  summary: 'Join a consumer group',
  description:
    'Joins (or rejoins, with `memberId`) with a subscription: `topics` or a regular expression `pattern`. The answer comes at once with the partitions the member may own now; the rest of its target arrives on later heartbeats, as other members release them.',
  permission: '`consume` on each subscribed topic (a pattern needs `consume` on every topic)',
  params: group,
  body: joinGroupRequestSchema,
  bodyExample: { topics: ['orders'], sessionTimeoutMs: 45000 },
  answers: { 200: { description: "The member's id, epoch and assignment", schema: joinGroupResultSchema } },
  errors: ['UNKNOWN_MEMBER_ID', 'INCONSISTENT_GROUP_PROTOCOL', 'GROUP_MAX_SIZE_REACHED', 'INVALID_TOPIC_EXCEPTION'],
})

export const heartbeat = defineRoute({
  method: 'post',
  path: '/:groupId/heartbeat',
  operationId: 'heartbeat',
  tag,
  summary: 'Heartbeat and reconcile',
  description:
    'Keeps the member alive and reports what it owns (`owned`, after revoking what it was asked to). The answer is what it may own now; `lost` lists partitions it held too long after being asked to revoke them. A classic-protocol body (`generationId`) is refused with `UNSUPPORTED_VERSION`.',
  permission: '`consume` (and on each topic of a new subscription)',
  params: group,
  body: heartbeatRequestSchema,
  bodyExample: { memberId: 'm-4f2a9c', memberEpoch: 1, owned: [{ topic: 'orders', partitions: [0, 1, 2] }] },
  answers: { 200: { description: 'The assignment now', schema: heartbeatResultSchema } },
  errors: [...FENCING, 'UNSUPPORTED_VERSION', 'INVALID_TOPIC_EXCEPTION'],
})

export const fetchThroughGroup = defineRoute({
  method: 'post',
  path: '/:groupId/fetch',
  operationId: 'groupFetch',
  tag,
  summary: 'Fetch through the group',
  description:
    'Reads partitions the member owns, checked against its epoch and assignment in one request; with `maxWaitMs` it long-polls and answers when the first partition has records.',
  permission: '`consume` on each topic read',
  params: group,
  body: groupFetchRequestSchema,
  bodyExample: { memberId: 'm-4f2a9c', memberEpoch: 1, partitions: [{ topic: 'orders', partition: 0, offset: 42 }], maxWaitMs: 5000 },
  answers: { 200: { description: 'The partitions that answered', schema: groupFetchResultSchema } },
  errors: [...FENCING, 'PARTITION_NOT_ASSIGNED', 'UNSUPPORTED_VERSION', 'UNKNOWN_TOPIC_OR_PARTITION', 'OFFSET_OUT_OF_RANGE'],
})

export const commit = defineRoute({
  method: 'post',
  path: '/:groupId/commit',
  operationId: 'commitOffsets',
  tag,
  summary: 'Commit offsets',
  description:
    "Commits the next offset to read per partition. A member's commit carries its id and epoch, and a stale epoch is refused, so a zombie cannot move offsets; a group with no members takes `{ offsets }` alone.",
  permission: '`consume` on each topic committed',
  params: group,
  body: commitRequestSchema,
  bodyExample: { memberId: 'm-4f2a9c', memberEpoch: 1, offsets: [{ topic: 'orders', partition: 0, offset: 43 }] },
  answers: {
    200: {
      description: 'How many offsets were committed',
      schema: z.object({ committed: z.number().int() }).meta({ id: 'CommitResult', example: { committed: 2 } }),
    },
  },
  errors: [...FENCING, 'PARTITION_NOT_ASSIGNED', 'UNSUPPORTED_VERSION', 'UNKNOWN_TOPIC_OR_PARTITION'],
})

export const leave = defineRoute({
  method: 'post',
  path: '/:groupId/leave',
  operationId: 'leaveGroup',
  tag,
  summary: 'Leave the group',
  permission: '`consume`',
  params: group,
  body: leaveRequestSchema,
  bodyExample: { memberId: 'm-4f2a9c', memberEpoch: 1 },
  answers: {
    200: {
      description: 'The member left; its partitions go to the others',
      schema: z
        .object({ groupId: z.string(), memberId: z.string(), left: z.literal(true) })
        .meta({ id: 'LeaveResult', example: { groupId: 'billing', memberId: 'm-7c1e2f', left: true } }),
    },
  },
  errors: FENCING,
})

export const describe = defineRoute({
  method: 'get',
  path: '/:groupId',
  operationId: 'describeGroup',
  tag,
  summary: 'Describe a group',
  description: 'State, epochs, members with their assignments, committed offsets and lag. A group that does not exist is described as `Dead`.',
  permission: '`group:read` on the group',
  params: group,
  answers: { 200: { description: 'The group', schema: groupDescriptionSchema } },
})

export const offsets = defineRoute({
  method: 'get',
  path: '/:groupId/offsets',
  operationId: 'committedOffsets',
  tag,
  summary: "A group's committed offsets",
  permission: '`group:read` on the group',
  params: group,
  answers: {
    200: {
      description: 'Every committed offset of the group',
      schema: z.object({ groupId: z.string(), offsets: z.array(committedOffsetDescriptionSchema) }).meta({
        id: 'GroupOffsets',
        example: { groupId: 'billing', offsets: [{ topic: 'orders', partition: 0, offset: 120, metadata: null, committedAt: 1767225600000 }] },
      }),
    },
  },
})

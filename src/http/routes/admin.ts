/** Route definitions of topic and group administration on `/admin/...`. */
import { z } from 'zod'
import {
  committedOffsetDescriptionSchema,
  groupDescriptionSchema,
  groupIdSchema,
  groupListingSchema,
  resetOffsetsRequestSchema,
} from '../../protocol/groups.js'
import {
  alterTopicConfigRequestSchema,
  alterTopicConfigResultSchema,
  createPartitionsRequestSchema,
  createTopicRequestSchema,
  deleteRecordsRequestSchema,
  deleteRecordsResultSchema,
  topicDescriptionSchema,
  topicNameSchema,
  topicOffsetsSchema,
  topicSummarySchema,
  TOPIC_EXAMPLE,
} from '../../protocol/topics.js'
import { defineRoute } from '../openapi/define.js'

const topics = 'Topics'
const groups = 'Group administration'
const topic = { topic: topicNameSchema }
const group = { groupId: groupIdSchema }
/** `?dryRun=true`: validate and answer what would change; change nothing. */
export const dryRunQuerySchema = z.strictObject({ dryRun: z.enum(['true', 'false']).optional() })
const dryRunTopicSchema = topicSummarySchema.extend({ dryRun: z.literal(true) }).meta({
  id: 'TopicDryRun',
  example: {
    ...TOPIC_EXAMPLE,
    dryRun: true,
  },
})

export const listTopics = defineRoute({
  method: 'get',
  path: '/topics',
  operationId: 'listTopics',
  tag: topics,
  summary: "List the tenant's topics",
  description: 'Lists the topics the caller may read (all of them for an admin); internal topics are left out.',
  permission: '`topic:read`',
  answers: {
    200: {
      description: 'The topics',
      schema: z.object({ topics: z.array(topicSummarySchema) }).meta({
        id: 'TopicList',
        example: {
          topics: [
            {
              ...TOPIC_EXAMPLE,
            },
          ],
        },
      }),
    },
  },
})

export const createTopic = defineRoute({
  method: 'post',
  path: '/topics',
  operationId: 'createTopic',
  tag: topics,
  summary: 'Create a topic',
  description: '`?dryRun=true` checks the name, partitions, config and quotas, answers the topic that would be created (200), and creates nothing.',
  permission: '`topic:create` on the topic',
  query: dryRunQuerySchema,
  body: createTopicRequestSchema,
  bodyExample: { topic: 'orders', partitions: 3, config: { 'retention.ms': 604800000 } },
  answers: {
    201: { description: 'The topic was created', schema: topicSummarySchema },
    200: { description: 'Dry run: the topic that would be created', schema: dryRunTopicSchema },
  },
  errors: ['TOPIC_ALREADY_EXISTS', 'INVALID_TOPIC_EXCEPTION', 'INVALID_CONFIG', 'INVALID_PARTITIONS', 'POLICY_VIOLATION'],
})

export const describeTopic = defineRoute({
  method: 'get',
  path: '/topics/:topic',
  operationId: 'describeTopic',
  tag: topics,
  summary: 'Describe a topic',
  description: 'Its id, config and the offsets of every partition.',
  permission: '`topic:read` on the topic',
  params: topic,
  answers: { 200: { description: 'The topic', schema: topicDescriptionSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION'],
})

export const deleteTopic = defineRoute({
  method: 'delete',
  path: '/topics/:topic',
  operationId: 'deleteTopic',
  tag: topics,
  summary: 'Delete a topic',
  description: 'Deletes the topic and its records; groups forget its partitions on their next heartbeat.',
  permission: '`topic:delete` on the topic',
  params: topic,
  answers: {
    200: {
      description: 'The topic as it was',
      schema: topicSummarySchema.extend({ deleted: z.literal(true) }).meta({
        id: 'DeletedTopic',
        example: {
          ...TOPIC_EXAMPLE,
          deleted: true,
        },
      }),
    },
  },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'INVALID_TOPIC_EXCEPTION'],
})

export const createPartitions = defineRoute({
  method: 'post',
  path: '/topics/:topic/partitions',
  operationId: 'createPartitions',
  tag: topics,
  summary: 'Add partitions',
  description:
    "Kafka's CreatePartitions: `count` is the new total, which can only grow. `?dryRun=true` checks it and answers the topic as it would be (with `dryRun: true`), and adds nothing.",
  permission: '`topic:config` on the topic',
  params: topic,
  query: dryRunQuerySchema,
  body: createPartitionsRequestSchema,
  bodyExample: { count: 6 },
  answers: {
    200: {
      description: 'The topic with its new partition count (with `dryRun: true` on a dry run)',
      schema: topicSummarySchema.extend({ dryRun: z.literal(true).optional() }).meta({
        id: 'TopicWithPartitions',
        example: {
          ...TOPIC_EXAMPLE,
          partitions: 6,
        },
      }),
    },
  },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'INVALID_PARTITIONS', 'INVALID_TOPIC_EXCEPTION', 'POLICY_VIOLATION'],
})

export const deleteRecords = defineRoute({
  method: 'post',
  path: '/topics/:topic/delete-records',
  operationId: 'deleteRecords',
  tag: topics,
  summary: "Delete a partition's records before an offset",
  description:
    'Kafka\'s DeleteRecords: each named partition\'s log start moves to `offset` (`"latest"`: every record written so far). Every offset is checked before anything is deleted, so a bad one deletes nothing; an offset at or before the log start deletes nothing.',
  permission: '`topic:delete` on the topic',
  params: topic,
  body: deleteRecordsRequestSchema,
  bodyExample: {
    partitions: [
      { partition: 0, offset: 120 },
      { partition: 1, offset: 'latest' },
    ],
  },
  answers: { 200: { description: "Each partition's offsets afterwards", schema: deleteRecordsResultSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'OFFSET_OUT_OF_RANGE', 'INVALID_TOPIC_EXCEPTION'],
})

export const alterTopicConfig = defineRoute({
  method: 'patch',
  path: '/topics/:topic/config',
  operationId: 'alterTopicConfig',
  tag: topics,
  summary: "Change a topic's config",
  description:
    "Kafka's IncrementalAlterConfigs: `set` gives keys new values, `delete` puts keys back to their defaults, `health` replaces the topic's health thresholds. `?dryRun=true` checks everything and answers what the config would become.",
  permission: '`topic:config` on the topic (`platform:admin` for internal topics)',
  params: topic,
  query: dryRunQuerySchema,
  body: alterTopicConfigRequestSchema,
  bodyExample: { set: { 'retention.ms': 86400000 }, delete: ['cleanup.policy'] },
  answers: { 200: { description: 'The config before and after', schema: alterTopicConfigResultSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'INVALID_CONFIG', 'POLICY_VIOLATION', 'INVALID_TOPIC_EXCEPTION'],
})

export const topicOffsets = defineRoute({
  method: 'get',
  path: '/topics/:topic/offsets',
  operationId: 'topicOffsets',
  tag: topics,
  summary: "Every partition's earliest and latest offsets",
  permission: '`topic:read` on the topic',
  params: topic,
  answers: { 200: { description: 'The offsets', schema: topicOffsetsSchema } },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION'],
})

export const listGroups = defineRoute({
  method: 'get',
  path: '/groups',
  operationId: 'listGroups',
  tag: groups,
  summary: "List the tenant's consumer groups",
  permission: '`group:read`',
  answers: {
    200: {
      description: 'The groups the caller may read',
      schema: z.object({ groups: z.array(groupListingSchema) }).meta({
        id: 'GroupList',
        example: {
          groups: [
            { groupId: 'billing', state: 'Stable', members: 2 },
            { groupId: 'search', state: 'Empty', members: 0 },
          ],
        },
      }),
    },
  },
})

export const describeGroup = defineRoute({
  method: 'get',
  path: '/groups/:groupId',
  operationId: 'adminDescribeGroup',
  tag: groups,
  summary: 'Describe a consumer group',
  permission: '`group:read` on the group',
  params: group,
  answers: { 200: { description: 'The group', schema: groupDescriptionSchema } },
})

export const resetOffsets = defineRoute({
  method: 'post',
  path: '/groups/:groupId/reset-offsets',
  operationId: 'resetOffsets',
  tag: groups,
  summary: "Reset a group's offsets on a topic",
  description:
    "Kafka's `kafka-consumer-groups --reset-offsets`: to `earliest` or `latest`, to the first offset at a `timestamp`, or to given `offsets`.",
  permission: '`group:admin` on the group',
  params: group,
  body: resetOffsetsRequestSchema,
  bodyExample: { topic: 'orders', to: 'earliest' },
  answers: {
    200: {
      description: 'The offsets committed',
      schema: z.object({ groupId: z.string(), offsets: z.array(committedOffsetDescriptionSchema) }).meta({
        id: 'ResetOffsetsResult',
        example: { groupId: 'billing', offsets: [{ topic: 'orders', partition: 0, offset: 120, metadata: null, committedAt: 1767225600000 }] },
      }),
    },
  },
  errors: ['UNKNOWN_TOPIC_OR_PARTITION', 'NON_EMPTY_GROUP'],
})

export const deleteGroup = defineRoute({
  method: 'delete',
  path: '/groups/:groupId',
  operationId: 'deleteGroup',
  tag: groups,
  summary: 'Delete a consumer group',
  description: 'Deletes an empty group and its committed offsets.',
  permission: '`group:admin` on the group',
  params: group,
  answers: {
    200: {
      description: 'The group was deleted',
      schema: z
        .object({ groupId: z.string(), deleted: z.literal(true) })
        .meta({ id: 'DeletedGroup', example: { groupId: 'billing', deleted: true } }),
    },
  },
  errors: ['GROUP_ID_NOT_FOUND', 'NON_EMPTY_GROUP'],
})

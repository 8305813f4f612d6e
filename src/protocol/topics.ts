/** Topic administration: request schemas and the shapes the API answers with. */
import { z } from 'zod'
import { topicHealthPolicySchema, topicHealthThresholdSchema, type TopicHealthThreshold } from './monitoring.js'
import type { QueuePolicy } from './queues.js'
import type { TopicConfig } from './topic-config.js'
import { MAX_PARTITIONS_PER_TOPIC, MAX_TOPIC_NAME_LENGTH, TOPIC_NAME_PATTERN } from './limits.js'

export const topicNameSchema = z
  .string()
  .min(1)
  .max(MAX_TOPIC_NAME_LENGTH)
  .regex(TOPIC_NAME_PATTERN, 'may contain only ASCII letters, digits, ".", "_" and "-"')
  .refine((name) => name !== '.' && name !== '..', 'cannot be "." or ".."')

export const partitionCountSchema = z.number().int().min(1).max(MAX_PARTITIONS_PER_TOPIC)

export const topicConfigInputSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))

/**
 * Names starting with `__` are Kafdo's internal topics (the audit trail): listings and pattern
 * subscriptions leave them out, and who may create, write, read, delete or reconfigure them is decided in
 * `core/internal-topics.ts` (creating one is refused with INVALID_TOPIC_EXCEPTION).
 */
export const isInternalTopic = (name: string): boolean => name.startsWith('__')

export const createTopicRequestSchema = z.strictObject({
  topic: topicNameSchema,
  partitions: partitionCountSchema.optional(),
  config: topicConfigInputSchema.optional(),
})
export type CreateTopicRequest = z.infer<typeof createTopicRequestSchema>

/** Kafka's CreatePartitions takes the new total, not the number to add. */
export const createPartitionsRequestSchema = z.strictObject({ count: partitionCountSchema })
export type CreatePartitionsRequest = z.infer<typeof createPartitionsRequestSchema>

/**
 * Kafka's IncrementalAlterConfigs for one topic (`PATCH /admin/topics/:topic/config`): `set` gives keys new
 * values (SET), `delete` puts keys back to their defaults (DELETE); keys named in neither keep their
 * values. Which keys exist and which values they take is checked against the topic config (400
 * INVALID_CONFIG naming each bad key), as for a new topic.
 */
export const alterTopicConfigRequestSchema = z
  .strictObject({
    set: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    delete: z.array(z.string()).optional(),
    /** Replaces the topic's health thresholds (see monitoring); `{ "thresholds": [] }` clears them. */
    health: topicHealthPolicySchema.optional(),
  })
  .superRefine((request, ctx) => {
    const set = Object.keys(request.set ?? {})
    if (set.length === 0 && (request.delete ?? []).length === 0 && request.health === undefined) {
      ctx.addIssue({ code: 'custom', message: 'give at least one key to set or to delete, or health thresholds', path: [] })
    }
    for (const key of new Set((request.delete ?? []).filter((key) => set.includes(key)))) {
      ctx.addIssue({ code: 'custom', message: `'${key}' cannot be both set and deleted`, path: ['delete'] })
    }
  })
export type AlterTopicConfigRequest = z.infer<typeof alterTopicConfigRequestSchema>

/**
 * Kafka's DeleteRecords (`POST /admin/topics/:topic/delete-records`): each partition's records before
 * `offset` are deleted, its log start moving to `offset`; `"latest"` deletes every record written so far.
 * An offset past the partition's latest is OFFSET_OUT_OF_RANGE; one at or before its earliest deletes nothing.
 */
export const deleteRecordsRequestSchema = z.strictObject({
  partitions: z
    .array(
      z.strictObject({
        partition: z.number().int().nonnegative(),
        offset: z.union([z.literal('latest'), z.number().int().nonnegative()], 'must be a non-negative integer or "latest"'),
      }),
    )
    .min(1)
    .max(MAX_PARTITIONS_PER_TOPIC)
    .refine((partitions) => new Set(partitions.map((p) => p.partition)).size === partitions.length, 'names a partition twice'),
})
export type DeleteRecordsRequest = z.infer<typeof deleteRecordsRequestSchema>

export interface AlterTopicConfigOptions {
  /** Validate everything (keys, values, tenant quotas) and answer what the config would become; change nothing. */
  dryRun?: boolean
}

/** A topic's config as the API shows it: Kafka's key names, every value a string. */
const configStrings = z.record(z.string(), z.string()).meta({
  id: 'TopicConfigValues',
  example: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
})

/** The topic's config before and after the change, rendered as `GET /admin/topics/:topic` renders it. */
export const alterTopicConfigResultSchema = z
  .object({
    topic: z.string(),
    before: configStrings,
    after: configStrings,
    /** The health thresholds before and after, when the change named them. */
    health: z.object({ before: z.array(topicHealthThresholdSchema), after: z.array(topicHealthThresholdSchema) }).optional(),
    /** False for a dry run. */
    applied: z.boolean(),
  })
  .meta({
    id: 'AlterTopicConfigResult',
    example: {
      topic: 'orders',
      before: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
      after: { 'retention.ms': '86400000', 'cleanup.policy': 'delete' },
      applied: true,
    },
  })
export type AlterTopicConfigResult = z.infer<typeof alterTopicConfigResultSchema>

export const partitionOffsetsSchema = z
  .object({
    partition: z.number().int(),
    /** The log start offset: the oldest offset still stored (retention moves it forward). */
    earliest: z.number().int(),
    /** The next offset to be written (Kafka's high watermark / log end offset). */
    latest: z.number().int(),
  })
  .meta({ id: 'PartitionOffsets' })
export type PartitionOffsets = z.infer<typeof partitionOffsetsSchema>

/** A topic as the examples of the API description show it. */
export const TOPIC_EXAMPLE = {
  topic: 'orders',
  topicId: '0f9c2e1a-5b7d-4c1e-9a3f-2d6b8e4c7a10',
  partitions: 3,
  config: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
  createdAt: 1767225600000,
}

export const topicSummarySchema = z
  .object({ topic: z.string(), topicId: z.string(), partitions: z.number().int(), config: configStrings, createdAt: z.number().int() })
  .meta({ id: 'TopicSummary', example: TOPIC_EXAMPLE })
export type TopicSummary = z.infer<typeof topicSummarySchema>

export const topicDescriptionSchema = z
  .object({
    topic: z.string(),
    topicId: z.string(),
    partitions: z.array(partitionOffsetsSchema),
    config: configStrings,
    createdAt: z.number().int(),
  })
  .meta({
    id: 'TopicDescription',
    example: {
      topic: 'orders',
      topicId: '0f9c2e1a-5b7d-4c1e-9a3f-2d6b8e4c7a10',
      partitions: [
        { partition: 0, earliest: 0, latest: 120 },
        { partition: 1, earliest: 0, latest: 98 },
      ],
      config: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
      createdAt: 1767225600000,
    },
  })
export type TopicDescription = z.infer<typeof topicDescriptionSchema>

export const topicOffsetsSchema = z.object({ topic: z.string(), partitions: z.array(partitionOffsetsSchema) }).meta({
  id: 'TopicOffsets',
  example: {
    topic: 'orders',
    partitions: [
      { partition: 0, earliest: 0, latest: 120 },
      { partition: 1, earliest: 10, latest: 98 },
    ],
  },
})
export type TopicOffsets = z.infer<typeof topicOffsetsSchema>

/** Each partition's offsets after a DeleteRecords (`earliest` is its new log start). */
export const deleteRecordsResultSchema = z
  .object({ topic: z.string(), partitions: z.array(partitionOffsetsSchema) })
  .meta({ id: 'DeleteRecordsResult', example: { topic: 'orders', partitions: [{ partition: 0, earliest: 120, latest: 200 }] } })
export type DeleteRecordsResult = z.infer<typeof deleteRecordsResultSchema>

/** A topic as the server keeps it: the config typed, as the partitions enforce it. */
export interface TopicMetadata {
  topic: string
  topicId: string
  partitions: number
  config: TopicConfig
  /** How the topic behaves when consumed as a queue; the defaults unless set through `/queues`. */
  queue: QueuePolicy
  /** Health thresholds (`GET /health/topics/:t`, alerts); none unless set. */
  health?: TopicHealthThreshold[]
  createdAt: number
}

/**
 * A tenant's topics and partition counts, as the tenant's metadata object pushes them to consumer
 * groups when they change. `version` increases with every change, so a group ignores one older than the
 * one it holds (0: none heard yet).
 */
export interface TopicsSnapshot {
  version: number
  partitions: Record<string, number>
}

/**
 * A topic's settings as the tenant's metadata object pushes them to each partition when they change (the
 * partition never asks back). `version` increases with every change of the topic, so a partition ignores
 * a push older than the settings it holds.
 */
export interface TopicConfigPush {
  version: number
  topic: TopicMetadata
}

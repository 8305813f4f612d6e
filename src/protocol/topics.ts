/** Topic administration: request schemas and the shapes the API answers with. */
import { z } from 'zod'
import type { QueuePolicy } from './queues.js'
import type { TopicConfig } from './topic-config.js'
import { MAX_PARTITIONS_PER_TOPIC, MAX_TOPIC_NAME_LENGTH, TOPIC_NAME_PATTERN } from './limits.js'

export const topicNameSchema = z
  .string()
  .min(1, 'topic name must not be empty')
  .max(MAX_TOPIC_NAME_LENGTH, `topic name must be at most ${MAX_TOPIC_NAME_LENGTH} characters`)
  .regex(TOPIC_NAME_PATTERN, 'topic name may contain only ASCII letters, digits, ".", "_" and "-"')
  .refine((name) => name !== '.' && name !== '..', 'topic name cannot be "." or ".."')

export const partitionCountSchema = z
  .number()
  .int()
  .min(1, 'a topic needs at least one partition')
  .max(MAX_PARTITIONS_PER_TOPIC, `a topic can have at most ${MAX_PARTITIONS_PER_TOPIC} partitions`)

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

export interface PartitionOffsets {
  partition: number
  /** The log start offset: the oldest offset still stored (retention moves it forward). */
  earliest: number
  /** The next offset to be written (Kafka's high watermark / log end offset). */
  latest: number
}

export interface TopicSummary {
  topic: string
  topicId: string
  partitions: number
  config: Record<string, string>
  createdAt: number
}

export interface TopicDescription {
  topic: string
  topicId: string
  partitions: PartitionOffsets[]
  config: Record<string, string>
  createdAt: number
}

export interface TopicOffsets {
  topic: string
  partitions: PartitionOffsets[]
}

/** A topic as the server keeps it: the config typed, as the partitions enforce it. */
export interface TopicMetadata {
  topic: string
  topicId: string
  partitions: number
  config: TopicConfig
  /** How the topic behaves when consumed as a queue; the defaults unless set through `/queues`. */
  queue: QueuePolicy
  createdAt: number
}

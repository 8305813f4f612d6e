/**
 * The group consumer's options, one schema for the in-Worker `createConsumer` and the client's
 * `client.consumer()`, so an option means the same in both, with the same defaults, and a bad one is the
 * same `INVALID_REQUEST` in both.
 */
import { z } from 'zod'
import { groupIdSchema, patternSchema } from './groups.js'
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
  MAX_FETCH_LIMIT,
  MAX_REBALANCE_TIMEOUT_MS,
  MAX_SESSION_TIMEOUT_MS,
  MIN_SESSION_TIMEOUT_MS,
} from './limits.js'
import { topicNameSchema } from './topics.js'

export const DEFAULT_MAX_POLL_RECORDS = 500
export const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000

export const consumerOptionsSchema = z
  .object({
    groupId: groupIdSchema,
    clientId: z.string().min(1).max(255).optional(),
    /** The topics to subscribe to (the client's; the in-Worker consumer subscribes with `subscribe`). */
    topics: z.array(topicNameSchema).max(1000).optional(),
    /** A regular expression matched against whole topic names, instead of `topics`. */
    pattern: patternSchema.optional(),
    sessionTimeoutMs: z.number().int().min(MIN_SESSION_TIMEOUT_MS).max(MAX_SESSION_TIMEOUT_MS).default(DEFAULT_SESSION_TIMEOUT_MS),
    rebalanceTimeoutMs: z.number().int().min(MIN_SESSION_TIMEOUT_MS).max(MAX_REBALANCE_TIMEOUT_MS).default(DEFAULT_REBALANCE_TIMEOUT_MS),
    /** How often to heartbeat (0: at every opportunity); shorter than the session timeout. Default 3000, at most a third of it. */
    heartbeatIntervalMs: z.number().int().min(0).max(MAX_SESSION_TIMEOUT_MS).optional(),
    maxPollRecords: z.number().int().min(1).max(MAX_FETCH_LIMIT).default(DEFAULT_MAX_POLL_RECORDS),
    autoCommit: z.boolean().default(true),
    autoCommitIntervalMs: z.number().int().min(0).max(86_400_000).default(DEFAULT_AUTO_COMMIT_INTERVAL_MS),
    /** Where a partition with no committed offset starts: earliest, or latest (the default, Kafka's auto.offset.reset). */
    fromBeginning: z.boolean().default(false),
    strategy: z.enum(['range', 'roundrobin', 'sticky', 'uniform']).optional(),
  })
  .refine((options) => !options.topics?.length || options.pattern === undefined, {
    message: 'give topics or a pattern, not both',
    path: ['topics'],
  })
  .refine((options) => options.heartbeatIntervalMs === undefined || options.heartbeatIntervalMs < options.sessionTimeoutMs, {
    message: 'must be shorter than sessionTimeoutMs',
    path: ['heartbeatIntervalMs'],
  })
  .transform((options) => ({
    ...options,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? Math.min(DEFAULT_HEARTBEAT_INTERVAL_MS, Math.floor(options.sessionTimeoutMs / 3)),
  }))

export type ConsumerOptionsInput = z.input<typeof consumerOptionsSchema>
export type CheckedConsumerOptions = z.output<typeof consumerOptionsSchema>

export const pollOptionsSchema = z.strictObject({
  /** At most this many records (default: the consumer's maxPollRecords). */
  maxRecords: z.number().int().min(1).max(MAX_FETCH_LIMIT).optional(),
  /** When no owned partition has records, wait up to this long for some (default 0). */
  maxWaitMs: z.number().int().min(0).max(300_000).optional(),
})
export type PollOptions = z.input<typeof pollOptionsSchema>

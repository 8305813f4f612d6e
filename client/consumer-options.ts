/** The consumer's options: what `client.consumer(options)` and `poll(options)` take, checked, with defaults. */
import { KafdoError } from '../src/protocol/index.js'
import type { AssignmentStrategy, MembershipOptions } from './group-membership.js'

export interface ConsumerOptions {
  groupId: string
  /** The topics to subscribe to (or give `pattern`). */
  topics?: string[]
  /** A regular expression matched against whole topic names, instead of `topics`. */
  pattern?: string
  /** Commit positions before rejoining, on `disconnect()`, and every `autoCommitIntervalMs` in `poll` (default true). */
  autoCommit?: boolean
  autoCommitIntervalMs?: number
  /** Where to start a partition the group never committed: earliest (default) or, when false, latest. */
  fromBeginning?: boolean
  sessionTimeoutMs?: number
  rebalanceTimeoutMs?: number
  /** How often the background heartbeat runs (default 3000); keep it well under the session timeout. */
  heartbeatIntervalMs?: number
  strategy?: AssignmentStrategy
}

export interface PollOptions {
  /** At most this many records (default 500, Kafka's max.poll.records). */
  maxRecords?: number
  /** When no owned partition has records, wait up to this long for some (default 0). */
  maxWaitMs?: number
}

export const DEFAULT_MAX_POLL_RECORDS = 500

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 3_000
export const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000

export interface CheckedConsumerOptions {
  groupId: string
  autoCommit: boolean
  autoCommitIntervalMs: number
  fromBeginning: boolean
  membership: MembershipOptions
}

export function checkConsumerOptions(options: ConsumerOptions): CheckedConsumerOptions {
  if (typeof options?.groupId !== 'string' || options.groupId === '') {
    throw new TypeError('KafdoClient.consumer: groupId must be a non-empty string')
  }
  const topics = options.topics ?? []
  if (!Array.isArray(topics) || topics.some((topic) => typeof topic !== 'string')) {
    throw new TypeError('KafdoClient.consumer: topics must be an array of topic names')
  }
  if (options.pattern !== undefined && (typeof options.pattern !== 'string' || topics.length > 0)) {
    throw new TypeError('KafdoClient.consumer: give topics or a pattern (a string), not both')
  }
  const heartbeatIntervalMs = positive(options.heartbeatIntervalMs, DEFAULT_HEARTBEAT_INTERVAL_MS, 'heartbeatIntervalMs')
  if (options.sessionTimeoutMs !== undefined && heartbeatIntervalMs >= options.sessionTimeoutMs) {
    throw new TypeError('KafdoClient.consumer: heartbeatIntervalMs must be shorter than sessionTimeoutMs')
  }
  return {
    groupId: options.groupId,
    autoCommit: options.autoCommit ?? true,
    autoCommitIntervalMs: positive(options.autoCommitIntervalMs, DEFAULT_AUTO_COMMIT_INTERVAL_MS, 'autoCommitIntervalMs'),
    fromBeginning: options.fromBeginning ?? true,
    membership: {
      groupId: options.groupId,
      topics: [...topics],
      pattern: options.pattern,
      sessionTimeoutMs: options.sessionTimeoutMs,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs,
      strategy: options.strategy,
      heartbeatIntervalMs,
    },
  }
}

export function checkPollOptions(options: PollOptions): Required<PollOptions> {
  const { maxRecords = DEFAULT_MAX_POLL_RECORDS, maxWaitMs = 0 } = options
  if (!(Number.isInteger(maxRecords) && maxRecords >= 1)) throw new KafdoError('INVALID_REQUEST', 'poll: maxRecords must be a positive integer')
  if (!(Number.isInteger(maxWaitMs) && maxWaitMs >= 0)) throw new KafdoError('INVALID_REQUEST', 'poll: maxWaitMs must be a non-negative integer')
  return { maxRecords, maxWaitMs }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`KafdoClient.consumer: ${name} must be a positive number of milliseconds`)
  return value
}

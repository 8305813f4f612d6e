/** The shapes TopicPartitionDO's RPC methods take and answer (besides the log's and the queue's own). */
import type { ShareGroupStats } from './partition-queue.js'

export interface PartitionFetchRequest {
  offset?: number | 'earliest' | 'latest'
  timestamp?: number
  maxRecords: number
  maxBytes: number
  maxWaitMs: number
  reset?: 'earliest' | 'latest' | 'none'
}

export interface PartitionFetchResult {
  /** JSON array elements, without the brackets. */
  records: string
  count: number
  nextOffset: number
  highWatermark: number
  logStartOffset: number
}

export interface PartitionOffsetsResult {
  earliest: number
  latest: number
}

export interface PartitionQueueStats extends ShareGroupStats {
  logStart: number
  logEnd: number
  expired: number
  deadLettered: number
  deadPending: number
  /** Timestamp (epoch ms) of the oldest record the group has not finished. */
  oldestTimestamp: number | null
}

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
  /** The whole fetch answer as UTF-8 JSON, ready to be a response body (see core/fetch-page.ts). */
  page: Uint8Array<ArrayBuffer>
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

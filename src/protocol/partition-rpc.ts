/**
 * What the Worker (and other objects) and TopicPartitionDO say to each other over RPC about the log:
 * which partition a call is for, appends, fetches, offsets, the figures a scrape reads, and live
 * subscriptions. The queue side is in queue-rpc.ts. Plain types: the stubs' types come from the object's
 * methods, which take and answer these.
 */

/** Everything a partition object needs to know whose log it holds; sent with every call. */
export interface PartitionRef {
  tenant: string
  topic: string
  topicId: string
  partition: number
}

/** A record ready for a partition: its encoded body and its producer timestamp, if any (see core/record-codec.ts). */
export interface EncodedRecord {
  body: string
  /** UTF-8 size of `body`, what `max.message.bytes` is checked against. */
  bytes: number
  timestamp?: number
  /** Time to live from the record's timestamp; the topic's queue policy gives the default. */
  ttlMs?: number
}

export interface AppendRequest {
  records: EncodedRecord[]
  producerId?: string
  sequence?: number
}

export interface AppendResult {
  baseOffset: number
  timestamps: number[]
  /** True when this (producerId, sequence) was already written: the offsets are the original ones. */
  duplicate: boolean
}

/** Where a read starts: an offset (or either end), or the first record at or after a timestamp. */
export interface StartRequest {
  offset?: number | 'earliest' | 'latest'
  timestamp?: number
  reset?: 'earliest' | 'latest' | 'none'
}

export interface PartitionFetchRequest extends StartRequest {
  maxRecords: number
  maxBytes: number
  maxWaitMs: number
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

/** A share group's queue figures on one partition. */
export interface ShareGroupMetrics {
  group: string
  ready: number
  inFlight: number
  delayed: number
  /** Timestamp (epoch ms) of the oldest record the group has not finished. */
  oldestTimestamp: number | null
}

/** What a scrape or a health check reads from one partition, in one call. */
export interface PartitionMetrics {
  /** False for a partition never written or read: every figure is then zero. */
  initialized: boolean
  logStart: number
  logEnd: number
  sizeBytes: number
  producedRecords: number
  producedBytes: number
  fetchedRecords: number
  fetchedBytes: number
  deadLettered: number
  redeliveries: number
  leasesExpired: number
  expired: number
  shareGroups: ShareGroupMetrics[]
  lastFailure: { error: string; at: number; group: string; offset: number } | null
}

export const EMPTY_PARTITION_METRICS: PartitionMetrics = {
  initialized: false,
  logStart: 0,
  logEnd: 0,
  sizeBytes: 0,
  producedRecords: 0,
  producedBytes: 0,
  fetchedRecords: 0,
  fetchedBytes: 0,
  deadLettered: 0,
  redeliveries: 0,
  leasesExpired: 0,
  expired: 0,
  shareGroups: [],
  lastFailure: null,
}

/** The header the Worker names a live subscription in (JSON of SubscribeRequest) when it opens the socket. */
export const SUBSCRIPTION_HEADER = 'x-kafdo-subscription'

export type SubscribeRequest =
  | { mode: 'log'; ref: PartitionRef; start: StartRequest; maxSubscribers: number; maxBehindRecords: number }
  | {
      mode: 'queue'
      ref: PartitionRef
      group: string
      memberId: string
      maxInFlight: number
      visibilityTimeoutMs?: number | undefined
      maxSubscribers: number
    }

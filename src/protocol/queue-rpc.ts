/**
 * What the Worker and TopicPartitionDO say to each other over RPC about queue consumption (share groups):
 * receives, the leases acks and the like present, seeks, and a group's figures on one partition.
 */

export interface ReceiveRequest {
  group: string
  memberId: string
  max: number
  visibilityTimeoutMs?: number
  /** Stop leasing once the messages hold this many characters (the first message always). */
  maxBytes?: number
  /** Wait this long for something to lease when nothing is ready (a single-partition receive). */
  waitMs?: number
}

export interface ReceivedMessages {
  /** The messages as JSON objects joined by commas, without brackets: spliced into a response unparsed. */
  messages: string
  count: number
  /** About how many more are deliverable here right now; 0 when nothing is. */
  backlog: number
}

/** One lease, as a lease id names it (`partition:offset:token`). */
export interface LeaseRef {
  offset: number
  token: string
}

/** Leases on consecutive offsets given by one receive (one token): how acks travel and are checked. */
export interface LeaseSpan {
  first: number
  last: number
  token: string
}

export interface AckResult {
  acked: number
}

/** A nack's (or reject's) outcome: delivered again at `redeliverAt`, or dead. */
export interface NackResult {
  state: string
  redeliverAt?: number
}

export interface ExtendResult {
  visibleUntil: number
}

/** Where a seek moves a share group's cursor: an offset, the first record at or after a timestamp, or either end. */
export type ShareGroupSeekTarget = { offset: number } | { timestamp: number } | { to: 'earliest' | 'latest' }

export interface ShareGroupStats {
  cursor: number
  /** Deliverable now: never delivered, redelivery due, or lease run out. */
  ready: number
  /** Leased, the lease not yet run out. */
  inFlight: number
  /** Waiting for a redelivery time still to come. */
  delayed: number
  oldestOffset: number | null
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

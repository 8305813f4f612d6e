/**
 * Backpressure for a log subscriber, as pure functions over the small state its WebSocket carries
 * through hibernation. The partition sends records in frames and a subscriber confirms each frame's
 * `next` offset once it has taken it; at most `windowFrames` frames are out unconfirmed, so a slow
 * subscriber costs the partition nothing but a row in memory and never delays an append. When its window
 * has stayed full while more than `maxBehindRecords` records were appended, it is dropped: it reconnects
 * from the last record it got (the SSE `Last-Event-ID`), reading the log at its own pace.
 */

export interface LogFlow {
  /** The next offset to send. */
  next: number
  /** The `next` of each frame sent and not yet confirmed, oldest first. */
  unconfirmed: number[]
  /** The log end when the window filled; null while there is room. */
  stalledAt: number | null
}

export interface FlowLimits {
  windowFrames: number
  maxBehindRecords: number
}

export function startFlow(next: number): LogFlow {
  return { next, unconfirmed: [], stalledAt: null }
}

/** Whether another frame may go out now. */
export function hasRoom(flow: LogFlow, limits: FlowLimits): boolean {
  return flow.unconfirmed.length < limits.windowFrames
}

/** After a frame went out that ends before `next`, with the log ending at `logEnd`. */
export function sent(flow: LogFlow, next: number, logEnd: number, limits: FlowLimits): LogFlow {
  const unconfirmed = [...flow.unconfirmed, next]
  return { next, unconfirmed, stalledAt: unconfirmed.length >= limits.windowFrames ? logEnd : null }
}

/** The log moved on without a frame (records expired or compacted away): nothing to confirm. */
export function skipped(flow: LogFlow, next: number): LogFlow {
  return { ...flow, next: Math.max(flow.next, next) }
}

/** The subscriber has taken everything before `next`. A confirmation of what was never sent changes nothing. */
export function confirmed(flow: LogFlow, next: number, limits: FlowLimits): LogFlow {
  const unconfirmed = flow.unconfirmed.filter((end) => end > next)
  if (unconfirmed.length === flow.unconfirmed.length) return flow
  return { ...flow, unconfirmed, stalledAt: unconfirmed.length >= limits.windowFrames ? flow.stalledAt : null }
}

/** Whether the subscriber must go: its window full while more than the limit was appended. */
export function tooFarBehind(flow: LogFlow, logEnd: number, limits: FlowLimits): boolean {
  return flow.stalledAt !== null && logEnd - flow.stalledAt > limits.maxBehindRecords
}

/**
 * What a partition counts for `/metrics`, and the snapshot a scrape reads. Records produced need no
 * counter (every record takes one offset, so it is the log end); records dead-lettered and expired by TTL
 * are counted in the transactions that do that work (partition-store `addCounters`). The rest (bytes
 * produced, records and bytes fetched, redeliveries, leases expired) change on the hot path, so they are
 * added up in memory and written in one row update at most every ACTIVITY_PERSIST_MS, by the next call
 * after that (or by a scrape): no request pays a row write of its own. An object evicted with counts not
 * yet written loses them: at most ACTIVITY_PERSIST_MS of a partition's activity, once, which Prometheus
 * reads as a counter reset.
 */
import { recordTimestamp } from '../core/record-texts.js'
import type { PartitionMetrics } from '../protocol/partition-rpc.js'
import type { PartitionQueueStats } from '../protocol/queue-rpc.js'
import type { ActivityCounters, PartitionStore } from '../storage/partition-store.js'
import type { PartitionLog } from './partition-log.js'
import type { PartitionQueue } from './partition-queue.js'
import type { QueueFailure } from './queue-failures.js'

export const ACTIVITY_PERSIST_MS = 10_000

const ZERO: ActivityCounters = { producedBytes: 0, fetchedRecords: 0, fetchedBytes: 0, redeliveries: 0, leasesExpired: 0 }

export class PartitionActivity {
  readonly #store: PartitionStore
  #counters: ActivityCounters = { ...ZERO }
  #dirty = false
  #persistedAt = 0

  constructor(store: PartitionStore) {
    this.#store = store
  }

  load(): void {
    this.#counters = { ...ZERO, ...this.#store.readActivity() }
    this.#dirty = false
  }

  reset(): void {
    this.#counters = { ...ZERO }
    this.#dirty = false
  }

  add(counter: keyof ActivityCounters, amount: number): void {
    if (amount === 0) return
    this.#counters[counter] += amount
    this.#dirty = true
  }

  /** Records read by a fetch, a receive or a subscriber, and their size. */
  fetched(records: number, bytes: number): void {
    this.add('fetchedRecords', records)
    this.add('fetchedBytes', bytes)
  }

  /** A failed delivery: a redelivery scheduled, and whether it was a lease running out. */
  failed(failure: QueueFailure): void {
    const records = failure.last - failure.first + 1
    if (failure.outcome === 'delayed') this.add('redeliveries', records)
    if (failure.expired) this.add('leasesExpired', records)
  }

  get counters(): Readonly<ActivityCounters> {
    return this.#counters
  }

  /** Writes the counters if they changed and the last write is ACTIVITY_PERSIST_MS old (or `force`). */
  persist(now: number, force = false): void {
    if (!this.#dirty || (!force && now - this.#persistedAt < ACTIVITY_PERSIST_MS)) return
    this.#store.writeActivity(this.#counters)
    this.#dirty = false
    this.#persistedAt = now
  }
}

export function partitionMetrics(
  log: PartitionLog,
  queue: PartitionQueue,
  activity: PartitionActivity,
  groups: readonly string[],
  now: number,
): PartitionMetrics {
  const persisted = log.store.readCounters()
  const shareGroups = [...new Set([...log.deliveries.shareGroups(), ...groups])].sort().map((group) => {
    const stats = queue.stats(group, now)
    return { group, ready: stats.ready, inFlight: stats.inFlight, delayed: stats.delayed, oldestTimestamp: timestampAt(log, stats.oldestOffset) }
  })
  return {
    initialized: true,
    logStart: log.logStart,
    logEnd: log.logEnd,
    sizeBytes: log.totalBytes,
    producedRecords: log.logEnd,
    ...activity.counters,
    deadLettered: persisted.deadLettered,
    expired: persisted.expired,
    shareGroups,
    lastFailure: log.deliveries.lastFailure() ?? null,
  }
}

/** A share group's queue figures on one partition, with the log's and the dead letters' beside them. */
export function partitionQueueStats(log: PartitionLog, queue: PartitionQueue, group: string, now: number): PartitionQueueStats {
  const stats = queue.stats(group, now)
  const counters = log.store.readCounters()
  return {
    ...stats,
    logStart: log.logStart,
    logEnd: log.logEnd,
    expired: counters.expired,
    deadLettered: counters.deadLettered,
    deadPending: log.deliveries.deadCount(),
    oldestTimestamp: timestampAt(log, stats.oldestOffset),
  }
}

/** The timestamp of the record stored at `offset`, if there is one. */
function timestampAt(log: PartitionLog, offset: number | null): number | null {
  const text = offset === null ? undefined : log.recordTexts([offset]).get(offset)
  return (text === undefined ? undefined : recordTimestamp(text)) ?? null
}

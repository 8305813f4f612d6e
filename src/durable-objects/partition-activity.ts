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
import type { ActivityCounters, PartitionStore } from '../storage/partition-store.js'
import type { PartitionLog } from './partition-log.js'
import type { PartitionQueue } from './partition-queue.js'

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
    const oldest = stats.oldestOffset === null ? undefined : log.recordTexts([stats.oldestOffset]).get(stats.oldestOffset)
    return {
      group,
      ready: stats.ready,
      inFlight: stats.inFlight,
      delayed: stats.delayed,
      oldestTimestamp: (oldest === undefined ? undefined : recordTimestamp(oldest)) ?? null,
    }
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

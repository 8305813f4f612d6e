/**
 * The partition's side of dead-letter routing (dead-letters.ts): where the batch bound is kept, which
 * ranges wait, the records they hold, and what finishing a batch writes (the ranges go and the partition's
 * dead-letter count grows, in one transaction) and tells the tenant's monitor.
 */
import type { KafdoEnv } from '../env.js'
import type { DeadLetterSource } from './dead-letters.js'
import type { MonitorOutbox } from './monitor-outbox.js'
import type { PartitionLog } from './partition-log.js'
import type { PartitionQueue } from './partition-queue.js'

export function partitionDeadLetterSource(
  storage: DurableObjectStorage,
  env: KafdoEnv,
  log: PartitionLog,
  queue: PartitionQueue,
  outbox: MonitorOutbox,
): DeadLetterSource | undefined {
  // A partition not open (never used, or its topic deleted and its storage wiped) has nothing to route.
  if (!log.isOpen()) return undefined
  const { store, deliveries, meta } = log
  return {
    meta,
    env,
    batchThrough: () => store.readDlqBatch(),
    startBatch: (through) => store.startDlqBatch(through),
    pending: (through) => deliveries.deadRanges(through),
    records: (first, last) => queue.rangeTexts(first, last),
    finish: (ranges, written) => {
      storage.transactionSync(() => {
        deliveries.deleteDead(ranges)
        store.finishDlqBatch(written.length)
      })
      const now = Date.now()
      for (const { delivery, dlq } of written) outbox.deadLettered(meta, delivery, dlq, now)
    },
    drop: (group, first, last) => {
      storage.transactionSync(() => deliveries.change(group, [{ first, last, fields: null }]))
    },
  }
}

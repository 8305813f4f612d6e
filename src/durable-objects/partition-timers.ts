/**
 * TopicPartitionDO's timers on its one alarm, through the one dispatch (storage/timer-dispatch.ts): what
 * each kind does when due, and when the object's operations set them. There is at most one timer of a
 * kind, kept only in the timers table: the hot paths read it (a primary-key look-up in a table of six
 * rows at most) and write a row only when a timer moves, so an append leaves a pending timer that is as
 * early untouched.
 * - retention: delete retention, looked at again no sooner than the check interval;
 * - ttl: purges expired records; the earliest expiry wins;
 * - compaction: compacts a compacted topic a while after a write, and again for tombstones kept;
 * - deliveries: lease expiry and redelivery; between alarms it only ever moves earlier;
 * - dead-letters: dead-letter routing that could not finish, tried again (every alarm routes);
 * - producers: forgets idle producers' dedup state, hourly while there is any.
 */
import { runDueTimers, type TimerOutcome, type TimerTable } from '../storage/timer-dispatch.js'
import { TimerStore } from '../storage/timers.js'
import type { OpenPartitionLog, PartitionLog } from './partition-log.js'

/** Kafka checks retention every 5 minutes (log.retention.check.interval.ms); we re-check at most this often. */
const RETENTION_CHECK_INTERVAL_MS = 60_000
/** How soon after a write a compacted topic is compacted (Kafka's cleaner runs continually). */
const COMPACTION_DELAY_MS = 30_000
/** Tombstones kept by a compaction are looked at again once delete.retention.ms has passed, within this. */
const MAX_COMPACTION_RECHECK_MS = 3_600_000
/** TTL purges run at most this often. */
const MIN_TTL_PURGE_INTERVAL_MS = 1_000
const DLQ_RETRY_MS = 5_000
/** How often idle producers' state is looked for, while there is any. */
const PRODUCER_PRUNE_INTERVAL_MS = 3_600_000

export type PartitionTimerKind = 'retention' | 'ttl' | 'compaction' | 'deliveries' | 'dead-letters' | 'producers'

/** One timer per kind: its key is always empty. */
const ONLY = ''

export class PartitionTimers {
  readonly #timers: TimerStore
  readonly #log: PartitionLog
  readonly #onTimer: TimerTable<PartitionTimerKind>

  /** `expireLeases` fails the leases that ran out (the queue's, built after this). */
  constructor(storage: DurableObjectStorage, log: PartitionLog, expireLeases: (now: number) => void) {
    this.#timers = new TimerStore(storage)
    this.#log = log
    this.#onTimer = {
      retention: (_timer, now) => retryAt(this.#nextRetentionCheck(now)),
      ttl: (_timer, now) => {
        const log = this.#log
        if (!log.isOpen()) return 'done'
        const next = log.purgeExpired(now)
        return retryAt(next === undefined ? undefined : Math.max(next, now + MIN_TTL_PURGE_INTERVAL_MS))
      },
      compaction: (_timer, now) => {
        const log = this.#log
        if (!log.isOpen()) return 'done'
        log.compact(now)
        const config = log.meta.config
        if (config['cleanup.policy'] === 'delete') return 'done'
        return { retryAt: now + Math.max(COMPACTION_DELAY_MS, Math.min(config['delete.retention.ms'], MAX_COMPACTION_RECHECK_MS)) }
      },
      deliveries: (_timer, now) => {
        expireLeases(now)
        return 'done'
      },
      // The routing itself runs after every alarm (TopicPartitionDO.alarm); this timer only brings one about.
      'dead-letters': () => 'done',
      producers: (_timer, now) => (this.#log.pruneProducers(now) ? { retryAt: now + PRODUCER_PRUNE_INTERVAL_MS } : 'done'),
    }
  }

  /** Runs the due timers (call first in `alarm()`); answers the time they ran at. */
  run(): Promise<number> {
    return runDueTimers(this.#timers, this.#onTimer)
  }

  /** The alarm fired on an object with nothing to run (deleted, or never used). */
  skip(): void {
    this.#timers.alarmFired()
  }

  /** When the lease timer is due: no lease ends and no redelivery falls due before (see `queueChanged`). */
  deliveriesDueAt(): number | undefined {
    return this.#timers.get('deliveries', ONLY)?.dueAt
  }

  /**
   * After an append: TTL for records that expire, compaction, idle producers, and retention. One read of
   * the timers decides them all (this is the produce path); a row is written only for a timer that moves.
   */
  appended(log: OpenPartitionLog, now: number, earliestExpiry: number | undefined, idempotent: boolean): void {
    const due = this.#dueTimes()
    if (earliestExpiry !== undefined && earliestExpiry < (due.ttl ?? Number.POSITIVE_INFINITY)) this.#timers.set('ttl', ONLY, earliestExpiry)
    if (log.meta.config['cleanup.policy'] !== 'delete' && due.compaction === undefined) {
      this.#timers.set('compaction', ONLY, now + COMPACTION_DELAY_MS)
    }
    if (idempotent && due.producers === undefined) this.#timers.set('producers', ONLY, now + PRODUCER_PRUNE_INTERVAL_MS)
    const checkPending = due.retention !== undefined
    if (!log.retentionMayApply(checkPending)) return
    const nextDueAt = log.applyRetention(now)
    if (nextDueAt === undefined) this.#timers.delete('retention', ONLY)
    else if (!checkPending) this.#timers.set('retention', ONLY, Math.max(nextDueAt, now))
  }

  /** After the topic's settings changed: retention applied at once, compaction if the topic is compacted now. */
  configChanged(log: OpenPartitionLog, now: number): void {
    const next = this.#nextRetentionCheck(now)
    if (next === undefined) this.#timers.delete('retention', ONLY)
    else this.#timers.setIfEarlier('retention', ONLY, next)
    if (log.meta.config['cleanup.policy'] !== 'delete') this.#timers.setIfAbsent('compaction', ONLY, now + COMPACTION_DELAY_MS)
  }

  /**
   * After a queue change: the lease timer at the earliest lease end or redelivery. It only ever moves
   * earlier between alarms. With nothing left in flight it stays too: it fires once, finds nothing, and
   * goes, where deleting it now would cost the next receive 3 rows to set it again.
   */
  queueChanged(): void {
    const next = this.#log.deliveries.nextVisibleAt()
    if (next !== undefined) this.#timers.setIfEarlier('deliveries', ONLY, next)
  }

  /** Dead records could not all be routed: try again a little later. */
  deadLettersLeft(now: number): void {
    this.#timers.setIfAbsent('dead-letters', ONLY, now + DLQ_RETRY_MS)
  }

  /** Points the alarm at the earliest timer; no storage call when no timer changed. */
  arm(): Promise<void> {
    return this.#timers.arm()
  }

  /** Call after the storage was wiped. */
  forget(): void {
    this.#timers.forget()
  }

  /** When each pending timer is due. */
  #dueTimes(): Partial<Record<PartitionTimerKind, number>> {
    return Object.fromEntries(this.#timers.all().map((timer) => [timer.kind, timer.dueAt]))
  }

  /** Applies delete retention; answers when to look again (undefined: nothing is subject to it). */
  #nextRetentionCheck(now: number): number | undefined {
    const log = this.#log
    if (!log.isOpen()) return undefined
    const nextDueAt = log.applyRetention(now)
    return nextDueAt === undefined ? undefined : Math.max(nextDueAt, now + RETENTION_CHECK_INTERVAL_MS)
  }
}

function retryAt(at: number | undefined): TimerOutcome {
  return at === undefined ? 'done' : { retryAt: at }
}

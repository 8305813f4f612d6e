/**
 * Queue consumption of one partition (Kafka 4's share groups, with retries and dead-lettering built in).
 * Each share group has a cursor (the next offset never delivered to it) and its records in flight as
 * ranges of offsets in one state (core/delivery-ranges.ts): leased to a member until a visibility
 * deadline, delayed until a redelivery time, or dead and waiting to be written to the DLQ. Records
 * before the cursor that no range holds are done (acked).
 *
 * A receive leases its records with one token and one deadline, so the records it takes from the log are
 * one range (one row written) and an ack of them deletes it. A record is leased to one member at a time;
 * `ack` finishes it, `nack` (or a lease running out, which counts as a failed attempt) schedules a
 * redelivery by the queue's retry policy, and a record that has used up `maxAttempts` (or is `reject`ed)
 * is marked dead with the next dead-letter sequence number, in the same transaction (queue-failures.ts).
 * The owning object then writes dead records to the DLQ in batches (dead-letters.ts).
 *
 * Messages leave as JSON text built around the stored record text, never as objects: a value the
 * runtime cannot structured-clone (nested thousands deep) travels like any other. A record whose stored
 * text is not a deliverable record is dead-lettered at once (`undeliverable: …`), so it cannot block
 * the others.
 */
import {
  applyChanges,
  fieldsOf,
  fillGaps,
  rangeAt,
  unionOf,
  type DeliveryFields,
  type DeliveryRange,
  type RangeChange,
} from '../core/delivery-ranges.js'
import { checkRecordTexts, readRecordTexts, type RecordText } from '../core/record-texts.js'
import { ok, type Result } from '../protocol/errors.js'
import type {
  AckResult,
  ExtendResult,
  LeaseRef,
  LeaseSpan,
  NackResult,
  ReceivedMessages,
  ReceiveRequest,
  ShareGroupStats,
} from '../protocol/queue-rpc.js'
import { MAX_RECEIVE_BYTES } from '../protocol/queues.js'
import type { PartitionMeta } from '../storage/partition-store.js'
import type { PartitionLog } from './partition-log.js'
import { failRecords, type FailOptions, type FailureHost } from './queue-failures.js'
import { heldLeases } from './queue-leases.js'
import { dueRecords, freshRecords, rangeTexts, type ReadHost } from './queue-reads.js'

/** What the queue needs from the partition it runs on. */
export interface QueueHost extends FailureHost, ReadHost {
  readonly storage: DurableObjectStorage
  partition(): number
  /**
   * A time before which no lease ends and no redelivery falls due (the lease timer's), if known: until
   * then a receive need not look for either.
   */
  nextDueAt?(): number | undefined
}

/** The queue runs only on an open log: every queue call passes the partition's first-use check first. */
function openMeta(log: PartitionLog): PartitionMeta {
  if (!log.isOpen()) throw new Error('a queue operation ran on a partition that is not open')
  return log.meta
}

/** What a partition's log gives its queue; the object adds the rest (`nextDueAt`, `onFailure`). */
export function logQueueHost(log: PartitionLog, storage: DurableObjectStorage): QueueHost {
  return {
    store: log.store,
    batches: log.batches,
    deliveries: log.deliveries,
    storage,
    partition: () => openMeta(log).partition,
    policy: () => openMeta(log).queue,
    logStart: () => log.logStart,
    logEnd: () => log.logEnd,
  }
}

export class PartitionQueue {
  readonly #host: QueueHost

  constructor(host: QueueHost) {
    this.#host = host
  }

  /** Leases up to `max` records: redeliveries that are due first, then records never delivered. */
  receive(request: ReceiveRequest, now: number): ReceivedMessages {
    const { deliveries } = this.#host
    const { group } = request
    const quiet = now < (this.#host.nextDueAt?.() ?? Number.NEGATIVE_INFINITY)
    if (!quiet) this.failExpiredLeases(now)
    const limits = { records: request.max, bytes: request.maxBytes ?? MAX_RECEIVE_BYTES }
    const due = quiet ? { taken: [], left: 0, records: 0, bytes: 0 } : dueRecords(this.#host, group, limits, now)
    const fresh = freshRecords(this.#host, group, { records: limits.records - due.records, bytes: limits.bytes - due.bytes }, now)

    const problems = checkRecordTexts([...due.taken.flatMap((t) => t.records), ...fresh.records])
    const partition = this.#host.partition()
    const lease = {
      memberId: request.memberId,
      token: newToken(),
      visibleAt: now + (request.visibilityTimeoutMs ?? this.#host.policy().visibilityTimeoutMs),
    }
    const messages: string[] = []
    let sequence: number | undefined
    const dlqSequence = () => (sequence ??= this.#host.store.nextDlqSequence())
    /** Leases the deliverable records among `records` (which had `fields`), dead-lettering the others. */
    const deliver = (records: readonly RecordText[], fields: DeliveryFields): RangeChange[] => {
      const changes: RangeChange[] = []
      const leased: DeliveryFields = { ...fieldsOf(fields), state: 'leased', ...lease, attempts: fields.attempts + 1, dlqSequence: null }
      for (const record of records) {
        const problem = problems.get(record.offset)
        if (problem !== undefined) {
          const span = { first: record.offset, last: record.offset }
          changes.push(failRecords(this.#host, group, fields, span, `undeliverable: ${problem}`, now, { dead: true, dlqSequence }))
          continue
        }
        changes.push({ first: record.offset, last: record.offset, fields: leased })
        messages.push(renderMessage(partition, record.offset, lease.token, leased.attempts, record.text))
      }
      return changes
    }
    this.#host.storage.transactionSync(() => {
      for (const { range, records, through } of due.taken) {
        // Deleted by retention or expired by TTL while it waited: what is not stored any more leaves.
        deliveries.change(group, fillGaps(range.first, through, deliver(records, range)))
      }
      deliveries.change(group, deliver(fresh.records, NEW_DELIVERY))
      if (fresh.next !== fresh.cursor) deliveries.writeShareCursor(group, fresh.next)
    })
    // Redeliveries that filled the answer may have more behind them than the ranges read: one more, at least.
    const backlog = Math.max(0, this.#host.logEnd() - fresh.next) + due.left + (due.records >= limits.records ? 1 : 0)
    return { messages: messages.join(','), count: messages.length, backlog }
  }

  /** Finishes the leased records of `spans` (all of them, or none: the first lease not held refuses the ack). */
  ack(group: string, memberId: string, spans: LeaseSpan[], now: number): Result<AckResult> {
    const held = this.#held(group, memberId, spans, now)
    if (!held.ok) return held
    const changes = unionOf(spans).map((run) => ({ ...run, fields: null }))
    this.#host.storage.transactionSync(() => this.#host.deliveries.write(group, held.value, applyChanges(held.value, changes)))
    return ok({ acked: spans.reduce((sum, span) => sum + span.last - span.first + 1, 0) })
  }

  /** A failed attempt: redeliver after the policy's delay (or `delayMs`), or dead-letter when used up. */
  nack(group: string, memberId: string, lease: LeaseRef, error: string | undefined, delayMs: number | undefined, now: number): Result<NackResult> {
    return this.#failHeld(group, memberId, lease, error ?? 'nacked', now, delayMs === undefined ? {} : { delayMs })
  }

  reject(group: string, memberId: string, lease: LeaseRef, error: string | undefined, now: number): Result<NackResult> {
    return this.#failHeld(group, memberId, lease, error ?? 'rejected', now, { dead: true })
  }

  extend(group: string, memberId: string, lease: LeaseRef, visibilityTimeoutMs: number, now: number): Result<ExtendResult> {
    const held = this.#held(group, memberId, [spanOfLease(lease)], now)
    if (!held.ok) return held
    const range = rangeAt(held.value, lease.offset)!
    const visibleUntil = now + visibilityTimeoutMs
    const change = { first: lease.offset, last: lease.offset, fields: { ...fieldsOf(range), visibleAt: visibleUntil } }
    this.#host.storage.transactionSync(() => this.#host.deliveries.write(group, held.value, applyChanges(held.value, [change])))
    return ok({ visibleUntil })
  }

  /** Leases that ran out count as failed attempts (Kafka share groups do the same on lock timeout). */
  failExpiredLeases(now: number): number {
    const expired = this.#host.deliveries.endedLeases(now)
    if (expired.length === 0) return 0
    // `now` may run ahead of the clock when a test drives the alarm early; redelivery is timed from the
    // clock, so the record is visible to a receive made right after.
    const failedAt = Math.min(now, Date.now())
    let sequence: number | undefined
    const dlqSequence = () => (sequence ??= this.#host.store.nextDlqSequence())
    this.#host.storage.transactionSync(() => {
      for (const range of expired) {
        const change = failRecords(this.#host, range.group, range, range, 'lease expired', failedAt, { expired: true, dlqSequence })
        this.#host.deliveries.change(range.group, [change])
      }
    })
    return expired.reduce((sum, range) => sum + range.last - range.first + 1, 0)
  }

  /** About how many records `receive` would find now: never delivered, redelivery due, or lease run out. */
  deliverable(group: string, now: number): number {
    return Math.max(0, this.#host.logEnd() - this.#cursor(group)) + this.#host.deliveries.dueCount(group, now)
  }

  /** Points a group's cursor at `offset` and forgets what it had in flight from there on. */
  seek(group: string, offset: number): void {
    const target = Math.min(Math.max(offset, this.#host.logStart()), this.#host.logEnd())
    this.#host.storage.transactionSync(() => {
      this.#host.deliveries.deleteFrom(group, target)
      this.#host.deliveries.writeShareCursor(group, target)
    })
  }

  stats(group: string, now: number): ShareGroupStats {
    const counts = this.#host.deliveries.deliveryCounts(group, now)
    const cursor = this.#cursor(group)
    const { batches } = this.#host
    // Dead records waiting for the DLQ after a seek back are not deliverable.
    const fresh = cursor < this.#host.logEnd() ? Math.max(0, batches.recordsFrom(cursor) - this.#host.deliveries.deadCountFrom(group, cursor)) : 0
    const firstFresh = () =>
      readRecordTexts(batches.batchesFrom(batches.startingBatch(cursor)), { from: cursor, maxRecords: 1, maxBytes: 1 }).records[0]
    const oldest = counts.oldestOffset ?? (fresh > 0 ? (firstFresh()?.offset ?? null) : null)
    return { cursor, ready: fresh + counts.due, inFlight: counts.inFlight, delayed: counts.delayed, oldestOffset: oldest }
  }

  /** The stored (and, given `now`, unexpired) records among offsets `first..last`, in order. */
  rangeTexts(first: number, last: number, now?: number): RecordText[] {
    return rangeTexts(this.#host, first, last, now)
  }

  #cursor(group: string): number {
    return Math.max(this.#host.deliveries.shareCursor(group) ?? this.#host.logStart(), this.#host.logStart())
  }

  #failHeld(group: string, memberId: string, lease: LeaseRef, error: string, now: number, options: FailOptions): Result<NackResult> {
    const held = this.#held(group, memberId, [spanOfLease(lease)], now)
    if (!held.ok) return held
    const range = rangeAt(held.value, lease.offset)!
    const failed = this.#host.storage.transactionSync(() => {
      const change = failRecords(this.#host, group, range, { first: lease.offset, last: lease.offset }, error, now, options)
      this.#host.deliveries.write(group, held.value, applyChanges(held.value, [change]))
      return change
    })
    return ok(failed.fields?.state === 'delayed' ? { state: 'delayed', redeliverAt: failed.fields.visibleAt! } : { state: 'dead' })
  }

  #held(group: string, memberId: string, spans: LeaseSpan[], now: number): Result<DeliveryRange[]> {
    return heldLeases(this.#host.deliveries, this.#host.partition(), group, memberId, spans, now)
  }
}

const NEW_DELIVERY: DeliveryFields = {
  state: 'leased',
  memberId: null,
  token: null,
  visibleAt: null,
  attempts: 0,
  firstFailureAt: null,
  lastFailureAt: null,
  lastError: null,
  dlqSequence: null,
}

function spanOfLease(lease: LeaseRef): LeaseSpan {
  return { first: lease.offset, last: lease.offset, token: lease.token }
}

function newToken(): string {
  return crypto.randomUUID().replaceAll('-', '').slice(0, 12)
}

/**
 * A leased record as a message: the stored record's text (checked to be a JSON object) with the lease
 * id and partition put in front and the delivery count behind, so nothing is parsed or re-serialised.
 */
function renderMessage(partition: number, offset: number, token: string, attempts: number, text: string): string {
  return `{"leaseId":"${partition}:${offset}:${token}","partition":${partition},${text.slice(1, -1)},"deliveryCount":${attempts}}`
}

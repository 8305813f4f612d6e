/**
 * Queue consumption of one partition (Kafka 4's share groups, with retries and dead-lettering built in).
 * Each share group has a cursor (the next offset never delivered to it) and a small table of records in
 * flight: leased to a member until a visibility deadline, delayed until a redelivery time, or dead and
 * waiting to be written to the DLQ. Records before the cursor with no row are done (acked).
 *
 * A record is leased to one member at a time; `ack` finishes it, `nack` (or a lease running out, which
 * counts as a failed attempt) schedules a redelivery by the queue's retry policy, and a record that has
 * used up `maxAttempts` (or is `reject`ed) is marked dead with the next dead-letter sequence number, in
 * the same transaction. The owning object then writes dead records to the DLQ (see dead-letters.ts).
 *
 * Messages leave as JSON text built around the stored record text, never as objects: a value the
 * runtime cannot structured-clone (nested thousands deep) travels like any other. A record whose stored
 * text is not a deliverable record is dead-lettered at once (`undeliverable: …`), so it cannot block
 * the others.
 */
import { exhausted, retryDelay } from '../core/backoff.js'
import { checkRecordTexts, readRecordTexts } from '../core/record-texts.js'
import { ok, type Result } from '../protocol/errors.js'
import { MAX_RECEIVE_BYTES, type QueuePolicy } from '../protocol/queues.js'
import type { Delivery, DeliveryStore } from '../storage/delivery-store.js'
import type { PartitionStore } from '../storage/partition-store.js'
import { EXPIRED_LEASE_MEMORY_MS, heldLeases, type LeaseRef } from './queue-leases.js'

export type { LeaseRef }

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

/** What the queue needs from the partition it runs on. */
export interface QueueHost {
  readonly store: PartitionStore
  readonly deliveries: DeliveryStore
  readonly storage: DurableObjectStorage
  partition(): number
  policy(): QueuePolicy
  logStart(): number
  logEnd(): number
  /** The stored texts of the records at these offsets that are still stored and not expired. */
  recordTexts(offsets: readonly number[], now: number): Map<number, string>
  /** Told of every failed attempt (for metrics and alerts); called inside the transaction, so memory only. */
  onFailure?(failure: QueueFailure): void
}

/** A failed attempt and what became of the record. */
export interface QueueFailure {
  delivery: Delivery
  outcome: 'delayed' | 'dead-lettered' | 'dropped'
  /** The lease ran out (rather than a nack, reject or an undeliverable record). */
  expired: boolean
  /** The record used up the retry policy's attempts (a reject or an undeliverable record has not). */
  exhausted: boolean
}

export class PartitionQueue {
  readonly #host: QueueHost

  constructor(host: QueueHost) {
    this.#host = host
  }

  /** Leases up to `max` records: redeliveries that are due first, then records never delivered. */
  receive(request: ReceiveRequest, now: number): ReceivedMessages {
    const { store, deliveries } = this.#host
    this.failExpiredLeases(now)
    const maxBytes = request.maxBytes ?? MAX_RECEIVE_BYTES
    const due = deliveries.deliveries(request.group, 'delayed', now, request.max)
    const dueTexts = this.#host.recordTexts(
      due.map((d) => d.offset),
      now,
    )
    let bytes = 0
    const redeliveries: Delivery[] = []
    for (const delivery of due) {
      const size = dueTexts.get(delivery.offset)?.length ?? 0
      if (redeliveries.length > 0 && bytes + size > maxBytes) break
      redeliveries.push(delivery)
      bytes += size
    }
    const cursor = deliveries.shareCursor(request.group)
    const start = Math.max(cursor ?? this.#host.logStart(), this.#host.logStart())
    const wanted = request.max - redeliveries.length
    const fresh =
      wanted > 0 && bytes < maxBytes
        ? readRecordTexts(store.batchesFrom(store.startingBatch(start)), { from: start, maxRecords: wanted, maxBytes: maxBytes - bytes, now })
        : { records: [], nextOffset: start, end: false }
    // Read to the end of what is stored: records purged from the tail (TTL) must not look deliverable.
    const next = fresh.end ? Math.max(fresh.nextOffset, this.#host.logEnd()) : fresh.nextOffset
    // After a seek, an offset may still have a dead record waiting for the DLQ: leave it there.
    const dead = fresh.records.length > 0 ? deliveries.deadOffsetsFrom(request.group, start) : undefined
    const freshRecords = dead && dead.size > 0 ? fresh.records.filter((r) => !dead.has(r.offset)) : fresh.records
    const problems = checkRecordTexts([
      ...redeliveries.flatMap((d) => {
        const text = dueTexts.get(d.offset)
        return text === undefined ? [] : [{ offset: d.offset, text }]
      }),
      ...freshRecords,
    ])
    const visibleAt = now + (request.visibilityTimeoutMs ?? this.#host.policy().visibilityTimeoutMs)
    const partition = this.#host.partition()
    const messages: string[] = []
    const deliver = (delivery: Delivery, text: string) => {
      const problem = problems.get(delivery.offset)
      if (problem !== undefined) this.#fail(delivery, `undeliverable: ${problem}`, now, { dead: true })
      else messages.push(renderMessage(partition, this.#lease(delivery, request.memberId, visibleAt), text))
    }
    this.#host.storage.transactionSync(() => {
      for (const delivery of redeliveries) {
        const text = dueTexts.get(delivery.offset)
        // Deleted by retention or expired by TTL while it waited: nothing left to deliver.
        if (text === undefined) deliveries.deleteDelivery(delivery.group, delivery.offset)
        else deliver(delivery, text)
      }
      for (const record of freshRecords) deliver(newDelivery(request.group, record.offset), record.text)
      if (next !== cursor) deliveries.writeShareCursor(request.group, next)
    })
    const backlog = Math.max(0, this.#host.logEnd() - next) + (due.length - redeliveries.length) + (due.length === request.max ? 1 : 0)
    return { messages: messages.join(','), count: messages.length, backlog }
  }

  ack(group: string, memberId: string, leases: LeaseRef[], now: number): Result<{ acked: number }> {
    const held = this.#held(group, memberId, leases, now)
    if (!held.ok) return held
    this.#host.storage.transactionSync(() => {
      for (const delivery of held.value) this.#host.deliveries.deleteDelivery(group, delivery.offset)
    })
    return ok({ acked: held.value.length })
  }

  /** A failed attempt: redeliver after the policy's delay (or `delayMs`), or dead-letter when used up. */
  nack(
    group: string,
    memberId: string,
    lease: LeaseRef,
    error: string | undefined,
    delayMs: number | undefined,
    now: number,
  ): Result<{ state: string; redeliverAt?: number }> {
    const held = this.#held(group, memberId, [lease], now)
    if (!held.ok) return held
    const delivery = this.#fail(held.value[0]!, error ?? 'nacked', now, delayMs === undefined ? {} : { delayMs })
    return ok(delivery.state === 'delayed' ? { state: 'delayed', redeliverAt: delivery.visibleAt! } : { state: delivery.state })
  }

  reject(group: string, memberId: string, lease: LeaseRef, error: string | undefined, now: number): Result<{ state: string }> {
    const held = this.#held(group, memberId, [lease], now)
    if (!held.ok) return held
    const delivery = this.#fail(held.value[0]!, error ?? 'rejected', now, { dead: true })
    return ok({ state: delivery.state })
  }

  extend(group: string, memberId: string, lease: LeaseRef, visibilityTimeoutMs: number, now: number): Result<{ visibleUntil: number }> {
    const held = this.#held(group, memberId, [lease], now)
    if (!held.ok) return held
    const delivery = { ...held.value[0]!, visibleAt: now + visibilityTimeoutMs }
    this.#host.deliveries.writeDelivery(delivery)
    return ok({ visibleUntil: delivery.visibleAt })
  }

  /** Leases that ran out count as failed attempts (Kafka share groups do the same on lock timeout). */
  failExpiredLeases(now: number): number {
    const expired = this.#host.deliveries.expiredLeases(now)
    if (expired.length === 0) return 0
    // `now` may run ahead of the clock when a test drives the alarm early; redelivery is timed from the
    // clock, so the record is visible to a receive made right after.
    const failedAt = Math.min(now, Date.now())
    this.#host.storage.transactionSync(() => {
      for (const delivery of expired) this.#fail(delivery, 'lease expired', failedAt, { expired: true })
    })
    return expired.length
  }

  /** About how many records `receive` would find now: never delivered, redelivery due, or lease run out. */
  deliverable(group: string, now: number): number {
    return Math.max(0, this.#host.logEnd() - this.#cursor(group)) + this.#host.deliveries.dueCount(group, now)
  }

  /** Points a group's cursor at `offset` and forgets what it had in flight from there on. */
  seek(group: string, offset: number): void {
    const target = Math.min(Math.max(offset, this.#host.logStart()), this.#host.logEnd())
    this.#host.storage.transactionSync(() => {
      this.#host.deliveries.deleteDeliveriesFrom(group, target)
      this.#host.deliveries.writeShareCursor(group, target)
    })
  }

  stats(group: string, now: number): ShareGroupStats {
    const counts = this.#host.deliveries.deliveryCounts(group, now)
    const cursor = this.#cursor(group)
    const { store } = this.#host
    const fresh = cursor < this.#host.logEnd() ? store.recordsFrom(cursor) : 0
    const firstFresh = () => readRecordTexts(store.batchesFrom(store.startingBatch(cursor)), { from: cursor, maxRecords: 1, maxBytes: 1 }).records[0]
    const oldest = counts.oldestOffset ?? (fresh > 0 ? (firstFresh()?.offset ?? null) : null)
    return { cursor, ready: fresh + counts.due, inFlight: counts.inFlight, delayed: counts.delayed, oldestOffset: oldest }
  }

  #cursor(group: string): number {
    return Math.max(this.#host.deliveries.shareCursor(group) ?? this.#host.logStart(), this.#host.logStart())
  }

  #lease(delivery: Delivery, memberId: string, visibleAt: number): Delivery {
    const leased: Delivery = { ...delivery, state: 'leased', memberId, token: newToken(), visibleAt, attempts: delivery.attempts + 1 }
    this.#host.deliveries.writeDelivery(leased)
    return leased
  }

  /**
   * Records a failed attempt: a redelivery after the policy's delay (or `delayMs`), or death when the
   * attempts are used up (or `dead`). A lease that `expired` keeps its holder and token on the row, and
   * is remembered when its record dies, so its holder is told LEASE_EXPIRED; otherwise they are cleared.
   */
  #fail(delivery: Delivery, error: string, now: number, options: { delayMs?: number; dead?: boolean; expired?: boolean }): Delivery {
    const policy = this.#host.policy()
    const { deliveries } = this.#host
    const failed: Delivery = {
      ...delivery,
      ...(options.expired ? {} : { memberId: null, token: null }),
      firstFailureAt: delivery.firstFailureAt ?? now,
      lastFailureAt: now,
      lastError: error.slice(0, 4096),
    }
    const used = !options.dead && exhausted(policy.retry, delivery.attempts)
    const told = (outcome: QueueFailure['outcome'], d: Delivery) =>
      this.#host.onFailure?.({ delivery: d, outcome, expired: options.expired === true, exhausted: used })
    if (options.dead || used) {
      if (options.expired && delivery.token !== null) {
        const outcome = policy.deadLetter.enabled ? 'dead-lettered' : 'dropped'
        deliveries.rememberExpiredLease(
          delivery.group,
          delivery.offset,
          delivery.token,
          { memberId: delivery.memberId, expiredAt: now, outcome },
          now - EXPIRED_LEASE_MEMORY_MS,
        )
      }
      if (!policy.deadLetter.enabled) {
        // No DLQ: a record that used up its attempts is dropped, as a share group archives it.
        deliveries.deleteDelivery(delivery.group, delivery.offset)
        told('dropped', failed)
        return { ...failed, state: 'dead' }
      }
      const deadLetter: Delivery = { ...failed, state: 'dead', visibleAt: null, dlqSequence: this.#host.store.nextDlqSequence() }
      deliveries.writeDelivery(deadLetter)
      told('dead-lettered', deadLetter)
      return deadLetter
    }
    const delay = options.delayMs ?? retryDelay(policy.retry, delivery.attempts)
    const delayed: Delivery = { ...failed, state: 'delayed', visibleAt: now + delay }
    deliveries.writeDelivery(delayed)
    told('delayed', delayed)
    return delayed
  }

  #held(group: string, memberId: string, leases: LeaseRef[], now: number): Result<Delivery[]> {
    return heldLeases(this.#host.deliveries, this.#host.partition(), group, memberId, leases, now)
  }
}

function newToken(): string {
  return crypto.randomUUID().replaceAll('-', '').slice(0, 12)
}

function newDelivery(group: string, offset: number): Delivery {
  return {
    group,
    offset,
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
}

/**
 * A leased record as a message: the stored record's text (checked to be a JSON object) with the lease
 * id and partition put in front and the delivery count behind, so nothing is parsed or re-serialised.
 */
function renderMessage(partition: number, delivery: Delivery, text: string): string {
  return `{"leaseId":"${partition}:${delivery.offset}:${delivery.token}","partition":${partition},${text.slice(1, -1)},"deliveryCount":${delivery.attempts}}`
}

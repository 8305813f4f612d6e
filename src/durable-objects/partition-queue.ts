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
 */
import { exhausted, retryDelay } from '../core/backoff.js'
import { readBatches } from '../core/log.js'
import { parseBatch } from '../core/record-codec.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import type { QueueMessage, QueuePolicy } from '../protocol/queues.js'
import type { FetchedRecord } from '../protocol/records.js'
import type { Delivery, DeliveryStore } from '../storage/delivery-store.js'
import type { PartitionStore } from '../storage/partition-store.js'

export interface LeaseRef {
  offset: number
  token: string
}

export interface ReceiveRequest {
  group: string
  memberId: string
  max: number
  visibilityTimeoutMs?: number
}

export interface ShareGroupStats {
  cursor: number
  leased: number
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
}

export class PartitionQueue {
  readonly #host: QueueHost

  constructor(host: QueueHost) {
    this.#host = host
  }

  /** Leases up to `max` records: redeliveries that are due first, then records never delivered. */
  receive(request: ReceiveRequest, now: number): QueueMessage[] {
    const { store, deliveries } = this.#host
    this.failExpiredLeases(now)
    const due = deliveries.deliveries(request.group, 'delayed', now, request.max)
    const redelivered = this.#records(
      due.map((d) => d.offset),
      now,
    )
    const start = Math.max(deliveries.shareCursor(request.group) ?? this.#host.logStart(), this.#host.logStart())
    const fresh =
      request.max - redelivered.size > 0
        ? readBatches(store.batchesFrom(store.startingBatch(start)), {
            from: start,
            maxRecords: request.max - redelivered.size,
            maxBytes: 8 * 1024 * 1024,
            now,
          })
        : undefined
    const freshRecords = fresh && fresh.count > 0 ? (JSON.parse(`[${fresh.records}]`) as FetchedRecord[]) : []
    const visibleAt = now + (request.visibilityTimeoutMs ?? this.#host.policy().visibilityTimeoutMs)
    const leased: Array<{ delivery: Delivery; record: FetchedRecord }> = []
    this.#host.storage.transactionSync(() => {
      for (const delivery of due) {
        const record = redelivered.get(delivery.offset)
        // Deleted by retention or expired by TTL while it waited: nothing left to deliver.
        if (!record) deliveries.deleteDelivery(delivery.group, delivery.offset)
        else leased.push({ delivery: this.#lease(delivery, request.memberId, visibleAt), record })
      }
      for (const record of freshRecords) {
        // After a seek, an offset may still have a dead record waiting for the DLQ: leave it there.
        if (deliveries.delivery(request.group, record.offset)) continue
        const delivery: Delivery = {
          group: request.group,
          offset: record.offset,
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
        leased.push({ delivery: this.#lease(delivery, request.memberId, visibleAt), record })
      }
      if (fresh) deliveries.writeShareCursor(request.group, fresh.nextOffset)
      else if (deliveries.shareCursor(request.group) === undefined) deliveries.writeShareCursor(request.group, start)
    })
    return leased.map(({ delivery, record }) => toMessage(this.#host.partition(), delivery, record))
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
    const delivery = this.#fail(held.value[0]!, error ?? 'nacked', now, delayMs)
    return ok(delivery.state === 'delayed' ? { state: 'delayed', redeliverAt: delivery.visibleAt! } : { state: delivery.state })
  }

  reject(group: string, memberId: string, lease: LeaseRef, error: string | undefined, now: number): Result<{ state: string }> {
    const held = this.#held(group, memberId, [lease], now)
    if (!held.ok) return held
    const delivery = this.#fail(held.value[0]!, error ?? 'rejected', now, undefined, true)
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
      for (const delivery of expired) this.#fail(delivery, 'lease expired', failedAt)
    })
    return expired.length
  }

  /** Whether `receive` would find something: records never delivered, or a redelivery that is due. */
  hasDeliverable(group: string, now: number): boolean {
    const { deliveries } = this.#host
    const cursor = Math.max(deliveries.shareCursor(group) ?? this.#host.logStart(), this.#host.logStart())
    return (
      cursor < this.#host.logEnd() ||
      deliveries.deliveries(group, 'delayed', now, 1).length > 0 ||
      deliveries.expiredLeases(now).some((d) => d.group === group)
    )
  }

  /** Points a group's cursor at `offset` and forgets what it had in flight from there on. */
  seek(group: string, offset: number): void {
    const target = Math.min(Math.max(offset, this.#host.logStart()), this.#host.logEnd())
    this.#host.storage.transactionSync(() => {
      this.#host.deliveries.deleteDeliveriesFrom(group, target)
      this.#host.deliveries.writeShareCursor(group, target)
    })
  }

  stats(group: string): ShareGroupStats {
    const counts = this.#host.deliveries.deliveryCounts(group)
    const cursor = Math.max(this.#host.deliveries.shareCursor(group) ?? this.#host.logStart(), this.#host.logStart())
    const oldest = counts.oldestOffset ?? (cursor < this.#host.logEnd() ? cursor : null)
    return { cursor, leased: counts.leased, delayed: counts.delayed, oldestOffset: oldest }
  }

  #lease(delivery: Delivery, memberId: string, visibleAt: number): Delivery {
    const leased: Delivery = { ...delivery, state: 'leased', memberId, token: newToken(), visibleAt, attempts: delivery.attempts + 1 }
    this.#host.deliveries.writeDelivery(leased)
    return leased
  }

  #fail(delivery: Delivery, error: string, now: number, delayMs?: number, dead = false): Delivery {
    const policy = this.#host.policy()
    const failed: Delivery = {
      ...delivery,
      memberId: null,
      token: null,
      firstFailureAt: delivery.firstFailureAt ?? now,
      lastFailureAt: now,
      lastError: error.slice(0, 4096),
    }
    if (dead || exhausted(policy.retry, delivery.attempts)) {
      if (!policy.deadLetter.enabled) {
        // No DLQ: a record that used up its attempts is dropped, as a share group archives it.
        this.#host.deliveries.deleteDelivery(delivery.group, delivery.offset)
        return { ...failed, state: 'dead' }
      }
      const deadLetter: Delivery = { ...failed, state: 'dead', visibleAt: null, dlqSequence: this.#host.store.nextDlqSequence() }
      this.#host.deliveries.writeDelivery(deadLetter)
      return deadLetter
    }
    const delayed: Delivery = { ...failed, state: 'delayed', visibleAt: now + (delayMs ?? retryDelay(policy.retry, delivery.attempts)) }
    this.#host.deliveries.writeDelivery(delayed)
    return delayed
  }

  /** The leases, if every one is held by `memberId` right now; otherwise the first problem. */
  #held(group: string, memberId: string, leases: LeaseRef[], now: number): Result<Delivery[]> {
    const held: Delivery[] = []
    for (const lease of leases) {
      const delivery = this.#host.deliveries.delivery(group, lease.offset)
      if (!delivery || delivery.token !== lease.token) {
        return fail('UNKNOWN_LEASE', `no lease ${this.#host.partition()}:${lease.offset}:${lease.token} in group '${group}'`, {
          offset: lease.offset,
        })
      }
      if (delivery.state !== 'leased' || delivery.memberId !== memberId) {
        return fail('LEASE_NOT_HELD', `lease on offset ${lease.offset} is not held by '${memberId}'`, { offset: lease.offset })
      }
      if (delivery.visibleAt !== null && delivery.visibleAt <= now) {
        return fail('LEASE_EXPIRED', `lease on offset ${lease.offset} expired; the record will be delivered again`, { offset: lease.offset })
      }
      held.push(delivery)
    }
    return ok(held)
  }

  /** The records at the given offsets that are still stored and not expired. */
  #records(offsets: number[], now: number): Map<number, FetchedRecord> {
    const found = new Map<number, FetchedRecord>()
    const wanted = new Set(offsets)
    const { store } = this.#host
    for (const offset of [...offsets].sort((a, b) => a - b)) {
      if (found.has(offset) || !wanted.has(offset) || offset < this.#host.logStart()) continue
      for (const batch of store.batchesFrom(store.startingBatch(offset))) {
        if (batch.base_offset > offset) break
        for (const record of parseBatch(batch.payload)) {
          if (wanted.has(record.offset) && !(record.expiresAt !== undefined && record.expiresAt <= now)) found.set(record.offset, record)
        }
        break
      }
    }
    return found
  }
}

function newToken(): string {
  return crypto.randomUUID().replaceAll('-', '').slice(0, 12)
}

function toMessage(partition: number, delivery: Delivery, record: FetchedRecord): QueueMessage {
  return {
    leaseId: `${partition}:${record.offset}:${delivery.token}`,
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key,
    value: record.value,
    headers: record.headers,
    deliveryCount: delivery.attempts,
    ...(record.valueEncoding !== undefined ? { valueEncoding: record.valueEncoding } : {}),
    ...(record.expiresAt !== undefined ? { expiresAt: record.expiresAt } : {}),
  }
}

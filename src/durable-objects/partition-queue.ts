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
 * is marked dead with the next dead-letter sequence number, in the same transaction. The owning object
 * then writes dead records to the DLQ (see dead-letters.ts).
 *
 * Messages leave as JSON text built around the stored record text, never as objects: a value the
 * runtime cannot structured-clone (nested thousands deep) travels like any other. A record whose stored
 * text is not a deliverable record is dead-lettered at once (`undeliverable: …`), so it cannot block
 * the others.
 */
import { exhausted, retryDelay } from '../core/backoff.js'
import { applyChanges, fieldsOf, rangeAt, runsOf, type DeliveryFields, type DeliveryRange, type RangeChange } from '../core/delivery-ranges.js'
import { checkRecordTexts, readRecordTexts, type RecordText } from '../core/record-texts.js'
import { ok, type Result } from '../protocol/errors.js'
import { MAX_RECEIVE_BYTES, type QueuePolicy } from '../protocol/queues.js'
import type { DeliveryStore } from '../storage/delivery-store.js'
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
  /** Told of every failed attempt (for metrics and alerts); called inside the transaction, so memory only. */
  onFailure?(failure: QueueFailure): void
}

/** Records `first..last` of a group failed an attempt, alike; `fields` is what became of them. */
export interface QueueFailure {
  group: string
  first: number
  last: number
  fields: DeliveryFields
  outcome: 'delayed' | 'dead-lettered' | 'dropped'
  /** The lease ran out (rather than a nack, reject or an undeliverable record). */
  expired: boolean
  /** The records used up the retry policy's attempts (a reject or an undeliverable record has not). */
  exhausted: boolean
}

interface FailOptions {
  delayMs?: number
  dead?: boolean
  expired?: boolean
  /** The dead-letter sequence for records that die (one per transaction that kills them). */
  dlqSequence?: () => number
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
    this.failExpiredLeases(now)
    const maxBytes = request.maxBytes ?? MAX_RECEIVE_BYTES
    const lease = { memberId: request.memberId, token: newToken(), visibleAt: now + (request.visibilityTimeoutMs ?? this.#host.policy().visibilityTimeoutMs) }

    // Redeliveries: what each due range still holds, taken in offset order within the limits.
    const due = deliveries.dueRanges(group, now, request.max)
    const taken: Array<{ range: DeliveryRange; records: RecordText[]; through: number }> = []
    let count = 0
    let bytes = 0
    for (const range of due) {
      if (count >= request.max || (count > 0 && bytes >= maxBytes)) break
      const stored = this.rangeTexts(range.first, range.last, now)
      const records: RecordText[] = []
      let through = range.last
      for (const record of stored) {
        if (count >= request.max || (count > 0 && bytes + record.text.length > maxBytes)) {
          through = record.offset - 1
          break
        }
        records.push(record)
        count++
        bytes += record.text.length
      }
      taken.push({ range, records, through })
    }

    // Then records never delivered, from the cursor.
    const cursor = deliveries.shareCursor(group)
    const start = Math.max(cursor ?? this.#host.logStart(), this.#host.logStart())
    const { store } = this.#host
    const wanted = request.max - count
    const fresh =
      wanted > 0 && bytes < maxBytes
        ? readRecordTexts(store.batchesFrom(store.startingBatch(start)), { from: start, maxRecords: wanted, maxBytes: maxBytes - bytes, now })
        : { records: [], nextOffset: start, end: false }
    // Read to the end of what is stored: records purged from the tail (TTL) must not look deliverable.
    const next = fresh.end ? Math.max(fresh.nextOffset, this.#host.logEnd()) : fresh.nextOffset
    // After a seek, an offset may still have a dead record waiting for the DLQ: leave it there.
    const dead = fresh.records.length > 0 ? deliveries.deadFrom(group, start) : []
    const freshRecords = dead.length > 0 ? fresh.records.filter((r) => !rangeAt(dead, r.offset)) : fresh.records

    const problems = checkRecordTexts([...taken.flatMap((t) => t.records), ...freshRecords])
    const partition = this.#host.partition()
    const messages: string[] = []
    let sequence: number | undefined
    const dlqSequence = () => (sequence ??= this.#host.store.nextDlqSequence())
    /** Leases the deliverable records among `records` (which had `fields`), dead-lettering the others. */
    const deliver = (records: readonly RecordText[], fields: DeliveryFields): RangeChange[] => {
      const changes: RangeChange[] = []
      const leased: DeliveryFields = { ...fields, state: 'leased', ...lease, attempts: fields.attempts + 1, dlqSequence: null }
      for (const record of records) {
        const problem = problems.get(record.offset)
        if (problem !== undefined) {
          changes.push(this.#fail(group, fields, record.offset, record.offset, `undeliverable: ${problem}`, now, { dead: true, dlqSequence }).change)
          continue
        }
        changes.push({ first: record.offset, last: record.offset, fields: leased })
        messages.push(renderMessage(partition, record.offset, lease.token, leased.attempts, record.text))
      }
      return changes
    }
    this.#host.storage.transactionSync(() => {
      for (const { range, records, through } of taken) {
        // Deleted by retention or expired by TTL while it waited: what is not stored any more leaves.
        deliveries.change(group, removingGaps(range.first, through, deliver(records, range)))
      }
      deliveries.change(group, deliver(freshRecords, NEW_DELIVERY))
      if (next !== cursor) deliveries.writeShareCursor(group, next)
    })
    const dueLeft = due.reduce((sum, range) => sum + range.last - range.first + 1, 0) - taken.reduce((sum, t) => sum + t.records.length, 0)
    const backlog = Math.max(0, this.#host.logEnd() - next) + Math.max(0, dueLeft) + (dueLeft >= 0 && count >= request.max ? 1 : 0)
    return { messages: messages.join(','), count: messages.length, backlog }
  }

  ack(group: string, memberId: string, leases: LeaseRef[], now: number): Result<{ acked: number }> {
    const held = this.#held(group, memberId, leases, now)
    if (!held.ok) return held
    const changes = runsOf(leases.map((lease) => lease.offset)).map((run) => ({ ...run, fields: null }))
    this.#host.storage.transactionSync(() => this.#host.deliveries.write(group, held.value, applyChanges(held.value, changes)))
    return ok({ acked: leases.length })
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
    return this.#failHeld(group, memberId, lease, error ?? 'nacked', now, delayMs === undefined ? {} : { delayMs })
  }

  reject(group: string, memberId: string, lease: LeaseRef, error: string | undefined, now: number): Result<{ state: string }> {
    return this.#failHeld(group, memberId, lease, error ?? 'rejected', now, { dead: true })
  }

  extend(group: string, memberId: string, lease: LeaseRef, visibilityTimeoutMs: number, now: number): Result<{ visibleUntil: number }> {
    const held = this.#held(group, memberId, [lease], now)
    if (!held.ok) return held
    const range = rangeAt(held.value, lease.offset)!
    const visibleUntil = now + visibilityTimeoutMs
    const change = { first: lease.offset, last: lease.offset, fields: { ...fieldsOf(range), visibleAt: visibleUntil } }
    this.#host.deliveries.write(group, held.value, applyChanges(held.value, [change]))
    return ok({ visibleUntil })
  }

  /** Leases that ran out count as failed attempts (Kafka share groups do the same on lock timeout). */
  failExpiredLeases(now: number): number {
    const expired = this.#host.deliveries.expiredLeases(now)
    if (expired.length === 0) return 0
    // `now` may run ahead of the clock when a test drives the alarm early; redelivery is timed from the
    // clock, so the record is visible to a receive made right after.
    const failedAt = Math.min(now, Date.now())
    let sequence: number | undefined
    const dlqSequence = () => (sequence ??= this.#host.store.nextDlqSequence())
    this.#host.storage.transactionSync(() => {
      for (const range of expired) {
        const { change } = this.#fail(range.group, range, range.first, range.last, 'lease expired', failedAt, { expired: true, dlqSequence })
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
    const { store } = this.#host
    // Dead records waiting for the DLQ after a seek back are not deliverable.
    const fresh = cursor < this.#host.logEnd() ? Math.max(0, store.recordsFrom(cursor) - this.#host.deliveries.deadCountFrom(group, cursor)) : 0
    const firstFresh = () => readRecordTexts(store.batchesFrom(store.startingBatch(cursor)), { from: cursor, maxRecords: 1, maxBytes: 1 }).records[0]
    const oldest = counts.oldestOffset ?? (fresh > 0 ? (firstFresh()?.offset ?? null) : null)
    return { cursor, ready: fresh + counts.due, inFlight: counts.inFlight, delayed: counts.delayed, oldestOffset: oldest }
  }

  /** The stored (and, given `now`, unexpired) records among offsets `first..last`, in order. */
  rangeTexts(first: number, last: number, now?: number): RecordText[] {
    const { store } = this.#host
    const from = Math.max(first, this.#host.logStart())
    if (from > last) return []
    const read = readRecordTexts(store.batchesFrom(store.startingBatch(from)), {
      from,
      maxRecords: last - from + 1,
      maxBytes: Number.MAX_SAFE_INTEGER,
      ...(now !== undefined ? { now } : {}),
    })
    return read.records.filter((record) => record.offset <= last)
  }

  #cursor(group: string): number {
    return Math.max(this.#host.deliveries.shareCursor(group) ?? this.#host.logStart(), this.#host.logStart())
  }

  #failHeld(group: string, memberId: string, lease: LeaseRef, error: string, now: number, options: FailOptions): Result<{ state: string; redeliverAt?: number }> {
    const held = this.#held(group, memberId, [lease], now)
    if (!held.ok) return held
    const range = rangeAt(held.value, lease.offset)!
    const failed = this.#fail(group, range, lease.offset, lease.offset, error, now, options)
    this.#host.storage.transactionSync(() => this.#host.deliveries.write(group, held.value, applyChanges(held.value, [failed.change])))
    return ok(failed.change.fields?.state === 'delayed' ? { state: 'delayed', redeliverAt: failed.change.fields.visibleAt! } : { state: 'dead' })
  }

  /**
   * A failed attempt of records `first..last`, which had `fields`: a redelivery after the policy's delay
   * (or `delayMs`), or death when the attempts are used up (or `dead`). A lease that `expired` keeps its
   * holder and token, and is remembered when its records die, so its holder is told LEASE_EXPIRED;
   * otherwise they are cleared. Returns the change to apply (in the caller's transaction).
   */
  #fail(group: string, fields: DeliveryFields, first: number, last: number, error: string, now: number, options: FailOptions): { change: RangeChange } {
    const policy = this.#host.policy()
    const failed: DeliveryFields = {
      ...fieldsOf(fields),
      ...(options.expired ? {} : { memberId: null, token: null }),
      firstFailureAt: fields.firstFailureAt ?? now,
      lastFailureAt: now,
      lastError: error.slice(0, 4096),
    }
    const used = !options.dead && exhausted(policy.retry, fields.attempts)
    const told = (outcome: QueueFailure['outcome'], after: DeliveryFields) =>
      this.#host.onFailure?.({ group, first, last, fields: after, outcome, expired: options.expired === true, exhausted: used })
    if (options.dead || used) {
      if (options.expired && fields.token !== null) {
        const outcome = policy.deadLetter.enabled ? 'dead-lettered' : 'dropped'
        this.#host.deliveries.rememberExpiredLease(
          group,
          { first, last, token: fields.token },
          { memberId: fields.memberId, expiredAt: now, outcome },
          now - EXPIRED_LEASE_MEMORY_MS,
        )
      }
      if (!policy.deadLetter.enabled) {
        // No DLQ: a record that used up its attempts is dropped, as a share group archives it.
        told('dropped', { ...failed, state: 'dead' })
        return { change: { first, last, fields: null } }
      }
      const sequence = options.dlqSequence?.() ?? this.#host.store.nextDlqSequence()
      const deadLetter: DeliveryFields = { ...failed, state: 'dead', visibleAt: null, dlqSequence: sequence }
      told('dead-lettered', deadLetter)
      return { change: { first, last, fields: deadLetter } }
    }
    const delay = options.delayMs ?? retryDelay(policy.retry, fields.attempts)
    const delayed: DeliveryFields = { ...failed, state: 'delayed', visibleAt: now + delay }
    told('delayed', delayed)
    return { change: { first, last, fields: delayed } }
  }

  #held(group: string, memberId: string, leases: LeaseRef[], now: number): Result<DeliveryRange[]> {
    return heldLeases(this.#host.deliveries, this.#host.partition(), group, memberId, leases, now)
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

/** `changes` (single records of `first..through`) with the offsets between them removed: records no longer stored. */
function removingGaps(first: number, through: number, changes: readonly RangeChange[]): RangeChange[] {
  const out: RangeChange[] = []
  let at = first
  for (const change of [...changes].sort((a, b) => a.first - b.first)) {
    if (change.first > at) out.push({ first: at, last: change.first - 1, fields: null })
    out.push(change)
    at = change.last + 1
  }
  if (at <= through) out.push({ first: at, last: through, fields: null })
  return out
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

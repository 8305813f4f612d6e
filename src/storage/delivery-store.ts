/**
 * Typed SQL for queue consumption in TopicPartitionDO: each share group's cursor (the next offset never
 * delivered to it) and its records in flight (leased, waiting for redelivery, or dead and waiting for the
 * DLQ) as ranges of offsets in one state (see core/delivery-ranges.ts). A receive of many records writes
 * one range row and an ack of them deletes it, so the rows written per record fall with the batch size.
 * Beside them, `expired` remembers the leases whose expiry ended their records' life in the group
 * (expired-lease-store.ts). The range table is WITHOUT ROWID: its primary key is its only index, so a
 * row written is one row billed.
 */
import {
  applyChanges,
  coalesce,
  diffRanges,
  spanOf,
  type DeliveryFields,
  type DeliveryRange,
  type DeliveryState,
  type RangeChange,
} from '../core/delivery-ranges.js'
import { ExpiredLeaseStore } from './expired-lease-store.js'

export type { DeliveryFields, DeliveryRange, DeliveryState }

/** One record in flight, as dead-letter headers and alert events describe it. */
export interface Delivery extends DeliveryFields {
  group: string
  offset: number
}

/** A range of one group's records in flight. */
export interface GroupRange extends DeliveryRange {
  group: string
}

/** A share group's records in flight, counted at one instant. */
export interface DeliveryCounts {
  /** Leased, the lease not yet run out. */
  inFlight: number
  /** Waiting for a redelivery time still to come. */
  delayed: number
  /** Deliverable now: a redelivery that is due, or a lease that ran out and awaits its timer. */
  due: number
  /** The lowest offset among them (dead records waiting for the DLQ left out). */
  oldestOffset: number | null
}

type RangeRow = {
  group_id: string
  first_offset: number
  last_offset: number
  state: string
  member_id: string | null
  token: string | null
  visible_at: number | null
  attempts: number
  first_failure_at: number | null
  last_failure_at: number | null
  last_error: string | null
  dlq_sequence: number | null
}

const toRange = (row: RangeRow): GroupRange => ({
  group: row.group_id,
  first: row.first_offset,
  last: row.last_offset,
  state: row.state as DeliveryState,
  memberId: row.member_id,
  token: row.token,
  visibleAt: row.visible_at,
  attempts: row.attempts,
  firstFailureAt: row.first_failure_at,
  lastFailureAt: row.last_failure_at,
  lastError: row.last_error,
  dlqSequence: row.dlq_sequence,
})

const SIZE = 'last_offset - first_offset + 1'

export class DeliveryStore {
  readonly #sql: SqlStorage
  /** Leases whose expiry ended their records' life in a group, remembered for their holders. */
  readonly expired: ExpiredLeaseStore

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
    this.expired = new ExpiredLeaseStore(storage)
  }

  shareCursor(group: string): number | undefined {
    return this.#sql.exec<{ cursor: number }>('SELECT cursor FROM share_groups WHERE group_id = ?', group).toArray()[0]?.cursor
  }

  /** Every share group that has consumed here. */
  shareGroups(): string[] {
    return this.#sql
      .exec<{ group_id: string }>('SELECT group_id FROM share_groups ORDER BY group_id')
      .toArray()
      .map((row) => row.group_id)
  }

  writeShareCursor(group: string, cursor: number): void {
    this.#sql.exec(
      'INSERT INTO share_groups (group_id, cursor) VALUES (?, ?) ON CONFLICT(group_id) DO UPDATE SET cursor = excluded.cursor',
      group,
      cursor,
    )
  }

  /** The most recent failure recorded on records still in flight (any group), for health answers. */
  lastFailure(): { error: string; at: number; group: string; offset: number } | undefined {
    const row = this.#sql
      .exec<{ last_error: string; last_failure_at: number; group_id: string; first_offset: number }>(
        'SELECT last_error, last_failure_at, group_id, first_offset FROM delivery_ranges WHERE last_failure_at IS NOT NULL ORDER BY last_failure_at DESC LIMIT 1',
      )
      .toArray()[0]
    return row && { error: row.last_error, at: row.last_failure_at, group: row.group_id, offset: row.first_offset }
  }

  /** The group's ranges that hold any of `first..last`, and those right next to it (which a change may merge with). */
  around(group: string, first: number, last: number): GroupRange[] {
    return this.#sql
      .exec<RangeRow>(
        `SELECT * FROM delivery_ranges WHERE group_id = ?1 AND first_offset <= ?3 AND last_offset >= ?2 AND first_offset >= COALESCE(
           (SELECT first_offset FROM delivery_ranges WHERE group_id = ?1 AND first_offset <= ?2 ORDER BY first_offset DESC LIMIT 1), ?2)
         ORDER BY first_offset`,
        group,
        first - 1,
        last + 1,
      )
      .toArray()
      .map(toRange)
  }

  /** Applies `changes` to the group's ranges and writes the rows that changed; returns the ranges after. */
  change(group: string, changes: readonly RangeChange[]): DeliveryRange[] {
    if (changes.length === 0) return []
    const { first, last } = spanOf(changes.flatMap((change) => [change.first, change.last]))
    const before = this.around(group, first, last)
    const after = applyChanges(before, coalesce(changes))
    this.write(group, before, after)
    return after
  }

  /** Writes what differs between `before` and `after` (the group's ranges over the same offsets). */
  write(group: string, before: readonly DeliveryRange[], after: readonly DeliveryRange[]): void {
    const { deletes, upserts } = diffRanges(before, after)
    for (const first of deletes) this.#sql.exec('DELETE FROM delivery_ranges WHERE group_id = ? AND first_offset = ?', group, first)
    for (const r of upserts) {
      this.#sql.exec(
        // An upsert, not INSERT OR REPLACE: replacing a row would bill its delete and its insert.
        `INSERT INTO delivery_ranges (group_id, first_offset, last_offset, state, member_id, token, visible_at, attempts,
           first_failure_at, last_failure_at, last_error, dlq_sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (group_id, first_offset) DO UPDATE SET last_offset = excluded.last_offset, state = excluded.state,
           member_id = excluded.member_id, token = excluded.token, visible_at = excluded.visible_at, attempts = excluded.attempts,
           first_failure_at = excluded.first_failure_at, last_failure_at = excluded.last_failure_at, last_error = excluded.last_error,
           dlq_sequence = excluded.dlq_sequence`,
        group,
        r.first,
        r.last,
        r.state,
        r.memberId,
        r.token,
        r.visibleAt,
        r.attempts,
        r.firstFailureAt,
        r.lastFailureAt,
        r.lastError,
        r.dlqSequence,
      )
    }
  }

  /** The group's delayed ranges due by `now`, lowest offsets first, until they hold `records` records. */
  dueRanges(group: string, now: number, records: number): GroupRange[] {
    const ranges: GroupRange[] = []
    let count = 0
    const rows = this.#sql.exec<RangeRow>(
      "SELECT * FROM delivery_ranges WHERE group_id = ? AND state = 'delayed' AND visible_at <= ? ORDER BY first_offset",
      group,
      now,
    )
    for (const row of rows) {
      if (count >= records) break
      ranges.push(toRange(row))
      count += row.last_offset - row.first_offset + 1
    }
    return ranges
  }

  /** Leases that ran out by `now`, in every group. */
  endedLeases(now: number): GroupRange[] {
    return this.#sql
      .exec<RangeRow>("SELECT * FROM delivery_ranges WHERE state = 'leased' AND visible_at <= ? ORDER BY group_id, first_offset", now)
      .toArray()
      .map(toRange)
  }

  /** Dead ranges not yet written to the DLQ, in the order they died; with `through`, those up to that sequence. */
  deadRanges(through?: number): GroupRange[] {
    const rows =
      through === undefined
        ? this.#sql.exec<RangeRow>("SELECT * FROM delivery_ranges WHERE state = 'dead' ORDER BY dlq_sequence, group_id, first_offset")
        : this.#sql.exec<RangeRow>(
            "SELECT * FROM delivery_ranges WHERE state = 'dead' AND dlq_sequence <= ? ORDER BY dlq_sequence, group_id, first_offset",
            through,
          )
    return rows.toArray().map(toRange)
  }

  /** How many dead records wait for the DLQ. */
  deadCount(): number {
    return this.#sql.exec<{ n: number | null }>(`SELECT SUM(${SIZE}) AS n FROM delivery_ranges WHERE state = 'dead'`).one().n ?? 0
  }

  /** Deletes dead ranges written to the DLQ (whole rows: a dead range is never split while it waits). */
  deleteDead(ranges: readonly GroupRange[]): void {
    for (const r of ranges) {
      this.#sql.exec("DELETE FROM delivery_ranges WHERE group_id = ? AND first_offset = ? AND state = 'dead'", r.group, r.first)
    }
  }

  /** The next time a lease ends or a delayed range becomes visible. */
  nextVisibleAt(): number | undefined {
    return (
      this.#sql.exec<{ v: number | null }>("SELECT MIN(visible_at) AS v FROM delivery_ranges WHERE state IN ('leased', 'delayed')").one().v ??
      undefined
    )
  }

  /** A seek: forgets what the group has in flight from `offset` on (dead records still go to the DLQ). */
  deleteFrom(group: string, offset: number): void {
    this.#sql.exec("DELETE FROM delivery_ranges WHERE group_id = ? AND first_offset >= ? AND state != 'dead'", group, offset)
    this.#sql.exec(
      "UPDATE delivery_ranges SET last_offset = ?2 - 1 WHERE group_id = ?1 AND first_offset < ?2 AND last_offset >= ?2 AND state != 'dead'",
      group,
      offset,
    )
  }

  /** Records that retention or TTL removed from the log's start leave every group. */
  deleteBefore(offset: number): void {
    this.#sql.exec("DELETE FROM delivery_ranges WHERE last_offset < ? AND state != 'dead'", offset)
    const straddling = this.#sql
      .exec<RangeRow>("SELECT * FROM delivery_ranges WHERE first_offset < ?1 AND last_offset >= ?1 AND state != 'dead'", offset)
      .toArray()
      .map(toRange)
    for (const range of straddling) this.write(range.group, [range], [{ ...range, first: offset }])
  }

  deliveryCounts(group: string, now: number): DeliveryCounts {
    const row = this.#sql
      .exec<{ in_flight: number | null; delayed: number | null; due: number | null; oldest: number | null }>(
        `SELECT SUM(CASE WHEN state = 'leased' AND visible_at > ?1 THEN ${SIZE} ELSE 0 END) AS in_flight,
           SUM(CASE WHEN state = 'delayed' AND visible_at > ?1 THEN ${SIZE} ELSE 0 END) AS delayed,
           SUM(CASE WHEN state IN ('leased', 'delayed') AND visible_at <= ?1 THEN ${SIZE} ELSE 0 END) AS due,
           MIN(CASE WHEN state != 'dead' THEN first_offset END) AS oldest
         FROM delivery_ranges WHERE group_id = ?2`,
        now,
        group,
      )
      .one()
    return { inFlight: row.in_flight ?? 0, delayed: row.delayed ?? 0, due: row.due ?? 0, oldestOffset: row.oldest }
  }

  /** Leases `memberId` holds in `group` that have not run out by `now` (a pushed queue subscriber's unsettled ones). */
  leasedCount(group: string, memberId: string, now: number): number {
    return (
      this.#sql
        .exec<{ n: number | null }>(
          `SELECT SUM(${SIZE}) AS n FROM delivery_ranges WHERE group_id = ? AND member_id = ? AND state = 'leased' AND visible_at > ?`,
          group,
          memberId,
          now,
        )
        .one().n ?? 0
    )
  }

  /** How many of a group's records in flight are deliverable now (redelivery due, or lease run out). */
  dueCount(group: string, now: number): number {
    return (
      this.#sql
        .exec<{ n: number | null }>(
          `SELECT SUM(${SIZE}) AS n FROM delivery_ranges WHERE group_id = ? AND state IN ('leased', 'delayed') AND visible_at <= ?`,
          group,
          now,
        )
        .one().n ?? 0
    )
  }

  /** How many of the group's dead records are at `offset` or beyond (possible after a seek back). */
  deadCountFrom(group: string, offset: number): number {
    return (
      this.#sql
        .exec<{ n: number | null }>(
          "SELECT SUM(last_offset - MAX(first_offset, ?2) + 1) AS n FROM delivery_ranges WHERE group_id = ?1 AND state = 'dead' AND last_offset >= ?2",
          group,
          offset,
        )
        .one().n ?? 0
    )
  }

  /** The group's dead ranges that reach `offset` or beyond (possible after a seek back). */
  deadFrom(group: string, offset: number): GroupRange[] {
    return this.#sql
      .exec<RangeRow>("SELECT * FROM delivery_ranges WHERE group_id = ? AND last_offset >= ? AND state = 'dead' ORDER BY first_offset", group, offset)
      .toArray()
      .map(toRange)
  }
}

/**
 * Typed SQL for queue consumption in TopicPartitionDO: each share group's cursor (the next offset never
 * delivered to it) and the records in flight (leased, waiting for redelivery, or dead and waiting for
 * the DLQ). The table holds only records in flight, so it stays small however long the log is. Beside
 * it, `expired_leases` remembers for a while the leases whose expiry ended their record's life in the
 * group (dead-lettered or dropped), so their holders learn what happened (LEASE_EXPIRED).
 */

export type DeliveryState = 'leased' | 'delayed' | 'dead'

export interface Delivery {
  group: string
  offset: number
  state: DeliveryState
  /**
   * The lease's holder and token. A lease that expired leaves them in place (state delayed or dead) until
   * the record is leased again, so its holder is told LEASE_EXPIRED; a nack or reject clears them.
   */
  memberId: string | null
  token: string | null
  /** leased: when the lease ends; delayed: when the record may be delivered again (epoch ms). */
  visibleAt: number | null
  /** Deliveries so far (Kafka's delivery count). */
  attempts: number
  firstFailureAt: number | null
  lastFailureAt: number | null
  lastError: string | null
  dlqSequence: number | null
}

/** A lease whose expiry used up its record's attempts: the record went to the DLQ or was dropped. */
export interface ExpiredLease {
  memberId: string | null
  expiredAt: number
  outcome: 'dead-lettered' | 'dropped'
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

type DeliveryRow = {
  group_id: string
  record_offset: number
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

const toDelivery = (row: DeliveryRow): Delivery => ({
  group: row.group_id,
  offset: row.record_offset,
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

export class DeliveryStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
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

  /** The most recent failure recorded on a record still in flight (any group), for health answers. */
  lastFailure(): { error: string; at: number; group: string; offset: number } | undefined {
    const row = this.#sql
      .exec<{ last_error: string; last_failure_at: number; group_id: string; record_offset: number }>(
        'SELECT last_error, last_failure_at, group_id, record_offset FROM deliveries WHERE last_failure_at IS NOT NULL ORDER BY last_failure_at DESC LIMIT 1',
      )
      .toArray()[0]
    return row && { error: row.last_error, at: row.last_failure_at, group: row.group_id, offset: row.record_offset }
  }

  writeShareCursor(group: string, cursor: number): void {
    this.#sql.exec(
      'INSERT INTO share_groups (group_id, cursor) VALUES (?, ?) ON CONFLICT(group_id) DO UPDATE SET cursor = excluded.cursor',
      group,
      cursor,
    )
  }

  delivery(group: string, offset: number): Delivery | undefined {
    const row = this.#sql.exec<DeliveryRow>('SELECT * FROM deliveries WHERE group_id = ? AND record_offset = ?', group, offset).toArray()[0]
    return row && toDelivery(row)
  }

  /** A group's deliveries in one state, oldest offset first; `visibleBy` keeps those visible by then. */
  deliveries(group: string, state: DeliveryState, visibleBy?: number, limit = 10_000): Delivery[] {
    const rows =
      visibleBy === undefined
        ? this.#sql.exec<DeliveryRow>('SELECT * FROM deliveries WHERE group_id = ? AND state = ? ORDER BY record_offset LIMIT ?', group, state, limit)
        : this.#sql.exec<DeliveryRow>(
            'SELECT * FROM deliveries WHERE group_id = ? AND state = ? AND visible_at <= ? ORDER BY record_offset LIMIT ?',
            group,
            state,
            visibleBy,
            limit,
          )
    return rows.toArray().map(toDelivery)
  }

  /** Leases that ran out by `now`, in every group. */
  expiredLeases(now: number): Delivery[] {
    return this.#sql
      .exec<DeliveryRow>("SELECT * FROM deliveries WHERE state = 'leased' AND visible_at <= ? ORDER BY group_id, record_offset", now)
      .toArray()
      .map(toDelivery)
  }

  /** Dead records not yet written to the DLQ, in the order they died. */
  deadDeliveries(): Delivery[] {
    return this.#sql.exec<DeliveryRow>("SELECT * FROM deliveries WHERE state = 'dead' ORDER BY dlq_sequence").toArray().map(toDelivery)
  }

  /** The next time a lease ends or a delayed record becomes visible. */
  nextVisibleAt(): number | undefined {
    return (
      this.#sql.exec<{ v: number | null }>("SELECT MIN(visible_at) AS v FROM deliveries WHERE state IN ('leased', 'delayed')").one().v ?? undefined
    )
  }

  writeDelivery(d: Delivery): void {
    this.#sql.exec(
      `INSERT INTO deliveries (group_id, record_offset, state, member_id, token, visible_at, attempts, first_failure_at, last_failure_at, last_error, dlq_sequence)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(group_id, record_offset) DO UPDATE SET state = excluded.state, member_id = excluded.member_id, token = excluded.token,
         visible_at = excluded.visible_at, attempts = excluded.attempts, first_failure_at = excluded.first_failure_at,
         last_failure_at = excluded.last_failure_at, last_error = excluded.last_error, dlq_sequence = excluded.dlq_sequence`,
      d.group,
      d.offset,
      d.state,
      d.memberId,
      d.token,
      d.visibleAt,
      d.attempts,
      d.firstFailureAt,
      d.lastFailureAt,
      d.lastError,
      d.dlqSequence,
    )
  }

  deleteDelivery(group: string, offset: number): void {
    this.#sql.exec('DELETE FROM deliveries WHERE group_id = ? AND record_offset = ?', group, offset)
  }

  deleteDeliveriesFrom(group: string, offset: number): void {
    this.#sql.exec("DELETE FROM deliveries WHERE group_id = ? AND record_offset >= ? AND state != 'dead'", group, offset)
  }

  /** Deliveries of records that retention or TTL has removed. */
  deleteDeliveriesBefore(offset: number): void {
    this.#sql.exec("DELETE FROM deliveries WHERE record_offset < ? AND state != 'dead'", offset)
  }

  deliveryCounts(group: string, now: number): DeliveryCounts {
    const row = this.#sql
      .exec<{ in_flight: number | null; delayed: number | null; due: number | null; oldest: number | null }>(
        `SELECT SUM(state = 'leased' AND visible_at > ?1) AS in_flight, SUM(state = 'delayed' AND visible_at > ?1) AS delayed,
           SUM(state IN ('leased', 'delayed') AND visible_at <= ?1) AS due, MIN(CASE WHEN state != 'dead' THEN record_offset END) AS oldest
         FROM deliveries WHERE group_id = ?2`,
        now,
        group,
      )
      .one()
    return { inFlight: row.in_flight ?? 0, delayed: row.delayed ?? 0, due: row.due ?? 0, oldestOffset: row.oldest }
  }

  /** Leases `memberId` holds in `group` that have not run out by `now` (a pushed queue subscriber's unsettled ones). */
  leasedCount(group: string, memberId: string, now: number): number {
    return this.#sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM deliveries WHERE group_id = ? AND member_id = ? AND state = 'leased' AND visible_at > ?",
        group,
        memberId,
        now,
      )
      .one().n
  }

  /** How many of a group's records in flight are deliverable now (redelivery due, or lease run out). */
  dueCount(group: string, now: number): number {
    return this.#sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM deliveries WHERE group_id = ? AND state IN ('leased', 'delayed') AND visible_at <= ?",
        group,
        now,
      )
      .one().n
  }

  /** Offsets at or after `offset` with a dead record still waiting for the DLQ (possible after a seek). */
  deadOffsetsFrom(group: string, offset: number): Set<number> {
    const rows = this.#sql.exec<{ o: number }>(
      "SELECT record_offset AS o FROM deliveries WHERE group_id = ? AND record_offset >= ? AND state = 'dead'",
      group,
      offset,
    )
    return new Set(rows.toArray().map((r) => r.o))
  }

  /** Remembers a lease whose expiry ended its record's life in the group; forgets those older than `forgetBefore`. */
  rememberExpiredLease(group: string, offset: number, token: string, lease: ExpiredLease, forgetBefore: number): void {
    this.#sql.exec('DELETE FROM expired_leases WHERE expired_at < ?', forgetBefore)
    this.#sql.exec(
      `INSERT INTO expired_leases (group_id, record_offset, token, member_id, expired_at, outcome) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(group_id, record_offset) DO UPDATE SET token = excluded.token, member_id = excluded.member_id,
         expired_at = excluded.expired_at, outcome = excluded.outcome`,
      group,
      offset,
      token,
      lease.memberId,
      lease.expiredAt,
      lease.outcome,
    )
  }

  /** The remembered expired lease with this token, if it expired at or after `since`. */
  expiredLease(group: string, offset: number, token: string, since: number): ExpiredLease | undefined {
    const row = this.#sql
      .exec<{ member_id: string | null; expired_at: number; outcome: string }>(
        'SELECT member_id, expired_at, outcome FROM expired_leases WHERE group_id = ? AND record_offset = ? AND token = ? AND expired_at >= ?',
        group,
        offset,
        token,
        since,
      )
      .toArray()[0]
    return row && { memberId: row.member_id, expiredAt: row.expired_at, outcome: row.outcome as ExpiredLease['outcome'] }
  }
}

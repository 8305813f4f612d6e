/**
 * Typed SQL for queue consumption in TopicPartitionDO: each share group's cursor (the next offset never
 * delivered to it) and the records in flight (leased, waiting for redelivery, or dead and waiting for
 * the DLQ). The table holds only records in flight, so it stays small however long the log is.
 */

export type DeliveryState = 'leased' | 'delayed' | 'dead'

export interface Delivery {
  group: string
  offset: number
  state: DeliveryState
  memberId: string | null
  token: string | null
  /** leased: when the lease ends; delayed: when the record may be delivered again. */
  visibleAt: number | null
  /** Deliveries so far (Kafka's delivery count). */
  attempts: number
  firstFailureAt: number | null
  lastFailureAt: number | null
  lastError: string | null
  dlqSequence: number | null
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

  deliveryCounts(group: string): { leased: number; delayed: number; oldestOffset: number | null } {
    const rows = this.#sql
      .exec<{ state: string; n: number; oldest: number | null }>(
        'SELECT state, COUNT(*) AS n, MIN(record_offset) AS oldest FROM deliveries WHERE group_id = ? GROUP BY state',
        group,
      )
      .toArray()
    const count = (state: string) => rows.find((r) => r.state === state)?.n ?? 0
    const oldest = rows.filter((r) => r.state !== 'dead').map((r) => r.oldest ?? Number.MAX_SAFE_INTEGER)
    return { leased: count('leased'), delayed: count('delayed'), oldestOffset: oldest.length > 0 ? Math.min(...oldest) : null }
  }
}

/**
 * Typed SQL for `expired_lease_ranges`: the leases whose expiry ended their records' life in a share group
 * (dead-lettered, or dropped when the queue has no DLQ), remembered for a while so that their holders are
 * told LEASE_EXPIRED rather than UNKNOWN_LEASE (see durable-objects/queue-leases.ts). A lease that expired
 * over a range of records is one row, keyed by the range's first offset and the lease's token.
 */

/** A lease whose expiry used up its records' attempts: they went to the DLQ or were dropped. */
export interface ExpiredLease {
  memberId: string | null
  expiredAt: number
  outcome: 'dead-lettered' | 'dropped'
}

export class ExpiredLeaseStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  /** Remembers the lease that held `first..last` of `group`; forgets those that expired before `forgetBefore`. */
  remember(group: string, range: { first: number; last: number; token: string }, lease: ExpiredLease, forgetBefore: number): void {
    this.#sql.exec('DELETE FROM expired_lease_ranges WHERE expired_at < ?', forgetBefore)
    this.#sql.exec(
      `INSERT OR REPLACE INTO expired_lease_ranges (group_id, first_offset, last_offset, token, member_id, expired_at, outcome)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      group,
      range.first,
      range.last,
      range.token,
      lease.memberId,
      lease.expiredAt,
      lease.outcome,
    )
  }

  /** The remembered lease with this token that held `offset`, if it expired at or after `since`. */
  find(group: string, offset: number, token: string, since: number): ExpiredLease | undefined {
    const row = this.#sql
      .exec<{ member_id: string | null; expired_at: number; outcome: string }>(
        `SELECT member_id, expired_at, outcome FROM expired_lease_ranges
         WHERE group_id = ?1 AND first_offset <= ?2 AND last_offset >= ?2 AND token = ?3 AND expired_at >= ?4 LIMIT 1`,
        group,
        offset,
        token,
        since,
      )
      .toArray()[0]
    return row && { memberId: row.member_id, expiredAt: row.expired_at, outcome: row.outcome as ExpiredLease['outcome'] }
  }
}

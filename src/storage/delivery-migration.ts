/**
 * The partition schema's step from records in flight kept a row each (version 4: `deliveries`,
 * `expired_leases`) to ranges of records (version 5: `delivery_ranges`, `expired_lease_ranges`; see
 * delivery-store.ts), run once by the migration runner in the partition object's constructor.
 */
import type { Migration } from './migrations.js'

/**
 * Schema version 5: deliveries and expired leases become ranges. Each record in flight under version 4
 * becomes a range of one offset, as it was (leases, attempts, failures and dead-letter order kept). The
 * old code wrote dead records to the DLQ one at a time in their order, so only the first one still
 * pending can already be there: the first dead-letter batch after the upgrade is that record alone,
 * under its own sequence, which the DLQ deduplicates (see dead-letters.ts).
 */
export const DELIVERY_RANGES_MIGRATION: Migration = [
  `CREATE TABLE delivery_ranges (
    group_id TEXT NOT NULL,
    first_offset INTEGER NOT NULL,
    last_offset INTEGER NOT NULL,
    state TEXT NOT NULL,
    member_id TEXT,
    token TEXT,
    visible_at INTEGER,
    attempts INTEGER NOT NULL,
    first_failure_at INTEGER,
    last_failure_at INTEGER,
    last_error TEXT,
    dlq_sequence INTEGER,
    PRIMARY KEY (group_id, first_offset)
  ) WITHOUT ROWID`,
  `INSERT INTO delivery_ranges SELECT group_id, record_offset, record_offset, state, member_id, token, visible_at, attempts,
     first_failure_at, last_failure_at, last_error, dlq_sequence FROM deliveries`,
  'DROP TABLE deliveries',
  `CREATE TABLE expired_lease_ranges (
    group_id TEXT NOT NULL,
    first_offset INTEGER NOT NULL,
    last_offset INTEGER NOT NULL,
    token TEXT NOT NULL,
    member_id TEXT,
    expired_at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (group_id, first_offset, token)
  ) WITHOUT ROWID`,
  `INSERT INTO expired_lease_ranges SELECT group_id, record_offset, record_offset, token, member_id, expired_at, outcome FROM expired_leases`,
  'DROP TABLE expired_leases',
  // The dead-letter batch being written: every dead range whose sequence is at most this (see dead-letters.ts).
  'ALTER TABLE partition_meta ADD COLUMN dlq_batch_through INTEGER',
  "UPDATE partition_meta SET dlq_batch_through = (SELECT MIN(dlq_sequence) FROM delivery_ranges WHERE state = 'dead')",
]

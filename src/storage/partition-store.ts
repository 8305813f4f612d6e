/**
 * Typed SQL for TopicPartitionDO: its migrations, the partition's own row (`partition_meta`: whose log it
 * is, the config it enforces, the log start, counters, dead-letter bookkeeping) and idempotent producers'
 * state. The log's batches are in batch-store.ts, queue deliveries in delivery-store.ts.
 */
import { DEFAULT_QUEUE_POLICY, type QueuePolicy } from '../protocol/queues.js'
import { DEFAULT_TOPIC_CONFIG, type TopicConfig } from '../protocol/topic-config.js'
import { DELIVERY_RANGES_MIGRATION } from './delivery-migration.js'
import { TIMERS_TABLE } from './timers.js'
import type { Migration } from './migrations.js'

export const PARTITION_MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE partition_meta (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      tenant TEXT NOT NULL,
      topic TEXT NOT NULL,
      topic_id TEXT NOT NULL,
      partition INTEGER NOT NULL,
      config TEXT NOT NULL,
      log_start_offset INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL
    )`,
    `CREATE TABLE batches (
      base_offset INTEGER PRIMARY KEY,
      last_offset INTEGER NOT NULL,
      max_timestamp INTEGER NOT NULL,
      byte_size INTEGER NOT NULL,
      expires_at INTEGER,
      payload TEXT NOT NULL
    )`,
    `CREATE TABLE producers (
      producer_id TEXT PRIMARY KEY,
      last_sequence INTEGER NOT NULL,
      recent TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    TIMERS_TABLE,
  ],
  [
    'ALTER TABLE batches ADD COLUMN positions TEXT',
    "ALTER TABLE partition_meta ADD COLUMN queue TEXT NOT NULL DEFAULT '{}'",
    'ALTER TABLE partition_meta ADD COLUMN expired_count INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE partition_meta ADD COLUMN dead_lettered_count INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE partition_meta ADD COLUMN dlq_sequence INTEGER NOT NULL DEFAULT 0',
    // Queue (share group) consumption: each group's next never-delivered offset, and the records in
    // flight: leased to a member, waiting for a redelivery, or dead and waiting to reach the DLQ.
    'CREATE TABLE share_groups (group_id TEXT PRIMARY KEY, cursor INTEGER NOT NULL)',
    `CREATE TABLE deliveries (
      group_id TEXT NOT NULL,
      record_offset INTEGER NOT NULL,
      state TEXT NOT NULL,
      member_id TEXT,
      token TEXT,
      visible_at INTEGER,
      attempts INTEGER NOT NULL,
      first_failure_at INTEGER,
      last_failure_at INTEGER,
      last_error TEXT,
      dlq_sequence INTEGER,
      PRIMARY KEY (group_id, record_offset)
    )`,
  ],
  [
    // Leases whose expiry dead-lettered or dropped their record, kept a day so that their holders are told
    // LEASE_EXPIRED rather than UNKNOWN_LEASE (a lease that expired into a redelivery stays on its row).
    `CREATE TABLE expired_leases (
      group_id TEXT NOT NULL,
      record_offset INTEGER NOT NULL,
      token TEXT NOT NULL,
      member_id TEXT,
      expired_at INTEGER NOT NULL,
      outcome TEXT NOT NULL,
      PRIMARY KEY (group_id, record_offset)
    )`,
  ],
  [
    // Activity counters for /metrics (bytes produced, records and bytes fetched, redeliveries, leases
    // expired), kept in memory and written here at most every few seconds (see partition-activity.ts).
    "ALTER TABLE partition_meta ADD COLUMN activity TEXT NOT NULL DEFAULT '{}'",
  ],
  DELIVERY_RANGES_MIGRATION,
]

export interface PartitionMeta {
  tenant: string
  topic: string
  topicId: string
  partition: number
  config: TopicConfig
  queue: QueuePolicy
  logStartOffset: number
}

export interface PartitionCounters {
  expired: number
  deadLettered: number
}

/** Counters the partition keeps in memory and persists lazily (see partition-activity.ts). */
export interface ActivityCounters {
  producedBytes: number
  fetchedRecords: number
  fetchedBytes: number
  redeliveries: number
  leasesExpired: number
}

/** A producer's last sequence and the offsets of its most recent batches: `[sequence, base, last]`. */
export interface ProducerState {
  lastSequence: number
  recent: Array<[sequence: number, baseOffset: number, lastOffset: number]>
}

type MetaRow = {
  tenant: string
  topic: string
  topic_id: string
  partition: number
  config: string
  queue: string
  log_start_offset: number
}

export class PartitionStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  readMeta(): PartitionMeta | undefined {
    const row = this.#sql.exec<MetaRow>('SELECT tenant, topic, topic_id, partition, config, queue, log_start_offset FROM partition_meta').toArray()[0]
    if (!row) return undefined
    return {
      tenant: row.tenant,
      topic: row.topic,
      topicId: row.topic_id,
      partition: row.partition,
      config: { ...DEFAULT_TOPIC_CONFIG, ...(JSON.parse(row.config) as Partial<TopicConfig>) },
      queue: { ...DEFAULT_QUEUE_POLICY, ...(JSON.parse(row.queue) as Partial<QueuePolicy>) },
      logStartOffset: row.log_start_offset,
    }
  }

  readCounters(): PartitionCounters {
    const row = this.#sql
      .exec<{ expired_count: number; dead_lettered_count: number }>('SELECT expired_count, dead_lettered_count FROM partition_meta')
      .toArray()[0]
    return { expired: row?.expired_count ?? 0, deadLettered: row?.dead_lettered_count ?? 0 }
  }

  addCounters(expired: number, deadLettered: number): void {
    this.#sql.exec(
      'UPDATE partition_meta SET expired_count = expired_count + ?, dead_lettered_count = dead_lettered_count + ?',
      expired,
      deadLettered,
    )
  }

  readActivity(): Partial<ActivityCounters> {
    const row = this.#sql.exec<{ activity: string }>('SELECT activity FROM partition_meta').toArray()[0]
    return row ? (JSON.parse(row.activity) as Partial<ActivityCounters>) : {}
  }

  writeActivity(counters: ActivityCounters): void {
    this.#sql.exec('UPDATE partition_meta SET activity = ? WHERE id = 1', JSON.stringify(counters))
  }

  /** The next dead-letter sequence number: the order of a death, and the idempotent producer sequence of its DLQ batch. */
  nextDlqSequence(): number {
    return this.#sql.exec<{ s: number }>('UPDATE partition_meta SET dlq_sequence = dlq_sequence + 1 RETURNING dlq_sequence AS s').one().s
  }

  /** The sequence that bounds the dead-letter batch being written, if any (see dead-letters.ts). */
  readDlqBatch(): number | null {
    return this.#sql.exec<{ t: number | null }>('SELECT dlq_batch_through AS t FROM partition_meta').toArray()[0]?.t ?? null
  }

  startDlqBatch(through: number): void {
    this.#sql.exec('UPDATE partition_meta SET dlq_batch_through = ? WHERE id = 1', through)
  }

  /** The batch is in the DLQ: `deadLettered` more records there, and no batch under way (one row written). */
  finishDlqBatch(deadLettered: number): void {
    this.#sql.exec('UPDATE partition_meta SET dlq_batch_through = NULL, dead_lettered_count = dead_lettered_count + ? WHERE id = 1', deadLettered)
  }

  writeMeta(meta: PartitionMeta, now: number): void {
    this.#sql.exec(
      `INSERT INTO partition_meta (id, tenant, topic, topic_id, partition, config, queue, log_start_offset, created_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET config = excluded.config, queue = excluded.queue`,
      meta.tenant,
      meta.topic,
      meta.topicId,
      meta.partition,
      JSON.stringify(meta.config),
      JSON.stringify(meta.queue),
      meta.logStartOffset,
      now,
    )
  }

  writeConfig(config: TopicConfig, queue: QueuePolicy): void {
    this.#sql.exec('UPDATE partition_meta SET config = ?, queue = ? WHERE id = 1', JSON.stringify(config), JSON.stringify(queue))
  }

  writeLogStartOffset(offset: number): void {
    this.#sql.exec('UPDATE partition_meta SET log_start_offset = ? WHERE id = 1', offset)
  }

  hasProducers(): boolean {
    return this.#sql.exec('SELECT 1 FROM producers LIMIT 1').toArray().length > 0
  }

  /** Kafka's producer.id.expiration.ms: forget producers idle for longer than this. */
  deleteProducersIdleSince(before: number): void {
    this.#sql.exec('DELETE FROM producers WHERE updated_at < ?', before)
  }

  readProducer(producerId: string): ProducerState | undefined {
    const row = this.#sql
      .exec<{ last_sequence: number; recent: string }>('SELECT last_sequence, recent FROM producers WHERE producer_id = ?', producerId)
      .toArray()[0]
    return row && { lastSequence: row.last_sequence, recent: JSON.parse(row.recent) as ProducerState['recent'] }
  }

  writeProducer(producerId: string, state: ProducerState, now: number): void {
    this.#sql.exec(
      `INSERT INTO producers (producer_id, last_sequence, recent, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(producer_id) DO UPDATE SET last_sequence = excluded.last_sequence, recent = excluded.recent, updated_at = excluded.updated_at`,
      producerId,
      state.lastSequence,
      JSON.stringify(state.recent),
      now,
    )
  }
}

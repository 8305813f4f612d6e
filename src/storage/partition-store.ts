/**
 * Typed SQL for TopicPartitionDO. The log is stored as record batches, one row each (base offset, last
 * offset, max timestamp, size, JSON payload), as Kafka's log segments store batches: one row written per
 * produce call instead of one per record. `batches.base_offset` is the rowid, so range reads are seeks
 * and a write touches no secondary index.
 */
import type { BatchHeader, StoredBatch } from '../core/log.js'
import type { TopicConfig } from '../protocol/topic-config.js'
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
]

export interface PartitionMeta {
  tenant: string
  topic: string
  topicId: string
  partition: number
  config: TopicConfig
  logStartOffset: number
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
  log_start_offset: number
}

export class PartitionStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  readMeta(): PartitionMeta | undefined {
    const row = this.#sql.exec<MetaRow>('SELECT tenant, topic, topic_id, partition, config, log_start_offset FROM partition_meta').toArray()[0]
    if (!row) return undefined
    return {
      tenant: row.tenant,
      topic: row.topic,
      topicId: row.topic_id,
      partition: row.partition,
      config: JSON.parse(row.config) as TopicConfig,
      logStartOffset: row.log_start_offset,
    }
  }

  writeMeta(meta: PartitionMeta, now: number): void {
    this.#sql.exec(
      `INSERT INTO partition_meta (id, tenant, topic, topic_id, partition, config, log_start_offset, created_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET config = excluded.config`,
      meta.tenant,
      meta.topic,
      meta.topicId,
      meta.partition,
      JSON.stringify(meta.config),
      meta.logStartOffset,
      now,
    )
  }

  writeConfig(config: TopicConfig): void {
    this.#sql.exec('UPDATE partition_meta SET config = ? WHERE id = 1', JSON.stringify(config))
  }

  writeLogStartOffset(offset: number): void {
    this.#sql.exec('UPDATE partition_meta SET log_start_offset = ? WHERE id = 1', offset)
  }

  /** One past the last stored offset, or undefined for an empty log. */
  lastStoredOffset(): number | undefined {
    const row = this.#sql.exec<{ last: number | null }>('SELECT MAX(last_offset) AS last FROM batches').toArray()[0]
    return row?.last ?? undefined
  }

  totalBytes(): number {
    return this.#sql.exec<{ total: number | null }>('SELECT SUM(byte_size) AS total FROM batches').one().total ?? 0
  }

  insertBatch(batch: StoredBatch, expiresAt: number | null): void {
    this.#sql.exec(
      'INSERT INTO batches (base_offset, last_offset, max_timestamp, byte_size, expires_at, payload) VALUES (?, ?, ?, ?, ?, ?)',
      batch.base_offset,
      batch.last_offset,
      batch.max_timestamp,
      batch.byte_size,
      expiresAt,
      batch.payload,
    )
  }

  /** The base offset of the batch holding `offset`, or of the first batch after it. */
  startingBatch(offset: number): number {
    const row = this.#sql
      .exec<{ base_offset: number }>('SELECT base_offset FROM batches WHERE base_offset <= ? ORDER BY base_offset DESC LIMIT 1', offset)
      .toArray()[0]
    return row?.base_offset ?? offset
  }

  /** Batches from `baseOffset` on, in offset order, read lazily: stop iterating when you have enough. */
  batchesFrom(baseOffset: number): Iterable<StoredBatch> {
    return this.#sql.exec<StoredBatch>(
      'SELECT base_offset, last_offset, max_timestamp, byte_size, payload FROM batches WHERE base_offset >= ? ORDER BY base_offset',
      baseOffset,
    )
  }

  batchHeaders(): Iterable<BatchHeader> {
    return this.#sql.exec<BatchHeader>('SELECT base_offset, last_offset, max_timestamp, byte_size FROM batches ORDER BY base_offset')
  }

  /** Kafka's time index lookup: the first batch whose largest timestamp reaches `timestamp`. */
  firstBatchReaching(timestamp: number): StoredBatch | undefined {
    return this.#sql
      .exec<StoredBatch>(
        'SELECT base_offset, last_offset, max_timestamp, byte_size, payload FROM batches WHERE max_timestamp >= ? ORDER BY base_offset LIMIT 1',
        timestamp,
      )
      .toArray()[0]
  }

  firstBatchHeader(): BatchHeader | undefined {
    return this.#sql
      .exec<BatchHeader>('SELECT base_offset, last_offset, max_timestamp, byte_size FROM batches ORDER BY base_offset LIMIT 1')
      .toArray()[0]
  }

  deleteBatchesBefore(offset: number): void {
    this.#sql.exec('DELETE FROM batches WHERE base_offset < ?', offset)
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

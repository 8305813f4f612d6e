/**
 * Typed SQL for a partition's log (TopicPartitionDO; the table is created by partition-store.ts's
 * migrations). The log is stored as record batches, one row each (base offset, last offset, max
 * timestamp, size, JSON payload), as Kafka's log segments store batches: one row written per produce
 * call instead of one per record. `batches.base_offset` is the rowid, so range reads are seeks and a
 * write touches no secondary index.
 */
import type { StoredBatchBytes } from '../core/fetch-page.js'
import type { BatchHeader, StoredBatch } from '../core/log.js'

const BATCH_COLUMNS = 'base_offset, last_offset, max_timestamp, byte_size, expires_at, payload, positions'

export class BatchStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  /** One past the last stored offset, or undefined for an empty log. */
  lastStoredOffset(): number | undefined {
    const row = this.#sql.exec<{ last: number | null }>('SELECT MAX(last_offset) AS last FROM batches').toArray()[0]
    return row?.last ?? undefined
  }

  totalBytes(): number {
    return this.#sql.exec<{ total: number | null }>('SELECT SUM(byte_size) AS total FROM batches').one().total ?? 0
  }

  insertBatch(batch: StoredBatch): void {
    this.#sql.exec(
      'INSERT INTO batches (base_offset, last_offset, max_timestamp, byte_size, expires_at, payload, positions) VALUES (?, ?, ?, ?, ?, ?, ?)',
      batch.base_offset,
      batch.last_offset,
      batch.max_timestamp,
      batch.byte_size,
      batch.expires_at ?? null,
      batch.payload,
      batch.positions ?? null,
    )
  }

  /** Replaces a batch after compaction or TTL purge; its record positions no longer hold. */
  rewriteBatch(batch: StoredBatch): void {
    this.#sql.exec(
      'UPDATE batches SET last_offset = ?, max_timestamp = ?, byte_size = ?, expires_at = ?, payload = ?, positions = NULL WHERE base_offset = ?',
      batch.last_offset,
      batch.max_timestamp,
      batch.byte_size,
      batch.expires_at ?? null,
      batch.payload,
      batch.base_offset,
    )
  }

  deleteBatch(baseOffset: number): void {
    this.#sql.exec('DELETE FROM batches WHERE base_offset = ?', baseOffset)
  }

  /** The earliest record expiry in the log, if any record has a TTL. */
  earliestExpiry(): number | undefined {
    return this.#sql.exec<{ e: number | null }>('SELECT MIN(expires_at) AS e FROM batches').one().e ?? undefined
  }

  batchesExpiringBy(now: number): StoredBatch[] {
    return this.#sql.exec<StoredBatch>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE expires_at <= ? ORDER BY base_offset`, now).toArray()
  }

  batchBaseOffsets(): number[] {
    return this.#sql
      .exec<{ base_offset: number }>('SELECT base_offset FROM batches ORDER BY base_offset')
      .toArray()
      .map((row) => row.base_offset)
  }

  batchAt(baseOffset: number): StoredBatch | undefined {
    return this.#sql.exec<StoredBatch>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE base_offset = ?`, baseOffset).toArray()[0]
  }

  allBatches(): Iterable<StoredBatch> {
    return this.#sql.exec<StoredBatch>(`SELECT ${BATCH_COLUMNS} FROM batches ORDER BY base_offset`)
  }

  /**
   * About how many records are stored at or after `offset`: exact for batches whose offsets run without
   * gaps, an upper bound for those compaction or a TTL purge rewrote. Offsets whose batches were deleted
   * whole (TTL, compaction) are not counted.
   */
  recordsFrom(offset: number): number {
    return this.#sql
      .exec<{ n: number }>(
        'SELECT COALESCE(SUM(last_offset - MAX(base_offset, ?1) + 1), 0) AS n FROM batches WHERE base_offset >= ?2 AND last_offset >= ?1',
        offset,
        this.startingBatch(offset),
      )
      .one().n
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
    return this.#sql.exec<StoredBatch>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE base_offset >= ? ORDER BY base_offset`, baseOffset)
  }

  /** The same batches with their payloads as the UTF-8 bytes SQLite stores, not decoded into strings. */
  *batchBytesFrom(baseOffset: number): Iterable<StoredBatchBytes> {
    const rows = this.#sql.exec<BatchHeader & { expires_at: number | null; positions: string | null; payload: ArrayBuffer }>(
      'SELECT base_offset, last_offset, max_timestamp, byte_size, expires_at, positions, CAST(payload AS BLOB) AS payload FROM batches WHERE base_offset >= ? ORDER BY base_offset',
      baseOffset,
    )
    for (const row of rows) yield { ...row, payload: new Uint8Array(row.payload) }
  }

  batchHeaders(): Iterable<BatchHeader> {
    return this.#sql.exec<BatchHeader>('SELECT base_offset, last_offset, max_timestamp, byte_size FROM batches ORDER BY base_offset')
  }

  /** Kafka's time index lookup: the first batch whose largest timestamp reaches `timestamp`. */
  firstBatchReaching(timestamp: number): StoredBatch | undefined {
    return this.#sql
      .exec<StoredBatch>(`SELECT ${BATCH_COLUMNS} FROM batches WHERE max_timestamp >= ? ORDER BY base_offset LIMIT 1`, timestamp)
      .toArray()[0]
  }

  firstBatchHeader(): BatchHeader | undefined {
    return this.#sql
      .exec<BatchHeader>('SELECT base_offset, last_offset, max_timestamp, byte_size FROM batches ORDER BY base_offset LIMIT 1')
      .toArray()[0]
  }

  /** Deletes the batches wholly below `offset`; a batch straddling it stays (reads start at the log start). */
  deleteBatchesBefore(offset: number): void {
    this.#sql.exec('DELETE FROM batches WHERE last_offset < ?', offset)
  }
}

/**
 * Cost accounting: SQLite rows written and Durable Object requests per million records, priced at
 * Cloudflare's list prices. Kafdo exposes no rows-written counter, so its figures are *derived* from
 * the design (src/durable-objects/topic-partition.ts `append`): each produce RPC to a partition writes
 * the record-batch rows its records pack into (src/core/log.ts `packBatches`, rows of at most
 * MAX_STORED_BATCH_BYTES of record bodies) plus one `producers` row upsert when the request carries a
 * producerId. After the run, the batch rows actually stored are counted in the partition objects' SQLite
 * files as a check on the derivation.
 */
import fs from 'node:fs'
import path from 'node:path'

export const PRICE_PER_MILLION_ROWS_WRITTEN = 1.0
export const PRICE_PER_MILLION_DO_REQUESTS = 0.15
/** src/protocol/limits.ts MAX_STORED_BATCH_BYTES. */
const MAX_STORED_BATCH_BYTES = 1_000_000

/** How many stored rows `packBatches` makes from records of these body lengths. */
export function packedRows(lengths) {
  let rows = 0
  let bytes = 0
  let open = false
  for (const length of lengths) {
    if (open && bytes + length > MAX_STORED_BATCH_BYTES) {
      rows++
      bytes = 0
    }
    bytes += length
    open = true
  }
  return rows + (open ? 1 : 0)
}

/**
 * Cost per million records of a produce scenario, from its counted partition RPCs and derived batch
 * rows, for plain producers and idempotent ones (one more row per RPC).
 */
export function costPerMillion({ records, partitionRpcs, batchRows }) {
  const perMillion = (n) => (n / records) * 1e6
  const doRequests = perMillion(partitionRpcs)
  const plainRows = perMillion(batchRows)
  const idempotentRows = perMillion(batchRows + partitionRpcs)
  const dollars = (rows) => (rows / 1e6) * PRICE_PER_MILLION_ROWS_WRITTEN + (doRequests / 1e6) * PRICE_PER_MILLION_DO_REQUESTS
  return {
    doRequestsPerMillion: doRequests,
    rowsWrittenPerMillion: { plain: plainRows, idempotent: idempotentRows, basis: 'derived' },
    rowsPerRecord: { plain: plainRows / 1e6, idempotent: idempotentRows / 1e6 },
    usdPerMillion: { plain: dollars(plainRows), idempotent: dollars(idempotentRows) },
  }
}

/**
 * Cost per million records fetched: one partition RPC per fetch (limit records each), and no row written
 * per fetch: the partition's activity counters are persisted as one row update at most every 10 s
 * (src/durable-objects/partition-activity.ts ACTIVITY_PERSIST_MS), whatever the rate. The Worker's topic
 * and quota caches add a metadata request per isolate every 5 s, also independent of the records.
 */
export function fetchCostPerMillion({ records, fetches, elapsedMs }) {
  const doRequests = (fetches / records) * 1e6
  const rowsWritten = (Math.ceil(elapsedMs / 10_000) / records) * 1e6
  return {
    basis: 'derived',
    doRequestsPerMillion: doRequests,
    rowsWrittenPerMillion: rowsWritten,
    usdPerMillion: (rowsWritten / 1e6) * PRICE_PER_MILLION_ROWS_WRITTEN + (doRequests / 1e6) * PRICE_PER_MILLION_DO_REQUESTS,
  }
}

/**
 * Counts stored `batches` rows per (topic, partition) whose base offset lies in each scenario's offset
 * range, by opening every TopicPartitionDO SQLite file under a stopped server's persistence directory.
 * `ranges` is a list of `{ scenario, topic, partition, from, to }`; resolves `{ scenario: rows }`, or
 * undefined when node:sqlite is unavailable.
 */
export async function countStoredBatchRows(persistDir, ranges) {
  let DatabaseSync
  try {
    ;({ DatabaseSync } = await import('node:sqlite'))
  } catch {
    return undefined
  }
  const counts = Object.fromEntries(ranges.map((range) => [range.scenario, 0]))
  for (const file of sqliteFiles(persistDir)) {
    const db = new DatabaseSync(file)
    try {
      const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'partition_meta'").get()
      if (!hasMeta) continue
      const meta = db.prepare('SELECT topic, partition FROM partition_meta').get()
      if (!meta) continue
      const count = db.prepare('SELECT COUNT(*) AS n FROM batches WHERE base_offset BETWEEN ? AND ?')
      for (const range of ranges) {
        if (range.topic === meta.topic && range.partition === meta.partition) counts[range.scenario] += Number(count.get(range.from, range.to).n)
      }
    } finally {
      db.close()
    }
  }
  return counts
}

/** Durable Object SQLite files of Kafdo's partition class under a wrangler persistence directory. */
function sqliteFiles(persistDir) {
  const doDir = path.join(persistDir, 'v3', 'do')
  if (!fs.existsSync(doDir)) return []
  return fs
    .readdirSync(doDir)
    .filter((dir) => dir.includes('TopicPartitionDO'))
    .flatMap((dir) =>
      fs
        .readdirSync(path.join(doDir, dir))
        .filter((file) => file.endsWith('.sqlite') && file !== 'metadata.sqlite')
        .map((file) => path.join(doDir, dir, file)),
    )
}

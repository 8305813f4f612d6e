/**
 * Turns raw measurements into what the report shows: each Kafdo figure against its ceiling (the lower of
 * the storage and the HTTP bound for the same records), costs per million records, and the targets.
 */
import { costPerMillion } from './cost.mjs'

export const TARGETS = {
  /** Batched produce (1000 x 1 KB) must reach this share of its ceiling. */
  produceBatch1000Ratio: 0.3,
  /** Sequential fetch must reach this share of its ceiling. */
  fetchRatio: 0.5,
  /** At batch 100, SQLite rows written per record must not exceed this. */
  rowsPerRecordAtBatch100: 0.02,
}

/**
 * The produce ceiling for a batch size: storage is the raw insert rate of the layout Kafdo writes for it
 * (a row per record at batch 1, rows of 100 records otherwise), HTTP the no-op rate for the same bodies.
 */
function produceCeiling(ceilings, batchSize) {
  const storage = ceilings.sqlite[batchSize === 1 ? 'rowsOf1' : 'rowsOf100'].insert.recordsPerSec
  const http = ceilings.httpIn[batchSize].recordsPerSec
  return storage < http
    ? { recordsPerSec: storage, boundBy: batchSize === 1 ? 'sqlite insert, row per record' : 'sqlite insert, row per 100' }
    : { recordsPerSec: http, boundBy: 'http in (no-op worker)' }
}

/** The fetch ceiling: raw read of batch rows, or the no-op Worker's ~1 MB responses, whichever is lower. */
function fetchCeiling(ceilings) {
  const storage = ceilings.sqlite.rowsOf100.read.recordsPerSec
  const http = ceilings.httpOut.recordsPerSec
  return storage < http
    ? { recordsPerSec: storage, boundBy: 'sqlite read, row per 100' }
    : { recordsPerSec: http, boundBy: 'http out (no-op worker)' }
}

export function analyse({ ceilings, produce, fetch, storedRows }) {
  const produceRows = produce.map((run) => {
    const ceiling = produceCeiling(ceilings, run.batchSize)
    const cost = costPerMillion(run)
    const stored = storedRows?.[run.label]
    return {
      ...run,
      ceiling,
      ratio: run.recordsPerSec / ceiling.recordsPerSec,
      cost,
      storedBatchRows: stored === undefined ? undefined : { counted: stored, derived: run.derivedRowsIncludingWarmup },
    }
  })
  const fetchResult = { ...fetch, ceiling: fetchCeiling(ceilings) }
  fetchResult.ratio = fetch.recordsPerSec / fetchResult.ceiling.recordsPerSec

  const p1 = (batchSize) => produceRows.find((run) => run.partitions === 1 && run.batchSize === batchSize)
  const batched = p1(1000)
  const batch100 = p1(100)
  const rowsAt100 = Math.max(batch100.cost.rowsPerRecord.plain, batch100.cost.rowsPerRecord.idempotent)
  const targets = [
    {
      name: 'batched produce (1000 x 1 KB, 1 partition) vs ceiling',
      value: batched.ratio,
      target: `>= ${pct(TARGETS.produceBatch1000Ratio)}`,
      shown: pct(batched.ratio),
      pass: batched.ratio >= TARGETS.produceBatch1000Ratio,
    },
    {
      name: 'sequential fetch (limit=1000) vs ceiling',
      value: fetchResult.ratio,
      target: `>= ${pct(TARGETS.fetchRatio)}`,
      shown: pct(fetchResult.ratio),
      pass: fetchResult.ratio >= TARGETS.fetchRatio,
    },
    {
      name: 'rows written per record at batch 100 (1 partition, idempotent worst case, derived)',
      value: rowsAt100,
      target: `<= ${TARGETS.rowsPerRecordAtBatch100}`,
      shown: rowsAt100.toFixed(4),
      pass: rowsAt100 <= TARGETS.rowsPerRecordAtBatch100 + 1e-12,
    },
  ]
  return { produce: produceRows, fetch: fetchResult, targets }
}

export function pct(ratio) {
  return `${(ratio * 100).toFixed(1)}%`
}

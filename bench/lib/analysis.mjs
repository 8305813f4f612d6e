/**
 * Turns raw measurements into what the report shows: each Kafdo figure against its ceiling (the lower of
 * the storage and the HTTP bound for the same records), costs per million records, and the targets.
 */
import { costPerMillion, fetchCostPerMillion } from './cost.mjs'

/** Issue 14's targets, each against a ceiling measured in the same run where it has one. */
export const TARGETS = {
  /** Batched produce (1000 x 1 KB) must reach this share of its ceiling. */
  produceBatch1000Ratio: 0.6,
  /** Sequential fetch (1 KB records, limit 1000) must reach this share of the lower of SQLite read and HTTP out. */
  fetchRatio: 0.8,
  /** At batch 100, SQLite rows written per record must not exceed this. */
  rowsPerRecordAtBatch100: 0.02,
  /** Produce to long-poll delivery at 1,000 records/s: p99 under this, locally (an aim). */
  endToEndP99Ms: 20,
  /** Scaling: no partition count may fall below this share of the best rate of a smaller count (no collapse). */
  scalingNoCollapseRatio: 0.75,
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

/**
 * The fetch ceiling: raw read of batch rows, or the no-op Worker's ~1 MB responses, whichever is lower;
 * HTTP out as measured interleaved with the fetches when it was (see run.mjs fetchWithCeiling).
 */
function fetchCeiling(ceilings, fetch) {
  const storage = ceilings.sqlite.rowsOf100.read.recordsPerSec
  const http = fetch.paired?.recordsPerSec ?? ceilings.httpOut.recordsPerSec
  return storage < http
    ? { recordsPerSec: storage, boundBy: 'sqlite read, row per 100' }
    : { recordsPerSec: http, boundBy: fetch.paired ? 'http out (no-op worker), interleaved with the fetches' : 'http out (no-op worker)' }
}

export function analyse({ ceilings, produce, fetch, storedRows, flow }) {
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
  const fetchResult = { ...fetch, ceiling: fetchCeiling(ceilings, fetch), cost: fetchCostPerMillion(fetch) }
  fetchResult.ratio = fetch.recordsPerSec / fetchResult.ceiling.recordsPerSec
  if (fetch.hop) fetchResult.floor = oneHop(fetch.hop.recordsPerSec, fetchResult)

  const p1 = (batchSize) => produceRows.find((run) => run.partitions === 1 && run.batchSize === batchSize)
  const batched = p1(1000)
  if (ceilings.hopProduce) batched.floor = oneHop(ceilings.hopProduce.recordsPerSec, batched)
  const batch100 = p1(100)
  const rowsAt100 = Math.max(batch100.cost.rowsPerRecord.plain, batch100.cost.rowsPerRecord.idempotent)
  const targets = [
    {
      name: `batched produce (1000 x 1 KB, 1 partition) vs ceiling${floorNote(batched)}`,
      value: batched.ratio,
      target: `>= ${pct(TARGETS.produceBatch1000Ratio)}`,
      shown: pct(batched.ratio),
      pass: batched.ratio >= TARGETS.produceBatch1000Ratio,
    },
    {
      name: `sequential fetch (limit=1000) vs ceiling${floorNote(fetchResult)}`,
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
    ...flowTargets(flow),
  ]
  return { produce: produceRows, fetch: fetchResult, targets }
}

/**
 * The one-hop floor (bench/ceiling-worker `/hop/*`): the same work through one RPC to a Durable Object
 * doing nothing else, as a share of the ceiling (what no design with an object per partition can beat
 * locally) and Kafdo's rate as a share of it.
 */
function oneHop(recordsPerSec, run) {
  return { recordsPerSec, ofCeiling: recordsPerSec / run.ceiling.recordsPerSec, kafdoShare: run.recordsPerSec / recordsPerSec }
}

function floorNote(run) {
  return run.floor ? ` (the one-hop floor reaches ${pct(run.floor.ofCeiling)}; Kafdo is ${pct(run.floor.kafdoShare)} of it)` : ''
}

/** End-to-end latency, scaling and memory, when that section ran. */
export function flowTargets(flow) {
  if (!flow) return []
  const targets = []
  for (const [label, run] of [
    ['produce -> long-poll fetch', flow.latency.fetch],
    ['produce -> long-poll queue receive', flow.latency.queue],
  ]) {
    targets.push({
      name: `end-to-end latency p99, ${label} at ${run.ratePerSec} records/s (p50 ${run.p50Ms.toFixed(1)} ms; an aim)`,
      value: run.p99Ms,
      target: `< ${TARGETS.endToEndP99Ms} ms`,
      shown: `${run.p99Ms.toFixed(1)} ms`,
      pass: run.p99Ms < TARGETS.endToEndP99Ms,
    })
  }
  const runs = flow.scaling.runs
  let best = 0
  let worst = Infinity
  for (const run of runs) {
    if (best > 0) worst = Math.min(worst, run.recordsPerSec / best)
    best = Math.max(best, run.recordsPerSec)
  }
  targets.push({
    name: `scaling ${runs.map((r) => r.partitions).join('/')} partitions, ${flow.scaling.producers} producers: lowest rate vs the best of fewer partitions`,
    value: worst,
    target: `>= ${pct(TARGETS.scalingNoCollapseRatio)} (no collapse)`,
    shown: Number.isFinite(worst) ? pct(worst) : 'n/a',
    pass: !(worst < TARGETS.scalingNoCollapseRatio),
  })
  const m = flow.memory
  targets.push({
    name: `memory over a ${m.durationMs / 1000} s produce+fetch soak: heap peak ${mb(m.heapUsedPeak)} (second half ${mb(m.heapUsedPeakSecondHalf)} vs first ${mb(m.heapUsedPeakFirstHalf)})`,
    value: m.heapUsedPeakSecondHalf / m.heapUsedPeakFirstHalf,
    target: `bounded (second half <= ${m.boundFactor}x first)`,
    shown: m.bounded ? 'bounded' : 'GROWING',
    pass: m.bounded,
  })
  return targets
}

export function mb(bytes) {
  return bytes === undefined ? 'n/a' : `${(bytes / 1e6).toFixed(1)} MB`
}

export function pct(ratio) {
  return `${(ratio * 100).toFixed(1)}%`
}

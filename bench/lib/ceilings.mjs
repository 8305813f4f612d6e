/**
 * Ceilings, measured against the bench ceiling Worker (bench/ceiling-worker) in the same run and with the
 * same client as Kafdo:
 *   - HTTP in: the same produce-batch bodies POSTed to a no-op Worker that reads them fully;
 *   - HTTP out: a pre-built Kafdo-shaped fetch body of `fetchLimit` records, GET sequentially;
 *   - SQLite insert: the same records straight into one Durable Object's SQLite, one row per record and
 *     one row per 100-record batch (timed by the client, so each call includes the commit's durability
 *     wait that the output gate adds before the answer leaves the object);
 *   - SQLite read: the rows read back from offset 0, `fetchLimit` records per query;
 *   - one hop, produce: the same bodies POSTed to a Worker that passes each over one RPC to a Durable
 *     Object which parses it and inserts its records in rows of 100 (no validation, no checks): what a
 *     design that parses its input and stores it in the partition's object cannot go faster than.
 */
import { request, requestJson } from './http.mjs'
import { rates, runLoad } from './load.mjs'
import { produceBodies } from './records.mjs'

/**
 * SQLite: an untimed warm-up call, then timed calls of this many records each by layout (one transaction
 * per 1000 records, as one 1000-record produce request; the row-per-record layout writes fewer so the
 * disk churn it leaves behind stays small); the rate is the median call's, because background disk
 * writeback makes single calls noisy.
 */
const SQLITE_WARMUP_RECORDS = 10_000
const SQLITE_RECORDS_PER_CALL = { 1: 15_000, 100: 30_000 }
const SQLITE_INSERT_CALLS = 5
const SQLITE_READ_CALLS = 3
const SQLITE_TX_RECORDS = 1000

/** POSTs `batchSize`-record produce bodies to the no-op Worker under the same bounds as Kafdo's produce. */
export function httpInCeiling(base, options) {
  return postBodies(base, '/noop', options)
}

/** The same bodies to the one-hop floor (parsed and inserted in a Durable Object, nothing checked). */
export function hopProduceFloor(base, options) {
  return postBodies(base, '/hop/produce', options)
}

async function postBodies(base, path, { batchSize, concurrency, maxRecords, maxMs }) {
  const bodies = produceBodies(batchSize, Math.max(4, Math.ceil(2048 / batchSize)))
  const send = async (i) => {
    const body = bodies[i % bodies.length].bytes
    await request(base, 'POST', path, body)
    return { records: batchSize, bytes: body.length }
  }
  for (let i = 0; i < 3; i++) await send(i)
  return { batchSize, concurrency, ...(await runLoad({ concurrency, maxRequests: Math.ceil(maxRecords / batchSize), maxMs, send })) }
}

/** Sequential GETs of a pre-built ~1 MB fetch-shaped body, as the Kafdo fetch scenario reads. */
export async function httpOutCeiling(base, { fetchLimit, maxRequests, maxMs }) {
  const send = async () => {
    const res = await request(base, 'GET', `/response?records=${fetchLimit}`)
    return { records: fetchLimit, bytes: res.body.length }
  }
  for (let i = 0; i < 3; i++) await send()
  return { fetchLimit, ...(await runLoad({ concurrency: 1, maxRequests, maxMs, send })) }
}

/**
 * Times `call` `times` times from the client; resolves the median call's result with its rates, the
 * object's own in-call time (`inObjectMs`, which excludes the commit's durability wait) and all rates.
 */
async function medianCall(times, call) {
  const calls = []
  for (let i = 0; i < times; i++) {
    const started = performance.now()
    const result = await call()
    const elapsedMs = performance.now() - started
    calls.push({ ...result, inObjectMs: result.elapsedMs, elapsedMs, ...rates(result.records, result.bytes, elapsedMs) })
  }
  const sorted = [...calls].sort((a, b) => a.recordsPerSec - b.recordsPerSec)
  return { ...sorted[Math.floor(sorted.length / 2)], calls: calls.length, callRates: calls.map((c) => Math.round(c.recordsPerSec)) }
}

/** Inserts then reads back records in one Durable Object, `rowRecords` records per row. */
export async function sqliteCeiling(base, { rowRecords, fetchLimit }) {
  const insertPath = (records) => `/sqlite/insert?rowRecords=${rowRecords}&records=${records}&txRecords=${SQLITE_TX_RECORDS}`
  await requestJson(base, 'POST', insertPath(SQLITE_WARMUP_RECORDS))
  const insert = await medianCall(SQLITE_INSERT_CALLS, () => requestJson(base, 'POST', insertPath(SQLITE_RECORDS_PER_CALL[rowRecords])))
  const read = await medianCall(SQLITE_READ_CALLS, () =>
    requestJson(base, 'POST', `/sqlite/read?rowRecords=${rowRecords}&fetchRecords=${fetchLimit}`),
  )
  return {
    rowRecords,
    txRecords: SQLITE_TX_RECORDS,
    insert: { ...insert, rowsWrittenPerRecord: insert.rowsWritten / insert.records },
    read,
  }
}

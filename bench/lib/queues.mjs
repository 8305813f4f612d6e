/**
 * Queue scenarios over Kafdo's HTTP API (src/http/queues.ts):
 *
 * - receive+ack: consumers each loop `POST /queues/:name/receive {consumerId, max}` then
 *   `POST /queues/:name/ack {consumerId, leaseIds}` until the queue is drained or the deadline passes;
 * - dead letters by nack: with retry `{strategy: 'fixed', delayMs: 0, maxAttempts: 1}` every nack
 *   dead-letters its record into `<name>-dlq` (routed within the request, in batches with whatever else
 *   died meanwhile; src/durable-objects/dead-letters.ts);
 * - dead letters by lease expiry: consumers lease the whole queue and settle nothing; when the leases run
 *   out, every record dies at once and the partitions' alarms route them in batches. Records routed per
 *   second, from the earliest lease deadline until `GET /queues/:name` counts them all in the DLQ.
 *
 * Rows written are *derived* from the design (bench/README.md gives the formulas), since Kafdo exposes no
 * rows-written counter; test/durable-objects/queue-cost.test.ts counts the rows a partition really writes
 * (SQLite's own `rowsWritten`) for the same shapes and checks them against these formulas. DO requests
 * are the partition RPCs the service fans each request out to (src/services/queue-receive.ts, queues.ts).
 */
import { PRICE_PER_MILLION_DO_REQUESTS, PRICE_PER_MILLION_ROWS_WRITTEN } from './cost.mjs'
import { cpuSince } from './cpu.mjs'
import { request, requestJson } from './http.mjs'
import { percentiles, rates } from './load.mjs'
import { makeRecord } from './records.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Records per dead-letter batch (src/durable-objects/dead-letters.ts DLQ_BATCH_RECORDS). */
const DLQ_BATCH_RECORDS = 1000
/** Records per stored log batch row at ~1 KB each (MAX_STORED_BATCH_BYTES / record size, as the DLQ stores them). */
const DLQ_RECORDS_PER_ROW = 700

export async function createQueue(base, queue) {
  return requestJson(base, 'POST', '/queues', queue)
}

/** Produces `count` keyed ~1 KB records to the queue in `POST /queues/:name/messages {messages}` batches. */
export async function fillQueue(base, name, count, { batch = 1000, concurrency = 4 } = {}) {
  let next = 0
  const loop = async () => {
    while (next < count) {
      const first = next
      const size = Math.min(batch, count - first)
      next += size
      const messages = Array.from({ length: size }, (_, n) => makeRecord(first + n))
      await request(base, 'POST', `/queues/${name}/messages`, Buffer.from(JSON.stringify({ messages })))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
}

export function getQueue(base, name) {
  return requestJson(base, 'GET', `/queues/${name}`)
}

/** Partition RPCs of one receive: one per partition with a share, plus a top-up for each that gave more than its share. */
function receiveRpcs(partitions, max, messages) {
  const share = Math.ceil(max / partitions)
  const perPartition = new Map()
  for (const m of messages) perPartition.set(m.partition, (perPartition.get(m.partition) ?? 0) + 1)
  return Math.min(partitions, max) + [...perPartition.values()].filter((n) => n > share).length
}

/** Partitions that leased something in one receive's answer: each leased its records as one range. */
const leasingPartitions = (messages) => new Set(messages.map((m) => m.partition)).size

function pricing(rowsWritten, doRequests, records) {
  const perMillion = (n) => (n / records) * 1e6
  return {
    rowsWrittenPerRecord: rowsWritten / records,
    doRequestsPerRecord: doRequests / records,
    rowsWrittenPerMillion: perMillion(rowsWritten),
    doRequestsPerMillion: perMillion(doRequests),
    usdPerMillion: (perMillion(rowsWritten) / 1e6) * PRICE_PER_MILLION_ROWS_WRITTEN + (perMillion(doRequests) / 1e6) * PRICE_PER_MILLION_DO_REQUESTS,
  }
}

/**
 * `consumers` loops of receive(max) + ack over a queue of `partitions` partitions holding `records`
 * records, until it is drained or `maxMs` has passed. Resolves throughput, per-call latency, the derived
 * rows written and DO requests per record, and the queue's stats afterwards.
 */
export async function receiveAckScenario(base, { name, partitions, records, consumers, max, maxMs, cpu }) {
  const cpuBefore = cpu?.()
  const started = performance.now()
  const deadline = started + maxMs
  const totals = { receives: 0, emptyReceives: 0, acks: 0, received: 0, acked: 0, bytes: 0, receiveRpcs: 0, ackRpcs: 0, leasedRanges: 0 }
  const receiveMs = []
  const ackMs = []
  const loop = async (consumerId) => {
    while (performance.now() < deadline) {
      let sent = performance.now()
      const res = await request(base, 'POST', `/queues/${name}/receive`, Buffer.from(JSON.stringify({ consumerId, max })))
      receiveMs.push(performance.now() - sent)
      const { messages } = JSON.parse(res.body.toString('utf8'))
      totals.receives++
      totals.bytes += res.body.length
      totals.receiveRpcs += receiveRpcs(partitions, max, messages)
      if (messages.length === 0) {
        totals.emptyReceives++
        break
      }
      totals.received += messages.length
      totals.leasedRanges += leasingPartitions(messages)
      sent = performance.now()
      const ack = await requestJson(base, 'POST', `/queues/${name}/ack`, { consumerId, leaseIds: messages.map((m) => m.leaseId) })
      ackMs.push(performance.now() - sent)
      totals.acks++
      totals.acked += ack.acked
      totals.ackRpcs += new Set(messages.map((m) => m.partition)).size
    }
  }
  await Promise.all(Array.from({ length: consumers }, (_, i) => loop(`bench-consumer-${i}`)))
  const elapsedMs = performance.now() - started
  const used = cpuBefore && cpuSince(cpuBefore, cpu())
  const { stats } = await getQueue(base, name)
  // Each partition that leased records in a receive wrote one range row and moved the group's cursor
  // (one row); the ack of all of them deleted the range row.
  const rows = { rangesInserted: totals.leasedRanges, cursorUpdates: totals.leasedRanges, rangesDeleted: totals.leasedRanges }
  const rowsWritten = rows.rangesInserted + rows.cursorUpdates + rows.rangesDeleted
  return {
    name,
    partitions,
    records,
    consumers,
    max,
    maxMs,
    ...totals,
    drained: totals.acked === records,
    elapsedMs,
    ...rates(totals.acked, totals.bytes, elapsedMs),
    receiveLatency: percentiles(receiveMs),
    ackLatency: percentiles(ackMs),
    stats,
    check: { ackedAll: totals.acked === totals.received, inFlight: stats.inFlight, depth: stats.depth, expectedDepth: records - totals.acked },
    // CPU time per message acked: it does not inflate when other work shares the machine, as wall time does.
    ...(used ? { cpuUsPerMessage: { runtime: (used.runtime / totals.acked) * 1e6, proxy: (used.proxy / totals.acked) * 1e6 } } : {}),
    cost: { basis: 'derived', rows, ...pricing(rowsWritten, totals.receiveRpcs + totals.ackRpcs, totals.acked) },
  }
}

/** Polls the queue's stats until `deadLettered` reaches `count` (or `maxMs` passes); resolves the stats and when. */
async function awaitDeadLettered(base, name, count, maxMs, pollMs) {
  const until = performance.now() + maxMs
  for (;;) {
    const { stats } = await getQueue(base, name)
    const at = performance.now()
    if (stats.deadLettered >= count || at >= until) return { stats, at }
    await sleep(pollMs)
  }
}

/**
 * Rows dead letters cost (derived; counted in test/durable-objects/queue-cost.test.ts): at the source
 * partition, the range rows a death writes (`rangeRows`), 1 per death transaction for its dead-letter
 * sequence, 1 remembered expired lease per range that died by expiry, 3 per alarm run (its timer row
 * deleted and set again), 2 per batch (its bound stored; its count and the bound cleared) and 1 per dead
 * range deleted once written; at the DLQ partition, the batch's stored rows (1 per ~700 records of
 * ~1 KB) and its producer's dedup state (1 per batch).
 */
function deadLetterRows({ records, rangeRows, deadRanges, sequences, expiredRanges, alarms, batches }) {
  const source = rangeRows + sequences + expiredRanges + alarms * 3 + batches * 2 + deadRanges
  const dlq = Math.max(batches, Math.ceil(records / DLQ_RECORDS_PER_ROW)) + batches
  return { source, dlq, total: source + dlq }
}

/**
 * `consumers` loops that receive up to `max` records and nack each (`nackConcurrency` at a time) on a queue
 * whose records dead-letter on their first failure, until `records` have been nacked or `maxMs` has
 * passed. Resolves records dead-lettered per second and whether `stats.deadLettered` matches the count.
 */
export async function dlqScenario(base, { name, partitions, records, consumers, max, nackConcurrency, maxMs }) {
  const started = performance.now()
  const deadline = started + maxMs
  let deadLettered = 0
  let otherStates = 0
  let receiveRpcCount = 0
  const nackMs = []
  const loop = async (consumerId) => {
    while (performance.now() < deadline) {
      const { messages } = await requestJson(base, 'POST', `/queues/${name}/receive`, { consumerId, max })
      receiveRpcCount += receiveRpcs(partitions, max, messages)
      if (messages.length === 0) break
      let next = 0
      const lane = async () => {
        while (next < messages.length && performance.now() < deadline) {
          const { leaseId } = messages[next++]
          const sent = performance.now()
          const answer = await requestJson(base, 'POST', `/queues/${name}/nack`, { consumerId, leaseId })
          nackMs.push(performance.now() - sent)
          if (answer.state === 'dead') deadLettered++
          else otherStates++
        }
      }
      await Promise.all(Array.from({ length: nackConcurrency }, lane))
    }
  }
  await Promise.all(Array.from({ length: consumers }, (_, i) => loop(`bench-dlq-consumer-${i}`)))
  const elapsedMs = performance.now() - started
  // Routing happens inside the nack; a failed routing would be retried by the partition's alarm.
  const { stats } = await awaitDeadLettered(base, name, deadLettered, 5_000, 100)
  // A nack dies alone: its record becomes a dead range of its own, splitting its lease's range (up to 3
  // rows), under a sequence of its own. At worst every nack is a batch of its own: the figure given.
  const n = deadLettered
  const rows = deadLetterRows({ records: n, rangeRows: n * 3, deadRanges: n, sequences: n, expiredRanges: 0, alarms: 0, batches: n })
  return {
    name,
    records,
    consumers,
    max,
    nackConcurrency,
    maxMs,
    deadLettered,
    otherStates,
    elapsedMs,
    recordsPerSec: deadLettered / (elapsedMs / 1000),
    nackLatency: percentiles(nackMs),
    stats,
    verified: stats.deadLettered === deadLettered && otherStates === 0,
    cost: { basis: 'derived, at most', rows, ...pricing(rows.total, receiveRpcCount + deadLettered * 2, Math.max(1, deadLettered)) },
  }
}

/**
 * Dead letters in bulk: `consumers` loops lease the whole queue (`max` at a time, the shortest visibility
 * timeout) and settle nothing, so every record dies when its lease runs out (maxAttempts 1). Timed from
 * the earliest lease deadline until the DLQ holds them all; also from the latest deadline, the bound on
 * how long the last record waited.
 */
export async function dlqExpiryScenario(base, { name, partitions, records, consumers, max, visibilityTimeoutMs, maxMs }) {
  let leased = 0
  let leasedRanges = 0
  let receiveRpcCount = 0
  let firstDeadline = Number.POSITIVE_INFINITY
  let lastDeadline = 0
  const loop = async (consumerId) => {
    for (;;) {
      const sent = performance.now()
      const { messages } = await requestJson(base, 'POST', `/queues/${name}/receive`, { consumerId, max, visibilityTimeoutMs })
      receiveRpcCount += receiveRpcs(partitions, max, messages)
      if (messages.length === 0) return
      leased += messages.length
      leasedRanges += leasingPartitions(messages)
      firstDeadline = Math.min(firstDeadline, sent + visibilityTimeoutMs)
      lastDeadline = Math.max(lastDeadline, performance.now() + visibilityTimeoutMs)
    }
  }
  await Promise.all(Array.from({ length: consumers }, (_, i) => loop(`bench-expiry-consumer-${i}`)))
  const { stats, at } = await awaitDeadLettered(base, name, leased, maxMs, 20)
  const routedMs = at - firstDeadline
  // A partition's dead records go in batches of up to DLQ_BATCH_RECORDS.
  const perPartition = Math.ceil(leased / partitions)
  const batches = partitions * Math.ceil(perPartition / DLQ_BATCH_RECORDS)
  // Each range (a receive's leases on one partition) dies whole; at most one alarm run (and death) each.
  const r = leasedRanges
  const rows = deadLetterRows({ records: leased, rangeRows: r, deadRanges: r, sequences: r, expiredRanges: r, alarms: r, batches })
  return {
    name,
    records,
    consumers,
    max,
    visibilityTimeoutMs,
    leased,
    deadLettered: stats.deadLettered,
    leaseSpreadMs: lastDeadline - firstDeadline,
    routedMs,
    afterLastDeadlineMs: at - lastDeadline,
    recordsPerSec: stats.deadLettered / (routedMs / 1000),
    stats,
    verified: stats.deadLettered === leased && leased === records && stats.depth === 0,
    // DO requests: the receives' partition RPCs, and per batch one DLQ append (plus the alarm that ran it).
    cost: { basis: 'derived', rows, ...pricing(rows.total, receiveRpcCount + batches * 2, Math.max(1, leased)) },
  }
}

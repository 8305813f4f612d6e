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
export async function receiveAckScenario(base, { name, partitions, records, consumers, max, maxMs }) {
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
 * Rows a dead-letter pass writes (derived): the source partition writes 1 row per dead range (its state),
 * 1 per death transaction (the dead-letter sequence), 1 remembered expired lease per range that died by
 * expiry, 1 row per batch to store its bound, then deletes the batch's ranges (1 each) and updates its
 * counters (1); the DLQ partition stores the batch (1 row per ~700 records) and its producer state (1).
 */
function deadLetterRows({ records, ranges, deaths, expiredRanges, batches }) {
  const source = ranges + deaths + expiredRanges + batches * 2 + ranges
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
  // A nack dies alone (its range, up to 2 more rows where it splits the lease's range, a sequence); at
  // worst every nack is a batch of its own, which is the figure given.
  const rows = deadLetterRows({ records: deadLettered, ranges: deadLettered * 3, deaths: deadLettered, expiredRanges: 0, batches: deadLettered })
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
  // Each partition's leases die in one alarm run when they expired together (one death, one sequence),
  // or in a few; its dead records go in batches of up to DLQ_BATCH_RECORDS.
  const perPartition = Math.ceil(leased / partitions)
  const batches = partitions * Math.ceil(perPartition / DLQ_BATCH_RECORDS)
  const rows = deadLetterRows({ records: leased, ranges: leasedRanges, deaths: leasedRanges, expiredRanges: leasedRanges, batches })
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

/**
 * Queue scenarios over Kafdo's HTTP API (src/http/queues.ts):
 *
 * - receive+ack: consumers each loop `POST /queues/:name/receive {consumerId, max}` then
 *   `POST /queues/:name/ack {consumerId, leaseIds}` until the queue is drained or the deadline passes;
 * - DLQ routing: with retry `{strategy: 'fixed', delayMs: 0, maxAttempts: 1}` every nack dead-letters the
 *   record into `<name>-dlq` (src/durable-objects/partition-queue.ts #fail, routed in the same request by
 *   dead-letters.ts); records dead-lettered per second, checked against `GET /queues/:name` stats.
 *
 * Rows written are *derived* from the design, as for produce (see cost.mjs): a receive inserts one
 * `deliveries` row per leased record and upserts the group's `share_groups` cursor once per partition it
 * asks; an ack deletes the record's `deliveries` row. DO requests are the partition RPCs the service
 * fans each request out to (src/services/queues.ts receive/ack).
 */
import { PRICE_PER_MILLION_DO_REQUESTS, PRICE_PER_MILLION_ROWS_WRITTEN } from './cost.mjs'
import { request, requestJson } from './http.mjs'
import { percentiles, rates } from './load.mjs'
import { makeRecord } from './records.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

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

/**
 * `consumers` loops of receive(max) + ack over a queue of `partitions` partitions holding `records`
 * records, until it is drained or `maxMs` has passed. Resolves throughput, per-call latency, the derived
 * rows written and DO requests per record, and the queue's stats afterwards.
 */
export async function receiveAckScenario(base, { name, partitions, records, consumers, max, maxMs }) {
  const started = performance.now()
  const deadline = started + maxMs
  const totals = { receives: 0, emptyReceives: 0, acks: 0, received: 0, acked: 0, bytes: 0, receiveRpcs: 0, ackRpcs: 0 }
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
  const rows = { deliveriesInserted: totals.received, deliveriesDeleted: totals.acked, cursorUpserts: totals.receiveRpcs }
  const rowsWritten = rows.deliveriesInserted + rows.deliveriesDeleted + rows.cursorUpserts
  const doRequests = totals.receiveRpcs + totals.ackRpcs
  const perMillion = (n) => (n / totals.acked) * 1e6
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
    cost: {
      basis: 'derived',
      rows,
      rowsWrittenPerRecord: rowsWritten / totals.acked,
      deliveriesRowsPerRecord: (rows.deliveriesInserted + rows.deliveriesDeleted) / totals.acked,
      doRequestsPerRecord: doRequests / totals.acked,
      rowsWrittenPerMillion: perMillion(rowsWritten),
      doRequestsPerMillion: perMillion(doRequests),
      usdPerMillion:
        (perMillion(rowsWritten) / 1e6) * PRICE_PER_MILLION_ROWS_WRITTEN + (perMillion(doRequests) / 1e6) * PRICE_PER_MILLION_DO_REQUESTS,
    },
  }
}

/**
 * `consumers` loops that receive up to `max` records and nack each (`nackConcurrency` at a time) on a queue
 * whose records dead-letter on their first failure, until `records` have been nacked or `maxMs` has
 * passed. Resolves records dead-lettered per second and whether `stats.deadLettered` matches the count.
 */
export async function dlqScenario(base, { name, records, consumers, max, nackConcurrency, maxMs }) {
  const started = performance.now()
  const deadline = started + maxMs
  let deadLettered = 0
  let otherStates = 0
  const nackMs = []
  const loop = async (consumerId) => {
    while (performance.now() < deadline) {
      const { messages } = await requestJson(base, 'POST', `/queues/${name}/receive`, { consumerId, max })
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
  let stats
  const checkDeadline = performance.now() + 5_000
  do {
    ;({ stats } = await getQueue(base, name))
    if (stats.deadLettered === deadLettered) break
    await sleep(100)
  } while (performance.now() < checkDeadline)
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
  }
}

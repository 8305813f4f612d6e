/**
 * Monitoring scenarios (docs/monitoring.md):
 * - **The cost of counting**: two Kafdo servers run side by side, one with per-request metrics on
 *   (`METRICS` unset, the default) and one with `METRICS=off`, both with request logs off. Produce load
 *   alternates between them in short slices (A, B, A, B, ...) so both see the same machine, and the
 *   records/s of each are summed over their slices. Batch 1 is the worst case (one count per record).
 *   A third server, with request log lines on, takes its turn in the same slices: what the lines cost
 *   locally, where each goes through wrangler's own process.
 * - **A receiver that never answers**: on the metrics-on server, subscriptions of tenant `default` whose
 *   URL accepts connections and never answers, with events queued, keep that tenant's monitor object
 *   waiting on webhook requests; produce to tenant `default` alternates in slices with produce to a
 *   tenant whose monitor is idle.
 * - **Scraping 1,000 partitions**: a topic of 1,000 partitions, one record in each, then `GET /metrics`
 *   timed cold (the first scrape) and again once the scrape cache (5 s) has expired, against
 *   Prometheus's default scrape timeout of 10 s.
 */
import http from 'node:http'
import { request, requestJson } from './http.mjs'
import { runLoad } from './load.mjs'
import { makeRecord, produceBodies } from './records.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Alternating produce slices against the servers of `arms` (`{ label, base, topic, tenant? }`):
 * `rounds` rounds of one `sliceMs` slice per arm, in turn. Resolves records/s per arm.
 */
export async function alternatingProduce(arms, { batchSize, concurrency, rounds, sliceMs }) {
  const bodies = produceBodies(batchSize, Math.max(4, Math.ceil(2048 / batchSize)))
  const totals = new Map(arms.map((arm) => [arm.label, { records: 0, elapsedMs: 0 }]))
  const send = (arm) => async (i) => {
    const body = bodies[i % bodies.length]
    await request(arm.base, 'POST', `/topics/${arm.topic}/produce-batch${arm.tenant ? `?tenant=${arm.tenant}` : ''}`, body.bytes)
    return { records: batchSize, bytes: body.bytes.length }
  }
  // Warm each arm's partition objects and isolate first.
  for (const arm of arms) await runLoad({ concurrency, maxRequests: Infinity, maxMs: 500, send: send(arm) })
  for (let round = 0; round < rounds; round++) {
    // Alternate which arm goes first, so neither always follows the other.
    for (const arm of round % 2 === 0 ? arms : [...arms].reverse()) {
      const run = await runLoad({ concurrency, maxRequests: Infinity, maxMs: sliceMs, send: send(arm) })
      const total = totals.get(arm.label)
      total.records += run.records
      total.elapsedMs += run.elapsedMs
    }
  }
  return Object.fromEntries([...totals].map(([label, t]) => [label, { records: t.records, recordsPerSec: t.records / (t.elapsedMs / 1000) }]))
}

/** A local HTTP server that accepts requests and never answers them (until it is closed). */
export async function hangingReceiver() {
  const held = new Set()
  const server = http.createServer((req, res) => held.add(res))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    held: () => held.size,
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy()
        server.closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}

/** `count` subscriptions to `url`, each with `events` test events queued; resolves their ids. */
export async function queueHangingDeliveries(base, url, { count, events }) {
  const ids = []
  for (let i = 0; i < count; i++) {
    const { id } = await requestJson(base, 'POST', '/admin/webhooks', { url, events: ['record.dead_lettered'] })
    for (let e = 0; e < events; e++) await requestJson(base, 'POST', `/admin/webhooks/${id}/test`)
    ids.push(id)
  }
  return ids
}

export async function deleteWebhooks(base, ids) {
  for (const id of ids) await request(base, 'DELETE', `/admin/webhooks/${id}`)
}

/** Creates a topic of `partitions` partitions with one record in each (so every partition object exists). */
export async function seedPartitions(base, topic, partitions) {
  await requestJson(base, 'POST', '/admin/topics', { topic, partitions })
  const perRequest = 250
  for (let first = 0; first < partitions; first += perRequest) {
    const records = Array.from({ length: Math.min(perRequest, partitions - first) }, (_, n) => ({ ...makeRecord(first + n), partition: first + n }))
    await request(base, 'POST', `/topics/${topic}/produce-batch`, Buffer.from(JSON.stringify({ records })))
  }
}

/** Times `GET /metrics`: the first scrape, then `repeats` more, each after the scrape cache expired. */
export async function scrapeScenario(base, { repeats, cacheMs }) {
  const timed = async () => {
    const started = performance.now()
    const res = await request(base, 'GET', '/metrics')
    const ms = performance.now() - started
    const text = res.body.toString('utf8')
    return { ms, bytes: res.body.length, series: text.split('\n').filter((line) => line && !line.startsWith('#')).length }
  }
  const first = await timed()
  const cached = await timed()
  const again = []
  for (let i = 0; i < repeats; i++) {
    await sleep(cacheMs + 500)
    again.push(await timed())
  }
  return { first, cached, again }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US')
const pct = (x) => `${(x * 100).toFixed(1)}%`
const slower = (x) => (x >= 0 ? `${pct(x)} slower` : `${pct(-x)} faster`)

/** The overhead of `slower` against `faster` as a fraction (negative when it was faster). */
export const overhead = (on, off) => 1 - on / off

export function printMonitoring({ counting, hanging, scrape, config }) {
  console.log('\nMonitoring')
  console.log(
    `  cost of counting: per-request metrics on vs METRICS=off (request logs off in both), ${config.counting.rounds} alternating ${config.counting.sliceMs / 1000} s slices each, ${config.counting.concurrency} in flight`,
  )
  for (const run of counting) {
    const cost = overhead(run.on.recordsPerSec, run.off.recordsPerSec)
    console.log(
      `    batch ${String(run.batchSize).padEnd(4)} on ${fmt(run.on.recordsPerSec)} rec/s, off ${fmt(run.off.recordsPerSec)} rec/s: ${slower(cost)} (target < 5%: ${cost < 0.05 ? 'PASS' : 'FAIL'})`,
    )
  }
  console.log("  request log lines (REQUEST_LOGS on vs off, metrics on in both; locally each line goes through wrangler's process)")
  for (const run of counting) {
    if (!run.logged) continue
    console.log(
      `    batch ${String(run.batchSize).padEnd(4)} on ${fmt(run.logged.recordsPerSec)} rec/s, off ${fmt(run.on.recordsPerSec)} rec/s: ${slower(overhead(run.logged.recordsPerSec, run.on.recordsPerSec))}`,
    )
  }
  console.log(
    `  produce while the monitor waits on a receiver that never answers (${config.hanging.subscriptions} subscriptions, ${config.hanging.subscriptions * config.hanging.events} events queued; batch ${config.hanging.batchSize})`,
  )
  console.log(
    `    tenant with ${hanging.heldRequests} webhook requests held open: ${fmt(hanging.hanging.recordsPerSec)} rec/s; a tenant with an idle monitor: ${fmt(hanging.quiet.recordsPerSec)} rec/s (${slower(overhead(hanging.hanging.recordsPerSec, hanging.quiet.recordsPerSec))})`,
  )
  const again = scrape.again.map((s) => `${fmt(s.ms)} ms`).join(', ')
  console.log(
    `  scrape of ${fmt(config.scrape.partitions)} partitions: first ${fmt(scrape.first.ms)} ms, cached ${fmt(scrape.cached.ms)} ms, after the cache expired ${again}; ${fmt(scrape.first.series)} series, ${(scrape.first.bytes / 1e6).toFixed(2)} MB (Prometheus's default scrape timeout: 10 s)`,
  )
}

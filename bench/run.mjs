/**
 * `npm run bench`: Kafdo's throughput, latency and cost on this machine, each figure next to a ceiling
 * measured in the same run. Offline and loopback-only; never part of `npm test`.
 *
 *   1. Ceilings: start bench/ceiling-worker with `wrangler dev`, measure HTTP in/out through a no-op
 *      Worker and raw Durable Object SQLite insert/read rates, stop it.
 *   2. Kafdo: start it with `npx wrangler dev --port <free> --persist-to <fresh temp dir> --var AUTH_MODE:none`
 *      from a copy of its sources taken when the run starts (edits made meanwhile do not restart it), create a
 *      1-partition and an 8-partition topic, produce at batch sizes 1, 100 and 1000 to each, measure
 *      sequential produce latency, fetch the 1-partition topic from offset 0 to the end, stop it.
 *   3. Count the batch rows Kafdo stored (in its SQLite files) against the derived figures.
 *   4. Consumer groups and queues: start a fresh Kafdo, measure join-to-first-record, commit latency and
 *      throughput, rebalance time (bench/lib/groups.mjs), queue receive+ack throughput and DLQ routing
 *      (bench/lib/queues.mjs), stop it.
 *   5. Print the report and write it as JSON to bench/results/latest.json.
 * Every wrangler/workerd process group started here is killed on the way out, also on failure.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { analyse } from './lib/analysis.mjs'
import { httpInCeiling, httpOutCeiling, sqliteCeiling } from './lib/ceilings.mjs'
import { countStoredBatchRows } from './lib/cost.mjs'
import { closeHttp, requestJson } from './lib/http.mjs'
import { commitScenario, joinToFirstRecordScenario, rebalanceScenario, seedTopic } from './lib/groups.mjs'
import { createTopic, fetchScenario, latencyScenario, produceScenario } from './lib/kafdo.mjs'
import {
  alternatingProduce,
  deleteWebhooks,
  hangingReceiver,
  printMonitoring,
  queueHangingDeliveries,
  scrapeScenario,
  seedPartitions,
} from './lib/monitoring.mjs'
import { metadataScale, printMetadataScale } from './lib/metadata-scale.mjs'
import { createQueue, dlqScenario, fillQueue, receiveAckScenario } from './lib/queues.mjs'
import { RECORD_BYTES } from './lib/records.mjs'
import { printGroupsAndQueues, printReport } from './lib/report.mjs'
import { killAllNow, removeSnapshots, snapshotProject, startWrangler, stopAll } from './lib/server.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** Kafdo servers run from a copy of its sources taken when the run starts (see snapshotProject). */
let KAFDO_SRC = ROOT
const RESULTS_DIR = path.join(ROOT, 'bench', 'results')

/** Load bounds: every scenario stops at a record count or a deadline, whichever comes first. */
const BATCH_SIZES = [1, 100, 1000]
const CONCURRENCY = 8
const PRODUCE_MAX_MS = 8_000
const PRODUCE_MAX_RECORDS = { 1: 40_000, 100: 200_000, 1000: 200_000 }
const CEILING_MAX_MS = 5_000
const FETCH_LIMIT = 1000
const FETCH_MAX_MS = 15_000
const LATENCY_REQUESTS = 1000
const LATENCY_MAX_MS = 8_000
/** Untimed load right after a server starts (per batch size below), so JIT and caches are warm. */
const WARMUP_MS = 1_000
const WARMUP_BATCH_SIZES = [1, 100]

/**
 * Consumer groups and queues: every scenario stops at a count or a deadline, so each section takes about
 * 15 s (rebalance runs start only while their case's `maxMs` has not passed; a run must settle within
 * `settleMaxMs` or the benchmark fails).
 */
const GROUPS = {
  partitions: 8,
  seedRecords: 2000,
  joinToFirstRecord: { groups: 20, maxMs: 4_000, fetchLimit: 100 },
  commit: { latencyRequests: 300, latencyMaxMs: 1_500, concurrency: 4, throughputMaxMs: 2_000 },
  rebalance: { members: 8, repeats: 3, maxMs: 6_000, settleMaxMs: 10_000 },
}
const QUEUES = {
  receiveAck: { partitions: 4, records: 20_000, consumers: 4, max: 100, maxMs: 8_000 },
  dlq: {
    partitions: 4,
    records: 1_000,
    retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 1 },
    runs: [
      { label: 'sequential', consumers: 1, nackConcurrency: 1, maxMs: 3_000 },
      { label: 'concurrent', consumers: 4, nackConcurrency: 4, maxMs: 3_000 },
    ],
  },
}

/** Monitoring (bench/lib/monitoring.mjs): about 1.5 minutes. */
const MONITORING = {
  counting: { batchSizes: [1, 100], concurrency: CONCURRENCY, rounds: 4, sliceMs: 1_500 },
  hanging: { subscriptions: 5, events: 20, batchSize: 100, rounds: 4, sliceMs: 1_500 },
  scrape: { partitions: 1_000, repeats: 2, cacheMs: 5_000 },
}

/** `--only=monitoring` (or `kafdo`, with its ceilings, `groups`, or `metadata`) runs one section; the default runs them all. */
const ONLY = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length)
const runs = (section) => ONLY === undefined || ONLY === section

/**
 * Vars for every Kafdo server: authentication off (the documented local-development setting), so the
 * benchmark measures the log, groups and queues rather than credential checks, and needs no secrets.
 */
const KAFDO_VARS = { AUTH_MODE: 'none' }

const log = (message) => console.error(`[bench] ${message}`)

async function measureCeilings() {
  log('starting the ceiling worker')
  const server = await startWrangler({ name: 'ceiling', cwd: ROOT, configPath: 'bench/ceiling-worker/wrangler.toml', logDir: RESULTS_DIR })
  try {
    for (const batchSize of WARMUP_BATCH_SIZES) {
      await httpInCeiling(server.base, { batchSize, concurrency: CONCURRENCY, maxRecords: Infinity, maxMs: WARMUP_MS })
    }
    const httpIn = {}
    for (const batchSize of BATCH_SIZES) {
      log(`ceiling: HTTP in, batch ${batchSize}`)
      httpIn[batchSize] = await httpInCeiling(server.base, {
        batchSize,
        concurrency: CONCURRENCY,
        maxRecords: PRODUCE_MAX_RECORDS[batchSize],
        maxMs: CEILING_MAX_MS,
      })
    }
    log('ceiling: HTTP out')
    const httpOut = await httpOutCeiling(server.base, { fetchLimit: FETCH_LIMIT, maxRequests: 2000, maxMs: CEILING_MAX_MS })
    log('ceiling: SQLite insert and read')
    // Batch rows first: they bound most scenarios, and the row-per-record run leaves disk writeback behind.
    const rowsOf100 = await sqliteCeiling(server.base, { rowRecords: 100, fetchLimit: FETCH_LIMIT })
    const rowsOf1 = await sqliteCeiling(server.base, { rowRecords: 1, fetchLimit: FETCH_LIMIT })
    return { httpIn, httpOut, sqlite: { rowsOf1, rowsOf100 } }
  } finally {
    await server.stop()
  }
}

async function measureKafdo() {
  log('starting Kafdo')
  const server = await startWrangler({ name: 'kafdo', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: KAFDO_VARS })
  let persistDir
  try {
    const topics = { 1: 'bench-p1', 8: 'bench-p8' }
    for (const [partitions, topic] of Object.entries(topics)) await createTopic(server.base, topic, Number(partitions))
    await createTopic(server.base, 'bench-latency', 1)
    await createTopic(server.base, 'bench-warmup', 1)
    for (const batchSize of WARMUP_BATCH_SIZES) {
      await produceScenario(server.base, { topic: 'bench-warmup', batchSize, concurrency: CONCURRENCY, maxRecords: Infinity, maxMs: WARMUP_MS })
    }
    const produce = []
    for (const partitions of [1, 8]) {
      for (const batchSize of BATCH_SIZES) {
        const label = `${partitions} partition${partitions > 1 ? 's' : ''}, batch ${batchSize}`
        log(`produce: ${label}`)
        const run = await produceScenario(server.base, {
          topic: topics[partitions],
          batchSize,
          concurrency: CONCURRENCY,
          maxRecords: PRODUCE_MAX_RECORDS[batchSize],
          maxMs: PRODUCE_MAX_MS,
        })
        produce.push({ label, partitions, maxMs: PRODUCE_MAX_MS, ...run })
      }
    }
    log('produce latency')
    const latency = await latencyScenario(server.base, { topic: 'bench-latency', maxRequests: LATENCY_REQUESTS, maxMs: LATENCY_MAX_MS })
    log('fetch')
    const regions = produce
      .filter((run) => run.partitions === 1)
      .map((run) => ({ label: run.label, from: run.offsetRanges[0].from, to: run.offsetRanges[0].to }))
    const fetch = await fetchScenario(server.base, { topic: topics[1], limit: FETCH_LIMIT, maxMs: FETCH_MAX_MS, regions })
    persistDir = server.persistDir
    await server.stop({ keepState: true })
    log('counting stored batch rows')
    const ranges = produce.flatMap((run) => run.offsetRanges.map((range) => ({ scenario: run.label, topic: run.topic, ...range })))
    const storedRows = await countStoredBatchRows(persistDir, ranges)
    return { produce, latency, fetch, storedRows }
  } finally {
    await server.stop()
    if (persistDir) fs.rmSync(persistDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
  }
}

async function measureGroupsAndQueues({ queues = true } = {}) {
  log('starting Kafdo for consumer groups and queues')
  const server = await startWrangler({ name: 'groups-queues', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: KAFDO_VARS })
  try {
    const base = server.base
    const topic = 'bench-groups'
    await seedTopic(base, topic, GROUPS.partitions, GROUPS.seedRecords)
    await joinToFirstRecordScenario(base, { ...GROUPS.joinToFirstRecord, topic, groups: 3 }) // warm-up
    const groupsStarted = performance.now()
    log('groups: join to first record')
    const joinToFirstRecord = await joinToFirstRecordScenario(base, { topic, ...GROUPS.joinToFirstRecord })
    log('groups: commits')
    const commits = await commitScenario(base, { topic, ...GROUPS.commit })
    log('groups: rebalance')
    const rebalance = await rebalanceScenario(base, { topic, partitions: GROUPS.partitions, ...GROUPS.rebalance })
    const groupsSec = (performance.now() - groupsStarted) / 1000
    if (!queues) return { groups: { elapsedSec: groupsSec, joinToFirstRecord, commits, rebalance } }

    const ra = QUEUES.receiveAck
    await createQueue(base, { name: 'bench-queue-warmup', partitions: ra.partitions })
    await fillQueue(base, 'bench-queue-warmup', 400)
    await receiveAckScenario(base, { ...ra, name: 'bench-queue-warmup', records: 400 })
    const queuesStarted = performance.now()
    log(`queues: producing ${ra.records} records`)
    await createQueue(base, { name: 'bench-queue', partitions: ra.partitions })
    await fillQueue(base, 'bench-queue', ra.records)
    log('queues: receive + ack')
    const receiveAck = await receiveAckScenario(base, { name: 'bench-queue', ...ra })
    const dlq = []
    for (const [i, run] of QUEUES.dlq.runs.entries()) {
      const name = `bench-dlq-${i}`
      await createQueue(base, { name, partitions: QUEUES.dlq.partitions, retry: QUEUES.dlq.retry })
      await fillQueue(base, name, QUEUES.dlq.records)
      log(`queues: dead-letter routing, ${run.label}`)
      dlq.push({ label: run.label, ...(await dlqScenario(base, { name, records: QUEUES.dlq.records, max: 100, ...run })) })
    }
    const queuesSec = (performance.now() - queuesStarted) / 1000
    return { groups: { elapsedSec: groupsSec, joinToFirstRecord, commits, rebalance }, queues: { elapsedSec: queuesSec, receiveAck, dlq } }
  } finally {
    await server.stop()
  }
}

async function measureMonitoring() {
  log('starting two Kafdo servers: per-request metrics on, and METRICS=off')
  const quiet = { ...KAFDO_VARS, REQUEST_LOGS: 'off' }
  const on = await startWrangler({ name: 'metrics-on', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: quiet })
  const off = await startWrangler({ name: 'metrics-off', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: { ...quiet, METRICS: 'off' } })
  const receiver = await hangingReceiver()
  try {
    const counting = []
    for (const batchSize of MONITORING.counting.batchSizes) {
      const topic = `bench-metrics-${batchSize}`
      await Promise.all([createTopic(on.base, topic, 1), createTopic(off.base, topic, 1)])
      log(`monitoring: cost of counting, batch ${batchSize}`)
      const arms = [
        { label: 'on', base: on.base, topic },
        { label: 'off', base: off.base, topic },
      ]
      counting.push({ batchSize, ...(await alternatingProduce(arms, { batchSize, ...MONITORING.counting })) })
    }
    await off.stop()

    const h = MONITORING.hanging
    await createTopic(on.base, 'bench-hanging', 1)
    await requestJson(on.base, 'POST', '/admin/topics?tenant=bench-quiet', { topic: 'bench-hanging', partitions: 1 })
    const ids = await queueHangingDeliveries(on.base, receiver.url, { count: h.subscriptions, events: h.events })
    for (let i = 0; i < 100 && receiver.held() < h.subscriptions; i++) await new Promise((r) => setTimeout(r, 100))
    log(`monitoring: produce while ${receiver.held()} webhook requests hang`)
    const arms = [
      { label: 'hanging', base: on.base, topic: 'bench-hanging' },
      { label: 'quiet', base: on.base, topic: 'bench-hanging', tenant: 'bench-quiet' },
    ]
    const hanging = {
      ...(await alternatingProduce(arms, { batchSize: h.batchSize, concurrency: CONCURRENCY, rounds: h.rounds, sliceMs: h.sliceMs })),
      heldRequests: receiver.held(),
    }
    await deleteWebhooks(on.base, ids)

    log(`monitoring: seeding ${MONITORING.scrape.partitions} partitions`)
    await seedPartitions(on.base, 'bench-scrape', MONITORING.scrape.partitions)
    log('monitoring: scraping /metrics')
    const scrape = await scrapeScenario(on.base, MONITORING.scrape)
    return { counting, hanging, scrape }
  } finally {
    await receiver.close()
    await Promise.all([on.stop(), off.stop()])
  }
}

function wranglerVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'wrangler', 'package.json'), 'utf8')).version
  } catch {
    return 'unknown'
  }
}

const USAGE = `npm run bench [-- options]
  (no option)      everything: ceilings, produce/fetch, consumer groups, queues (about 2 minutes)
  --groups-only    only the consumer group section (a fresh Kafdo; about 30 s), written to bench/results/latest-groups.json
  --help           this text`

async function groupsOnly() {
  fs.mkdirSync(RESULTS_DIR, { recursive: true })
  KAFDO_SRC = snapshotProject(ROOT)
  const { groups } = await measureGroupsAndQueues({ queues: false })
  printGroupsAndQueues({ groups })
  const file = path.join(RESULTS_DIR, 'latest-groups.json')
  fs.writeFileSync(
    file,
    JSON.stringify({ meta: { startedAt: new Date().toISOString(), node: process.version }, config: { GROUPS }, groups }, null, 2) + '\n',
  )
  console.log(`\nWrote ${path.relative(process.cwd(), file)}`)
}

async function main() {
  const args = process.argv.slice(2)
  if (args.includes('--help')) return console.log(USAGE)
  if (args.includes('--groups-only')) return groupsOnly()
  fs.mkdirSync(RESULTS_DIR, { recursive: true })
  const started = Date.now()
  KAFDO_SRC = snapshotProject(ROOT)
  const meta = {
    startedAt: new Date(started).toISOString(),
    node: process.version,
    wrangler: wranglerVersion(),
    cpus: os.cpus().length,
    recordBytes: RECORD_BYTES,
  }
  if (ONLY !== undefined && !['kafdo', 'groups', 'monitoring', 'metadata'].includes(ONLY)) throw new Error(`--only=${ONLY}: no such section`)
  // Kafdo's produce/fetch figures are reported against the ceilings: the two run together.
  const ceilings = runs('kafdo') ? await measureCeilings() : undefined
  const kafdo = runs('kafdo') ? await measureKafdo() : undefined
  const { groups, queues } = runs('groups') ? await measureGroupsAndQueues() : {}
  const monitoring = runs('monitoring') ? await measureMonitoring() : undefined
  const metadata = runs('metadata') ? metadataScale(ROOT, { quick: args.includes('--quick') }) : undefined
  const analysis = kafdo ? analyse({ ceilings, produce: kafdo.produce, fetch: kafdo.fetch, storedRows: kafdo.storedRows }) : undefined
  meta.durationSec = (Date.now() - started) / 1000
  if (analysis) printReport({ meta, ceilings, analysis, latency: kafdo.latency })
  if (groups) printGroupsAndQueues({ groups, queues })
  if (monitoring) printMonitoring({ ...monitoring, config: MONITORING })
  if (metadata) printMetadataScale(metadata)
  const config = {
    BATCH_SIZES,
    CONCURRENCY,
    PRODUCE_MAX_MS,
    PRODUCE_MAX_RECORDS,
    CEILING_MAX_MS,
    FETCH_LIMIT,
    FETCH_MAX_MS,
    LATENCY_REQUESTS,
    LATENCY_MAX_MS,
    GROUPS,
    QUEUES,
    MONITORING,
  }
  const results = {
    meta,
    config,
    ceilings,
    produce: analysis?.produce,
    latency: kafdo?.latency,
    fetch: analysis?.fetch,
    targets: analysis?.targets,
    groups,
    queues,
    monitoring,
    metadata,
  }
  const file = path.join(RESULTS_DIR, ONLY === undefined ? 'latest.json' : `latest-${ONLY}.json`)
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
  console.log(`\nWrote ${path.relative(process.cwd(), file)} (run took ${meta.durationSec.toFixed(0)} s)`)
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping servers`)
    stopAll()
      .catch((err) => console.error(err))
      .finally(() => process.exit(128 + os.constants.signals[signal]))
  })
}
process.on('exit', killAllNow)

try {
  await main()
} catch (err) {
  console.error(err)
  process.exitCode = 1
} finally {
  await stopAll()
  removeSnapshots()
  closeHttp()
}

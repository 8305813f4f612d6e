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
 *   5. End-to-end flow on a fresh Kafdo: produce -> long-poll fetch and queue receive latency at 1,000
 *      records/s, a memory soak of one partition, throughput over 1/4/16/64 partitions (bench/lib/
 *      end-to-end.mjs, memory.mjs, scaling.mjs).
 *   6. Print the report and write it as JSON to bench/results/latest.json (`--json`: print the JSON on
 *      stdout and the report on stderr). `--quick` shortens every bound for development; `--only=profile`
 *      takes a V8 CPU profile of a fetch (bench/lib/profile.mjs) instead.
 * Every wrangler/workerd process group started here is killed on the way out, also on failure.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { analyse } from './lib/analysis.mjs'
import { hopProduceFloor, httpInCeiling, httpOutCeiling, sqliteCeiling } from './lib/ceilings.mjs'
import { countStoredBatchRows } from './lib/cost.mjs'
import { groupCpu } from './lib/cpu.mjs'
import { closeHttp, request, requestJson } from './lib/http.mjs'
import { commitScenario, joinToFirstRecordScenario, rebalanceScenario, seedTopic } from './lib/groups.mjs'
import { fetchLatencyScenario, queueLatencyScenario } from './lib/end-to-end.mjs'
import { createTopic, fetchScenario, latencyScenario, produceScenario } from './lib/kafdo.mjs'
import { memorySoakScenario } from './lib/memory.mjs'
import { profileFetch } from './lib/profile.mjs'
import { scalingScenario } from './lib/scaling.mjs'
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
import { printQueues, queueTargets } from './lib/queue-report.mjs'
import { createQueue, dlqExpiryScenario, dlqScenario, fillQueue, receiveAckScenario } from './lib/queues.mjs'
import { RECORD_BYTES } from './lib/records.mjs'
import { printFlow, printGroupsAndQueues, printReport } from './lib/report.mjs'
import { killAllNow, removeSnapshots, snapshotProject, startWrangler, stopAll } from './lib/server.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/**
 * Kafdo servers run from a copy of its sources taken when the run starts (see snapshotProject), from this
 * checkout or from BENCH_KAFDO_ROOT (another checkout, to compare two versions with the same harness).
 */
const KAFDO_ROOT = process.env.BENCH_KAFDO_ROOT ? path.resolve(process.env.BENCH_KAFDO_ROOT) : ROOT
let KAFDO_SRC = ROOT
const RESULTS_DIR = path.join(ROOT, 'bench', 'results')

/** `--quick`: every bound shortened, for development (figures are noisier); monitoring is left out. */
const QUICK = process.argv.includes('--quick')
/** `--json`: the results as JSON on stdout, the report on stderr. */
const JSON_OUT = process.argv.includes('--json')

/** Load bounds: every scenario stops at a record count or a deadline, whichever comes first. */
const BATCH_SIZES = [1, 10, 100, 1000]
const CONCURRENCY = 8
const PRODUCE_MAX_MS = QUICK ? 2_500 : 8_000
const PRODUCE_MAX_RECORDS = { 1: 40_000, 10: 100_000, 100: 200_000, 1000: 200_000 }
const CEILING_MAX_MS = QUICK ? 2_000 : 5_000
const FETCH_LIMIT = 1000
const FETCH_MAX_MS = QUICK ? 5_000 : 15_000
const LATENCY_REQUESTS = 1000
const LATENCY_MAX_MS = QUICK ? 2_000 : 8_000
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
/**
 * Queues: receive+ack at the batch size of the earlier figure (max 100) and at the largest (max 1000, the
 * target run: a receive's cost is mostly per request and per partition RPC, so rows and time per message
 * fall with the batch); dead letters by nack (one request per record) and by lease expiry (in bulk).
 */
const QUEUES = {
  receiveAck: [
    { partitions: 4, records: 20_000, consumers: 4, max: 100, maxMs: 8_000 },
    { partitions: 4, records: 100_000, consumers: 4, max: 1000, maxMs: 8_000, target: true },
  ],
  dlq: {
    partitions: 4,
    records: 1_000,
    retry: { strategy: 'fixed', delayMs: 0, maxAttempts: 1 },
    runs: [
      { label: 'sequential', consumers: 1, nackConcurrency: 1, maxMs: 3_000 },
      { label: 'concurrent', consumers: 4, nackConcurrency: 4, maxMs: 3_000 },
    ],
  },
  dlqExpiry: { partitions: 4, records: 20_000, consumers: 4, max: 1000, visibilityTimeoutMs: 1_000, maxMs: 30_000 },
}

/** End-to-end flow (a fresh Kafdo): latency at a steady rate, a memory soak, scaling with partitions. */
const FLOW = {
  latency: { ratePerSec: 1000, perRequest: 10, durationMs: QUICK ? 3_000 : 8_000, warmupMs: 1_000, maxWaitMs: 1_000 },
  memory: { durationMs: QUICK ? 8_000 : 30_000, sampleMs: 500, batchSize: 100 },
  scaling: { partitionCounts: [1, 4, 16, 64], producers: 16, batchSize: 100, maxMs: QUICK ? 1_500 : 4_000 },
}
/** `--only=profile`: a CPU profile of sequential fetches over a partition written at these batch sizes. */
const PROFILE = { records: 30_000, batchSizes: [100, 1000], fetches: 50 }

/** Monitoring (bench/lib/monitoring.mjs): about 1.5 minutes. */
const MONITORING = {
  counting: { batchSizes: [1, 100], concurrency: CONCURRENCY, rounds: 4, sliceMs: 1_500 },
  hanging: { subscriptions: 5, events: 20, batchSize: 100, rounds: 4, sliceMs: 1_500 },
  scrape: { partitions: 1_000, repeats: 2, cacheMs: 5_000 },
}

/**
 * `--only=monitoring` (or `kafdo`, with its ceilings, `flow`, `groups` with queues, `queues` alone,
 * `metadata`, `profile`) runs one section; the default runs them all but `profile` (and, with `--quick`,
 * `monitoring`).
 */
const ONLY = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length)
const SECTIONS = ['kafdo', 'flow', 'groups', 'queues', 'metadata', 'monitoring', 'profile']
const runs = (section) => (ONLY === undefined ? section !== 'profile' && !(QUICK && section === 'monitoring') : ONLY === section)

/**
 * Vars for every Kafdo server: authentication off (the documented local-development setting), so the
 * benchmark measures the log, groups and queues rather than credential checks, and needs no secrets.
 */
/**
 * Kafdo's servers run without credential checks and without request log lines: locally every line goes
 * through wrangler's own Node process, which spends about 2.6 ms of CPU on each on this machine, on the
 * same two cores (a deployment's logs are collected outside the request path). The monitoring section
 * measures what the lines cost here, with and without them.
 */
const KAFDO_VARS = { AUTH_MODE: 'none', REQUEST_LOGS: 'off' }

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
    log('floor: one hop, produce batch 1000')
    const hopProduce = await hopProduceFloor(server.base, {
      batchSize: 1000,
      concurrency: CONCURRENCY,
      maxRecords: PRODUCE_MAX_RECORDS[1000],
      maxMs: CEILING_MAX_MS,
    })
    log('ceiling: HTTP out')
    const httpOut = await httpOutCeiling(server.base, { fetchLimit: FETCH_LIMIT, maxRequests: 2000, maxMs: CEILING_MAX_MS })
    log('ceiling: SQLite insert and read')
    // Batch rows first: they bound most scenarios, and the row-per-record run leaves disk writeback behind.
    const rowsOf100 = await sqliteCeiling(server.base, { rowRecords: 100, fetchLimit: FETCH_LIMIT })
    const rowsOf1 = await sqliteCeiling(server.base, { rowRecords: 1, fetchLimit: FETCH_LIMIT })
    return { httpIn, httpOut, sqlite: { rowsOf1, rowsOf100 }, hopProduce }
  } finally {
    await server.stop()
  }
}

/**
 * The fetch scenario with the ceiling Worker's pre-built page requested after every fetch, straight from
 * the Worker (`paired`, the HTTP-out ceiling) and through one RPC to a Durable Object that holds it
 * (`hop`, the floor of any design that reads a partition in its own object): on a machine whose load
 * swings from minute to minute, a ratio to a ceiling measured minutes earlier says little.
 */
async function fetchWithCeiling(base, options) {
  const ceiling = await startWrangler({ name: 'ceiling-paired', cwd: ROOT, configPath: 'bench/ceiling-worker/wrangler.toml', logDir: RESULTS_DIR })
  try {
    const page = (path) => async () => {
      const res = await request(ceiling.base, 'GET', `${path}?records=${FETCH_LIMIT}`)
      return { records: FETCH_LIMIT, bytes: res.body.length }
    }
    const pairs = { paired: page('/response'), hop: page('/hop/fetch') }
    for (let i = 0; i < 3; i++) for (const pair of Object.values(pairs)) await pair()
    return await fetchScenario(base, { ...options, pairs })
  } finally {
    await ceiling.stop()
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
    log('fetch, interleaved with the HTTP-out ceiling')
    const regions = produce
      .filter((run) => run.partitions === 1)
      .map((run) => ({ label: run.label, from: run.offsetRanges[0].from, to: run.offsetRanges[0].to }))
    const fetch = await fetchWithCeiling(server.base, { topic: topics[1], limit: FETCH_LIMIT, maxMs: FETCH_MAX_MS, regions })
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

async function measureGroupsAndQueues({ groups = true, queues = true } = {}) {
  log(`starting Kafdo for ${[groups && 'consumer groups', queues && 'queues'].filter(Boolean).join(' and ')}`)
  const server = await startWrangler({ name: 'groups-queues', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: KAFDO_VARS })
  try {
    const base = server.base
    return { ...(groups ? { groups: await measureGroups(base) } : {}), ...(queues ? { queues: await measureQueues(base, server.pid) } : {}) }
  } finally {
    await server.stop()
  }
}

async function measureGroups(base) {
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
  return { elapsedSec: (performance.now() - groupsStarted) / 1000, joinToFirstRecord, commits, rebalance }
}

/** The queue section; `pgid` is the server's process group, whose CPU time per message is reported too. */
async function measureQueues(base, pgid) {
  const cpu = () => groupCpu(pgid)
  const warm = QUEUES.receiveAck[0]
  await createQueue(base, { name: 'bench-queue-warmup', partitions: warm.partitions })
  await fillQueue(base, 'bench-queue-warmup', 2_000)
  await receiveAckScenario(base, { ...warm, name: 'bench-queue-warmup', records: 2_000 })
  const queuesStarted = performance.now()
  const receiveAck = []
  for (const [i, ra] of QUEUES.receiveAck.entries()) {
    const name = `bench-queue-${i}`
    log(`queues: producing ${ra.records} records`)
    await createQueue(base, { name, partitions: ra.partitions })
    await fillQueue(base, name, ra.records)
    log(`queues: receive + ack, max ${ra.max}`)
    receiveAck.push({ ...(await receiveAckScenario(base, { name, ...ra, cpu })), target: ra.target === true })
  }
  const dlq = []
  for (const [i, run] of QUEUES.dlq.runs.entries()) {
    const name = `bench-dlq-${i}`
    await createQueue(base, { name, partitions: QUEUES.dlq.partitions, retry: QUEUES.dlq.retry })
    await fillQueue(base, name, QUEUES.dlq.records)
    log(`queues: dead letters by nack, ${run.label}`)
    dlq.push({
      label: run.label,
      ...(await dlqScenario(base, { name, partitions: QUEUES.dlq.partitions, records: QUEUES.dlq.records, max: 100, ...run })),
    })
  }
  const ex = QUEUES.dlqExpiry
  await createQueue(base, { name: 'bench-dlq-expiry', partitions: ex.partitions, retry: QUEUES.dlq.retry })
  await fillQueue(base, 'bench-dlq-expiry', ex.records)
  log(`queues: dead letters by lease expiry, ${ex.records} records`)
  const dlqExpiry = await dlqExpiryScenario(base, { name: 'bench-dlq-expiry', ...ex })
  return { elapsedSec: (performance.now() - queuesStarted) / 1000, receiveAck, dlq, dlqExpiry }
}

async function measureFlow() {
  log('starting Kafdo for the end-to-end flow')
  const server = await startWrangler({ name: 'flow', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: KAFDO_VARS })
  try {
    const base = server.base
    await createTopic(base, 'bench-e2e', 1)
    await requestJson(base, 'POST', '/queues', { name: 'bench-e2e-queue', partitions: 1 })
    log('flow: end-to-end latency, long-poll fetch')
    const fetchLatency = await fetchLatencyScenario(base, { topic: 'bench-e2e', ...FLOW.latency })
    log('flow: end-to-end latency, long-poll queue receive')
    const queueLatency = await queueLatencyScenario(base, { name: 'bench-e2e-queue', ...FLOW.latency })
    log(`flow: memory soak, ${FLOW.memory.durationMs / 1000} s`)
    await createTopic(base, 'bench-soak', 1)
    const memory = await memorySoakScenario(server, { topic: 'bench-soak', ...FLOW.memory })
    log('flow: scaling with partitions')
    const scaling = await scalingScenario(base, FLOW.scaling)
    return { latency: { fetch: fetchLatency, queue: queueLatency }, memory, scaling }
  } finally {
    await server.stop()
  }
}

/** A V8 CPU profile of sequential fetches, by stage (bench/lib/profile.mjs), for each batch size written. */
async function measureProfile() {
  log('starting Kafdo for the fetch profile')
  const server = await startWrangler({ name: 'profile', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: KAFDO_VARS })
  try {
    const profiles = []
    for (const batchSize of PROFILE.batchSizes) {
      const topic = `bench-profile-${batchSize}`
      await createTopic(server.base, topic, 1)
      await produceScenario(server.base, { topic, batchSize, concurrency: 4, maxRecords: PROFILE.records, maxMs: 30_000 })
      await profileFetch(server.base, server.inspectorPort, { topic, limit: FETCH_LIMIT, maxFetches: 10 }) // warm-up
      log(`profile: fetch of a partition written at batch ${batchSize}`)
      profiles.push({
        batchSize,
        ...(await profileFetch(server.base, server.inspectorPort, { topic, limit: FETCH_LIMIT, maxFetches: PROFILE.fetches })),
      })
    }
    return profiles
  } finally {
    await server.stop()
  }
}

function printProfiles(profiles) {
  const out = ['\nWhere a fetch spends its time (V8 CPU profile of the local workerd; ms per 1000-record fetch)']
  for (const p of profiles) {
    out.push(
      `  partition written at batch ${p.batchSize}: ${p.fetches} fetches, round trip ${p.perFetchMs.toFixed(2)} ms, isolate busy ${(p.profile.busyMs / p.fetches).toFixed(2)} ms` +
        `, client JSON.parse ${p.clientParsePerFetchMs.toFixed(2)} ms`,
    )
    for (const st of p.profile.stages)
      out.push(`    ${st.stage.padEnd(62)} ${(st.ms / p.fetches).toFixed(2).padStart(6)}  ${(st.share * 100).toFixed(1)}%`)
    out.push('    top functions by self time:')
    for (const fn of p.profile.topSelf)
      out.push(`      ${fn.fn.padEnd(70)} ${(fn.ms / p.fetches).toFixed(2).padStart(6)}  ${(fn.share * 100).toFixed(1)}%`)
  }
  console.log(out.join('\n'))
}

async function measureMonitoring() {
  log('starting three Kafdo servers: per-request metrics on, METRICS=off, and request logs on')
  const on = await startWrangler({ name: 'metrics-on', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: KAFDO_VARS })
  const off = await startWrangler({ name: 'metrics-off', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: { ...KAFDO_VARS, METRICS: 'off' } })
  const logged = await startWrangler({ name: 'logs-on', cwd: KAFDO_SRC, logDir: RESULTS_DIR, vars: { ...KAFDO_VARS, REQUEST_LOGS: 'on' } })
  const receiver = await hangingReceiver()
  try {
    const counting = []
    for (const batchSize of MONITORING.counting.batchSizes) {
      const topic = `bench-metrics-${batchSize}`
      await Promise.all([createTopic(on.base, topic, 1), createTopic(off.base, topic, 1), createTopic(logged.base, topic, 1)])
      log(`monitoring: cost of counting and of request log lines, batch ${batchSize}`)
      const arms = [
        { label: 'on', base: on.base, topic },
        { label: 'off', base: off.base, topic },
        { label: 'logged', base: logged.base, topic },
      ]
      counting.push({ batchSize, ...(await alternatingProduce(arms, { batchSize, ...MONITORING.counting })) })
    }
    await Promise.all([off.stop(), logged.stop()])

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
    await Promise.all([on.stop(), off.stop(), logged.stop()])
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
  (no option)      everything: ceilings, produce/fetch, end-to-end flow, consumer groups, queues, monitoring (about 6 minutes)
  --quick          shorter bounds everywhere, no monitoring (about 2 minutes; noisier figures)
  --json           the results as JSON on stdout (the report goes to stderr)
  --only=SECTION   one of ${SECTIONS.join(', ')} (profile: a V8 CPU profile of a fetch, by stage)
  --groups-only    only the consumer group section (a fresh Kafdo; about 30 s), written to bench/results/latest-groups.json
  --only=queues    only the queue section (a fresh Kafdo; about 40 s), written to bench/results/latest-queues.json
  --help           this text`

async function groupsOnly() {
  fs.mkdirSync(RESULTS_DIR, { recursive: true })
  KAFDO_SRC = snapshotProject(KAFDO_ROOT)
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
  KAFDO_SRC = snapshotProject(KAFDO_ROOT)
  const meta = {
    startedAt: new Date(started).toISOString(),
    node: process.version,
    wrangler: wranglerVersion(),
    kafdoSource: path.relative(ROOT, KAFDO_ROOT) || '.',
    cpus: os.cpus().length,
    recordBytes: RECORD_BYTES,
  }
  if (ONLY !== undefined && !SECTIONS.includes(ONLY)) throw new Error(`--only=${ONLY}: no such section`)
  meta.quick = QUICK
  // Kafdo's produce/fetch figures are reported against the ceilings: the two run together.
  const ceilings = runs('kafdo') ? await measureCeilings() : undefined
  const kafdo = runs('kafdo') ? await measureKafdo() : undefined
  const flow = runs('flow') ? await measureFlow() : undefined
  const { groups, queues } =
    runs('groups') || runs('queues') ? await measureGroupsAndQueues({ groups: runs('groups'), queues: runs('groups') || runs('queues') }) : {}
  const monitoring = runs('monitoring') ? await measureMonitoring() : undefined
  const metadata = runs('metadata') ? metadataScale(ROOT, { quick: QUICK }) : undefined
  const profiles = runs('profile') ? await measureProfile() : undefined
  const analysis = kafdo ? analyse({ ceilings, produce: kafdo.produce, fetch: kafdo.fetch, storedRows: kafdo.storedRows, flow }) : undefined
  meta.durationSec = (Date.now() - started) / 1000
  const stdoutLog = console.log
  if (JSON_OUT) console.log = console.error
  if (analysis) printReport({ meta, ceilings, analysis, latency: kafdo.latency, flow })
  if (groups) printGroupsAndQueues({ groups })
  if (queues) printQueues(queues)
  if (monitoring) printMonitoring({ ...monitoring, config: MONITORING })
  if (flow && !analysis) printFlow(flow)
  if (metadata) printMetadataScale(metadata)
  if (profiles) printProfiles(profiles)
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
    FLOW,
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
    targets: [...(analysis?.targets ?? []), ...(queues ? queueTargets(queues) : [])],
    flow,
    groups,
    queues,
    monitoring,
    metadata,
    profiles,
  }
  const file = path.join(RESULTS_DIR, ONLY === undefined ? 'latest.json' : `latest-${ONLY}.json`)
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
  console.log(`\nWrote ${path.relative(process.cwd(), file)} (run took ${meta.durationSec.toFixed(0)} s)`)
  console.log = stdoutLog
  if (JSON_OUT) console.log(JSON.stringify(results, null, 2))
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

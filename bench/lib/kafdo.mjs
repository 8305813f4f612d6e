/**
 * The Kafdo scenarios, over its public HTTP API: create topics, produce throughput at several batch sizes
 * (counting the partition RPCs each request fans out to and the batch rows they derive), sequential
 * produce latency, and a sequential fetch of a whole partition following `nextOffset`.
 */
import { packedRows } from './cost.mjs'
import { request, requestJson } from './http.mjs'
import { rates, runLoad, runSequential } from './load.mjs'
import { produceBodies } from './records.mjs'

/** Requests sent (untimed) before each scenario so partition objects are created and warm. */
const WARMUP_REQUESTS = 3
/** Fetch: large enough that `limit` decides how many records a fetch returns. */
const FETCH_MAX_BYTES = 4 * 1024 * 1024

export async function createTopic(base, topic, partitions) {
  return requestJson(base, 'POST', '/admin/topics', { topic, partitions })
}

/**
 * Produces `batchSize`-record requests to `topic` under the load bounds. Resolves the throughput plus
 * what the requests cost: partition RPCs, derived batch rows (timed requests only), and per partition
 * the offset range the scenario wrote (warm-up included) for counting stored rows afterwards.
 */
export async function produceScenario(base, { topic, batchSize, concurrency, maxRecords, maxMs }) {
  const bodies = produceBodies(batchSize, Math.max(4, Math.ceil(2048 / batchSize)))
  const ranges = new Map()
  const totals = { partitionRpcs: 0, batchRows: 0, derivedRowsAll: 0 }
  const send = async (i, timed) => {
    const body = bodies[i % bodies.length]
    const res = await request(base, 'POST', `/topics/${topic}/produce-batch`, body.bytes)
    const { results } = JSON.parse(res.body.toString('utf8'))
    const byPartition = new Map()
    results.forEach((result, n) => {
      const lengths = byPartition.get(result.partition) ?? []
      lengths.push(body.storedLengths[n])
      byPartition.set(result.partition, lengths)
      const range = ranges.get(result.partition) ?? { from: result.offset, to: result.offset }
      range.from = Math.min(range.from, result.offset)
      range.to = Math.max(range.to, result.offset)
      ranges.set(result.partition, range)
    })
    let rows = 0
    for (const lengths of byPartition.values()) rows += packedRows(lengths)
    totals.derivedRowsAll += rows
    if (timed) {
      totals.partitionRpcs += byPartition.size
      totals.batchRows += rows
    }
    return { records: batchSize, bytes: body.bytes.length }
  }
  for (let i = 0; i < WARMUP_REQUESTS; i++) await send(i, false)
  const load = await runLoad({ concurrency, maxRequests: Math.ceil(maxRecords / batchSize), maxMs, send: (i) => send(i, true) })
  return {
    topic,
    batchSize,
    concurrency,
    ...load,
    partitionRpcs: totals.partitionRpcs,
    batchRows: totals.batchRows,
    derivedRowsIncludingWarmup: totals.derivedRowsAll,
    offsetRanges: [...ranges].map(([partition, range]) => ({ partition, ...range })),
  }
}

/** Sequential single-record produces: round-trip latency percentiles. */
export async function latencyScenario(base, { topic, maxRequests, maxMs }) {
  const [body] = produceBodies(1, 1)
  const send = () => request(base, 'POST', `/topics/${topic}/produce-batch`, body.bytes)
  for (let i = 0; i < 20; i++) await send()
  return { topic, batchSize: 1, ...(await runSequential({ maxRequests, maxMs, send })) }
}

const TAIL = /"nextOffset":(\d+),"highWatermark":(\d+),"logStartOffset":(\d+)\}$/

/**
 * Reads partition 0 of `topic` from offset 0 to the high watermark seen at the start, `limit` records
 * per fetch, following `nextOffset` (read from the response's tail; the first response is fully parsed
 * as a check). `regions` (`{ label, from, to }`) attribute fetch time to the scenario that wrote each range.
 * `pairs` (named ceiling requests, each resolving `{ records, bytes }`) are sent after every fetch and timed
 * apart, so the fetch and its ceilings are measured interleaved, under the same load (one figure per name).
 */
export async function fetchScenario(base, { topic, limit, maxMs, regions = [], pairs = {} }) {
  const { partitions } = await requestJson(base, 'GET', `/admin/topics/${topic}/offsets`)
  const end = partitions[0].latest
  const byRegion = new Map(regions.map((region) => [region.label, { ...region, records: 0, bytes: 0, elapsedMs: 0 }]))
  const started = performance.now()
  const deadline = started + maxMs
  let offset = 0
  let fetches = 0
  let bytes = 0
  let fetchMs = 0
  const paired = Object.fromEntries(Object.keys(pairs).map((name) => [name, { requests: 0, records: 0, bytes: 0, elapsedMs: 0 }]))
  const interleaved = Object.keys(pairs).length > 0
  while (offset < end && performance.now() < deadline) {
    const sent = performance.now()
    const res = await request(base, 'GET', `/topics/${topic}/partitions/0/messages?offset=${offset}&limit=${limit}&maxBytes=${FETCH_MAX_BYTES}`)
    const tookMs = performance.now() - sent
    fetchMs += tookMs
    // The ceilings' requests right after each fetch: all see the machine as it is at that moment.
    for (const [name, pair] of Object.entries(pairs)) {
      const pairSent = performance.now()
      const result = await pair()
      const figures = paired[name]
      figures.elapsedMs += performance.now() - pairSent
      figures.requests++
      figures.records += result.records
      figures.bytes += result.bytes
    }
    const text = res.body.toString('latin1', Math.max(0, res.body.length - 200))
    const next = Number(TAIL.exec(text)?.[1])
    if (!(next > offset)) throw new Error(`fetch at offset ${offset} made no progress: ${text}`)
    if (fetches === 0) checkFirstFetch(res.body, offset, next)
    const region = [...byRegion.values()].find((r) => offset >= r.from && offset <= r.to)
    if (region) {
      region.records += next - offset
      region.bytes += res.body.length
      region.elapsedMs += tookMs
    }
    fetches++
    bytes += res.body.length
    offset = next
  }
  // With paired ceilings, the scenario's own rate counts only the time spent in its fetches.
  const elapsedMs = interleaved ? fetchMs : performance.now() - started
  return {
    ...Object.fromEntries(Object.entries(paired).map(([name, f]) => [name, { ...f, ...rates(f.records, f.bytes, f.elapsedMs) }])),
    topic,
    limit,
    maxBytes: FETCH_MAX_BYTES,
    fetches,
    records: offset,
    bytes,
    complete: offset >= end,
    elapsedMs,
    ...rates(offset, bytes, elapsedMs),
    byRegion: [...byRegion.values()].filter((r) => r.records > 0).map((r) => ({ ...r, ...rates(r.records, r.bytes, r.elapsedMs) })),
  }
}

function checkFirstFetch(body, offset, next) {
  const parsed = JSON.parse(body.toString('utf8'))
  if (parsed.messages.length !== next - offset || parsed.messages[0]?.offset !== offset) {
    throw new Error(`fetch at offset ${offset} returned ${parsed.messages.length} records, expected ${next - offset}`)
  }
}

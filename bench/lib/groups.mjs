/**
 * Consumer group scenarios over Kafdo's HTTP API (src/http/groups.ts), driven as the client drives them
 * (bench/lib/group-member.mjs):
 *
 * - join-to-first-record: a new member joins a fresh group on an 8-partition topic holding records (one
 *   round trip, owning all 8), then fetches them through the group (one request for all 8, from offset 0)
 *   until the first record arrives;
 * - commits: one member owning all 8 partitions commits 1 or 8 offsets per request, sequentially for
 *   latency and from a few concurrent loops for throughput;
 * - rebalance (bench/lib/group-rebalance.mjs): a new member taking its share while the others go on
 *   consuming, and 8 members joining at once.
 * Every loop stops at a count or a deadline; every group is left (untimed) when its scenario ends, so no
 * coordinator is left with members to expire while later scenarios run.
 */
import { request, requestJson } from './http.mjs'
import { Member } from './group-member.mjs'
import { percentiles, runLoad, runSequential } from './load.mjs'
import { produceBatchBody } from './records.mjs'

export { rebalanceScenario, HEARTBEAT_MS } from './group-rebalance.mjs'

/** Nearest-rank percentile of a list of numbers. */
export function quantile(values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** Creates `topic` with `partitions` partitions and produces keyed records until every partition holds some. */
export async function seedTopic(base, topic, partitions, records) {
  await requestJson(base, 'POST', '/admin/topics', { topic, partitions })
  const batch = 500
  for (let first = 0; first < records; first += batch) {
    await request(base, 'POST', `/topics/${topic}/produce-batch`, Buffer.from(produceBatchBody(first, Math.min(batch, records - first))))
  }
  const { partitions: offsets } = await requestJson(base, 'GET', `/admin/topics/${topic}/offsets`)
  const empty = offsets.filter((p) => p.latest === 0)
  if (empty.length > 0) throw new Error(`seeding ${topic}: partitions ${empty.map((p) => p.partition).join(', ')} got no records`)
  return offsets
}

/**
 * Join-to-first-record over `groups` fresh groups (each stops at `maxMs` overall): the time from sending
 * the join to the first fetch through the group that carries a record, split into the join and the fetch.
 */
export async function joinToFirstRecordScenario(base, { topic, groups, maxMs, fetchLimit }) {
  const deadline = performance.now() + maxMs
  const total = []
  const join = []
  const fetch = []
  let run = 0
  const stamp = Date.now().toString(36)
  while (run < groups && performance.now() < deadline) {
    const member = new Member(base, `bench-jfr-${stamp}-${run++}`, topic, 'bench-jfr')
    const started = performance.now()
    await member.join()
    const joined = performance.now()
    if (member.owned.length === 0) throw new Error(`join-to-first-record: ${member.groupId} got no partitions`)
    let first
    for (const p of member.owned) member.positions.set(p, 0)
    for (let attempt = 0; first === undefined && attempt < 100; attempt++) {
      if ((await member.fetch(fetchLimit)) > 0) first = performance.now()
    }
    if (first === undefined) throw new Error(`join-to-first-record: no record in ${topic}`)
    total.push(first - started)
    join.push(joined - started)
    fetch.push(first - joined)
    await member.leave()
  }
  const summary = (values) => ({ p50Ms: quantile(values, 50), p95Ms: quantile(values, 95), maxMs: Math.max(...values) })
  return { topic, groups: total.length, fetchLimit, total: summary(total), join: summary(join), fetch: summary(fetch) }
}

/**
 * Commit latency (sequential) and throughput (`concurrency` loops) for one member owning all of `topic`'s
 * partitions, committing 1 partition or every partition per request. Rows written are derived: the
 * coordinator upserts one `offsets` row per committed partition (src/storage/group-store.ts writeOffset).
 */
export async function commitScenario(base, { topic, latencyRequests, latencyMaxMs, concurrency, throughputMaxMs }) {
  const member = new Member(base, `bench-commit-${Date.now().toString(36)}`, topic, 'bench-commit')
  await member.join()
  const partitions = member.owned
  let next = 1
  const commit = (width) => (i) => {
    const offsets = Array.from({ length: width }, (_, k) => ({ topic, partition: partitions[(i * width + k) % partitions.length], offset: next++ }))
    const body = Buffer.from(JSON.stringify({ memberId: member.memberId, memberEpoch: member.memberEpoch, offsets }))
    return request(base, 'POST', `/consumer-groups/${member.groupId}/commit`, body).then(() => ({ records: width, bytes: body.length }))
  }
  const results = []
  try {
    for (let i = 0; i < 20; i++) await commit(1)(i)
    for (const width of [1, partitions.length]) {
      const latency = await runSequential({ maxRequests: latencyRequests, maxMs: latencyMaxMs, send: commit(width) })
      const load = await runLoad({ concurrency, maxRequests: Infinity, maxMs: throughputMaxMs, send: commit(width) })
      const seconds = load.elapsedMs / 1000
      results.push({
        partitionsPerCommit: width,
        latency,
        throughput: {
          concurrency,
          commits: load.requests,
          elapsedMs: load.elapsedMs,
          commitsPerSec: load.requests / seconds,
          offsetsPerSec: load.records / seconds,
        },
        derivedRowsWrittenPerCommit: width,
      })
    }
    const { offsets } = await requestJson(base, 'GET', `/consumer-groups/${member.groupId}/offsets`)
    if (offsets.length !== partitions.length) throw new Error(`commit: ${offsets.length} committed partitions, expected ${partitions.length}`)
  } finally {
    await member.leave()
  }
  return { topic, partitions: partitions.length, runs: results }
}

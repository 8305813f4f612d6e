/**
 * Consumer group scenarios over Kafdo's HTTP API (src/http/groups.ts), driven as a real client would:
 *
 * - join-to-first-record: a new member joins a fresh group on an 8-partition topic holding records, then
 *   fetches its assigned partitions (all 8, in parallel, from offset 0) until the first record arrives;
 * - commits: one member owning all 8 partitions commits 1 or 8 offsets per request, sequentially for
 *   latency and from a few concurrent loops for throughput;
 * - rebalance: members that heartbeat every HEARTBEAT_MS, answer REBALANCE_IN_PROGRESS by joining again
 *   with their memberId, and join again on `generationId: -1`; timed until every member holds the
 *   assignment of one generation that covers all of them and all partitions.
 * Every loop stops at a count or a deadline; every group is left (untimed) when its scenario ends, so no
 * coordinator is left with members to expire while later scenarios run.
 */
import { request, requestJson, requestJsonStatus } from './http.mjs'
import { percentiles, runLoad, runSequential } from './load.mjs'
import { produceBatchBody } from './records.mjs'

/** How often a member heartbeats while a rebalance is measured (a real client's interval, shortened). */
export const HEARTBEAT_MS = 50
const SESSION_TIMEOUT_MS = 60_000
/** Codes after which a member must join again (as client/group-membership.ts handles them). */
const REJOIN_CODES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'])

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

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

/** One group member over HTTP: join (again on -1), heartbeat, commit, leave. */
class Member {
  constructor(base, groupId, topic, clientId) {
    Object.assign(this, { base, groupId, topic, clientId })
    this.memberId = undefined
    this.generationId = undefined
    this.partitions = []
    this.joins = 0
    this.heartbeats = 0
  }

  /** Joins until the coordinator hands out a generation; resolves the join result. */
  async join() {
    for (;;) {
      const body = {
        ...(this.memberId ? { memberId: this.memberId } : {}),
        clientId: this.clientId,
        topics: [this.topic],
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
      }
      this.joins++
      const res = await requestJsonStatus(this.base, 'POST', `/consumer-groups/${this.groupId}/join`, body)
      if (res.status >= 400) {
        if (res.body?.error?.code === 'UNKNOWN_MEMBER_ID' && this.memberId) {
          this.memberId = undefined
          continue
        }
        throw new Error(`join ${this.groupId} -> ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`)
      }
      this.memberId = res.body.memberId
      if (res.body.generationId === -1) continue
      this.generationId = res.body.generationId
      this.partitions = res.body.assignment.flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition })))
      return res.body
    }
  }

  /** One heartbeat; resolves whether the member must join again. */
  async heartbeat() {
    this.heartbeats++
    const res = await requestJsonStatus(this.base, 'POST', `/consumer-groups/${this.groupId}/heartbeat`, {
      memberId: this.memberId,
      generationId: this.generationId,
    })
    if (res.status < 400) return false
    const code = res.body?.error?.code
    if (res.status === 409 || REJOIN_CODES.has(code)) {
      if (code === 'UNKNOWN_MEMBER_ID') this.memberId = undefined
      return true
    }
    throw new Error(`heartbeat ${this.groupId} -> ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`)
  }

  async leave() {
    if (!this.memberId) return
    const res = await requestJsonStatus(this.base, 'POST', `/consumer-groups/${this.groupId}/leave`, { memberId: this.memberId })
    if (res.status >= 400 && res.body?.error?.code !== 'UNKNOWN_MEMBER_ID') throw new Error(`leave ${this.groupId} -> ${res.status}`)
    this.memberId = undefined
  }
}

/**
 * Join-to-first-record over `groups` fresh groups (each stops at `maxMs` overall): the time from sending
 * the join to the first fetch response that carries a record, split into the join and the fetch.
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
    if (member.partitions.length === 0) throw new Error(`join-to-first-record: ${member.groupId} got no partitions`)
    let first
    for (let attempt = 0; first === undefined && attempt < 100; attempt++) {
      const fetches = member.partitions.map(({ partition }) =>
        requestJson(base, 'GET', `/topics/${topic}/partitions/${partition}/messages?offset=0&limit=${fetchLimit}`).then((answer) => {
          if (answer.messages.length > 0) first ??= performance.now()
        }),
      )
      await Promise.all(fetches)
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
  const partitions = member.partitions.map((p) => p.partition)
  let next = 1
  const commit = (width) => (i) => {
    const offsets = Array.from({ length: width }, (_, k) => ({ topic, partition: partitions[(i * width + k) % partitions.length], offset: next++ }))
    const body = Buffer.from(JSON.stringify({ memberId: member.memberId, generationId: member.generationId, offsets }))
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

/**
 * Members of one group, each in its own loop: join (again on -1), then heartbeat every HEARTBEAT_MS and
 * join again with its memberId when told to. `settled(n)` answers whether n members hold one generation
 * whose assignments are disjoint and cover every partition.
 */
class Swarm {
  constructor(base, groupId, topic, partitions) {
    Object.assign(this, { base, groupId, topic, partitions })
    this.members = []
    this.loops = []
    this.stopped = false
    this.waiter = undefined
    this.failure = undefined
  }

  add() {
    const member = new Member(this.base, this.groupId, this.topic, `bench-rebalance-${this.members.length}`)
    this.members.push(member)
    this.loops.push(
      this.#loop(member).catch((err) => {
        this.failure = err
        this.waiter?.reject(err)
      }),
    )
  }

  async #loop(member) {
    let joinNeeded = true
    while (!this.stopped) {
      if (joinNeeded) {
        member.generationId = undefined
        await member.join()
        joinNeeded = false
        this.#check()
        continue
      }
      await sleep(HEARTBEAT_MS)
      if (this.stopped) break
      joinNeeded = await member.heartbeat()
    }
  }

  settled(n) {
    if (this.members.length !== n) return undefined
    const generation = this.members[0].generationId
    if (generation === undefined || this.members.some((m) => m.generationId !== generation || m.partitions.length === 0)) return undefined
    const owned = new Set(this.members.flatMap((m) => m.partitions.map((p) => p.partition)))
    const count = this.members.reduce((sum, m) => sum + m.partitions.length, 0)
    return owned.size === this.partitions && count === this.partitions ? { generation, settledAt: performance.now() } : undefined
  }

  #check() {
    if (!this.waiter) return
    const settled = this.settled(this.waiter.n)
    if (settled) {
      this.waiter.resolve(settled)
      this.waiter = undefined
    }
  }

  /** Resolves `{ generation, settledAt }` once n members settle; rejects after `maxMs`. */
  waitSettled(n, maxMs) {
    if (this.failure) return Promise.reject(this.failure)
    const now = this.settled(n)
    if (now) return Promise.resolve(now)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`group ${this.groupId} did not settle with ${n} members in ${maxMs} ms`)), maxMs)
      this.waiter = {
        n,
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      }
    })
  }

  counters() {
    return { joins: this.members.reduce((s, m) => s + m.joins, 0), heartbeats: this.members.reduce((s, m) => s + m.heartbeats, 0) }
  }

  /** Stops every loop, then every member leaves (one at a time). */
  async stop() {
    this.stopped = true
    this.waiter = undefined
    await Promise.all(this.loops)
    for (const member of this.members) await member.leave()
  }
}

/**
 * Rebalance time, `repeats` times each (fresh group every time, stopping early at `maxMs` per case):
 * - `addEighth`: a group of members-1 is formed and stable, members heartbeating; timed from sending the
 *   last member's join until all members hold the new generation's assignment;
 * - `fromScratch`: all members join at once; timed from sending the joins until the same condition.
 */
export async function rebalanceScenario(base, { topic, partitions, members, repeats, maxMs, settleMaxMs }) {
  const stamp = Date.now().toString(36)
  const cases = {}
  for (const kind of ['addEighth', 'fromScratch']) {
    const deadline = performance.now() + maxMs
    const runs = []
    for (let run = 0; run < repeats && performance.now() < deadline; run++) {
      const swarm = new Swarm(base, `bench-rebalance-${kind}-${stamp}-${run}`, topic, partitions)
      try {
        let before = { joins: 0, heartbeats: 0 }
        let startGeneration = 0
        if (kind === 'addEighth') {
          for (let i = 0; i < members - 1; i++) swarm.add()
          startGeneration = (await swarm.waitSettled(members - 1, settleMaxMs)).generation
          await sleep(4 * HEARTBEAT_MS) // a few heartbeats in the stable group before the new member joins
          before = swarm.counters()
        }
        const started = performance.now()
        const adding = kind === 'addEighth' ? 1 : members
        for (let i = 0; i < adding; i++) swarm.add()
        const { generation, settledAt } = await swarm.waitSettled(members, settleMaxMs)
        const after = swarm.counters()
        runs.push({
          ms: settledAt - started,
          generations: generation - startGeneration,
          joins: after.joins - before.joins,
          heartbeats: after.heartbeats - before.heartbeats,
        })
      } finally {
        await swarm.stop()
      }
    }
    const times = runs.map((r) => r.ms)
    cases[kind] = { runs, p50Ms: quantile(times, 50), meanMs: percentiles(times).meanMs, minMs: Math.min(...times), maxMs: Math.max(...times) }
  }
  return { topic, partitions, members, heartbeatMs: HEARTBEAT_MS, ...cases }
}

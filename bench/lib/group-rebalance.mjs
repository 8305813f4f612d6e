/**
 * Rebalances on Kafka 4's consumer protocol, with members driven as the client drives them
 * (group-member.mjs): each member loops heartbeating every HEARTBEAT_MS (sooner when the group says it is
 * reconciling) and fetching through the group in between, while a producer keeps writing, so there is
 * always something to fetch.
 *
 * - newMember: a group of members-1 is stable and consuming; a new member joins. Timed from sending its
 *   join until it owns its share (and the group is Stable). Meanwhile, the records per second fetched by
 *   the members whose partitions did not move, against the same members' rate just before: it must not
 *   drop to zero (there is no group-wide barrier).
 * - eightAtOnce: all members join a fresh group at once; timed from sending the joins until the group is
 *   Stable with every partition owned once.
 */
import { request } from './http.mjs'
import { Member } from './group-member.mjs'
import { percentiles } from './load.mjs'
import { produceBatchBody } from './records.mjs'

/** How often a stable member heartbeats (a real client's default is 3 s; shortened to keep runs short). */
export const HEARTBEAT_MS = 100
const FETCH_LIMIT = 100
const BASELINE_MS = 500

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

class Swarm {
  constructor(base, groupId, topic, partitions) {
    Object.assign(this, { base, groupId, topic, partitions })
    this.members = []
    this.loops = []
    this.stopped = false
    this.failure = undefined
  }

  /** Adds a member: its join is sent now; resolves when it has answered. */
  add() {
    const member = new Member(this.base, this.groupId, this.topic, `bench-rebalance-${this.members.length}`)
    this.members.push(member)
    const joined = member.join()
    this.loops.push(
      joined
        .then(() => this.#loop(member))
        .catch((err) => {
          this.failure = err
        }),
    )
    return joined
  }

  async #loop(member) {
    let nextHeartbeat = performance.now() + HEARTBEAT_MS
    while (!this.stopped) {
      if (performance.now() >= nextHeartbeat) {
        await member.heartbeat()
        const interval = member.state === 'Stable' ? HEARTBEAT_MS : Math.min(HEARTBEAT_MS, member.heartbeatIntervalMs)
        nextHeartbeat = performance.now() + interval
        continue
      }
      if ((await member.fetch(FETCH_LIMIT)) === 0) await sleep(Math.min(10, Math.max(0, nextHeartbeat - performance.now())))
    }
  }

  /** Stable: every member at the group's epoch owning its target, every partition owned once, shares within one. */
  settled() {
    if (this.failure) throw this.failure
    const counts = this.members.map((m) => m.owned.length)
    const owned = new Set(this.members.flatMap((m) => m.owned))
    const epochs = new Set(this.members.map((m) => m.memberEpoch))
    return (
      this.members.every((m) => m.state === 'Stable') &&
      epochs.size === 1 &&
      owned.size === this.partitions &&
      counts.reduce((a, b) => a + b, 0) === this.partitions &&
      Math.max(...counts) - Math.min(...counts) <= 1
    )
  }

  async waitUntil(condition, maxMs, what) {
    const deadline = performance.now() + maxMs
    while (!condition()) {
      if (this.failure) throw this.failure
      if (performance.now() > deadline) throw new Error(`group ${this.groupId}: ${what} not within ${maxMs} ms`)
      await sleep(2)
    }
    return performance.now()
  }

  counters() {
    return { joins: this.members.reduce((s, m) => s + m.joins, 0), heartbeats: this.members.reduce((s, m) => s + m.heartbeats, 0) }
  }

  async stop() {
    this.stopped = true
    await Promise.all(this.loops)
    for (const member of this.members) await member.leave()
  }
}

/** Produces small batches to `topic` until stopped, so members always have records to fetch. */
function producer(base, topic) {
  let stopped = false
  let next = 0
  const loop = (async () => {
    while (!stopped) {
      await request(base, 'POST', `/topics/${topic}/produce-batch`, Buffer.from(produceBatchBody(next, 40)))
      next += 40
      await sleep(10)
    }
  })()
  return { stop: async () => ((stopped = true), await loop) }
}

async function newMemberRun(base, topic, partitions, members, groupId, settleMaxMs) {
  const swarm = new Swarm(base, groupId, topic, partitions)
  try {
    for (let i = 0; i < members - 1; i++) await swarm.add()
    await swarm.waitUntil(() => swarm.settled(), settleMaxMs, `${members - 1} members settling`)
    await sleep(BASELINE_MS)
    const old = [...swarm.members]
    const before = swarm.counters()
    const started = performance.now()
    const newcomer = swarm.add()
    const joinedAt = await newcomer.then(() => performance.now())
    const share = Math.floor(partitions / members)
    const newMember = swarm.members[members - 1]
    const ownedAt = await swarm.waitUntil(() => newMember.owned.length >= share, settleMaxMs, 'the new member owning its share')
    const settledAt = await swarm.waitUntil(() => swarm.settled(), settleMaxMs, `${members} members settling`)
    const after = swarm.counters()
    // Members whose partitions did not move: their owned set last changed before the join.
    const unaffected = old.filter((m) => m.changedAt < started)
    const during = unaffected.reduce((sum, m) => sum + m.fetchedBetween(started, settledAt), 0)
    const baseline = unaffected.reduce((sum, m) => sum + m.fetchedBetween(started - BASELINE_MS, started), 0)
    return {
      joinMs: joinedAt - started,
      ownShareMs: ownedAt - started,
      settleMs: settledAt - started,
      unaffectedMembers: unaffected.length,
      unaffectedRecordsPerSecDuring: during / ((settledAt - started) / 1000),
      unaffectedRecordsPerSecBefore: baseline / (BASELINE_MS / 1000),
      joins: after.joins - before.joins,
      heartbeats: after.heartbeats - before.heartbeats,
    }
  } finally {
    await swarm.stop()
  }
}

async function eightAtOnceRun(base, topic, partitions, members, groupId, settleMaxMs) {
  const swarm = new Swarm(base, groupId, topic, partitions)
  try {
    const started = performance.now()
    const joins = Array.from({ length: members }, () => swarm.add())
    await Promise.all(joins)
    const joinedAt = performance.now()
    const settledAt = await swarm.waitUntil(() => swarm.settled(), settleMaxMs, `${members} members settling`)
    return { joinMs: joinedAt - started, settleMs: settledAt - started, ...swarm.counters() }
  } finally {
    await swarm.stop()
  }
}

/** Both cases, `repeats` times each (a fresh group every time; a case starts no run once its `maxMs` has passed). */
export async function rebalanceScenario(base, { topic, partitions, members, repeats, maxMs, settleMaxMs }) {
  const stamp = Date.now().toString(36)
  const writer = producer(base, topic)
  const summary = (runs, field) => {
    const values = runs.map((r) => r[field])
    return { p50Ms: percentiles(values).p50Ms, minMs: Math.min(...values), maxMs: Math.max(...values) }
  }
  try {
    const newMember = []
    for (let run = 0, deadline = performance.now() + maxMs; run < repeats && performance.now() < deadline; run++) {
      newMember.push(await newMemberRun(base, topic, partitions, members, `bench-rebalance-new-${stamp}-${run}`, settleMaxMs))
    }
    const eightAtOnce = []
    for (let run = 0, deadline = performance.now() + maxMs; run < repeats && performance.now() < deadline; run++) {
      eightAtOnce.push(await eightAtOnceRun(base, topic, partitions, members, `bench-rebalance-all-${stamp}-${run}`, settleMaxMs))
    }
    return {
      topic,
      partitions,
      members,
      heartbeatMs: HEARTBEAT_MS,
      newMember: {
        runs: newMember,
        join: summary(newMember, 'joinMs'),
        ownShare: summary(newMember, 'ownShareMs'),
        settle: summary(newMember, 'settleMs'),
        minUnaffectedRecordsPerSecDuring: Math.min(...newMember.map((r) => r.unaffectedRecordsPerSecDuring)),
      },
      eightAtOnce: { runs: eightAtOnce, settle: summary(eightAtOnce, 'settleMs'), join: summary(eightAtOnce, 'joinMs') },
    }
  } finally {
    await writer.stop()
  }
}

/**
 * One consumer group member over Kafdo's HTTP API, driven as the client's consumer core drives it (Kafka
 * 4's consumer protocol): join once; heartbeat with the owned partitions, and on the answer commit and drop
 * what moved away and report it at once, take what arrived from the committed offsets; fetch through the
 * group; leave. It counts the records it fetched, with when.
 */
import { requestJson, requestJsonStatus } from './http.mjs'

const SESSION_TIMEOUT_MS = 60_000

export class Member {
  constructor(base, groupId, topic, clientId) {
    Object.assign(this, { base, groupId, topic, clientId })
    this.memberId = undefined
    this.memberEpoch = undefined
    this.state = undefined
    this.heartbeatIntervalMs = undefined
    /** partition -> next offset to read ('latest' until the first fetch pins it) */
    this.positions = new Map()
    this.joins = 0
    this.heartbeats = 0
    /** [time, records] of every fetch that returned records. */
    this.fetched = []
    /** When this member's owned set last changed. */
    this.changedAt = 0
  }

  get owned() {
    return [...this.positions.keys()].sort((a, b) => a - b)
  }

  #path(action) {
    return `/consumer-groups/${this.groupId}/${action}`
  }

  /** Joins (one round trip); resolves the answer. */
  async join() {
    this.joins++
    const body = { clientId: this.clientId, topics: [this.topic], sessionTimeoutMs: SESSION_TIMEOUT_MS }
    const res = await requestJsonStatus(this.base, 'POST', this.#path('join'), body)
    if (res.status >= 400) throw new Error(`join ${this.groupId} -> ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`)
    this.memberId = res.body.memberId
    await this.#take(res.body)
    return res.body
  }

  /** One heartbeat, reconciled; again at once after revoking (as the client does), at most three rounds. */
  async heartbeat() {
    for (let round = 0; round < 3; round++) {
      this.heartbeats++
      const owned = this.owned
      const res = await requestJsonStatus(this.base, 'POST', this.#path('heartbeat'), {
        memberId: this.memberId,
        memberEpoch: this.memberEpoch,
        owned: [{ topic: this.topic, partitions: owned }],
      })
      if (res.status >= 400) throw new Error(`heartbeat ${this.groupId} -> ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`)
      const target = new Set(res.body.assignment.flatMap((a) => a.partitions))
      const revoked = owned.filter((p) => !target.has(p))
      if (revoked.length > 0) {
        // Auto-commit on revoke: the partitions' positions, at the epoch that still owns them.
        const offsets = revoked.flatMap((p) =>
          typeof this.positions.get(p) === 'number' ? [{ topic: this.topic, partition: p, offset: this.positions.get(p) }] : [],
        )
        if (offsets.length > 0) await this.commit(offsets).catch(() => undefined)
        for (const p of revoked) this.positions.delete(p)
        this.changedAt = performance.now()
      }
      await this.#take(res.body)
      if (revoked.length === 0) return res.body
    }
  }

  /** Takes an answer: its epoch, and the partitions it newly gives, from the group's committed offsets. */
  async #take(answer) {
    this.memberEpoch = answer.memberEpoch
    this.state = answer.state
    this.heartbeatIntervalMs = answer.heartbeatIntervalMs
    const added = answer.assignment.flatMap((a) => a.partitions).filter((p) => !this.positions.has(p))
    if (added.length === 0) return
    const { offsets } = await requestJson(this.base, 'GET', this.#path('offsets'))
    for (const p of added) this.positions.set(p, offsets.find((o) => o.partition === p)?.offset ?? 'latest')
    this.changedAt = performance.now()
  }

  /** One fetch through the group of every owned partition; resolves how many records it returned. */
  async fetch(limit) {
    const owned = this.owned
    if (owned.length === 0) return 0
    const res = await requestJsonStatus(this.base, 'POST', this.#path('fetch'), {
      memberId: this.memberId,
      memberEpoch: this.memberEpoch,
      partitions: owned.map((partition) => ({ topic: this.topic, partition, offset: this.positions.get(partition) })),
      maxRecords: limit,
    })
    // Moved on meanwhile (stale epoch, a partition revoked): the next heartbeat reconciles.
    if (res.status === 409) return 0
    if (res.status >= 400) throw new Error(`fetch ${this.groupId} -> ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`)
    let records = 0
    for (const p of res.body.partitions) {
      if (!this.positions.has(p.partition)) continue
      this.positions.set(p.partition, p.nextOffset)
      records += p.messages.length
    }
    if (records > 0) this.fetched.push([performance.now(), records])
    return records
  }

  commit(offsets) {
    return requestJson(this.base, 'POST', this.#path('commit'), { memberId: this.memberId, memberEpoch: this.memberEpoch, offsets })
  }

  /** Records fetched in [from, to). */
  fetchedBetween(from, to) {
    return this.fetched.reduce((sum, [at, n]) => sum + (at >= from && at < to ? n : 0), 0)
  }

  async leave() {
    if (!this.memberId) return
    const res = await requestJsonStatus(this.base, 'POST', this.#path('leave'), { memberId: this.memberId, memberEpoch: this.memberEpoch })
    if (res.status >= 400 && res.body?.error?.code !== 'UNKNOWN_MEMBER_ID') throw new Error(`leave ${this.groupId} -> ${res.status}`)
    this.memberId = undefined
  }
}

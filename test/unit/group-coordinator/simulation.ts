/**
 * A consumer group coordinator (the pure state machine) driven by simulated members that behave as the
 * consumer core does: heartbeat with what they hold, drop what the answer no longer gives them (or, when
 * lagging, keep holding it for a while), take what it newly gives, drop everything and join again when
 * fenced. The checks state the protocol's invariants precisely; the property tests call `check()` after
 * every step.
 */
import { expect } from 'vitest'
import { assign } from '../../../src/core/assignors'
import { GroupCoordinator } from '../../../src/core/group-coordinator/coordinator'
import { byTopic, keysOf, listOf, partitionKey, type PartitionKey } from '../../../src/core/group-coordinator/partition-sets'
import type { AssignmentStrategy, JoinGroupInput } from '../../../src/protocol/groups'

export const TOPICS = ['t0', 't1', 't2']

export interface SimClient {
  memberId: string
  epoch: number
  /** What it holds and fetches now. */
  held: Set<PartitionKey>
  subscription: { topics: string[] } | { pattern: string }
}

/** How often the generated runs reached the transitions that matter, so a test can tell it exercised them. */
export const reached = { revoking: 0, lagging: 0, waiting: 0, fencedByRebalanceTimeout: 0, lostReported: 0, sessionExpired: 0, fencedEpoch: 0 }

export class Simulation {
  now = 1_000_000
  readonly coordinator: GroupCoordinator
  readonly clients: SimClient[] = []
  readonly strategy: AssignmentStrategy
  #counter = 0
  partitions: Record<string, number>
  #version = 1

  constructor(strategy: AssignmentStrategy, partitions: Record<string, number>) {
    this.strategy = strategy
    this.partitions = { ...partitions }
    this.coordinator = new GroupCoordinator(
      'g',
      { groupEpoch: 0, assignmentEpoch: 0, strategy: null, topics: { version: this.#version, partitions: this.partitions } },
      [],
      this.now,
    )
  }

  join(subscription: SimClient['subscription'], sessionTimeoutMs: number, rebalanceTimeoutMs: number, memberId?: string): SimClient | undefined {
    const request: JoinGroupInput = {
      ...(memberId ? { memberId } : {}),
      clientId: 'c',
      ...subscription,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      strategy: this.strategy,
    }
    const answer = this.coordinator.join(request, this.now, () => `m${++this.#counter}`)
    if (!answer.ok) return undefined
    const client: SimClient = {
      memberId: answer.value.memberId,
      epoch: answer.value.memberEpoch,
      held: keysOf(answer.value.assignment),
      subscription,
    }
    const existing = this.clients.findIndex((c) => c.memberId === client.memberId)
    if (existing >= 0) this.clients[existing] = client
    else this.clients.push(client)
    return client
  }

  /** One heartbeat of `client`; with `revokeNow`, it drops what it must revoke before it reports again. */
  heartbeat(client: SimClient, options: { revokeNow: boolean; reportOwned: boolean }): void {
    const answer = this.coordinator.heartbeat(
      { memberId: client.memberId, memberEpoch: client.epoch, ...(options.reportOwned ? { owned: byTopic(client.held) } : {}) },
      this.now,
    )
    if (!answer.ok) {
      if (answer.error.code === 'FENCED_MEMBER_EPOCH') reached.fencedEpoch++
      // Unknown or fenced: it gives everything up; a fenced one joins again under its id.
      client.held.clear()
      this.clients.splice(this.clients.indexOf(client), 1)
      if (answer.error.code === 'FENCED_MEMBER_EPOCH') this.join(client.subscription, 30_000, 10_000, client.memberId)
      return
    }
    client.epoch = answer.value.memberEpoch
    if (answer.value.lost) reached.lostReported++
    if (answer.value.state === 'UnrevokedPartitions') reached[options.revokeNow ? 'revoking' : 'lagging']++
    if (answer.value.state === 'UnreleasedPartitions') reached.waiting++
    const assignment = keysOf(answer.value.assignment)
    for (const key of keysOf(answer.value.lost)) client.held.delete(key)
    const revoking = [...client.held].filter((key) => !assignment.has(key))
    if (options.revokeNow) {
      // What the consumer core does on revoke: commit first. Its commit of what it still owns is accepted
      // (partitions it was fenced from, unreported, are refused: the core ignores that refusal).
      const stillOwned = revoking.filter((key) => this.coordinator.owner(key) === client.memberId)
      const refused = this.coordinator.fenceCommit({ memberId: client.memberId, memberEpoch: client.epoch, offsets: stillOwned.map(offset) })
      if (stillOwned.length > 0) expect(refused).toBeUndefined()
      for (const key of revoking) client.held.delete(key)
    }
    for (const key of assignment) client.held.add(key)
  }

  leave(client: SimClient): void {
    expect(this.coordinator.leave(client.memberId, client.epoch).ok).toBe(true)
    client.held.clear()
    this.clients.splice(this.clients.indexOf(client), 1)
  }

  advance(ms: number): void {
    this.now += ms
    const revoking = new Set(this.coordinator.members().flatMap((m) => (m.state === 'UnrevokedPartitions' ? [m.memberId] : [])))
    const size = this.coordinator.size
    this.coordinator.expire(this.now)
    if (this.coordinator.size < size) reached.sessionExpired++
    for (const m of this.coordinator.members()) if (revoking.has(m.memberId) && m.state !== 'UnrevokedPartitions') reached.fencedByRebalanceTimeout++
    // Members the coordinator removed are zombies now: their next heartbeat is refused.
    const members = new Set(this.coordinator.members().map((m) => m.memberId))
    for (const client of [...this.clients]) if (!members.has(client.memberId)) this.heartbeat(client, { revokeNow: true, reportOwned: true })
  }

  setTopics(partitions: Record<string, number>): void {
    this.partitions = { ...partitions }
    this.coordinator.applyTopics({ version: ++this.#version, partitions: this.partitions })
  }

  /** Every live member heartbeats, revoking at once, at least once and until the group is Stable (or `rounds` pass). */
  settle(rounds = 4): void {
    for (let round = 0; round < rounds && (round === 0 || (this.coordinator.state !== 'Stable' && this.coordinator.state !== 'Empty')); round++) {
      for (const client of [...this.clients]) this.heartbeat(client, { revokeNow: true, reportOwned: true })
    }
  }

  /** The invariants, checked after every step. */
  check(): void {
    const { coordinator } = this
    const members = coordinator.members()
    const epoch = coordinator.record.assignmentEpoch
    // 1. No partition has two owners in the coordinator: owned = assigned ∪ pending revocation, disjoint across members.
    const owners = new Map<PartitionKey, string>()
    for (const m of members) {
      expect([...m.assigned].filter((key) => m.pendingRevocation.has(key))).toEqual([])
      for (const key of [...m.assigned, ...m.pendingRevocation]) {
        expect(owners.get(key), `${key} owned by ${owners.get(key)} and ${m.memberId}`).toBeUndefined()
        owners.set(key, m.memberId)
        expect(coordinator.owner(key)).toBe(m.memberId)
      }
    }
    // ... nor among the clients: of all clients holding a partition, at most one could commit it. (A
    // partition of a deleted topic is out of it: its commits are dropped, whoever sends them.)
    const existing = (key: PartitionKey) => coordinator.partitionExists(offset(key).topic, offset(key).partition)
    for (const key of new Set(this.clients.flatMap((c) => [...c.held].filter(existing)))) {
      const committers = this.clients.filter(
        (c) => c.held.has(key) && coordinator.fenceCommit({ memberId: c.memberId, memberEpoch: c.epoch, offsets: [offset(key)] }) === undefined,
      )
      expect(committers.length, `${key} committable by ${committers.map((c) => c.memberId)}`).toBeLessThanOrEqual(1)
    }
    // 2. Every partition of a subscribed topic is in exactly one member's target, and is owned (assigned or
    //    being revoked) or, when free, about to be given: its target member has not reached the target
    //    (its next heartbeat gives it the partition).
    const subscribed = this.#subscribedPartitions()
    const targeted = new Map<PartitionKey, string>()
    for (const m of members) {
      for (const key of m.target) {
        expect(targeted.has(key), `${key} in two targets`).toBe(false)
        targeted.set(key, m.memberId)
      }
    }
    expect([...targeted.keys()].sort()).toEqual([...subscribed].sort())
    for (const key of subscribed) {
      if (owners.has(key)) continue
      const member = members.find((m) => m.memberId === targeted.get(key))!
      expect(member.state === 'Stable' && member.memberEpoch === epoch, `${key} is free and ${member.memberId} is not about to take it`).toBe(false)
    }
    // 3. A Stable group owns exactly its target and, when every member subscribes to the same topics, is
    //    balanced within one partition (for range: within one per topic, as Kafka's RangeAssignor).
    if (coordinator.state === 'Stable') {
      for (const m of members) expect(listOf(m.assigned)).toEqual(listOf(m.target))
      if (this.#homogeneous() && this.strategy !== 'range') {
        const counts = members.map((m) => m.assigned.size)
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
      }
    }
  }

  #subscribedPartitions(): Set<PartitionKey> {
    const keys = new Set<PartitionKey>()
    for (const m of this.coordinator.members()) {
      const topics = m.pattern === null ? m.topics : Object.keys(this.partitions).filter((t) => new RegExp(`^(?:${m.pattern})$`).test(t))
      for (const topic of topics) for (let p = 0; p < (this.partitions[topic] ?? 0); p++) keys.add(partitionKey(topic, p))
    }
    return keys
  }

  #homogeneous(): boolean {
    const subscriptions = new Set(this.clients.map((c) => JSON.stringify(c.subscription)))
    return subscriptions.size <= 1
  }
}

export function offset(key: PartitionKey): { topic: string; partition: number; offset: number } {
  const at = key.lastIndexOf('\u0000')
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)), offset: 1 }
}

/**
 * The fewest partitions a balanced assignment of `total` partitions over the members must take from those
 * that keep `kept[i]` of their previous ones: the `total % members` larger quotas go to those keeping most.
 */
export function minimalMoves(kept: number[], total: number): number {
  const quota = Math.floor(total / kept.length)
  const extra = total % kept.length
  return [...kept].sort((a, b) => b - a).reduce((moves, k, i) => moves + Math.max(0, k - (quota + (i < extra ? 1 : 0))), 0)
}

export { assign }

/**
 * One consumer group's coordinator as a pure state machine (Kafka 4's consumer protocol, KIP-848); the
 * Durable Object persists what `takeChanges()` returns and drives `expire()` from its alarm.
 *
 * - Any change of membership, subscription or subscribed topics bumps the group epoch and recomputes the
 *   target assignment at once (so the group is never seen `Assigning`).
 * - Joins answer at once; each heartbeat reconciles its member one step toward its target
 *   (`reconcile.ts`). There is no group-wide barrier: members whose target does not change never stop.
 * - Only a missed session timeout removes a member. A member that has not revoked partitions within its
 *   rebalance timeout loses just those (Kafdo's deviation from Kafka, which removes the member): they
 *   move on, its epoch stays, and its next heartbeat hears of them as `lost`.
 * Heartbeat times live in memory only, as in Kafka's coordinator: a restarted group grants fresh sessions.
 */
import { fail, ok, type Result } from '../../protocol/errors.js'
import type { CommitRequest, GroupState, HeartbeatRequest, JoinGroupInput, TopicPartition } from '../../protocol/groups.js'
import { MAX_GROUP_MEMBERS } from '../../protocol/limits.js'
import { answerFor, type MemberAnswer } from './answers.js'
import { fenceEpoch, fenceHeartbeat, fenceOwnership, unknownMember } from './fencing.js'
import { keysOf, sameKeys, type PartitionKey } from './partition-sets.js'
import { reconcile } from './reconcile.js'
import { computeTarget, existingOnly, partitionExists, subscribedView } from './target.js'
import type { TopicsSnapshot } from '../../protocol/topics.js'
import type { CoordinatorChanges, GroupRecord, MemberRecord } from './types.js'

export type { MemberAnswer }

export class GroupCoordinator {
  readonly groupId: string
  readonly #group: GroupRecord
  readonly #members = new Map<string, MemberRecord>()
  /** Who owns each partition (assigned or pending revocation): at most one member, by construction. */
  readonly #owners = new Map<PartitionKey, string>()
  readonly #lastSeen = new Map<string, number>()
  #partitions: Map<string, number>
  #groupChanged = false
  readonly #changed = new Set<string>()
  readonly #removed = new Set<string>()

  constructor(groupId: string, group: GroupRecord, members: readonly MemberRecord[], now: number) {
    this.groupId = groupId
    this.#group = { ...group }
    this.#partitions = new Map(Object.entries(group.topics.partitions))
    for (const member of members) {
      this.#members.set(member.memberId, member)
      this.#lastSeen.set(member.memberId, now)
      for (const key of [...member.assigned, ...member.pendingRevocation]) this.#owners.set(key, member.memberId)
    }
  }

  get record(): Readonly<GroupRecord> {
    return this.#group
  }

  get size(): number {
    return this.#members.size
  }

  members(): ReadonlyArray<Readonly<MemberRecord>> {
    return [...this.#members.values()]
  }

  owner(key: PartitionKey): string | undefined {
    return this.#owners.get(key)
  }

  get state(): GroupState {
    if (this.#members.size === 0) return 'Empty'
    if (this.#group.groupEpoch > this.#group.assignmentEpoch) return 'Assigning'
    for (const member of this.#members.values()) {
      if (member.memberEpoch !== this.#group.assignmentEpoch || member.state !== 'Stable') return 'Reconciling'
    }
    return 'Stable'
  }

  join(request: JoinGroupInput, now: number, newMemberId: () => string): Result<MemberAnswer> {
    const known = request.memberId === undefined ? undefined : this.#members.get(request.memberId)
    if (request.memberId !== undefined && !known) return unknownMember(this.groupId, request.memberId)
    if (!known && this.#members.size >= MAX_GROUP_MEMBERS) {
      return fail('GROUP_MAX_SIZE_REACHED', `group '${this.groupId}' already has ${MAX_GROUP_MEMBERS} members`)
    }
    const others = this.#members.size - (known ? 1 : 0)
    if (others > 0 && this.#group.strategy !== null && this.#group.strategy !== request.strategy) {
      return fail('INCONSISTENT_GROUP_PROTOCOL', `group '${this.groupId}' assigns with '${this.#group.strategy}', not '${request.strategy}'`, {
        protocol: this.#group.strategy,
      })
    }
    if (others === 0) this.#group.strategy = request.strategy
    // A member joining again (after it was fenced) has given up what it owned: it starts afresh.
    if (known) this.#setOwnership(known, new Set(), new Set())
    const member: MemberRecord = {
      memberId: known?.memberId ?? newMemberId(),
      clientId: request.clientId,
      topics: request.topics ?? [],
      pattern: request.pattern ?? null,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      memberEpoch: 0,
      previousEpoch: 0,
      state: 'Stable',
      assigned: new Set(),
      pendingRevocation: new Set(),
      target: known?.target ?? new Set(),
      revokeDeadline: null,
      joinedAt: known?.joinedAt ?? now,
    }
    this.#members.set(member.memberId, member)
    this.#lastSeen.set(member.memberId, now)
    this.#changed.add(member.memberId)
    this.#bumpGroupEpoch()
    this.#reconcile(member, new Set(), now)
    return ok(answerFor(member, undefined))
  }

  heartbeat(request: HeartbeatRequest, now: number): Result<MemberAnswer> {
    const member = this.#members.get(request.memberId)
    if (!member) return unknownMember(this.groupId, request.memberId)
    const owned = request.owned === undefined ? undefined : keysOf(request.owned)
    const fenced = fenceHeartbeat(member, request.memberEpoch, owned)
    if (fenced) return fenced
    this.#lastSeen.set(member.memberId, now)
    const topics = request.topics ?? (request.pattern === undefined ? member.topics : [])
    const pattern = request.pattern ?? (request.topics === undefined ? member.pattern : null)
    if (pattern !== member.pattern || topics.join('\u0000') !== member.topics.join('\u0000')) {
      Object.assign(member, { topics, pattern })
      this.#changed.add(member.memberId)
      this.#bumpGroupEpoch()
    }
    this.#reconcile(member, owned, now)
    return ok(answerFor(member, owned))
  }

  leave(memberId: string, memberEpoch: number | undefined): Result<null> {
    const member = this.#members.get(memberId)
    if (!member) return unknownMember(this.groupId, memberId)
    // The previous epoch too: the answer that moved it on may not have arrived before it left.
    if (memberEpoch !== undefined && memberEpoch !== member.memberEpoch && memberEpoch !== member.previousEpoch) {
      return fenceHeartbeat(member, memberEpoch, undefined) ?? ok(null)
    }
    this.#remove(member)
    this.#bumpGroupEpoch()
    return ok(null)
  }

  /**
   * Refuses a commit unless its member is current, at its epoch, and owns every partition it commits that
   * still exists (offsets of deleted topics are dropped by the caller). Without a member: only while the
   * group has none (admin use).
   */
  fenceCommit(request: CommitRequest): Result<never> | undefined {
    if (request.memberId === undefined) {
      if (this.#members.size === 0) return undefined
      return fail('UNKNOWN_MEMBER_ID', `group '${this.groupId}' has active members; only they may commit (with memberId and memberEpoch)`)
    }
    const existing = request.offsets.filter((o) => partitionExists(this.#partitions, o.topic, o.partition))
    return this.fenceFetch(request.memberId, request.memberEpoch ?? 0, existing)
  }

  fenceFetch(memberId: string, memberEpoch: number, partitions: readonly TopicPartition[]): Result<never> | undefined {
    const member = this.#members.get(memberId)
    if (!member) return unknownMember(this.groupId, memberId)
    return fenceEpoch(member, memberEpoch) ?? fenceOwnership(member, partitions)
  }

  partitionExists(topic: string, partition: number): boolean {
    return partitionExists(this.#partitions, topic, partition)
  }

  /** Takes the cluster's newer topic list; recomputes the target if what the members subscribe to changed. */
  applyTopics(snapshot: TopicsSnapshot): boolean {
    if (snapshot.version <= this.#group.topics.version) return false
    this.#setTopics(snapshot)
    return true
  }

  /** Forgets a deleted topic at once, whatever the topic list's version. */
  dropTopic(topic: string): void {
    if (!this.#partitions.has(topic)) return
    const partitions = { ...this.#group.topics.partitions }
    delete partitions[topic]
    this.#setTopics({ version: this.#group.topics.version, partitions })
  }

  /**
   * Removes members whose session expired, and fences members from the partitions they were asked to
   * revoke and have not within their rebalance timeout. Returns whether anything changed.
   */
  expire(now: number): boolean {
    const expired = [...this.#members.values()].filter((m) => (this.#lastSeen.get(m.memberId) ?? 0) + m.sessionTimeoutMs <= now)
    for (const member of expired) this.#remove(member)
    if (expired.length > 0) this.#bumpGroupEpoch()
    let fenced = false
    for (const member of this.#members.values()) {
      if (member.state !== 'UnrevokedPartitions' || member.revokeDeadline === null || member.revokeDeadline > now) continue
      // Its epoch stays: its next heartbeat reconciles it, and hears of the partitions as lost.
      this.#setOwnership(member, member.assigned, new Set())
      member.state = 'Stable'
      member.revokeDeadline = null
      fenced = true
    }
    return expired.length > 0 || fenced
  }

  /** The earliest time a session can expire (members heartbeating meanwhile only push it later). */
  nextSessionExpiry(): number | undefined {
    let earliest: number | undefined
    for (const m of this.#members.values()) {
      const at = (this.#lastSeen.get(m.memberId) ?? 0) + m.sessionTimeoutMs
      if (earliest === undefined || at < earliest) earliest = at
    }
    return earliest
  }

  nextRevocationDeadline(): number | undefined {
    const deadlines = [...this.#members.values()].flatMap((m) => (m.revokeDeadline === null ? [] : [m.revokeDeadline]))
    return deadlines.length > 0 ? Math.min(...deadlines) : undefined
  }

  /** What changed since the last call, for the store to save. */
  takeChanges(): CoordinatorChanges {
    const changes: CoordinatorChanges = {
      group: this.#groupChanged ? { ...this.#group } : undefined,
      members: [...this.#changed].flatMap((id) => this.#members.get(id) ?? []),
      removed: [...this.#removed],
    }
    this.#groupChanged = false
    this.#changed.clear()
    this.#removed.clear()
    return changes
  }

  #reconcile(member: MemberRecord, owned: ReadonlySet<PartitionKey> | undefined, now: number): void {
    const next = reconcile(member, {
      target: member.target,
      targetEpoch: this.#group.assignmentEpoch,
      owned,
      heldByOther: (key) => {
        const owner = this.#owners.get(key)
        return owner !== undefined && owner !== member.memberId
      },
    })
    const unchanged =
      next.memberEpoch === member.memberEpoch &&
      next.state === member.state &&
      sameKeys(next.assigned, member.assigned) &&
      sameKeys(next.pendingRevocation, member.pendingRevocation)
    if (unchanged) return
    if (next.state === 'UnrevokedPartitions' && member.state !== 'UnrevokedPartitions') member.revokeDeadline = now + member.rebalanceTimeoutMs
    if (next.state !== 'UnrevokedPartitions') member.revokeDeadline = null
    if (next.memberEpoch !== member.memberEpoch) member.previousEpoch = member.memberEpoch
    member.memberEpoch = next.memberEpoch
    member.state = next.state
    this.#setOwnership(member, next.assigned, next.pendingRevocation)
  }

  #setOwnership(member: MemberRecord, assigned: ReadonlySet<PartitionKey>, pending: ReadonlySet<PartitionKey>): void {
    for (const key of [...member.assigned, ...member.pendingRevocation]) {
      if (this.#owners.get(key) === member.memberId) this.#owners.delete(key)
    }
    member.assigned = new Set(assigned)
    member.pendingRevocation = new Set(pending)
    for (const key of [...assigned, ...pending]) this.#owners.set(key, member.memberId)
    this.#changed.add(member.memberId)
  }

  #remove(member: MemberRecord): void {
    this.#setOwnership(member, new Set(), new Set())
    this.#members.delete(member.memberId)
    this.#lastSeen.delete(member.memberId)
    this.#changed.delete(member.memberId)
    this.#removed.add(member.memberId)
  }

  #setTopics(snapshot: TopicsSnapshot): void {
    const before = subscribedView(this.#members.values(), this.#partitions)
    this.#group.topics = { version: snapshot.version, partitions: { ...snapshot.partitions } }
    this.#partitions = new Map(Object.entries(snapshot.partitions))
    this.#groupChanged = true
    if (subscribedView(this.#members.values(), this.#partitions) !== before) this.#bumpGroupEpoch()
    else this.#dropMissingPartitions()
  }

  #bumpGroupEpoch(): void {
    this.#group.groupEpoch += 1
    this.#group.assignmentEpoch = this.#group.groupEpoch
    this.#groupChanged = true
    const members = [...this.#members.values()]
    if (members.length > 0) {
      const targets = computeTarget(this.#group.strategy ?? 'sticky', members, this.#partitions)
      for (const member of members) {
        const target = targets.get(member.memberId) ?? new Set<PartitionKey>()
        if (sameKeys(target, member.target)) continue
        member.target = target
        this.#changed.add(member.memberId)
      }
    }
    this.#dropMissingPartitions()
  }

  /** A partition that no longer exists leaves its owner at once: nobody else can be given it. */
  #dropMissingPartitions(): void {
    for (const member of this.#members.values()) {
      const assigned = existingOnly(member.assigned, this.#partitions)
      const pending = existingOnly(member.pendingRevocation, this.#partitions)
      if (assigned.size !== member.assigned.size || pending.size !== member.pendingRevocation.size) this.#setOwnership(member, assigned, pending)
    }
  }
}

/**
 * ConsumerGroupDO: one consumer group's coordinator, following Kafka's classic (eager) group protocol
 * with the assignment computed here rather than by a group leader.
 *
 * - A join while the group is Stable, or a change of membership or of the subscribed topics, starts a
 *   rebalance (PreparingRebalance). Existing members learn of it from their next heartbeat
 *   (REBALANCE_IN_PROGRESS), give up their partitions (committing first) and join again. Only when every
 *   member has rejoined, or the rebalance timeout removes those that did not, is the next generation's
 *   assignment computed and handed out. So a partition never has two owners at once.
 * - Commits carry memberId + generationId; a stale generation (ILLEGAL_GENERATION), an unknown member
 *   (UNKNOWN_MEMBER_ID) or a partition the member does not own (PARTITION_NOT_ASSIGNED) is refused and
 *   nothing is stored, so a zombie consumer cannot move offsets.
 * - A member that stops heartbeating for its session timeout is removed by the alarm; the group
 *   rebalances.
 */
import { DurableObject } from 'cloudflare:workers'
import { assign, type AssignmentStrategy, type TopicPartition } from '../core/assignors.js'
import { CLUSTER_OBJECT_NAME } from '../core/object-names.js'
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import {
  type CommitRequest,
  type GroupListing,
  type HeartbeatRequest,
  type JoinGroupInput,
  type JoinGroupResult,
  type HeartbeatResult,
  type TopicPartitions,
} from '../protocol/groups.js'
import { MAX_GROUP_MEMBERS, MAX_JOIN_WAIT_MS } from '../protocol/limits.js'
import { fenceCommit, groupByTopic, subscribedTopics, subscriptionOf } from './group-rules.js'
import { GroupStore, GROUP_MIGRATIONS, type CommittedOffset, type GroupMeta, type MemberRecord } from '../storage/group-store.js'
import { runMigrations } from '../storage/migrations.js'
import { TimerStore } from '../storage/timers.js'

export interface GroupRef {
  tenant: string
  groupId: string
}

/** What `describe` returns from the coordinator; the service adds lag from the partitions. */
export interface GroupSnapshot {
  groupId: string
  state: GroupMeta['state']
  generationId: number
  protocol: AssignmentStrategy | null
  leaderId: string | null
  members: Array<{ memberId: string; clientId: string; topics: string[]; pattern: string | null; assignment: TopicPartitions[] }>
  offsets: CommittedOffset[]
}

const SESSION_TIMER = 'session'
const REBALANCE_TIMER = 'rebalance'
/** How long a cached view of the cluster's topics is trusted before a heartbeat re-reads it. */
const TOPICS_REFRESH_MS = 30_000

export class ConsumerGroupDO extends DurableObject<KafdoEnv> {
  #store: GroupStore
  #timers: TimerStore
  #meta: GroupMeta | undefined
  #members = new Map<string, MemberRecord>()
  #lastHeartbeat = new Map<string, number>()
  #joinWaiters = new Map<string, (result: JoinGroupResult) => void>()
  #topics: { partitions: Map<string, number>; readAt: number } | undefined
  /** Counts topic deletions heard of, so a commit checked against a list read meanwhile checks again. */
  #deletions = 0

  constructor(ctx: DurableObjectState, env: KafdoEnv) {
    super(ctx, env)
    this.#store = new GroupStore(ctx.storage)
    this.#timers = new TimerStore(ctx.storage)
    ctx.blockConcurrencyWhile(async () => {
      runMigrations(ctx.storage, GROUP_MIGRATIONS)
      this.#meta = this.#store.readMeta()
      const now = Date.now()
      for (const member of this.#store.readMembers()) {
        this.#members.set(member.memberId, member)
        this.#lastHeartbeat.set(member.memberId, now)
      }
    })
  }

  async join(ref: GroupRef, request: JoinGroupInput): Promise<Result<JoinGroupResult>> {
    const meta = await this.#ensureMeta(ref)
    const known = request.memberId === undefined ? undefined : this.#members.get(request.memberId)
    if (request.memberId !== undefined && !known) {
      return fail('UNKNOWN_MEMBER_ID', `member '${request.memberId}' is not in group '${ref.groupId}'; join without a memberId`)
    }
    if (!known && this.#members.size >= MAX_GROUP_MEMBERS) {
      return fail('GROUP_MAX_SIZE_REACHED', `group '${ref.groupId}' already has ${MAX_GROUP_MEMBERS} members`)
    }
    if (this.#members.size > 0 && meta.strategy !== null && meta.strategy !== request.strategy && !(known && this.#members.size === 1)) {
      return fail('INCONSISTENT_GROUP_PROTOCOL', `group '${ref.groupId}' assigns with '${meta.strategy}', not '${request.strategy}'`, {
        protocol: meta.strategy,
      })
    }
    const now = Date.now()
    const memberId = known?.memberId ?? `${request.clientId}-${crypto.randomUUID()}`
    this.#lastHeartbeat.set(memberId, now)
    const subscriptionChanged =
      known !== undefined && (known.pattern !== (request.pattern ?? null) || known.topics.join('\u0000') !== (request.topics ?? []).join('\u0000'))

    if (known && meta.state === 'Stable' && !subscriptionChanged && !(await this.#topicsChanged())) {
      return ok(this.#joinResult(known))
    }

    const member: MemberRecord = {
      memberId,
      clientId: request.clientId,
      topics: request.topics ?? [],
      pattern: request.pattern ?? null,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      rejoined: true,
      assignment: known?.assignment ?? [],
      joinedAt: known?.joinedAt ?? now,
    }
    if (this.#members.size === 0 || (known && this.#members.size === 1)) meta.strategy = request.strategy
    this.#members.set(memberId, member)
    this.#store.writeMember(member)
    if (meta.state !== 'PreparingRebalance') this.#startRebalance(now, memberId)
    else this.#store.writeMeta(meta, now)
    await this.#maybeComplete()
    await this.#armTimers()
    if (this.#meta!.state === 'Stable') return ok(this.#joinResult(this.#members.get(memberId)!))
    return ok(await this.#awaitRebalance(memberId, Math.min(request.rebalanceTimeoutMs, MAX_JOIN_WAIT_MS)))
  }

  async heartbeat(ref: GroupRef, request: HeartbeatRequest): Promise<Result<HeartbeatResult>> {
    const member = this.#members.get(request.memberId)
    if (!this.#meta || !member) return fail('UNKNOWN_MEMBER_ID', `member '${request.memberId}' is not in group '${ref.groupId}'`)
    this.#lastHeartbeat.set(member.memberId, Date.now())
    if (this.#meta.state === 'Stable' && (await this.#topicsChanged())) {
      this.#startRebalance(Date.now())
      await this.#armTimers()
    }
    const meta = this.#meta
    if (meta.state === 'PreparingRebalance' && !member.rejoined) {
      return fail('REBALANCE_IN_PROGRESS', `group '${ref.groupId}' is rebalancing; commit, then join again`)
    }
    if (request.generationId !== meta.generation) {
      return fail('ILLEGAL_GENERATION', `generation ${request.generationId} is not the group's current generation ${meta.generation}`, {
        generationId: meta.generation,
      })
    }
    return ok({ generationId: meta.generation, state: meta.state })
  }

  async commit(ref: GroupRef, request: CommitRequest): Promise<Result<{ committed: number }>> {
    const fenced = fenceCommit(ref.groupId, this.#meta, this.#members, request)
    if (fenced) return fenced
    await this.#ensureMeta(ref)
    const offsets = await this.#existingPartitions(request.offsets)
    const now = Date.now()
    this.ctx.storage.transactionSync(() => {
      for (const offset of offsets) {
        this.#store.writeOffset({
          topic: offset.topic,
          partition: offset.partition,
          offset: offset.offset,
          metadata: offset.metadata ?? null,
          committedAt: now,
        })
      }
    })
    return ok({ committed: offsets.length })
  }

  async leave(ref: GroupRef, memberId: string): Promise<Result<null>> {
    if (!this.#meta || !this.#members.has(memberId)) return fail('UNKNOWN_MEMBER_ID', `member '${memberId}' is not in group '${ref.groupId}'`)
    await this.#removeMembers([memberId])
    return ok(null)
  }

  describe(ref: GroupRef): GroupSnapshot {
    const meta = this.#meta
    if (!meta) return { groupId: ref.groupId, state: 'Dead', generationId: 0, protocol: null, leaderId: null, members: [], offsets: [] }
    return {
      groupId: meta.groupId,
      state: meta.state,
      generationId: meta.generation,
      protocol: meta.strategy,
      leaderId: meta.leader,
      members: [...this.#members.values()].map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        topics: member.topics,
        pattern: member.pattern,
        assignment: groupByTopic(member.assignment),
      })),
      offsets: this.#store.readOffsets(),
    }
  }

  listing(ref: GroupRef): GroupListing {
    return { groupId: ref.groupId, state: this.#meta?.state ?? 'Dead', members: this.#members.size }
  }

  /** Sets committed offsets of a group with no active members (Kafka's --reset-offsets needs the same). */
  async resetOffsets(ref: GroupRef, offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<Result<{ committed: number }>> {
    if (this.#members.size > 0) {
      return fail('NON_EMPTY_GROUP', `group '${ref.groupId}' has active members; stop them before resetting offsets`, { members: this.#members.size })
    }
    await this.#ensureMeta(ref)
    const now = Date.now()
    this.ctx.storage.transactionSync(() => {
      for (const offset of offsets) this.#store.writeOffset({ ...offset, metadata: null, committedAt: now })
    })
    return ok({ committed: offsets.length })
  }

  /** Deletes the group and its offsets; refused while it has members. */
  async deleteGroup(ref: GroupRef): Promise<Result<null>> {
    if (!this.#meta) return fail('GROUP_ID_NOT_FOUND', `group '${ref.groupId}' does not exist`, { groupId: ref.groupId })
    if (this.#members.size > 0) {
      return fail('NON_EMPTY_GROUP', `group '${ref.groupId}' has ${this.#members.size} active members`, { members: this.#members.size })
    }
    await this.env.CLUSTER_METADATA.getByName(CLUSTER_OBJECT_NAME).unregisterGroup(ref.tenant, ref.groupId)
    await this.#wipe()
    return ok(null)
  }

  /** Wipes the group whatever its state (its tenant is being deleted); members get UNKNOWN_MEMBER_ID. */
  async purge(): Promise<void> {
    for (const [memberId, resolve] of this.#joinWaiters) resolve(this.#pendingResult(memberId))
    this.#joinWaiters.clear()
    this.#members.clear()
    this.#lastHeartbeat.clear()
    await this.#wipe()
  }

  /** Deletes the group's storage and starts it again empty (the schema is recreated for later calls). */
  async #wipe(): Promise<void> {
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.#timers.forget()
    runMigrations(this.ctx.storage, GROUP_MIGRATIONS)
    this.#meta = undefined
    this.#topics = undefined
  }

  /**
   * ClusterMetadataDO calls this (until it answers) when a topic is deleted. As Kafka's coordinator does,
   * the group drops its committed offsets for the topic, so one created later under the name starts with
   * none; then it rebalances if a member was subscribed.
   */
  async topicDeleted(topic: string): Promise<void> {
    this.#deletions += 1
    this.#store.deleteOffsets(topic)
    await this.topicsChanged()
  }

  /** ClusterMetadataDO calls this when topics are created or grown. */
  async topicsChanged(): Promise<void> {
    this.#topics = undefined
    if (this.#meta?.state === 'Stable' && (await this.#topicsChanged())) {
      this.#startRebalance(Date.now())
      await this.#armTimers()
    }
  }

  override async alarm(): Promise<void> {
    const firedFor = this.#timers.alarmFired()
    const now = Math.max(Date.now(), firedFor ?? 0)
    for (const timer of this.#timers.due(now)) this.#timers.delete(timer.kind, timer.key)
    if (this.#meta) {
      // A member whose join is being held is alive by definition (Kafka does not expire it either).
      const expired = [...this.#members.values()]
        .filter(
          (member) => !this.#joinWaiters.has(member.memberId) && (this.#lastHeartbeat.get(member.memberId) ?? 0) + member.sessionTimeoutMs <= now,
        )
        .map((member) => member.memberId)
      if (expired.length > 0) await this.#removeMembers(expired)
      const deadline = this.#rebalanceDeadline()
      if (this.#meta.state === 'PreparingRebalance' && deadline !== undefined && deadline <= now) {
        await this.#completeRebalance(true)
      }
    }
    await this.#armTimers()
  }

  async #ensureMeta(ref: GroupRef): Promise<GroupMeta> {
    if (this.#meta) return this.#meta
    const meta: GroupMeta = { tenant: ref.tenant, groupId: ref.groupId, state: 'Empty', generation: 0, strategy: null, leader: null, subscribed: {} }
    await this.env.CLUSTER_METADATA.getByName(CLUSTER_OBJECT_NAME).registerGroup(ref.tenant, ref.groupId)
    if (!this.#meta) {
      this.#store.writeMeta(meta, Date.now())
      this.#meta = meta
    }
    return this.#meta
  }

  /** Every member but `joining` (the one whose join started it) must now join again. */
  #startRebalance(now: number, joining?: string): void {
    const meta = this.#meta!
    meta.state = 'PreparingRebalance'
    for (const member of this.#members.values()) {
      if (!member.rejoined || member.memberId === joining) continue
      member.rejoined = false
      this.#store.writeMember(member)
    }
    this.#store.writeMeta(meta, now)
    this.#timers.set(REBALANCE_TIMER, '', now + this.#rebalanceTimeout())
  }

  async #maybeComplete(): Promise<void> {
    if (this.#meta!.state === 'PreparingRebalance' && [...this.#members.values()].every((member) => member.rejoined)) {
      await this.#completeRebalance(false)
    }
  }

  /**
   * Computes the next generation's assignment from the members that rejoined; removes the others. The
   * topic list is read first: other calls run while it is awaited, so the rebalance is re-checked after
   * it and completed in one synchronous step, exactly once per generation.
   */
  async #completeRebalance(removeStragglers: boolean): Promise<void> {
    const partitions = await this.#topicPartitions()
    const meta = this.#meta
    if (!meta || meta.state !== 'PreparingRebalance') return
    if (!removeStragglers && ![...this.#members.values()].every((member) => member.rejoined)) return
    if (removeStragglers) {
      for (const member of [...this.#members.values()].filter((m) => !m.rejoined)) {
        this.#members.delete(member.memberId)
        this.#lastHeartbeat.delete(member.memberId)
        this.#store.deleteMember(member.memberId)
      }
    }
    const members = [...this.#members.values()]
    const subscribed = subscribedTopics(members, partitions)
    const assignment = assign(meta.strategy ?? 'sticky', {
      members: members.map((member) => ({ memberId: member.memberId, topics: subscriptionOf(member, partitions) })),
      partitions: new Map([...partitions].filter(([topic]) => subscribed.has(topic))),
      previous: new Map(members.map((member) => [member.memberId, member.assignment])),
    })
    const now = Date.now()
    meta.generation += 1
    meta.state = members.length > 0 ? 'Stable' : 'Empty'
    meta.leader = members[0]?.memberId ?? null
    meta.subscribed = Object.fromEntries([...subscribed].map((topic) => [topic, partitions.get(topic)!]))
    this.ctx.storage.transactionSync(() => {
      for (const member of members) {
        member.assignment = assignment.get(member.memberId) ?? []
        member.rejoined = false
        this.#store.writeMember(member)
      }
      this.#store.writeMeta(meta, now)
    })
    this.#timers.delete(REBALANCE_TIMER)
    for (const [memberId, resolve] of this.#joinWaiters) {
      const member = this.#members.get(memberId)
      if (member) resolve(this.#joinResult(member))
    }
    this.#joinWaiters.clear()
  }

  async #removeMembers(memberIds: string[]): Promise<void> {
    for (const memberId of memberIds) {
      this.#members.delete(memberId)
      this.#lastHeartbeat.delete(memberId)
      this.#store.deleteMember(memberId)
      this.#joinWaiters.delete(memberId)
    }
    const meta = this.#meta!
    if (this.#members.size === 0) {
      meta.generation += 1
      meta.state = 'Empty'
      meta.leader = null
      this.#store.writeMeta(meta, Date.now())
      this.#timers.delete(REBALANCE_TIMER)
    } else if (meta.state !== 'PreparingRebalance') {
      this.#startRebalance(Date.now())
    } else {
      await this.#maybeComplete()
    }
    await this.#armTimers()
  }

  #awaitRebalance(memberId: string, waitMs: number): Promise<JoinGroupResult> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#joinWaiters.delete(memberId)
        const member = this.#members.get(memberId)
        resolve(member ? { ...this.#joinResult(member), generationId: -1, assignment: [] } : this.#pendingResult(memberId))
      }, waitMs)
      this.#joinWaiters.set(memberId, (result) => {
        clearTimeout(timer)
        resolve(result)
      })
    })
  }

  #pendingResult(memberId: string): JoinGroupResult {
    const meta = this.#meta!
    return {
      groupId: meta.groupId,
      memberId,
      generationId: -1,
      state: meta.state,
      protocol: meta.strategy ?? 'sticky',
      leaderId: meta.leader,
      assignment: [],
    }
  }

  #joinResult(member: MemberRecord): JoinGroupResult {
    const meta = this.#meta!
    return {
      groupId: meta.groupId,
      memberId: member.memberId,
      generationId: meta.generation,
      state: meta.state,
      protocol: meta.strategy ?? 'sticky',
      leaderId: meta.leader,
      assignment: groupByTopic(member.assignment),
    }
  }

  #rebalanceTimeout(): number {
    return Math.max(0, ...[...this.#members.values()].map((member) => member.rebalanceTimeoutMs))
  }

  #rebalanceDeadline(): number | undefined {
    return this.#timers.get(REBALANCE_TIMER)?.dueAt
  }

  /**
   * One session timer at the earliest possible expiry; heartbeats only move expiries later. Members in a
   * held join cannot expire, so they do not count (else the alarm would fire again and again).
   */
  async #armTimers(): Promise<void> {
    const expiries = [...this.#members.values()]
      .filter((member) => !this.#joinWaiters.has(member.memberId))
      .map((member) => (this.#lastHeartbeat.get(member.memberId) ?? 0) + member.sessionTimeoutMs)
    if (expiries.length > 0) this.#timers.set(SESSION_TIMER, '', Math.min(...expiries))
    else this.#timers.delete(SESSION_TIMER)
    await this.#timers.arm()
  }

  /** The cluster's topics and partition counts, re-read when stale or when told they changed. */
  async #topicPartitions(): Promise<Map<string, number>> {
    if (this.#topics && Date.now() - this.#topics.readAt < TOPICS_REFRESH_MS) return this.#topics.partitions
    const topics = await this.env.CLUSTER_METADATA.getByName(CLUSTER_OBJECT_NAME).listTopics(this.#meta!.tenant)
    this.#topics = { partitions: new Map(topics.map((topic) => [topic.topic, topic.partitions])), readAt: Date.now() }
    return this.#topics.partitions
  }

  /**
   * The committed offsets whose partition still exists. A member may commit a partition of a topic deleted
   * since its assignment (until it rejoins): that offset is discarded, as the deletion discarded the
   * others, so a topic created later under the name inherits none. The cached topic list is re-read
   * before discarding anything (it is dropped when a topic is deleted).
   */
  async #existingPartitions<T extends TopicPartition>(offsets: readonly T[]): Promise<T[]> {
    const existing = (partitions: ReadonlyMap<string, number>) => offsets.filter((o) => o.partition < (partitions.get(o.topic) ?? 0))
    for (;;) {
      const deletions = this.#deletions
      let partitions = await this.#topicPartitions()
      if (existing(partitions).length < offsets.length) {
        this.#topics = undefined
        partitions = await this.#topicPartitions()
      }
      // A list read while a topic was being deleted may still hold it: read again.
      if (deletions === this.#deletions) return existing(partitions)
    }
  }

  /** Whether the subscribed topics or their partition counts differ from what the assignment used. */
  async #topicsChanged(): Promise<boolean> {
    const partitions = await this.#topicPartitions()
    const subscribed = subscribedTopics([...this.#members.values()], partitions)
    const previous = this.#meta!.subscribed
    if (subscribed.size !== Object.keys(previous).length) return true
    for (const topic of subscribed) if (previous[topic] !== partitions.get(topic)) return true
    return false
  }
}

/**
 * ConsumerGroupDO: one consumer group's coordinator, on Kafka 4's consumer protocol (KIP-848). A thin RPC
 * shell over the pure state machine of `core/group-coordinator/` (joins, reconciling heartbeats, fencing
 * by member epoch, target assignment): it loads and saves that state (`storage/group-store.ts`), keeps
 * the committed offsets, runs one alarm for session timeouts, rebalance timeouts and a periodic check of
 * the topic list, and takes the topic lists its tenant's metadata object pushes when topics change.
 */
import { DurableObject } from 'cloudflare:workers'
import { GroupCoordinator } from '../core/group-coordinator/coordinator.js'
import type { KafdoEnv } from '../env.js'
import { fail, ok, type Result } from '../protocol/errors.js'
import type {
  CommitRequest,
  GroupListing,
  GroupRef,
  GroupSnapshot,
  HeartbeatRequest,
  HeartbeatResult,
  JoinGroupInput,
  JoinGroupResult,
  LeaveRequest,
  TopicPartition,
} from '../protocol/groups.js'
import type { TopicsSnapshot } from '../protocol/topics.js'
import { byTopic } from '../core/group-coordinator/partition-sets.js'
import { GroupStore, GROUP_MIGRATIONS } from '../storage/group-store.js'
import { runMigrations } from '../storage/migrations.js'
import { runDueTimers, type TimerTable } from '../storage/timer-dispatch.js'
import { TimerStore } from '../storage/timers.js'
import { metadataStub } from './object-calls.js'

/** How often a group with members reads the topic list itself, in case a pushed change did not arrive. */
const TOPICS_CHECK_MS = 60_000

type TimerKind = 'session' | 'revocation' | 'topics'

/** A group that exists: its tenant and its coordinator, always together. */
interface OpenGroup {
  tenant: string
  coordinator: GroupCoordinator
}

export class ConsumerGroupDO extends DurableObject<KafdoEnv> {
  readonly #store: GroupStore
  readonly #timers: TimerStore
  /** The group once it exists (joined, committed to, or restored from storage); none before. */
  #group: OpenGroup | undefined

  get #coordinator(): GroupCoordinator | undefined {
    return this.#group?.coordinator
  }

  /** What each timer does when due; `expire` is idempotent, so the two timers that call it may both fire. */
  readonly #onTimer: TimerTable<TimerKind> = {
    session: (_timer, now) => {
      this.#coordinator?.expire(now)
      return 'done'
    },
    revocation: (_timer, now) => {
      this.#coordinator?.expire(now)
      return 'done'
    },
    topics: async () => {
      await this.#checkTopics()
      return 'done' as const
    },
  }

  constructor(ctx: DurableObjectState, env: KafdoEnv) {
    super(ctx, env)
    this.#store = new GroupStore(ctx.storage)
    this.#timers = new TimerStore(ctx.storage)
    ctx.blockConcurrencyWhile(async () => {
      runMigrations(ctx.storage, GROUP_MIGRATIONS)
      const stored = this.#store.readGroup()
      if (stored) {
        this.#group = { tenant: stored.tenant, coordinator: new GroupCoordinator(stored.groupId, stored, this.#store.readMembers(), Date.now()) }
      }
    })
  }

  async join(ref: GroupRef, request: JoinGroupInput): Promise<Result<JoinGroupResult>> {
    const coordinator = await this.#open(ref)
    const answer = coordinator.join(request, Date.now(), () => `${request.clientId}-${crypto.randomUUID()}`)
    await this.#save()
    if (!answer.ok) return answer
    const { lost: _none, ...joined } = answer.value
    return ok({ groupId: ref.groupId, ...joined, generationId: joined.memberEpoch })
  }

  async heartbeat(ref: GroupRef, request: HeartbeatRequest): Promise<Result<HeartbeatResult>> {
    const coordinator = this.#coordinator
    if (!coordinator) return fail('UNKNOWN_MEMBER_ID', `member '${request.memberId}' is not in group '${ref.groupId}'; join again without a memberId`)
    const answer = coordinator.heartbeat(request, Date.now())
    await this.#save()
    if (!answer.ok) return answer
    const { memberId: _id, ...result } = answer.value
    return ok(result)
  }

  /** Checks a fetch through the group: the member's epoch is current and it owns every partition. */
  fetchGrant(ref: GroupRef, memberId: string, memberEpoch: number, partitions: TopicPartition[]): Result<null> {
    const coordinator = this.#coordinator
    if (!coordinator) return fail('UNKNOWN_MEMBER_ID', `member '${memberId}' is not in group '${ref.groupId}'; join again without a memberId`)
    return coordinator.fenceFetch(memberId, memberEpoch, partitions) ?? ok(null)
  }

  async commit(ref: GroupRef, request: CommitRequest): Promise<Result<{ committed: number }>> {
    if (request.memberId !== undefined && !this.#coordinator) {
      return fail('UNKNOWN_MEMBER_ID', `member '${request.memberId}' is not in group '${ref.groupId}'; join again without a memberId`)
    }
    const refused = this.#coordinator?.fenceCommit(request)
    if (refused) return refused
    const coordinator = await this.#open(ref)
    // A member may commit a partition of a topic deleted since it was given it: that offset is dropped,
    // as the deletion dropped the others. The topic list is read again before dropping anything.
    if (request.offsets.some((o) => !coordinator.partitionExists(o.topic, o.partition))) await this.#checkTopics()
    const offsets = request.offsets.filter((o) => coordinator.partitionExists(o.topic, o.partition))
    const again = coordinator.fenceCommit(request)
    if (again) return again
    const now = Date.now()
    this.ctx.storage.transactionSync(() => {
      for (const o of offsets)
        this.#store.writeOffset({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? null, committedAt: now })
    })
    return ok({ committed: offsets.length })
  }

  async leave(ref: GroupRef, request: LeaveRequest): Promise<Result<null>> {
    const coordinator = this.#coordinator
    if (!coordinator) return fail('UNKNOWN_MEMBER_ID', `member '${request.memberId}' is not in group '${ref.groupId}'`)
    const answer = coordinator.leave(request.memberId, request.memberEpoch)
    await this.#save()
    return answer
  }

  describe(ref: GroupRef): GroupSnapshot {
    const coordinator = this.#coordinator
    if (!coordinator) return { groupId: ref.groupId, state: 'Dead', groupEpoch: 0, assignmentEpoch: 0, protocol: null, members: [], offsets: [] }
    const { groupEpoch, assignmentEpoch, strategy } = coordinator.record
    return {
      groupId: ref.groupId,
      state: coordinator.state,
      groupEpoch,
      assignmentEpoch,
      protocol: strategy,
      members: coordinator.members().map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        memberEpoch: m.memberEpoch,
        state: m.state,
        topics: m.topics,
        pattern: m.pattern,
        assignment: byTopic([...m.assigned, ...m.pendingRevocation]),
        target: byTopic(m.target),
        pendingRevocation: byTopic(m.pendingRevocation),
      })),
      offsets: this.#store.readOffsets(),
    }
  }

  listing(ref: GroupRef): GroupListing {
    return { groupId: ref.groupId, state: this.#coordinator?.state ?? 'Dead', members: this.#coordinator?.size ?? 0 }
  }

  /** Sets committed offsets of a group with no members (Kafka's --reset-offsets needs the same). */
  async resetOffsets(ref: GroupRef, offsets: Array<{ topic: string; partition: number; offset: number }>): Promise<Result<{ committed: number }>> {
    const members = this.#coordinator?.size ?? 0
    if (members > 0) return fail('NON_EMPTY_GROUP', `group '${ref.groupId}' has active members; stop them before resetting offsets`, { members })
    await this.#open(ref)
    const now = Date.now()
    this.ctx.storage.transactionSync(() => {
      for (const offset of offsets) this.#store.writeOffset({ ...offset, metadata: null, committedAt: now })
    })
    return ok({ committed: offsets.length })
  }

  /** Deletes the group and its offsets; refused while it has members. */
  async deleteGroup(ref: GroupRef): Promise<Result<null>> {
    if (!this.#coordinator) return fail('GROUP_ID_NOT_FOUND', `group '${ref.groupId}' does not exist`, { groupId: ref.groupId })
    const members = this.#coordinator.size
    if (members > 0) return fail('NON_EMPTY_GROUP', `group '${ref.groupId}' has ${members} active members`, { members })
    await this.#metadata(ref.tenant).unregisterGroup(ref.tenant, ref.groupId)
    await this.#wipe()
    return ok(null)
  }

  /** Wipes the group whatever its state (its tenant is being deleted); members get UNKNOWN_MEMBER_ID. */
  async purge(): Promise<void> {
    await this.#wipe()
  }

  /**
   * The tenant's metadata object pushes this when a topic is deleted. As Kafka's coordinator does, the
   * group drops its committed offsets for the topic, so one created later under the name starts with none.
   */
  async topicDeleted(topic: string, snapshot: TopicsSnapshot): Promise<void> {
    this.#store.deleteOffsets(topic)
    this.#coordinator?.applyTopics(snapshot)
    this.#coordinator?.dropTopic(topic)
    await this.#save()
  }

  /** The tenant's metadata object pushes the tenant's topic list when topics are created or grown. */
  async topicsChanged(snapshot: TopicsSnapshot): Promise<void> {
    if (this.#coordinator?.applyTopics(snapshot)) await this.#save()
  }

  override async alarm(): Promise<void> {
    // Each due timer is removed once its handler ran; saving points the timers at the next deadlines.
    await runDueTimers(this.#timers, this.#onTimer)
    await this.#save()
  }

  /** The group's coordinator, registering the group with the cluster (which answers its topics) when new. */
  async #open(ref: GroupRef): Promise<GroupCoordinator> {
    if (this.#group && this.#group.coordinator.record.topics.version > 0) return this.#group.coordinator
    const snapshot = await this.#metadata(ref.tenant).registerGroup(ref.tenant, ref.groupId)
    if (this.#group) {
      this.#group.coordinator.applyTopics(snapshot)
      return this.#group.coordinator
    }
    const coordinator = new GroupCoordinator(ref.groupId, { groupEpoch: 0, assignmentEpoch: 0, strategy: null, topics: snapshot }, [], Date.now())
    this.#group = { tenant: ref.tenant, coordinator }
    this.#store.writeGroup({ tenant: ref.tenant, groupId: ref.groupId, ...coordinator.record }, Date.now())
    return coordinator
  }

  /** Reads the topic list itself (a pushed change may have been lost); keeps checking while it has members. */
  async #checkTopics(): Promise<void> {
    const group = this.#group
    if (!group) return
    group.coordinator.applyTopics(await this.#metadata(group.tenant).topicSnapshot(group.tenant))
  }

  /** Saves what the coordinator changed in one transaction, and points the timers at its next deadlines. */
  async #save(): Promise<void> {
    if (!this.#group) return
    const { tenant, coordinator } = this.#group
    const changes = coordinator.takeChanges()
    if (changes.group || changes.members.length > 0 || changes.removed.length > 0) {
      this.ctx.storage.transactionSync(() => {
        if (changes.group) this.#store.writeGroup({ tenant, groupId: coordinator.groupId, ...changes.group }, Date.now())
        for (const member of changes.members) this.#store.writeMember(member)
        for (const memberId of changes.removed) this.#store.deleteMember(memberId)
      })
    }
    this.#schedule('session', coordinator.nextSessionExpiry())
    this.#schedule('revocation', coordinator.nextRevocationDeadline())
    this.#schedule('topics', coordinator.size > 0 ? (this.#timers.get('topics')?.dueAt ?? Date.now() + TOPICS_CHECK_MS) : undefined)
    await this.#timers.arm()
  }

  /**
   * A timer is only ever moved earlier: heartbeats push session expiries later, and an alarm that fires
   * before anything is due finds nothing to do and schedules the next. So a heartbeat writes nothing.
   */
  #schedule(kind: TimerKind, dueAt: number | undefined): void {
    const current = this.#timers.get(kind)?.dueAt
    if (dueAt === undefined) {
      if (current !== undefined) this.#timers.delete(kind)
    } else if (current === undefined || dueAt < current) {
      this.#timers.set(kind, '', dueAt)
    }
  }

  /** Deletes the group's storage and starts it again empty (the schema is recreated for later calls). */
  async #wipe(): Promise<void> {
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.#timers.forget()
    runMigrations(this.ctx.storage, GROUP_MIGRATIONS)
    this.#group = undefined
  }

  #metadata(tenant: string) {
    return metadataStub(this.env, tenant)
  }
}

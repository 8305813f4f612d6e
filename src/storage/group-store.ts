/**
 * Typed SQL for ConsumerGroupDO: the group row (epochs, assignor, the cluster's topics as last heard),
 * its members (subscription, timeouts, epoch, reconciliation state, owned and target partitions) and the
 * committed offsets. Heartbeat times are kept in memory only, as Kafka's coordinator does.
 *
 * Version 2 moved groups from the classic protocol (generations) to Kafka 4's consumer protocol: the
 * `offsets` table is kept as it is, the group row keeps its tenant, name and assignor (its generation
 * becomes the group epoch), and the old members are dropped: their clients' next call is refused.
 */
import type { GroupRecord, MemberRecord } from '../core/group-coordinator/types.js'
import { byTopic, keysOf } from '../core/group-coordinator/partition-sets.js'
import type { AssignmentStrategy, MemberState, TopicPartitions } from '../protocol/groups.js'
import type { Migration } from './migrations.js'
import { TIMERS_TABLE } from './timers.js'

export const GROUP_MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE group_meta (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      tenant TEXT NOT NULL,
      group_id TEXT NOT NULL,
      state TEXT NOT NULL,
      generation INTEGER NOT NULL,
      strategy TEXT,
      leader TEXT,
      subscribed TEXT NOT NULL DEFAULT '{}',
      created_at INTEGER NOT NULL
    )`,
    `CREATE TABLE members (
      member_id TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      topics TEXT NOT NULL,
      pattern TEXT,
      session_timeout_ms INTEGER NOT NULL,
      rebalance_timeout_ms INTEGER NOT NULL,
      rejoined INTEGER NOT NULL,
      assignment TEXT NOT NULL,
      joined_at INTEGER NOT NULL
    )`,
    `CREATE TABLE offsets (
      topic TEXT NOT NULL,
      partition INTEGER NOT NULL,
      committed_offset INTEGER NOT NULL,
      metadata TEXT,
      committed_at INTEGER NOT NULL,
      PRIMARY KEY (topic, partition)
    )`,
    TIMERS_TABLE,
  ],
  [
    `CREATE TABLE group_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      tenant TEXT NOT NULL,
      group_id TEXT NOT NULL,
      group_epoch INTEGER NOT NULL,
      assignment_epoch INTEGER NOT NULL,
      strategy TEXT,
      topics_version INTEGER NOT NULL,
      topics TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`,
    `INSERT INTO group_state (id, tenant, group_id, group_epoch, assignment_epoch, strategy, topics_version, topics, created_at)
      SELECT 1, tenant, group_id, generation, generation, NULL, 0, '{}', created_at FROM group_meta`,
    'DROP TABLE group_meta',
    'DROP TABLE members',
    `CREATE TABLE group_members (
      member_id TEXT PRIMARY KEY,
      client_id TEXT NOT NULL,
      topics TEXT NOT NULL,
      pattern TEXT,
      session_timeout_ms INTEGER NOT NULL,
      rebalance_timeout_ms INTEGER NOT NULL,
      member_epoch INTEGER NOT NULL,
      previous_epoch INTEGER NOT NULL,
      state TEXT NOT NULL,
      assigned TEXT NOT NULL,
      pending_revocation TEXT NOT NULL,
      target TEXT NOT NULL,
      revoke_deadline INTEGER,
      joined_at INTEGER NOT NULL
    )`,
    // The classic protocol's session and rebalance timers mean nothing any more.
    'DELETE FROM timers',
  ],
]

/** The group row: who it is, and the coordinator's group record. */
export interface StoredGroup extends GroupRecord {
  tenant: string
  groupId: string
}

export interface CommittedOffset {
  topic: string
  partition: number
  offset: number
  metadata: string | null
  committedAt: number
}

type GroupRow = {
  tenant: string
  group_id: string
  group_epoch: number
  assignment_epoch: number
  strategy: string | null
  topics_version: number
  topics: string
}
type MemberRow = {
  member_id: string
  client_id: string
  topics: string
  pattern: string | null
  session_timeout_ms: number
  rebalance_timeout_ms: number
  member_epoch: number
  previous_epoch: number
  state: string
  assigned: string
  pending_revocation: string
  target: string
  revoke_deadline: number | null
  joined_at: number
}
type OffsetRow = { topic: string; partition: number; committed_offset: number; metadata: string | null; committed_at: number }

const partitions = (json: string) => keysOf(JSON.parse(json) as TopicPartitions[])

export class GroupStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  readGroup(): StoredGroup | undefined {
    const row = this.#sql.exec<GroupRow>('SELECT * FROM group_state').toArray()[0]
    if (!row) return undefined
    return {
      tenant: row.tenant,
      groupId: row.group_id,
      groupEpoch: row.group_epoch,
      assignmentEpoch: row.assignment_epoch,
      strategy: row.strategy as AssignmentStrategy | null,
      topics: { version: row.topics_version, partitions: JSON.parse(row.topics) as Record<string, number> },
    }
  }

  writeGroup(group: StoredGroup, now: number): void {
    this.#sql.exec(
      `INSERT INTO group_state (id, tenant, group_id, group_epoch, assignment_epoch, strategy, topics_version, topics, created_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET group_epoch = excluded.group_epoch, assignment_epoch = excluded.assignment_epoch,
         strategy = excluded.strategy, topics_version = excluded.topics_version, topics = excluded.topics`,
      group.tenant,
      group.groupId,
      group.groupEpoch,
      group.assignmentEpoch,
      group.strategy,
      group.topics.version,
      JSON.stringify(group.topics.partitions),
      now,
    )
  }

  readMembers(): MemberRecord[] {
    return this.#sql
      .exec<MemberRow>('SELECT * FROM group_members ORDER BY joined_at, member_id')
      .toArray()
      .map((row) => ({
        memberId: row.member_id,
        clientId: row.client_id,
        topics: JSON.parse(row.topics) as string[],
        pattern: row.pattern,
        sessionTimeoutMs: row.session_timeout_ms,
        rebalanceTimeoutMs: row.rebalance_timeout_ms,
        memberEpoch: row.member_epoch,
        previousEpoch: row.previous_epoch,
        state: row.state as MemberState,
        assigned: partitions(row.assigned),
        pendingRevocation: partitions(row.pending_revocation),
        target: partitions(row.target),
        revokeDeadline: row.revoke_deadline,
        joinedAt: row.joined_at,
      }))
  }

  writeMember(member: MemberRecord): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO group_members (member_id, client_id, topics, pattern, session_timeout_ms, rebalance_timeout_ms, member_epoch,
         previous_epoch, state, assigned, pending_revocation, target, revoke_deadline, joined_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      member.memberId,
      member.clientId,
      JSON.stringify(member.topics),
      member.pattern,
      member.sessionTimeoutMs,
      member.rebalanceTimeoutMs,
      member.memberEpoch,
      member.previousEpoch,
      member.state,
      JSON.stringify(byTopic(member.assigned)),
      JSON.stringify(byTopic(member.pendingRevocation)),
      JSON.stringify(byTopic(member.target)),
      member.revokeDeadline,
      member.joinedAt,
    )
  }

  deleteMember(memberId: string): void {
    this.#sql.exec('DELETE FROM group_members WHERE member_id = ?', memberId)
  }

  readOffsets(): CommittedOffset[] {
    return this.#sql
      .exec<OffsetRow>('SELECT topic, partition, committed_offset, metadata, committed_at FROM offsets ORDER BY topic, partition')
      .toArray()
      .map((row) => ({
        topic: row.topic,
        partition: row.partition,
        offset: row.committed_offset,
        metadata: row.metadata,
        committedAt: row.committed_at,
      }))
  }

  deleteOffsets(topic: string): void {
    this.#sql.exec('DELETE FROM offsets WHERE topic = ?', topic)
  }

  writeOffset(offset: CommittedOffset): void {
    this.#sql.exec(
      `INSERT INTO offsets (topic, partition, committed_offset, metadata, committed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(topic, partition) DO UPDATE SET committed_offset = excluded.committed_offset, metadata = excluded.metadata, committed_at = excluded.committed_at`,
      offset.topic,
      offset.partition,
      offset.offset,
      offset.metadata,
      offset.committedAt,
    )
  }
}

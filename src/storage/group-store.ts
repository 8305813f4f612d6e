/**
 * Typed SQL for ConsumerGroupDO: the group row (state, generation, strategy), its members (subscription,
 * timeouts, assignment, whether they have rejoined the rebalance in progress) and committed offsets.
 * Heartbeat times are kept in memory only, as Kafka's coordinator does; a restarted group grants every
 * member a fresh session.
 */
import type { AssignmentStrategy, TopicPartition } from '../core/assignors.js'
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
]

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export interface GroupMeta {
  tenant: string
  groupId: string
  state: GroupState
  generation: number
  strategy: AssignmentStrategy | null
  leader: string | null
  /** Partition counts of the subscribed topics the current assignment was computed from. */
  subscribed: Record<string, number>
}

export interface MemberRecord {
  memberId: string
  clientId: string
  topics: string[]
  pattern: string | null
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  /** Joined (or rejoined) during the rebalance in progress. */
  rejoined: boolean
  assignment: TopicPartition[]
  joinedAt: number
}

export interface CommittedOffset {
  topic: string
  partition: number
  offset: number
  metadata: string | null
  committedAt: number
}

type MetaRow = {
  tenant: string
  group_id: string
  state: string
  generation: number
  strategy: string | null
  leader: string | null
  subscribed: string
}
type MemberRow = {
  member_id: string
  client_id: string
  topics: string
  pattern: string | null
  session_timeout_ms: number
  rebalance_timeout_ms: number
  rejoined: number
  assignment: string
  joined_at: number
}
type OffsetRow = { topic: string; partition: number; committed_offset: number; metadata: string | null; committed_at: number }

export class GroupStore {
  readonly #sql: SqlStorage

  constructor(storage: DurableObjectStorage) {
    this.#sql = storage.sql
  }

  readMeta(): GroupMeta | undefined {
    const row = this.#sql.exec<MetaRow>('SELECT tenant, group_id, state, generation, strategy, leader, subscribed FROM group_meta').toArray()[0]
    if (!row) return undefined
    return {
      tenant: row.tenant,
      groupId: row.group_id,
      state: row.state as GroupState,
      generation: row.generation,
      strategy: row.strategy as AssignmentStrategy | null,
      leader: row.leader,
      subscribed: JSON.parse(row.subscribed) as Record<string, number>,
    }
  }

  writeMeta(meta: GroupMeta, now: number): void {
    this.#sql.exec(
      `INSERT INTO group_meta (id, tenant, group_id, state, generation, strategy, leader, subscribed, created_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET state = excluded.state, generation = excluded.generation, strategy = excluded.strategy,
         leader = excluded.leader, subscribed = excluded.subscribed`,
      meta.tenant,
      meta.groupId,
      meta.state,
      meta.generation,
      meta.strategy,
      meta.leader,
      JSON.stringify(meta.subscribed),
      now,
    )
  }

  readMembers(): MemberRecord[] {
    return this.#sql
      .exec<MemberRow>('SELECT * FROM members ORDER BY joined_at, member_id')
      .toArray()
      .map((row) => ({
        memberId: row.member_id,
        clientId: row.client_id,
        topics: JSON.parse(row.topics) as string[],
        pattern: row.pattern,
        sessionTimeoutMs: row.session_timeout_ms,
        rebalanceTimeoutMs: row.rebalance_timeout_ms,
        rejoined: row.rejoined === 1,
        assignment: JSON.parse(row.assignment) as TopicPartition[],
        joinedAt: row.joined_at,
      }))
  }

  writeMember(member: MemberRecord): void {
    this.#sql.exec(
      `INSERT INTO members (member_id, client_id, topics, pattern, session_timeout_ms, rebalance_timeout_ms, rejoined, assignment, joined_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(member_id) DO UPDATE SET client_id = excluded.client_id, topics = excluded.topics, pattern = excluded.pattern,
         session_timeout_ms = excluded.session_timeout_ms, rebalance_timeout_ms = excluded.rebalance_timeout_ms,
         rejoined = excluded.rejoined, assignment = excluded.assignment`,
      member.memberId,
      member.clientId,
      JSON.stringify(member.topics),
      member.pattern,
      member.sessionTimeoutMs,
      member.rebalanceTimeoutMs,
      member.rejoined ? 1 : 0,
      JSON.stringify(member.assignment),
      member.joinedAt,
    )
  }

  deleteMember(memberId: string): void {
    this.#sql.exec('DELETE FROM members WHERE member_id = ?', memberId)
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

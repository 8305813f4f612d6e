/** What the consumer group coordinator answers: joins, heartbeats, group fetches, descriptions. */
import type { FetchResponse } from './records.js'
import type { AssignmentStrategy, TopicPartitions } from './groups.js'

/**
 * A group's state, as Kafka's consumer groups report it: `Empty` (no members), `Assigning` (the target
 * assignment is being computed), `Reconciling` (some member has not reached it yet), `Stable`, and `Dead`
 * (no such group).
 */
export type GroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead'

/**
 * A member's reconciliation state, as Kafka's: `Stable` (it owns its assignment), `UnrevokedPartitions`
 * (it must revoke partitions before it moves on), `UnreleasedPartitions` (some of its target partitions
 * are still held by members revoking them; it gets them on a later heartbeat).
 */
export type MemberState = 'Stable' | 'UnrevokedPartitions' | 'UnreleasedPartitions'

export interface JoinGroupResult {
  groupId: string
  memberId: string
  memberEpoch: number
  /** How long to wait before the next heartbeat (shorter while the member is reconciling). */
  heartbeatIntervalMs: number
  /** The partitions this member may own now: those of its target that are free (possibly none). */
  assignment: TopicPartitions[]
  state: MemberState
  /**
   * Deprecated, equal to `memberEpoch`: lets a client of the classic protocol get as far as its first
   * heartbeat or commit, which is then refused with UNSUPPORTED_VERSION naming the upgrade.
   */
  generationId: number
}

export interface HeartbeatResult {
  memberEpoch: number
  heartbeatIntervalMs: number
  /**
   * What the member may own now. Anything it holds that is not here must be revoked (commit, run
   * onPartitionsRevoked, stop fetching), then reported by a heartbeat's `owned`.
   */
  assignment: TopicPartitions[]
  state: MemberState
  /**
   * Partitions the member reported holding that it no longer owns: it did not revoke them within its
   * rebalance timeout (or their topic was deleted), and they moved on. Drop them without committing.
   */
  lost?: TopicPartitions[]
}

export interface GroupFetchResult {
  /** The partitions that answered, in answer order (a long poll ends at the first one with records). */
  partitions: FetchResponse[]
}

export interface GroupMemberDescription {
  memberId: string
  clientId: string
  memberEpoch: number
  state: MemberState
  topics: string[]
  pattern: string | null
  /** Every partition the member owns now, including those it has been asked to revoke. */
  assignment: TopicPartitions[]
  /** The partitions the coordinator's target assignment gives it. */
  target: TopicPartitions[]
  /** The owned partitions it has been asked to revoke and has not yet. */
  pendingRevocation: TopicPartitions[]
}

export interface CommittedOffsetDescription {
  topic: string
  partition: number
  offset: number
  metadata: string | null
  committedAt: number
}

export interface PartitionLag {
  topic: string
  partition: number
  /** The committed offset (next to read), or null when the group never committed this partition. */
  committed: number | null
  latest: number
  /** latest - committed; null when nothing is committed. */
  lag: number | null
}

export interface GroupDescription {
  groupId: string
  state: GroupState
  /** Bumped on every change of membership, subscription or subscribed topics. */
  groupEpoch: number
  /** The group epoch the target assignment was computed at. */
  assignmentEpoch: number
  protocol: AssignmentStrategy | null
  members: GroupMemberDescription[]
  offsets: CommittedOffsetDescription[]
  lag: PartitionLag[]
  totalLag: number
}

export interface GroupListing {
  groupId: string
  state: GroupState
  members: number
}

/** A group's description as its coordinator object gives it; the service adds lag from the partitions. */
export type GroupSnapshot = Omit<GroupDescription, 'lag' | 'totalLag'>

/** Which group an RPC to a coordinator object is about (the object's name is derived from it). */
export interface GroupRef {
  tenant: string
  groupId: string
}

/** What the coordinator keeps per group and per member (and the group's store persists). */
import type { AssignmentStrategy, MemberState } from '../../protocol/groups.js'
import type { TopicsSnapshot } from '../../protocol/topics.js'
import type { PartitionKey } from './partition-sets.js'

export interface GroupRecord {
  /** Bumped on every change of membership, subscription or subscribed topics. */
  groupEpoch: number
  /** The group epoch the members' targets were computed at. */
  assignmentEpoch: number
  /** Fixed by the group's first member; null while it has none. */
  strategy: AssignmentStrategy | null
  /** The tenant's topics as the cluster's metadata object last told the group. */
  topics: TopicsSnapshot
}

export interface MemberRecord {
  memberId: string
  clientId: string
  topics: string[]
  pattern: string | null
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  memberEpoch: number
  /** The epoch before the current one: a heartbeat with it is accepted once (its answer may have been lost). */
  previousEpoch: number
  state: MemberState
  /** Owned, not pending revocation. */
  assigned: Set<PartitionKey>
  /** Owned, to be revoked by the member. */
  pendingRevocation: Set<PartitionKey>
  /** Its partitions in the group's target assignment. */
  target: Set<PartitionKey>
  /** When it loses `pendingRevocation` if it has not revoked them (its rebalance timeout), else null. */
  revokeDeadline: number | null
  joinedAt: number
}

/** What changed since the store last saved the coordinator's state. */
export interface CoordinatorChanges {
  group: GroupRecord | undefined
  members: MemberRecord[]
  removed: string[]
}

/**
 * What the consumer core needs from a transport, and nothing else: the in-Worker consumer implements it
 * with the services (`api/consumer.ts`), the client with HTTP requests (`client/group-port.ts`).
 */
import type {
  CommittedOffsetDescription,
  FetchResponse,
  GroupFetchRequest,
  HeartbeatRequest,
  HeartbeatResult,
  JoinGroupRequest,
  JoinGroupResult,
  LeaveRequest,
  OffsetCommit,
  TopicPartition,
} from '../../protocol/index.js'

export interface GroupPort {
  /** Not retried by the core: a join whose answer was lost would register a second member. */
  join(request: JoinGroupRequest): Promise<JoinGroupResult>
  heartbeat(request: HeartbeatRequest): Promise<HeartbeatResult>
  /**
   * A fetch through the group (fenced by epoch and ownership); the answers of the partitions that answered.
   * `signal` abandons a long poll (a consumer stopping); a port that cannot abandon one ignores it.
   */
  fetch(request: GroupFetchRequest, signal?: AbortSignal): Promise<FetchResponse[]>
  commit(request: { memberId: string; memberEpoch: number; offsets: OffsetCommit[] }): Promise<unknown>
  leave(request: LeaveRequest): Promise<unknown>
  /** The group's committed offsets. */
  committedOffsets(): Promise<CommittedOffsetDescription[]>
}

/** Kafka's ConsumerRebalanceListener, with Kafka 4's onPartitionsLost. */
export interface RebalanceListener {
  /** Partitions this member now owns, their positions at the group's committed offsets. */
  onPartitionsAssigned?(partitions: TopicPartition[]): Promise<void> | void
  /** Partitions about to move to another member: still owned (a commit here is accepted); auto-commit ran first. */
  onPartitionsRevoked?(partitions: TopicPartition[]): Promise<void> | void
  /** Partitions no longer owned without a revocation (fenced, removed, or not revoked in time): do not commit them. */
  onPartitionsLost?(partitions: TopicPartition[]): Promise<void> | void
}

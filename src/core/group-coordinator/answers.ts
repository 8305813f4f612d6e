/** What a join or a heartbeat answers a member, once the coordinator has reconciled it. */
import type { HeartbeatResult } from '../../protocol/groups.js'
import { DEFAULT_HEARTBEAT_INTERVAL_MS, RECONCILE_HEARTBEAT_INTERVAL_MS } from '../../protocol/limits.js'
import { byTopic, minus, type PartitionKey } from './partition-sets.js'
import type { MemberRecord } from './types.js'

/** A join's or heartbeat's answer, before the object adds the group's id. */
export type MemberAnswer = HeartbeatResult & { memberId: string }

/**
 * Its epoch and assignment; the partitions it reported holding that are no longer its own (`lost`); and
 * when to heartbeat next: soon while it is reconciling (waiting for partitions, or revoking), so
 * partitions move on quickly, else at most a third of its session timeout.
 */
export function answerFor(member: MemberRecord, owned: ReadonlySet<PartitionKey> | undefined): MemberAnswer {
  const lost = owned === undefined ? [] : [...minus(minus(owned, member.assigned), member.pendingRevocation)]
  const stableInterval = Math.min(DEFAULT_HEARTBEAT_INTERVAL_MS, Math.floor(member.sessionTimeoutMs / 3))
  return {
    memberId: member.memberId,
    memberEpoch: member.memberEpoch,
    heartbeatIntervalMs: member.state === 'Stable' ? stableInterval : Math.min(stableInterval, RECONCILE_HEARTBEAT_INTERVAL_MS),
    assignment: byTopic(member.assigned),
    state: member.state,
    ...(lost.length > 0 ? { lost: byTopic(lost) } : {}),
  }
}

/**
 * One member's step toward its target assignment, as Kafka's CurrentAssignmentBuilder takes it
 * (group-coordinator/.../modern/consumer/CurrentAssignmentBuilder.java). Pure: the coordinator supplies
 * who else holds what.
 *
 * - It keeps what it owns of its target; what it owns outside its target is pending revocation.
 * - While it still reports owning a partition pending revocation it stays at its epoch
 *   (`UnrevokedPartitions`), so its commits of those partitions (auto-commit on revoke) are accepted.
 * - Once it has revoked them it moves to the target epoch and is given the target partitions nobody else
 *   holds; those still held elsewhere wait (`UnreleasedPartitions`) until their owner releases them.
 * So a partition is never given while another member holds it.
 */
import type { MemberState } from '../../protocol/groups.js'
import { intersect, minus, overlaps, type PartitionKey } from './partition-sets.js'

export interface MemberAssignment {
  memberEpoch: number
  state: MemberState
  /** Owned and not pending revocation. */
  assigned: ReadonlySet<PartitionKey>
  /** Owned, and to be revoked before anything else happens to this member. */
  pendingRevocation: ReadonlySet<PartitionKey>
}

export interface ReconcileContext {
  /** The member's partitions in the target assignment. */
  target: ReadonlySet<PartitionKey>
  targetEpoch: number
  /** What the member reports holding; undefined (not reported) counts as still holding everything. */
  owned: ReadonlySet<PartitionKey> | undefined
  /** Whether a member other than this one owns the partition (assigned or pending revocation). */
  heldByOther: (key: PartitionKey) => boolean
}

export function reconcile(member: MemberAssignment, context: ReconcileContext): MemberAssignment {
  switch (member.state) {
    case 'Stable':
      return member.memberEpoch === context.targetEpoch ? member : nextAssignment(member, context, member.memberEpoch)
    case 'UnrevokedPartitions':
      if (stillOwns(context.owned, member.pendingRevocation)) return member
      // Revoked: one epoch on (not straight to the target's, which may ask for more revocations).
      return nextAssignment(member, context, Math.min(member.memberEpoch + 1, context.targetEpoch))
    case 'UnreleasedPartitions':
      return nextAssignment(member, context, member.memberEpoch)
  }
}

function nextAssignment(member: MemberAssignment, context: ReconcileContext, memberEpoch: number): MemberAssignment {
  const kept = intersect(member.assigned, context.target)
  const revoking = minus(member.assigned, kept)
  if (revoking.size > 0 && stillOwns(context.owned, revoking)) {
    return { memberEpoch, state: 'UnrevokedPartitions', assigned: kept, pendingRevocation: revoking }
  }
  let unreleased = false
  const assigned = new Set(kept)
  for (const key of context.target) {
    if (assigned.has(key)) continue
    if (context.heldByOther(key)) unreleased = true
    else assigned.add(key)
  }
  return {
    memberEpoch: context.targetEpoch,
    state: unreleased ? 'UnreleasedPartitions' : 'Stable',
    assigned,
    pendingRevocation: new Set(),
  }
}

function stillOwns(owned: ReadonlySet<PartitionKey> | undefined, revoking: ReadonlySet<PartitionKey>): boolean {
  return owned === undefined ? revoking.size > 0 : overlaps(owned, revoking)
}

/**
 * Fencing by member epoch, with Kafka's names.
 * - A heartbeat with an epoch above the member's, or below it other than the previous one (whose answer
 *   may have been lost, accepted when it owns no more than it is assigned), is FENCED_MEMBER_EPOCH: the
 *   member gives up its partitions and joins again.
 * - A commit or a fetch through the group with an older epoch is STALE_MEMBER_EPOCH (the member learns the
 *   new one from a heartbeat), a newer one FENCED_MEMBER_EPOCH; a partition the member does not own
 *   (assigned or still being revoked) is PARTITION_NOT_ASSIGNED. Unknown members are UNKNOWN_MEMBER_ID.
 */
import { fail, type Result } from '../../protocol/errors.js'
import type { TopicPartition } from '../../protocol/groups.js'
import { partitionKey, type PartitionKey } from './partition-sets.js'
import type { MemberRecord } from './types.js'

export function unknownMember(groupId: string, memberId: string): Result<never> {
  return fail('UNKNOWN_MEMBER_ID', `member '${memberId}' is not in group '${groupId}'; join again without a memberId`, { memberId })
}

export function fenceHeartbeat(member: MemberRecord, memberEpoch: number, owned: ReadonlySet<PartitionKey> | undefined): Result<never> | undefined {
  if (memberEpoch === member.memberEpoch) return undefined
  if (memberEpoch < member.memberEpoch && memberEpoch === member.previousEpoch && owned !== undefined) {
    let subset = true
    for (const key of owned) if (!member.assigned.has(key)) subset = false
    if (subset) return undefined
  }
  return fenced(member, memberEpoch)
}

/** The epoch check of a commit or a group fetch. */
export function fenceEpoch(member: MemberRecord, memberEpoch: number): Result<never> | undefined {
  if (memberEpoch < member.memberEpoch) {
    return fail(
      'STALE_MEMBER_EPOCH',
      `member epoch ${memberEpoch} is stale: member '${member.memberId}' is at epoch ${member.memberEpoch}; heartbeat to learn it`,
      { memberEpoch: member.memberEpoch },
    )
  }
  return memberEpoch > member.memberEpoch ? fenced(member, memberEpoch) : undefined
}

/** The first of `partitions` the member does not own, refused. */
export function fenceOwnership(member: MemberRecord, partitions: readonly TopicPartition[]): Result<never> | undefined {
  const foreign = partitions.find((tp) => {
    const key = partitionKey(tp.topic, tp.partition)
    return !member.assigned.has(key) && !member.pendingRevocation.has(key)
  })
  if (!foreign) return undefined
  return fail('PARTITION_NOT_ASSIGNED', `partition ${foreign.partition} of '${foreign.topic}' is not owned by member '${member.memberId}'`, {
    topic: foreign.topic,
    partition: foreign.partition,
  })
}

function fenced(member: MemberRecord, memberEpoch: number): Result<never> {
  return fail(
    'FENCED_MEMBER_EPOCH',
    `member epoch ${memberEpoch} is not member '${member.memberId}''s epoch ${member.memberEpoch}; give up its partitions and join again`,
    { memberEpoch: member.memberEpoch },
  )
}

/**
 * The consumer group coordinator's rules that need no runtime: which topics a member's subscription
 * covers, and whether a commit may be stored (Kafka's fencing by member and generation, plus ownership).
 */
import type { TopicPartition } from '../core/assignors.js'
import { fail, type Result } from '../protocol/errors.js'
import { compilePattern, type CommitRequest, type TopicPartitions } from '../protocol/groups.js'
import type { GroupMeta, MemberRecord } from '../storage/group-store.js'
import { isInternalTopic } from '../protocol/topics.js'

/**
 * Refuses a commit from a member the group does not know (UNKNOWN_MEMBER_ID), from another generation
 * (ILLEGAL_GENERATION) or for a partition the member does not own (PARTITION_NOT_ASSIGNED). A commit
 * without a member is only for a group with no members.
 */
export function fenceCommit(
  groupId: string,
  meta: GroupMeta | undefined,
  members: ReadonlyMap<string, MemberRecord>,
  request: CommitRequest,
): Result<never> | undefined {
  if (request.memberId === undefined) {
    return members.size > 0
      ? fail('UNKNOWN_MEMBER_ID', `group '${groupId}' has active members; only they may commit (with memberId and generationId)`)
      : undefined
  }
  const member = members.get(request.memberId)
  if (!meta || !member) return fail('UNKNOWN_MEMBER_ID', `member '${request.memberId}' is not in group '${groupId}'`)
  if (request.generationId !== meta.generation) {
    return fail('ILLEGAL_GENERATION', `generation ${request.generationId} is not the group's current generation ${meta.generation}`, {
      generationId: meta.generation,
    })
  }
  const owned = new Set(member.assignment.map((tp) => `${tp.topic}\u0000${tp.partition}`))
  const foreign = request.offsets.find((offset) => !owned.has(`${offset.topic}\u0000${offset.partition}`))
  if (foreign) {
    return fail('PARTITION_NOT_ASSIGNED', `partition ${foreign.partition} of '${foreign.topic}' is not assigned to member '${member.memberId}'`, {
      topic: foreign.topic,
      partition: foreign.partition,
    })
  }
  return undefined
}

export function subscriptionOf(member: MemberRecord, partitions: ReadonlyMap<string, number>): string[] {
  if (member.pattern === null) return member.topics.filter((topic) => partitions.has(topic))
  const pattern = compilePattern(member.pattern)
  // Internal topics (`__audit`) never match a pattern, as Kafka's internal topics do not.
  return [...partitions.keys()].filter((topic) => !isInternalTopic(topic) && pattern.test(topic))
}

export function subscribedTopics(members: readonly MemberRecord[], partitions: ReadonlyMap<string, number>): Set<string> {
  return new Set(members.flatMap((member) => subscriptionOf(member, partitions)))
}

export function groupByTopic(partitions: readonly TopicPartition[]): TopicPartitions[] {
  const byTopic = new Map<string, number[]>()
  for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list.sort((a, b) => a - b) }))
}

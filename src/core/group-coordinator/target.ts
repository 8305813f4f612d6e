/**
 * The group's target assignment: each member's subscription resolved against the topics that exist
 * (a pattern matches whole names and never an internal topic, as in Kafka), then the group's assignor,
 * with the previous target as the sticky input (as Kafka's TargetAssignmentBuilder does).
 */
import { assign } from '../assignors.js'
import { isInternalTopic } from '../../protocol/topics.js'
import { compilePattern, type AssignmentStrategy } from '../../protocol/groups.js'
import { keysOfList, listOf, parseKey, type PartitionKey } from './partition-sets.js'

export interface Subscription {
  topics: readonly string[]
  pattern: string | null
}

/** The topics a subscription covers among those that exist. */
export function subscribedTopics(subscription: Subscription, partitions: ReadonlyMap<string, number>): string[] {
  if (subscription.pattern === null) return subscription.topics.filter((topic) => partitions.has(topic))
  const pattern = compilePattern(subscription.pattern)
  return [...partitions.keys()].filter((topic) => !isInternalTopic(topic) && pattern.test(topic))
}

export interface TargetMember extends Subscription {
  memberId: string
  target: ReadonlySet<PartitionKey>
}

export function computeTarget(
  strategy: AssignmentStrategy,
  members: readonly TargetMember[],
  partitions: ReadonlyMap<string, number>,
): Map<string, Set<PartitionKey>> {
  const subscriptions = members.map((member) => ({ memberId: member.memberId, topics: subscribedTopics(member, partitions) }))
  const subscribed = new Set(subscriptions.flatMap((member) => member.topics))
  const assignment = assign(strategy, {
    members: subscriptions,
    partitions: new Map([...partitions].filter(([topic]) => subscribed.has(topic))),
    previous: new Map(members.map((member) => [member.memberId, listOf(member.target)])),
  })
  return new Map(members.map((member) => [member.memberId, keysOfList(assignment.get(member.memberId) ?? [])]))
}

/** Whether the partition exists in the cluster's topics as last heard. */
export function partitionExists(partitions: ReadonlyMap<string, number>, topic: string, partition: number): boolean {
  return partition < (partitions.get(topic) ?? 0)
}

/** The subscribed topics and their partition counts, as one comparable string: a change re-targets the group. */
export function subscribedView(members: Iterable<Subscription>, partitions: ReadonlyMap<string, number>): string {
  const topics = new Set([...members].flatMap((m) => subscribedTopics(m, partitions)))
  return [...topics]
    .sort()
    .map((topic) => `${topic}:${partitions.get(topic)}`)
    .join(',')
}

/** The partitions of `keys` that still exist. */
export function existingOnly(keys: ReadonlySet<PartitionKey>, partitions: ReadonlyMap<string, number>): Set<PartitionKey> {
  return new Set(
    [...keys].filter((key) => {
      const { topic, partition } = parseKey(key)
      return partitionExists(partitions, topic, partition)
    }),
  )
}

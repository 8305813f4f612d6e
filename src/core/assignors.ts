/**
 * The target assignment, computed by the group coordinator (as Kafka 4's consumer protocol does, not by a
 * group leader as in the classic one). Three strategies, as Kafka's built-in assignors:
 * - `range`: per topic, members in order get contiguous ranges; the first `partitions % members` get one
 *   more (RangeAssignor). Balanced per topic, not across topics.
 * - `roundrobin`: all partitions in (topic, partition) order dealt to members in order, skipping members
 *   not subscribed to the topic (RoundRobinAssignor).
 * - `sticky`: keeps every partition where it was when that is still valid, gives unowned partitions to the
 *   least-loaded subscribed member, then moves partitions one at a time from the most- to the
 *   least-loaded member until no move can narrow the gap (StickyAssignor's goals: balance, then fewest
 *   moves).
 * Every strategy assigns each partition of a subscribed topic to exactly one subscribed member.
 */

import type { AssignmentStrategy, TopicPartition } from '../protocol/groups.js'

export interface AssignorMember {
  memberId: string
  /** Topic names this member is subscribed to (patterns already resolved). */
  topics: readonly string[]
}

export interface AssignorInput {
  members: readonly AssignorMember[]
  /** Partition count per topic; topics absent here (deleted, unknown) are not assigned. */
  partitions: ReadonlyMap<string, number>
  /** The previous target assignment, used by `sticky`. */
  previous?: ReadonlyMap<string, readonly TopicPartition[]>
}

export type Assignment = Map<string, TopicPartition[]>

export function assign(strategy: AssignmentStrategy, input: AssignorInput): Assignment {
  switch (strategy) {
    case 'range':
      return rangeAssign(input)
    case 'roundrobin':
      return roundRobinAssign(input)
    case 'sticky':
      return stickyAssign(input)
  }
}

const byId = (a: AssignorMember, b: AssignorMember) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)

function emptyAssignment(members: readonly AssignorMember[]): Assignment {
  return new Map(members.map((member) => [member.memberId, []]))
}

function subscribedTopics(input: AssignorInput): string[] {
  const topics = new Set(input.members.flatMap((member) => member.topics))
  return [...topics].filter((topic) => input.partitions.has(topic)).sort()
}

function rangeAssign(input: AssignorInput): Assignment {
  const result = emptyAssignment(input.members)
  const members = [...input.members].sort(byId)
  for (const topic of subscribedTopics(input)) {
    const consumers = members.filter((member) => member.topics.includes(topic))
    const count = input.partitions.get(topic)!
    const per = Math.floor(count / consumers.length)
    const extra = count % consumers.length
    let next = 0
    consumers.forEach((member, i) => {
      const take = per + (i < extra ? 1 : 0)
      for (let p = next; p < next + take; p++) result.get(member.memberId)!.push({ topic, partition: p })
      next += take
    })
  }
  return result
}

function roundRobinAssign(input: AssignorInput): Assignment {
  const result = emptyAssignment(input.members)
  const members = [...input.members].sort(byId)
  let cursor = 0
  for (const topic of subscribedTopics(input)) {
    for (let partition = 0; partition < input.partitions.get(topic)!; partition++) {
      // Deal to the next member (in circular order) subscribed to this topic.
      for (let tried = 0; tried < members.length; tried++) {
        const member = members[(cursor + tried) % members.length]!
        if (member.topics.includes(topic)) {
          result.get(member.memberId)!.push({ topic, partition })
          cursor = (cursor + tried + 1) % members.length
          break
        }
      }
    }
  }
  return result
}

function stickyAssign(input: AssignorInput): Assignment {
  const members = [...input.members].sort(byId)
  const result = emptyAssignment(members)
  const subscribers = new Map<string, AssignorMember[]>()
  for (const topic of subscribedTopics(input))
    subscribers.set(
      topic,
      members.filter((member) => member.topics.includes(topic)),
    )
  const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`
  const owned = new Set<string>()

  // 1. Keep previous ownership that is still valid.
  for (const member of members) {
    for (const tp of input.previous?.get(member.memberId) ?? []) {
      const count = input.partitions.get(tp.topic)
      if (count === undefined || tp.partition >= count || !member.topics.includes(tp.topic) || owned.has(key(tp))) continue
      owned.add(key(tp))
      result.get(member.memberId)!.push({ topic: tp.topic, partition: tp.partition })
    }
  }

  // 2. Give every unowned partition to the least-loaded subscribed member.
  const load = (memberId: string) => result.get(memberId)!.length
  for (const [topic, consumers] of subscribers) {
    for (let partition = 0; partition < input.partitions.get(topic)!; partition++) {
      if (owned.has(key({ topic, partition }))) continue
      const target = consumers.reduce((best, member) => (load(member.memberId) < load(best.memberId) ? member : best))
      result.get(target.memberId)!.push({ topic, partition })
      owned.add(key({ topic, partition }))
    }
  }

  // 3. Rebalance: move one partition at a time from a more- to a less-loaded member that may own it.
  for (let moved = true; moved;) {
    moved = false
    const ordered = [...members].sort((a, b) => load(b.memberId) - load(a.memberId) || byId(a, b))
    for (const from of ordered) {
      const candidates = [...ordered].reverse()
      const partitions = result.get(from.memberId)!
      for (let i = partitions.length - 1; i >= 0 && !moved; i--) {
        const tp = partitions[i]!
        const to = candidates.find((member) => load(member.memberId) + 1 < load(from.memberId) && member.topics.includes(tp.topic))
        if (!to) continue
        partitions.splice(i, 1)
        result.get(to.memberId)!.push(tp)
        moved = true
      }
      if (moved) break
    }
  }
  for (const partitions of result.values()) partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  return result
}

/**
 * Reads of what other objects hold, over object-calls.ts, for the Worker's services and for an object
 * alike (TenantMonitorDO's periodic evaluation runs without a Worker request): every partition's metrics
 * of a set of topics, in one `metrics` call per partition with a bounded fan-out, and a consumer group's
 * description with its lag, read from the partitions' log ends. Topic look-ups are the caller's (the
 * Worker passes the isolate's topic cache).
 */
import { settleAll } from '../core/monitoring/concurrency.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import type { GroupDescription, GroupRef, GroupSnapshot, PartitionLag } from '../protocol/group-answers.js'
import type { PartitionMetrics, PartitionRef } from '../protocol/partition-rpc.js'
import type { TopicMetadata } from '../protocol/topics.js'
import { attempt, groupStub, partitionStub } from './object-calls.js'

/** Partition objects asked at once by one fan-out. */
export const FANOUT_CONCURRENCY = 50

/** Every partition's metrics, in partition order; a partition that failed to answer is undefined. */
export async function partitionsMetrics(
  env: KafdoBindings,
  tenant: string,
  topic: TopicMetadata,
  groups: readonly string[] = [],
): Promise<Array<PartitionMetrics | undefined>> {
  return (await topicsMetrics(env, tenant, [topic], groups))[0]!
}

/**
 * The partitions' metrics of several topics, with at most FANOUT_CONCURRENCY partition calls in flight
 * in all: per topic, in partition order, undefined where a partition did not answer.
 */
export async function topicsMetrics(
  env: KafdoBindings,
  tenant: string,
  topics: readonly TopicMetadata[],
  groups: readonly string[] = [],
): Promise<Array<Array<PartitionMetrics | undefined>>> {
  const refs: PartitionRef[] = topics.flatMap((topic) =>
    Array.from({ length: topic.partitions }, (_, partition) => ({ tenant, topic: topic.topic, topicId: topic.topicId, partition })),
  )
  const settled = await settleAll(refs, FANOUT_CONCURRENCY, (ref) => attempt(() => partitionStub(env, ref).metrics(ref, [...groups])))
  const flat = settled.map((result) => (result.status === 'fulfilled' ? (result.value as PartitionMetrics) : undefined))
  let at = 0
  return topics.map((topic) => flat.slice(at, (at += topic.partitions)))
}

/**
 * The log end of a partition, for lag; throws UNKNOWN_TOPIC_OR_PARTITION (a KafdoError) for a topic or
 * partition that does not exist (any more).
 */
export type LatestOffset = (topic: string, partition: number) => Promise<number>

/** A group's description: its coordinator's snapshot, with the lag of every partition it committed to or owns. */
export async function describeGroupWithLag(env: KafdoBindings, tenant: string, groupId: string, latest: LatestOffset): Promise<GroupDescription> {
  const ref: GroupRef = { tenant, groupId }
  const snapshot: GroupSnapshot = await attempt(() => groupStub(env, tenant, groupId).describe(ref))
  const lag = await lagOf(snapshot, latest)
  return { ...snapshot, lag, totalLag: lag.reduce((sum, entry) => sum + (entry.lag ?? 0), 0) }
}

async function lagOf(snapshot: GroupSnapshot, latestOffset: LatestOffset): Promise<PartitionLag[]> {
  const committed = new Map(snapshot.offsets.map((o) => [`${o.topic}\u0000${o.partition}`, o.offset]))
  const partitions = new Map<string, { topic: string; partition: number }>()
  for (const o of snapshot.offsets) partitions.set(`${o.topic}\u0000${o.partition}`, { topic: o.topic, partition: o.partition })
  for (const member of snapshot.members) {
    for (const { topic, partitions: list } of member.assignment)
      for (const partition of list) partitions.set(`${topic}\u0000${partition}`, { topic, partition })
  }
  const entries = await Promise.all(
    [...partitions].map(async ([key, { topic, partition }]) => {
      try {
        const latest = await latestOffset(topic, partition)
        const offset = committed.get(key) ?? null
        return { topic, partition, committed: offset, latest, lag: offset === null ? null : Math.max(0, latest - offset) }
      } catch (err) {
        // A committed offset for a topic since deleted has no lag to report.
        if (err instanceof KafdoError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') return undefined
        throw err
      }
    }),
  )
  return entries
    .filter((entry): entry is PartitionLag => entry !== undefined)
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
}

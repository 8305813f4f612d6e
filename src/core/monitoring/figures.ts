/**
 * The figures health is judged by: a topic's (and its queue view's) summed from its partitions' metrics and
 * its dead-letter topic's, a consumer group's from its description (state, members, committed offsets,
 * lag), and which figure each threshold names. The reads go through a small port (`FigureReads`): the
 * Worker's health endpoints give it the isolate's topic cache, TenantMonitorDO's periodic evaluation its
 * own look-ups (alert-evaluation.ts); both reach the objects through durable-objects/figure-reads.ts.
 */
import type { GroupDescription } from '../../protocol/group-answers.js'
import type { HealthThreshold, TopicHealthThreshold } from '../../protocol/monitoring.js'
import type { PartitionMetrics } from '../../protocol/partition-rpc.js'
import { DEFAULT_SHARE_GROUP, DLQ_SUFFIX } from '../../protocol/queues.js'
import type { TopicMetadata } from '../../protocol/topics.js'
import type { Figures } from './health.js'

/** What reading figures needs from the objects that hold them. */
export interface FigureReads {
  /** A topic's partitions' metrics (with queue figures for `groups`), in partition order; undefined where one did not answer. */
  partitionsMetrics(topic: TopicMetadata, groups?: readonly string[]): Promise<Array<PartitionMetrics | undefined>>
  /** A topic by name, if it exists (the dead-letter topic). */
  findTopic(name: string): Promise<TopicMetadata | undefined>
  /** A group's description, lag included. */
  describeGroup(groupId: string): Promise<GroupDescription>
}

export interface QueueFigures {
  group: string
  depth: number
  ready: number
  inFlight: number
  delayed: number
  /** Age of the oldest unfinished record; null when there is none. */
  oldestMessageAgeMs: number | null
}

export interface TopicFigures {
  partitions: number
  /** Records stored (log end minus log start, summed). */
  records: number
  sizeBytes: number
  /** Records of this topic dead-lettered so far (all time, from the partitions' counters). */
  deadLettered: number
  /** Records in `<topic>-dlq`; null when it does not exist. */
  dlqDepth: number | null
  queues: Map<string, QueueFigures>
  lastError: { message: string; at: number; partition: number; offset: number; group: string } | null
  /** Partitions that did not answer (their figures are missing from the sums). */
  unreachable: number
}

export async function topicFigures(reads: FigureReads, topic: TopicMetadata, groups: readonly string[], now: number): Promise<TopicFigures> {
  const wanted = [...new Set([DEFAULT_SHARE_GROUP, ...groups])]
  const [partitions, dlqDepth] = await Promise.all([reads.partitionsMetrics(topic, wanted), deadLetterDepth(reads, topic.topic)])
  const answered = partitions.filter((p): p is PartitionMetrics => p !== undefined)
  const queues = new Map<string, QueueFigures>()
  for (const group of wanted) queues.set(group, queueFigures(group, answered, now))
  let lastError: TopicFigures['lastError'] = null
  partitions.forEach((p, partition) => {
    const failure = p?.lastFailure
    if (failure && (!lastError || failure.at > lastError.at)) {
      lastError = { message: failure.error, at: failure.at, partition, offset: failure.offset, group: failure.group }
    }
  })
  return {
    partitions: topic.partitions,
    records: sum(answered, (p) => p.logEnd - p.logStart),
    sizeBytes: sum(answered, (p) => p.sizeBytes),
    deadLettered: sum(answered, (p) => p.deadLettered),
    dlqDepth,
    queues,
    lastError,
    unreachable: partitions.length - answered.length,
  }
}

/** A share group's figures summed over the partitions (the oldest record across all of them). */
export function queueFigures(group: string, partitions: readonly PartitionMetrics[], now: number): QueueFigures {
  const stats = partitions.flatMap((p) => p.shareGroups.filter((g) => g.group === group))
  const ready = sum(stats, (s) => s.ready)
  const inFlight = sum(stats, (s) => s.inFlight)
  const delayed = sum(stats, (s) => s.delayed)
  const depth = ready + inFlight + delayed
  const oldest = stats.map((s) => s.oldestTimestamp).filter((t): t is number => t !== null)
  return {
    group,
    depth,
    ready,
    inFlight,
    delayed,
    oldestMessageAgeMs: depth > 0 && oldest.length > 0 ? Math.max(0, now - Math.min(...oldest)) : null,
  }
}

async function deadLetterDepth(reads: FigureReads, name: string): Promise<number | null> {
  if (name.endsWith(DLQ_SUFFIX)) return null
  const dlq = await reads.findTopic(`${name}${DLQ_SUFFIX}`)
  if (!dlq) return null
  const partitions = await reads.partitionsMetrics(dlq)
  return sum(
    partitions.filter((p): p is PartitionMetrics => p !== undefined),
    (p) => p.logEnd - p.logStart,
  )
}

export interface GroupFigures {
  state: string
  members: number
  /** The group's total lag. */
  lag: number
  maxPartitionLag: number
  /** The assignment epoch (or group epoch, or generation) when the coordinator tells it. */
  epoch: number | null
  partitions: Array<{ topic: string; partition: number; committed: number | null; lag: number | null }>
}

/**
 * Reads only what every version of `describeGroup` answers (state, members, offsets, lag, totalLag), and
 * the epoch as an optional field: `assignmentEpoch` or `groupEpoch` when the coordinator reports one,
 * else `generationId`.
 */
export async function groupFigures(reads: FigureReads, groupId: string): Promise<GroupFigures> {
  const description = await reads.describeGroup(groupId)
  const lag = description.lag.map((entry) => ({ topic: entry.topic, partition: entry.partition, committed: entry.committed, lag: entry.lag }))
  return {
    state: description.state,
    members: description.members.length,
    lag: description.totalLag,
    maxPartitionLag: Math.max(0, ...lag.map((entry) => entry.lag ?? 0)),
    epoch: epochOf(description),
    partitions: lag,
  }
}

export function epochOf(description: object): number | null {
  const fields = description as { assignmentEpoch?: unknown; groupEpoch?: unknown; generationId?: unknown }
  for (const value of [fields.assignmentEpoch, fields.groupEpoch, fields.generationId]) if (typeof value === 'number') return value
  return null
}

/** The figure a topic or queue threshold names; `growth` holds the figures measured between evaluations. */
export function topicFigure(figures: TopicFigures, growth: Figures): (threshold: HealthThreshold) => number | null {
  return (threshold) => {
    const { metric, group } = threshold as TopicHealthThreshold
    switch (metric) {
      case 'records':
      case 'sizeBytes':
        return figures[metric]
      case 'dlqDepth':
        return figures.dlqDepth ?? 0
      case 'dlqGrowth':
        return growth.dlqGrowth ?? null
      default:
        return figures.queues.get(group ?? DEFAULT_SHARE_GROUP)?.[metric] ?? null
    }
  }
}

/** The figure a consumer group threshold names. */
export function groupFigure(figures: GroupFigures, growth: Figures): (threshold: HealthThreshold) => number | null {
  return (threshold) => {
    switch (threshold.metric) {
      case 'lag':
        return figures.lag
      case 'maxPartitionLag':
        return figures.maxPartitionLag
      case 'members':
        return figures.members
      case 'rebalances':
        return growth.rebalances ?? null
      default:
        return null
    }
  }
}

/** Share groups a topic's thresholds read queue figures for. */
export function thresholdGroups(thresholds: readonly TopicHealthThreshold[]): string[] {
  return [...new Set(thresholds.map((t) => t.group ?? DEFAULT_SHARE_GROUP))]
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0)
}

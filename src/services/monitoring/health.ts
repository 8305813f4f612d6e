/**
 * Health answers for `GET /health/topics/:t`, `/health/queues/:q` and `/health/groups/:g` (and the
 * in-Worker and client admins): the resource's figures now, checked against its thresholds. Reading
 * health writes nothing: breach times (for `forMs`) and the baselines of growth figures (`dlqGrowth`,
 * `rebalances`) come from the tenant monitor's last periodic evaluation; without TENANT_MONITOR, or
 * before a first evaluation, a `forMs` threshold that holds is `pending` and growth figures are null.
 */
import { groupFigure, groupFigures, thresholdGroups, topicFigure, topicFigures, type FigureReads } from '../../core/monitoring/figures.js'
import { EMPTY_HEALTH_STATE, evaluateChecks, groupResource, growthFigures, summarize, topicResource } from '../../core/monitoring/health.js'
import { partitionsMetrics } from '../../durable-objects/figure-reads.js'
import type { KafdoBindings } from '../../env.js'
import type { HealthReport, HealthResourceKind, HealthThreshold } from '../../protocol/monitoring.js'
import { DEFAULT_SHARE_GROUP } from '../../protocol/queues.js'
import type { ResourceHealthState } from '../../protocol/tenant-rpc.js'
import { attempt, monitorStub } from '../stubs.js'
import { describeGroup } from '../groups.js'
import { findTopic, requireTopic } from '../topic-cache.js'

/** A topic's health (`kind` topic), or the same topic as a queue read for share group `group`. */
export async function topicHealth(
  env: KafdoBindings,
  tenant: string,
  name: string,
  kind: Extract<HealthResourceKind, 'topic' | 'queue'>,
  group = DEFAULT_SHARE_GROUP,
): Promise<HealthReport> {
  // The isolate's topic cache (5 s): a health check, like a produce, need not ask the metadata object.
  const topic = await requireTopic(env, tenant, name)
  const thresholds = topic.health ?? []
  const now = Date.now()
  const [figures, state] = await Promise.all([
    topicFigures(figureReads(env, tenant), topic, [group, ...thresholdGroups(thresholds)], now),
    remembered(env, tenant, topicResource(topic.topicId)),
  ])
  const growth = growthFigures({ deadLettered: figures.deadLettered }, state.baselines)
  const queue = figures.queues.get(group)!
  return report(kind, topic.topic, thresholds, topicFigure(figures, growth), state, now, {
    partitions: figures.partitions,
    records: figures.records,
    sizeBytes: figures.sizeBytes,
    deadLettered: figures.deadLettered,
    dlqDepth: figures.dlqDepth,
    dlqGrowth: growth.dlqGrowth,
    queue,
    lastError: figures.lastError,
    ...(figures.unreachable > 0 ? { unreachablePartitions: figures.unreachable } : {}),
  })
}

export async function groupHealth(env: KafdoBindings, tenant: string, groupId: string): Promise<HealthReport> {
  const monitor = monitorStub(env, tenant)
  const now = Date.now()
  const [figures, state, thresholds] = await Promise.all([
    groupFigures(figureReads(env, tenant), groupId),
    remembered(env, tenant, groupResource(groupId)),
    monitor ? attempt(() => monitor.groupThresholds(groupId)) : Promise.resolve([]),
  ])
  const growth = growthFigures(figures.epoch === null ? {} : { epoch: figures.epoch }, state.baselines)
  return report('group', groupId, thresholds, groupFigure(figures, growth), state, now, {
    state: figures.state,
    members: figures.members,
    lag: figures.lag,
    maxPartitionLag: figures.maxPartitionLag,
    epoch: figures.epoch,
    rebalances: growth.rebalances,
    partitions: figures.partitions,
  })
}

/** The Worker's reads of figures: topics through the isolate's topic cache. */
function figureReads(env: KafdoBindings, tenant: string): FigureReads {
  return {
    partitionsMetrics: (topic, groups) => partitionsMetrics(env, tenant, topic, groups),
    findTopic: (name) => findTopic(env, tenant, name),
    describeGroup: (groupId) => describeGroup(env, tenant, groupId),
  }
}

async function remembered(env: KafdoBindings, tenant: string, resource: string): Promise<ResourceHealthState> {
  const monitor = monitorStub(env, tenant)
  if (!monitor) return EMPTY_HEALTH_STATE
  return (await attempt(() => monitor.healthState(resource))) ?? EMPTY_HEALTH_STATE
}

function report(
  kind: HealthResourceKind,
  name: string,
  thresholds: readonly HealthThreshold[],
  figure: (threshold: HealthThreshold) => number | null,
  state: ResourceHealthState,
  now: number,
  figures: Record<string, unknown>,
): HealthReport {
  const checks = evaluateChecks(thresholds, figure, state.since, now)
  const { status, reasons } = summarize(checks)
  return { resource: { kind, name }, status, checkedAt: new Date(now).toISOString(), reasons, figures, checks }
}

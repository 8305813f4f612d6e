/**
 * TenantMonitorDO's periodic health evaluation: every topic with thresholds (read from the tenant's topic
 * metadata), every group with thresholds, and, when a subscription listens for rebalance storms, every
 * group of the tenant, checked against the figures their objects hold now. What it remembers of each
 * resource (breach times, what counted, baselines) decides which thresholds were crossed or recovered
 * since the last evaluation, and whether a group entered a rebalance storm; each of those is an event.
 *
 * The figures are those the Worker's health endpoints answer (core/monitoring/figures.ts), read through
 * figure-reads.ts; topics are asked of the tenant's metadata object, once per evaluation.
 */
import { settleAll } from '../core/monitoring/concurrency.js'
import { groupFigure, groupFigures, thresholdGroups, topicFigure, topicFigures, type FigureReads } from '../core/monitoring/figures.js'
import {
  advance,
  DEFAULT_STORM_REBALANCES,
  describeCheck,
  EMPTY_HEALTH_STATE,
  groupResource,
  growthFigures,
  stormOf,
  summarize,
  topicResource,
} from '../core/monitoring/health.js'
import type { KafdoEnv } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import type { GroupHealthThreshold, HealthCheck, HealthResourceKind } from '../protocol/monitoring.js'
import type { RaisedEvent, ResourceHealthState } from '../protocol/tenant-rpc.js'
import { isInternalTopic, type TopicMetadata } from '../protocol/topics.js'
import { describeGroupWithLag, partitionsMetrics, type LatestOffset } from './figure-reads.js'
import { attempt, call, metadataStub, partitionStub } from './object-calls.js'

/** How often a tenant's thresholds are evaluated while it has any (or a storm subscription). */
export const HEALTH_EVALUATION_MS = 60_000
/** Resources evaluated at once. */
const RESOURCE_CONCURRENCY = 8

export interface EvaluationInput {
  env: KafdoEnv
  tenant: string
  now: number
  /** What the last evaluation remembered of a resource. */
  state(resource: string): ResourceHealthState | undefined
  groupThresholds: ReadonlyMap<string, GroupHealthThreshold[]>
  /** Whether any subscription listens for `group.rebalance_storm`. */
  stormWatched: boolean
}

export interface EvaluationResult {
  states: Map<string, ResourceHealthState>
  events: RaisedEvent[]
  /** Whether there is anything left to evaluate (if not, the loop stops until something asks for it). */
  watching: boolean
}

export async function evaluateAlerts(input: EvaluationInput): Promise<EvaluationResult> {
  const { env, tenant, now } = input
  const topics = (await attempt(() => metadataStub(env, tenant).listTopics(tenant))).filter(
    (t) => !isInternalTopic(t.topic) && (t.health ?? []).length > 0,
  )
  const reads = evaluationReads(env, tenant)
  const groups = new Set(input.groupThresholds.keys())
  if (input.stormWatched) for (const groupId of await attempt(() => metadataStub(env, tenant).listGroups(tenant))) groups.add(groupId)
  const result: EvaluationResult = {
    states: new Map(),
    events: [],
    watching: topics.length > 0 || input.groupThresholds.size > 0 || input.stormWatched,
  }
  const jobs = [
    ...topics.map((topic) => async () => {
      const thresholds = topic.health ?? []
      const resource = topicResource(topic.topicId)
      const previous = input.state(resource) ?? EMPTY_HEALTH_STATE
      const figures = await topicFigures(reads, topic, thresholdGroups(thresholds), now)
      const baselines = { deadLettered: figures.deadLettered }
      const step = advance(thresholds, topicFigure(figures, growthFigures(baselines, previous.baselines)), previous, now)
      result.states.set(resource, { ...step.state, baselines })
      result.events.push(...crossingEvents('topic', topic.topic, step, now))
    }),
    ...[...groups].map((groupId) => async () => {
      const thresholds = input.groupThresholds.get(groupId) ?? []
      const resource = groupResource(groupId)
      const previous = input.state(resource) ?? EMPTY_HEALTH_STATE
      const figures = await groupFigures(reads, groupId)
      const baselines = figures.epoch === null ? {} : { epoch: figures.epoch }
      const growth = growthFigures(baselines, previous.baselines)
      const step = advance(thresholds, groupFigure(figures, growth), previous, now)
      const limit = thresholds.find((t) => t.metric === 'rebalances')?.value ?? DEFAULT_STORM_REBALANCES
      const storm = stormOf(growth.rebalances ?? null, limit, previous.storm === true)
      result.states.set(resource, { ...step.state, baselines, storm: storm.inStorm })
      result.events.push(...crossingEvents('group', groupId, step, now))
      if (storm.starts && input.stormWatched) {
        result.events.push({
          type: 'group.rebalance_storm',
          occurredAt: now,
          data: { group: groupId, rebalances: growth.rebalances, limit, epoch: figures.epoch, intervalMs: HEALTH_EVALUATION_MS },
        })
      }
    }),
  ]
  const settled = await settleAll(jobs, RESOURCE_CONCURRENCY, (job) => job())
  for (const failure of settled.filter((s) => s.status === 'rejected')) {
    console.error(JSON.stringify({ level: 'warn', message: 'health evaluation skipped a resource', tenant, error: String(failure.reason) }))
  }
  return result
}

/** The evaluation's reads of figures: each topic asked of the tenant's metadata object once. */
function evaluationReads(env: KafdoEnv, tenant: string): FigureReads {
  const topics = new Map<string, Promise<TopicMetadata | undefined>>()
  const findTopic = (name: string): Promise<TopicMetadata | undefined> => {
    let found = topics.get(name)
    if (!found) {
      found = attempt(() => metadataStub(env, tenant).topic(tenant, name)).then((topic) => topic ?? undefined)
      topics.set(name, found)
      found.catch(() => topics.delete(name))
    }
    return found
  }
  const latest: LatestOffset = async (name, partition) => {
    const topic = await findTopic(name)
    if (!topic || partition >= topic.partitions) {
      throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' has no partition ${partition}`, { topic: name, partition })
    }
    const ref = { tenant, topic: topic.topic, topicId: topic.topicId, partition }
    return (await call(() => partitionStub(env, ref).offsets(ref))).latest
  }
  return {
    partitionsMetrics: (topic, groups) => partitionsMetrics(env, tenant, topic, groups),
    findTopic,
    describeGroup: (groupId) => describeGroupWithLag(env, tenant, groupId, latest),
  }
}

function crossingEvents(
  kind: HealthResourceKind,
  name: string,
  step: { checks: HealthCheck[]; crossed: HealthCheck[]; recovered: HealthCheck[] },
  now: number,
): RaisedEvent[] {
  const { status } = summarize(step.checks)
  const event = (type: RaisedEvent['type'], check: HealthCheck): RaisedEvent => ({
    type,
    occurredAt: now,
    data: {
      kind,
      name,
      status,
      metric: check.metric,
      op: check.op,
      threshold: check.value,
      observed: check.observed,
      severity: check.severity,
      forMs: check.forMs,
      reason: describeCheck(check),
    },
  })
  return [
    ...step.crossed.map((check) => event('health.threshold_crossed', check)),
    ...step.recovered.map((check) => event('health.recovered', check)),
  ]
}

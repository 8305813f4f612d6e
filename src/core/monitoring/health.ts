/**
 * Health as pure functions: a resource's thresholds checked against its figures, the status they add up
 * to, and the periodic evaluation's memory of a resource (when each breach was first seen, which ones
 * counted at the last evaluation, and the baselines growth figures are measured from), from which it
 * learns which thresholds were crossed and which recovered since.
 */
import type { HealthCheck, ResourceHealthStatus, HealthThreshold } from '../../protocol/monitoring.js'
import type { Baselines, ResourceHealthState } from '../../protocol/tenant-rpc.js'

/** Figures by name; null when not known. */
export type Figures = Record<string, number | null>

export const EMPTY_HEALTH_STATE: ResourceHealthState = { since: {}, counted: [], baselines: {} }

/** More epoch advances than this between two evaluations is a rebalance storm, unless a `rebalances` threshold says otherwise. */
export const DEFAULT_STORM_REBALANCES = 10

/** The evaluation's name for a topic (by id, so a topic created again starts afresh) and for a group. */
export const topicResource = (topicId: string): string => `topic:${topicId}`
export const groupResource = (groupId: string): string => `group:${groupId}`

export function thresholdKey(threshold: HealthThreshold): string {
  const group = 'group' in threshold && threshold.group ? `@${threshold.group}` : ''
  return `${threshold.metric}${threshold.op}${threshold.value}${group}`
}

export function compare(op: HealthThreshold['op'], observed: number, value: number): boolean {
  switch (op) {
    case '>':
      return observed > value
    case '>=':
      return observed >= value
    case '<':
      return observed < value
    case '<=':
      return observed <= value
  }
}

/** Growth figures measured from the last evaluation's baselines (null without one). */
export function growthFigures(current: Baselines, previous: Baselines): Figures {
  const growth = (now: number | undefined, before: number | undefined) =>
    now === undefined || before === undefined ? null : Math.max(0, now - before)
  return { dlqGrowth: growth(current.deadLettered, previous.deadLettered), rebalances: growth(current.epoch, previous.epoch) }
}

/** Each threshold checked against `figure(threshold)`; `since` says when the evaluation first saw each breach. */
export function evaluateChecks(
  thresholds: readonly HealthThreshold[],
  figure: (threshold: HealthThreshold) => number | null,
  since: Record<string, number>,
  now: number,
): HealthCheck[] {
  return thresholds.map((threshold) => {
    const observed = figure(threshold)
    const breached = observed !== null && compare(threshold.op, observed, threshold.value)
    const forMs = threshold.forMs ?? 0
    const first = breached ? (since[thresholdKey(threshold)] ?? null) : null
    return {
      metric: threshold.metric,
      op: threshold.op,
      value: threshold.value,
      severity: threshold.severity ?? 'degraded',
      forMs,
      observed,
      breached,
      pending: breached && forMs > 0 && (first === null || now - first < forMs),
      since: first,
    }
  })
}

/** The worst severity among the checks that count, and a sentence for each. */
export function summarize(checks: readonly HealthCheck[]): { status: ResourceHealthStatus; reasons: string[] } {
  const counted = checks.filter((check) => check.breached && !check.pending)
  const status: ResourceHealthStatus = counted.some((check) => check.severity === 'failing') ? 'failing' : counted.length > 0 ? 'degraded' : 'ok'
  return { status, reasons: counted.map(describeCheck) }
}

export function describeCheck(check: HealthCheck): string {
  const held = check.forMs > 0 ? ` for ${check.forMs} ms` : ''
  return `${check.metric} is ${check.observed} (threshold ${check.op} ${check.value}${held}, ${check.severity})`
}

/**
 * One periodic evaluation of a resource: its checks with breach times carried over from `previous`, the
 * state to remember, and the thresholds that started or stopped counting since the last evaluation.
 */
export function advance(
  thresholds: readonly HealthThreshold[],
  figure: (threshold: HealthThreshold) => number | null,
  previous: ResourceHealthState,
  now: number,
): { checks: HealthCheck[]; state: ResourceHealthState; crossed: HealthCheck[]; recovered: HealthCheck[] } {
  const raw = evaluateChecks(thresholds, figure, previous.since, now)
  const since: Record<string, number> = {}
  thresholds.forEach((threshold, i) => {
    const key = thresholdKey(threshold)
    if (raw[i]!.breached) since[key] = previous.since[key] ?? now
  })
  const checks = evaluateChecks(thresholds, figure, since, now)
  const counted = thresholds.map(thresholdKey).filter((_, i) => checks[i]!.breached && !checks[i]!.pending)
  const before = new Set(previous.counted)
  const crossed = checks.filter((check, i) => counted.includes(thresholdKey(thresholds[i]!)) && !before.has(thresholdKey(thresholds[i]!)))
  const recovered = checks.filter((check, i) => before.has(thresholdKey(thresholds[i]!)) && !counted.includes(thresholdKey(thresholds[i]!)))
  return { checks, state: { ...previous, since, counted }, crossed, recovered }
}

/** Whether a group's epoch advanced more than its limit since the last evaluation, and whether that starts a storm. */
export function stormOf(rebalances: number | null, limit: number, wasInStorm: boolean): { inStorm: boolean; starts: boolean } {
  const inStorm = rebalances !== null && rebalances > limit
  return { inStorm, starts: inStorm && !wasInStorm }
}

/**
 * Per-request metrics as plain data: counters and histograms keyed by family and label values, for one
 * tenant. A Worker isolate adds to one such state per tenant and flushes it as a delta; the tenant's
 * TenantMonitorDO merges the deltas into its own. Label values are bounded by construction (route
 * templates, error codes, results), so a state stays small.
 */
import { BATCH_SIZE_BUCKETS, LATENCY_BUCKETS_SECONDS, METRICS } from '../../protocol/metric-catalogue.js'
import type { MetricState } from '../../protocol/tenant-rpc.js'
import type { Sample } from './exposition.js'

/** Histogram families and their bucket bounds. */
export const HISTOGRAM_BOUNDS: Record<string, readonly number[]> = {
  kafdo_http_request_duration_seconds: LATENCY_BUCKETS_SECONDS,
  kafdo_produce_batch_records: BATCH_SIZE_BUCKETS,
}

const SEPARATOR = '\u001f'

export function emptyState(): MetricState {
  return { counters: {}, histograms: {} }
}

export function isEmpty(state: MetricState): boolean {
  return Object.keys(state.counters).length === 0 && Object.keys(state.histograms).length === 0
}

/** `labels` are the family's label values after `tenant`, in the catalogue's order. */
export function addCount(state: MetricState, name: string, labels: readonly string[], amount = 1): void {
  const key = [name, ...labels].join(SEPARATOR)
  state.counters[key] = (state.counters[key] ?? 0) + amount
}

export function observe(state: MetricState, name: string, labels: readonly string[], value: number): void {
  const bounds = HISTOGRAM_BOUNDS[name]
  if (!bounds) throw new Error(`${name} is not a histogram`)
  const key = [name, ...labels].join(SEPARATOR)
  let histogram = state.histograms[key]
  if (!histogram) {
    histogram = { buckets: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 }
    state.histograms[key] = histogram
  }
  const index = bounds.findIndex((bound) => value <= bound)
  histogram.buckets[index < 0 ? bounds.length : index]! += 1
  histogram.sum += value
  histogram.count += 1
}

/** Adds `delta` into `target` (counters add, histogram buckets add). */
export function mergeInto(target: MetricState, delta: MetricState): void {
  for (const [key, value] of Object.entries(delta.counters)) target.counters[key] = (target.counters[key] ?? 0) + value
  for (const [key, histogram] of Object.entries(delta.histograms)) {
    const into = target.histograms[key]
    if (!into || into.buckets.length !== histogram.buckets.length) {
      target.histograms[key] = { buckets: [...histogram.buckets], sum: histogram.sum, count: histogram.count }
      continue
    }
    histogram.buckets.forEach((n, i) => (into.buckets[i]! += n))
    into.sum += histogram.sum
    into.count += histogram.count
  }
}

/** The state as samples of `tenant`, histograms expanded into cumulative `_bucket`s, `_sum` and `_count`. */
export function stateSamples(state: MetricState, tenant: string): Sample[] {
  const samples: Sample[] = []
  for (const [key, value] of Object.entries(state.counters)) {
    const labelled = labelsOf(key, tenant)
    if (labelled) samples.push({ name: labelled.name, labels: labelled.labels, value })
  }
  for (const [key, histogram] of Object.entries(state.histograms)) {
    const labelled = labelsOf(key, tenant)
    const bounds = labelled && HISTOGRAM_BOUNDS[labelled.name]
    if (!labelled || !bounds) continue
    let cumulative = 0
    histogram.buckets.forEach((n, i) => {
      cumulative += n
      const le = i < bounds.length ? String(bounds[i]) : '+Inf'
      samples.push({ name: `${labelled.name}_bucket`, labels: { ...labelled.labels, le }, value: cumulative })
    })
    samples.push({ name: `${labelled.name}_sum`, labels: labelled.labels, value: histogram.sum })
    samples.push({ name: `${labelled.name}_count`, labels: labelled.labels, value: histogram.count })
  }
  return samples
}

const LABELS = new Map<string, readonly string[]>(METRICS.map((metric) => [metric.name, metric.labels]))

function labelsOf(key: string, tenant: string): { name: string; labels: Record<string, string> } | undefined {
  const [name, ...values] = key.split(SEPARATOR)
  const names = name === undefined ? undefined : LABELS.get(name)
  if (!names || names[0] !== 'tenant' || names.length !== values.length + 1) return undefined
  const labels: Record<string, string> = { tenant }
  names.slice(1).forEach((label, i) => (labels[label] = values[i]!))
  return { name: name!, labels }
}

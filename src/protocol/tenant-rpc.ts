/**
 * What the Worker (and partition objects) say over RPC to a tenant's optional objects: TenantMonitorDO
 * (per-request metric deltas, raised alert events, what a scrape reads, the health evaluation's memory)
 * and TenantQuotaDO (rate-quota charges and decisions).
 */
import type { WebhookEventType } from './monitoring.js'

export interface HistogramState {
  /** Observations per bucket (not cumulative); the last entry is the +Inf bucket. */
  buckets: number[]
  sum: number
  count: number
}

/** Per-request metrics as plain data (see core/monitoring/request-metrics.ts). */
export interface MetricState {
  counters: Record<string, number>
  histograms: Record<string, HistogramState>
}

/** What a scrape reads from the monitor. */
export interface MonitorMetrics {
  requests: MetricState
  webhooks: MetricState
  /** Events waiting for delivery, per subscription id. */
  pending: Record<string, number>
}

/** An event as its source raises it; the monitor gives it an id. */
export interface RaisedEvent {
  type: WebhookEventType
  occurredAt: number
  data: Record<string, unknown>
}

/** Counters kept between evaluations, from which growth figures are measured. */
export interface Baselines {
  /** Records the topic's partitions had dead-lettered in all. */
  deadLettered?: number
  /** The group's assignment (or group) epoch. */
  epoch?: number
}

/** What the periodic evaluation remembers of one resource. */
export interface ResourceHealthState {
  /** When each threshold (by key) was first seen breached, while it stays breached. */
  since: Record<string, number>
  /** Thresholds that counted (breached past their `forMs`) at the last evaluation. */
  counted: string[]
  baselines: Baselines
  /** Whether the group was in a rebalance storm at the last evaluation. */
  storm?: boolean
}

export interface QuotaCharge {
  /** Bucket name, e.g. 'produce-bytes'. */
  bucket: string
  amount: number
  ratePerSec: number
}

/** One shape for both answers (RPC types do not narrow unions); `retryAfterMs` is 0 when allowed. */
export interface QuotaDecision {
  ok: boolean
  bucket: string
  retryAfterMs: number
}

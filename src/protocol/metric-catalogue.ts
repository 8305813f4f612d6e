/**
 * Every metric `GET /metrics` exposes: name, type, help text, labels, and where its figure comes from.
 * The exposition (core/exposition.ts), the scrape (services/monitoring/scrape.ts), the docs and the
 * Grafana dashboard (scripts/generate-grafana.mjs, which imports this file as is) all read this one
 * table, so a metric cannot be renamed in one place and not another. Self-contained on purpose: no
 * imports, plain data, so Node runs it without a build.
 *
 * Names follow Prometheus's conventions: the `kafdo_` prefix, `_total` on counters, base units
 * (`_seconds`, `_bytes`), and labels of bounded cardinality only (tenant, topic, partition, group, route
 * template, code, result), never a record, member or request id.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram'

/**
 * Where the figure is kept: `partition` objects count their own work; `queue` and `group` figures are
 * read from the partition and group objects at scrape time; `request` figures are counted per Worker
 * isolate and flushed to the tenant's TenantMonitorDO; `scrape` describes the scrape itself.
 */
export type MetricSource = 'partition' | 'queue' | 'group' | 'request' | 'webhook' | 'scrape'

export interface MetricDefinition {
  name: string
  type: MetricType
  help: string
  labels: readonly string[]
  source: MetricSource
}

/** Request latency buckets (seconds): Prometheus's client defaults. */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const
/** Produce batch size buckets (records per request). */
export const BATCH_SIZE_BUCKETS = [1, 5, 10, 50, 100, 500, 1000, 5000, 10000] as const

const PARTITION = ['tenant', 'topic', 'partition'] as const

export const METRICS = [
  // Partition objects: the log and what went through it.
  {
    name: 'kafdo_partition_log_start_offset',
    type: 'gauge',
    help: 'Oldest offset still stored (the log start).',
    labels: PARTITION,
    source: 'partition',
  },
  {
    name: 'kafdo_partition_log_end_offset',
    type: 'gauge',
    help: 'Next offset to be written (the high watermark).',
    labels: PARTITION,
    source: 'partition',
  },
  { name: 'kafdo_partition_size_bytes', type: 'gauge', help: 'Bytes of records stored in the partition.', labels: PARTITION, source: 'partition' },
  { name: 'kafdo_records_produced_total', type: 'counter', help: 'Records appended to the partition.', labels: PARTITION, source: 'partition' },
  {
    name: 'kafdo_bytes_produced_total',
    type: 'counter',
    help: 'Bytes of records appended to the partition.',
    labels: PARTITION,
    source: 'partition',
  },
  {
    name: 'kafdo_records_fetched_total',
    type: 'counter',
    help: 'Records read from the partition (fetches and queue deliveries).',
    labels: PARTITION,
    source: 'partition',
  },
  {
    name: 'kafdo_bytes_fetched_total',
    type: 'counter',
    help: 'Bytes of record JSON read from the partition (fetches and queue deliveries).',
    labels: PARTITION,
    source: 'partition',
  },
  {
    name: 'kafdo_records_dead_lettered_total',
    type: 'counter',
    help: 'Records of the partition written to its dead-letter topic.',
    labels: PARTITION,
    source: 'partition',
  },
  {
    name: 'kafdo_redeliveries_total',
    type: 'counter',
    help: 'Redeliveries scheduled (a nack or an expired lease with attempts left).',
    labels: PARTITION,
    source: 'partition',
  },
  {
    name: 'kafdo_leases_expired_total',
    type: 'counter',
    help: 'Queue leases whose visibility timeout ran out.',
    labels: PARTITION,
    source: 'partition',
  },
  { name: 'kafdo_records_expired_total', type: 'counter', help: 'Records removed by their TTL.', labels: PARTITION, source: 'partition' },
  // Queues (share groups), summed over the queue's partitions.
  {
    name: 'kafdo_queue_depth',
    type: 'gauge',
    help: 'Records the share group has not finished (ready + in flight + delayed).',
    labels: ['tenant', 'queue', 'group'],
    source: 'queue',
  },
  { name: 'kafdo_queue_ready', type: 'gauge', help: 'Records deliverable now.', labels: ['tenant', 'queue', 'group'], source: 'queue' },
  { name: 'kafdo_queue_in_flight', type: 'gauge', help: 'Records leased to a consumer.', labels: ['tenant', 'queue', 'group'], source: 'queue' },
  {
    name: 'kafdo_queue_delayed',
    type: 'gauge',
    help: 'Records waiting for a redelivery time.',
    labels: ['tenant', 'queue', 'group'],
    source: 'queue',
  },
  {
    name: 'kafdo_queue_oldest_message_age_seconds',
    type: 'gauge',
    help: 'Age of the oldest unfinished record, by its timestamp (0 when none).',
    labels: ['tenant', 'queue', 'group'],
    source: 'queue',
  },
  { name: 'kafdo_queue_dlq_depth', type: 'gauge', help: "Records in the queue's dead-letter topic.", labels: ['tenant', 'queue'], source: 'queue' },
  // Consumer groups.
  { name: 'kafdo_group_members', type: 'gauge', help: 'Members of the consumer group.', labels: ['tenant', 'group'], source: 'group' },
  {
    name: 'kafdo_group_committed_offset',
    type: 'gauge',
    help: 'Committed offset (the next to read) of the group on a partition.',
    labels: ['tenant', 'group', 'topic', 'partition'],
    source: 'group',
  },
  {
    name: 'kafdo_group_lag',
    type: 'gauge',
    help: 'Records between the committed offset and the log end.',
    labels: ['tenant', 'group', 'topic', 'partition'],
    source: 'group',
  },
  { name: 'kafdo_group_total_lag', type: 'gauge', help: "Sum of the group's lag over its partitions.", labels: ['tenant', 'group'], source: 'group' },
  // Requests, counted per Worker isolate and flushed to the tenant's monitor object.
  {
    name: 'kafdo_http_requests_total',
    type: 'counter',
    help: 'HTTP requests by route template and result (success, client_error, server_error).',
    labels: ['tenant', 'method', 'route', 'result'],
    source: 'request',
  },
  {
    name: 'kafdo_http_errors_total',
    type: 'counter',
    help: 'Error answers by route template and error code.',
    labels: ['tenant', 'route', 'code'],
    source: 'request',
  },
  {
    name: 'kafdo_http_request_duration_seconds',
    type: 'histogram',
    help: 'Time from request to answer, by route template.',
    labels: ['tenant', 'method', 'route'],
    source: 'request',
  },
  { name: 'kafdo_produce_batch_records', type: 'histogram', help: 'Records per produce request.', labels: ['tenant', 'route'], source: 'request' },
  {
    name: 'kafdo_quota_rejections_total',
    type: 'counter',
    help: 'Requests refused by a rate quota (429), by bucket.',
    labels: ['tenant', 'bucket'],
    source: 'request',
  },
  {
    name: 'kafdo_auth_failures_total',
    type: 'counter',
    help: 'Requests refused for their credential (UNAUTHENTICATED, tenant _system) or a missing permission (FORBIDDEN).',
    labels: ['tenant', 'code'],
    source: 'request',
  },
  // Alert webhooks.
  {
    name: 'kafdo_webhook_deliveries_total',
    type: 'counter',
    help: 'Webhook delivery attempts by result (delivered, retried, failed), and events not queued because the subscription had 10,000 waiting (dropped).',
    labels: ['tenant', 'subscription', 'result'],
    source: 'webhook',
  },
  {
    name: 'kafdo_webhook_pending',
    type: 'gauge',
    help: 'Webhook events waiting to be delivered.',
    labels: ['tenant', 'subscription'],
    source: 'webhook',
  },
  // The scrape itself.
  { name: 'kafdo_scrape_partitions', type: 'gauge', help: 'Partition objects asked by this scrape.', labels: ['tenant'], source: 'scrape' },
  {
    name: 'kafdo_scrape_errors',
    type: 'gauge',
    help: 'Objects that did not answer this scrape (their series are missing from it).',
    labels: ['tenant'],
    source: 'scrape',
  },
  { name: 'kafdo_build_info', type: 'gauge', help: 'Always 1; the version label says which Kafdo answered.', labels: ['version'], source: 'scrape' },
] as const satisfies readonly MetricDefinition[]

export type MetricName = (typeof METRICS)[number]['name']

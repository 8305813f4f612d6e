/**
 * The bindings and settings Kafdo reads from `env`. A Worker that embeds Kafdo binds the three Durable
 * Object classes under these names (see README.md, "Wrangler configuration").
 */
import type { ClusterMetadataDO } from './durable-objects/cluster-metadata.js'
import type { ConsumerGroupDO } from './durable-objects/consumer-group.js'
import type { TenantMonitorDO } from './durable-objects/tenant-monitor.js'
import type { TopicPartitionDO } from './durable-objects/topic-partition.js'

export interface KafdoEnv {
  TOPIC_PARTITION: DurableObjectNamespace<TopicPartitionDO>
  CONSUMER_GROUP: DurableObjectNamespace<ConsumerGroupDO>
  CLUSTER_METADATA: DurableObjectNamespace<ClusterMetadataDO>
  /** "true" creates a missing topic on first produce, with DEFAULT_PARTITIONS partitions. */
  AUTO_CREATE_TOPICS?: string
  DEFAULT_PARTITIONS?: string
  /** Optional: per-tenant rate quotas need it (see README, "Quotas"). */
  TENANT_QUOTA?: DurableObjectNamespace<import('./durable-objects/tenant-quota.js').TenantQuotaDO>
  /**
   * Optional: per-request metrics, alert webhooks, group health thresholds and periodic health evaluation
   * need it (see docs/monitoring.md, "Without TENANT_MONITOR").
   */
  TENANT_MONITOR?: DurableObjectNamespace<TenantMonitorDO>
  /** "off" turns the per-request JSON log lines off; on by default. */
  REQUEST_LOGS?: string
  /** Lowest level logged: debug, info (default), warn or error. Request lines are info (2xx/3xx), warn (4xx), error (5xx). */
  LOG_LEVEL?: string
  /** "off" stops counting per-request metrics (requests, errors, latency, batch sizes); partition counters stay. */
  METRICS?: string
  /** Authentication and authorization settings; see README.md, "Security". Secrets via `wrangler secret put`. */
  AUTH_MODE?: string
  JWT_SECRET?: string
  JWKS_URL?: string
  JWKS?: string
  JWT_ISSUER?: string
  JWT_AUDIENCE?: string
  JWT_ALGORITHMS?: string
  JWT_ROLES_CLAIM?: string
  JWT_TENANT_CLAIM?: string
  JWT_CLOCK_SKEW_SECONDS?: string
  ROLES?: string
  BOOTSTRAP_API_KEY?: string
  /** Live subscribers (SSE and WebSocket) one partition takes at once; 100 unless set (at most 1000). */
  STREAM_MAX_SUBSCRIBERS?: string
  /** Records appended while a subscriber's window stays full before it is dropped; 10000 unless set. */
  STREAM_MAX_BEHIND_RECORDS?: string
  /** Milliseconds between heartbeat comments on an idle SSE stream; 15000 unless set. */
  STREAM_HEARTBEAT_MS?: string
}

/**
 * What callers may pass as `env`: the seed README types its bindings as plain `DurableObjectNamespace`,
 * so the public API accepts those and narrows them in one place (`services/stubs.ts`).
 */
export interface KafdoBindings {
  TOPIC_PARTITION: DurableObjectNamespace<TopicPartitionDO> | DurableObjectNamespace
  CONSUMER_GROUP: DurableObjectNamespace<ConsumerGroupDO> | DurableObjectNamespace
  CLUSTER_METADATA: DurableObjectNamespace<ClusterMetadataDO> | DurableObjectNamespace
  /** Optional: webhooks, group health thresholds and request metrics (docs/monitoring.md). */
  TENANT_MONITOR?: DurableObjectNamespace<TenantMonitorDO> | DurableObjectNamespace
  AUTO_CREATE_TOPICS?: string
  DEFAULT_PARTITIONS?: string
}

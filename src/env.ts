/**
 * The bindings and settings Kafdo reads from `env`. A Worker that embeds Kafdo binds the three Durable
 * Object classes under these names (see README.md, "Wrangler configuration").
 */
import type { ClusterMetadataDO } from './durable-objects/cluster-metadata.js'
import type { ConsumerGroupDO } from './durable-objects/consumer-group.js'
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
}

/**
 * What callers may pass as `env`: the seed README types its bindings as plain `DurableObjectNamespace`,
 * so the public API accepts those and narrows them in one place (`services/stubs.ts`).
 */
export interface KafdoBindings {
  TOPIC_PARTITION: DurableObjectNamespace<TopicPartitionDO> | DurableObjectNamespace
  CONSUMER_GROUP: DurableObjectNamespace<ConsumerGroupDO> | DurableObjectNamespace
  CLUSTER_METADATA: DurableObjectNamespace<ClusterMetadataDO> | DurableObjectNamespace
  AUTO_CREATE_TOPICS?: string
  DEFAULT_PARTITIONS?: string
}

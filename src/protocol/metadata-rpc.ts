/**
 * What the Worker (and other objects) and ClusterMetadataDO say to each other over RPC beyond the
 * topic, tenant and schema shapes the HTTP API shares: a topic definition as created or changed, and an
 * API key as the object keeps it.
 */
import type { TopicHealthThreshold } from './monitoring.js'
import type { QueuePolicyUpdate } from './queues.js'
import type { TopicConfigInput } from './topic-config.js'

export interface CreateTopicInput {
  topic: string
  partitions?: number
  config?: TopicConfigInput
  queue?: QueuePolicyUpdate
  health?: TopicHealthThreshold[]
  /** Created by Kafdo itself (a dead-letter topic, the audit trail): tenant quotas and reserved names do not apply. */
  system?: boolean
}

export interface UpdateTopicInput {
  partitions?: number
  config?: TopicConfigInput
  /** Config keys put back to their defaults (Kafka's DELETE alter-config operation). */
  reset?: string[]
  queue?: QueuePolicyUpdate
  /** Replaces the health thresholds when given. */
  health?: TopicHealthThreshold[]
}

/** An API key as stored: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  keyId: string
  tenant: string
  name: string
  hash: string
  permissions: string[]
  createdBy: string
  createdAt: number
  expiresAt: number | null
  revokedAt: number | null
}

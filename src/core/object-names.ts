/**
 * Durable Object names, derived only here and only on the server, from the tenant and the topic's id.
 * Including the topic id (a UUID minted at creation) means a topic deleted and created again under the
 * same name gets fresh partition objects: nothing of the old log can reappear.
 */
import type { PartitionRef } from '../protocol/partition-rpc.js'

export const DEFAULT_TENANT = 'default'

/**
 * The one cluster-wide metadata object: the directory of tenants (for platform-admin listing), the stream
 * ticket secret, and, in deployments older than per-tenant metadata, everyone's data until each tenant's
 * object has taken its share. It is on no produce, fetch or (for current API keys) auth path.
 */
export const DIRECTORY_OBJECT_NAME = 'cluster'

export function partitionObjectName(ref: PartitionRef): string {
  return `${ref.tenant}/${ref.topic}/${ref.topicId}/${ref.partition}`
}

export function groupObjectName(tenant: string, groupId: string): string {
  return `${tenant}/${groupId}`
}

/**
 * A tenant's own metadata object (topics, groups, keys, quotas, schemas): its traffic grows with that
 * tenant alone. The `tenant:` prefix cannot collide with the directory's name.
 */
export function metadataObjectName(tenant: string): string {
  return `tenant:${tenant}`
}

/** A tenant's rate-quota buckets (TenantQuotaDO) and its monitor (TenantMonitorDO) are named by the tenant alone. */
export function tenantObjectName(tenant: string): string {
  return tenant
}

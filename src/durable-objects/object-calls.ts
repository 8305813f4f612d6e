/**
 * The one module for calls to Durable Objects, from the Worker's services and from other objects alike.
 * Stubs are made only here, named only through `core/object-names.ts`. Every RPC goes through `call`
 * (for methods answering a `Result`), `attempt` (plain values) or `attemptResult` (a `Result` the caller
 * acts on by its code): a failed or overloaded object becomes a retriable `SERVICE_UNAVAILABLE`, and a
 * returned `Result` error (for `call`) a thrown `KafdoError`, mapped once here.
 */
import { DIRECTORY_OBJECT_NAME, groupObjectName, metadataObjectName, partitionObjectName, tenantObjectName } from '../core/object-names.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError, unwrap, type Result } from '../protocol/errors.js'
import type { PartitionRef } from '../protocol/partition-rpc.js'
import type { ClusterMetadataDO } from './cluster-metadata.js'
import type { ConsumerGroupDO } from './consumer-group.js'
import type { TenantMonitorDO } from './tenant-monitor.js'
import type { TenantQuotaDO } from './tenant-quota.js'
import type { TopicPartitionDO } from './topic-partition.js'

export function partitionStub(env: KafdoBindings, ref: PartitionRef): DurableObjectStub<TopicPartitionDO> {
  return (env.TOPIC_PARTITION as DurableObjectNamespace<TopicPartitionDO>).getByName(partitionObjectName(ref))
}

/** The tenant's metadata object: its topics, groups, API keys, quotas and schemas. */
export function metadataStub(env: KafdoBindings, tenant: string): DurableObjectStub<ClusterMetadataDO> {
  return (env.CLUSTER_METADATA as DurableObjectNamespace<ClusterMetadataDO>).getByName(metadataObjectName(tenant))
}

/** The cluster-wide directory (tenant list, ticket secret, data of older deployments); never on the hot path. */
export function directoryStub(env: KafdoBindings): DurableObjectStub<ClusterMetadataDO> {
  return (env.CLUSTER_METADATA as DurableObjectNamespace<ClusterMetadataDO>).getByName(DIRECTORY_OBJECT_NAME)
}

export function groupStub(env: KafdoBindings, tenant: string, groupId: string): DurableObjectStub<ConsumerGroupDO> {
  return (env.CONSUMER_GROUP as DurableObjectNamespace<ConsumerGroupDO>).getByName(groupObjectName(tenant, groupId))
}

/** The tenant's monitor object, when the deployment binds TENANT_MONITOR (it is optional). */
export function monitorStub(env: KafdoBindings, tenant: string): DurableObjectStub<TenantMonitorDO> | undefined {
  return (env.TENANT_MONITOR as DurableObjectNamespace<TenantMonitorDO> | undefined)?.getByName(tenantObjectName(tenant))
}

/** The tenant's rate-quota buckets, when the deployment binds TENANT_QUOTA (it is optional). */
export function quotaStub(env: KafdoBindings & { TENANT_QUOTA?: unknown }, tenant: string): DurableObjectStub<TenantQuotaDO> | undefined {
  return (env.TENANT_QUOTA as DurableObjectNamespace<TenantQuotaDO> | undefined)?.getByName(tenantObjectName(tenant))
}

/** Runs one RPC and returns its value; expected failures arrive as `Result` errors and are thrown. */
export async function call<T>(rpc: () => Promise<Result<T>> | Result<T>): Promise<T> {
  return unwrap(await attemptResult(rpc))
}

/**
 * Runs one RPC that answers a `Result` and hands it back typed (a stub's own types do not narrow the
 * union), for a caller that decides by the error's code what to do.
 */
export function attemptResult<T>(rpc: () => Promise<Result<T>> | Result<T>): Promise<Result<T>> {
  return attempt(rpc)
}

/** Runs one RPC that answers a plain value (no `Result`). */
export async function attempt<T>(rpc: () => Promise<T> | T): Promise<T> {
  try {
    return await rpc()
  } catch (err) {
    throw toServiceError(err)
  }
}

/** The runtime marks transient Durable Object failures `retryable` or `overloaded`. */
export function toServiceError(err: unknown): unknown {
  if (err instanceof KafdoError) return err
  const flags = err as { retryable?: boolean; overloaded?: boolean } | null
  if (flags && (flags.retryable === true || flags.overloaded === true)) {
    return new KafdoError('SERVICE_UNAVAILABLE', 'a storage object is temporarily unavailable; retry the request')
  }
  return err
}

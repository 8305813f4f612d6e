/**
 * The only place Durable Object stubs are made. Names come from `core/object-names.ts`; callers never
 * build them. Every RPC goes through `call`, which turns a failed or overloaded object into a retriable
 * `SERVICE_UNAVAILABLE` and a returned `Result` error into a thrown `KafdoError`.
 */
import { CLUSTER_OBJECT_NAME, groupObjectName, partitionObjectName, type PartitionRef } from '../core/object-names.js'
import type { ClusterMetadataDO } from '../durable-objects/cluster-metadata.js'
import type { ConsumerGroupDO } from '../durable-objects/consumer-group.js'
import type { TenantMonitorDO } from '../durable-objects/tenant-monitor.js'
import type { TopicPartitionDO } from '../durable-objects/topic-partition.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError, unwrap, type Result } from '../protocol/errors.js'

export function partitionStub(env: KafdoBindings, ref: PartitionRef): DurableObjectStub<TopicPartitionDO> {
  return (env.TOPIC_PARTITION as DurableObjectNamespace<TopicPartitionDO>).getByName(partitionObjectName(ref))
}

export function clusterStub(env: KafdoBindings): DurableObjectStub<ClusterMetadataDO> {
  return (env.CLUSTER_METADATA as DurableObjectNamespace<ClusterMetadataDO>).getByName(CLUSTER_OBJECT_NAME)
}

export function groupStub(env: KafdoBindings, tenant: string, groupId: string): DurableObjectStub<ConsumerGroupDO> {
  return (env.CONSUMER_GROUP as DurableObjectNamespace<ConsumerGroupDO>).getByName(groupObjectName(tenant, groupId))
}

/** The tenant's monitor object, when the deployment binds TENANT_MONITOR (it is optional). */
export function monitorStub(env: KafdoBindings, tenant: string): DurableObjectStub<TenantMonitorDO> | undefined {
  return (env.TENANT_MONITOR as DurableObjectNamespace<TenantMonitorDO> | undefined)?.getByName(tenant)
}

/** Runs one RPC and returns its value; expected failures arrive as `Result` errors and are thrown. */
export async function call<T>(rpc: () => Promise<Result<T>> | Result<T>): Promise<T> {
  return unwrap(await attempt(rpc))
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

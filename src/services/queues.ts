/**
 * The queue view (Qafka's `/queues` API and the in-Worker queue consumer) over ordinary topics: creating
 * a queue creates a topic with a queue policy; receive (queue-receive.ts) leases across partitions;
 * ack/nack/extend/reject go to the partition that holds the lease; stats add up the partitions'
 * share-group state.
 */
import type { KafdoBindings } from '../env.js'
import { leaseSpans } from '../core/delivery-ranges.js'
import { KafdoError, type Result } from '../protocol/errors.js'
import type { PartitionRef } from '../protocol/partition-rpc.js'
import type { AckResult, LeaseRef, ShareGroupSeekTarget } from '../protocol/queue-rpc.js'
import {
  DEFAULT_SHARE_GROUP,
  DLQ_SUFFIX,
  type CreateQueueRequest,
  type QueueDescription,
  type QueueDetails,
  type UpdateQueueRequest,
} from '../protocol/queues.js'
import { topicConfigToStrings, type TopicConfigInput } from '../protocol/topic-config.js'
import { watchHealth } from './monitoring/alerts.js'
import { call, metadataStub, partitionStub } from './stubs.js'
import { findTopic, forgetTopic, rememberTopic, requireTopic } from './topic-cache.js'
import { isInternalTopic, type TopicMetadata } from '../protocol/topics.js'

export { receiveMessages as receive, receiveText, type ReceiveOptions } from './queue-receive.js'

export function describeQueue(topic: TopicMetadata): QueueDescription {
  const { tags, ...policy } = topic.queue
  return {
    name: topic.topic,
    topicId: topic.topicId,
    partitions: topic.partitions,
    config: topicConfigToStrings(topic.config),
    policy,
    tags,
    deadLetterTopic: topic.queue.deadLetter.enabled ? `${topic.topic}${DLQ_SUFFIX}` : null,
    health: { thresholds: topic.health ?? [] },
    createdAt: topic.createdAt,
  }
}

function topicConfigOf(request: { retentionMs?: number | undefined; config?: TopicConfigInput | undefined }): TopicConfigInput {
  return { ...(request.config ?? {}), ...(request.retentionMs !== undefined ? { 'retention.ms': request.retentionMs } : {}) }
}

function policyOf(request: CreateQueueRequest | UpdateQueueRequest) {
  const { retry, deadLetter, visibilityTimeoutMs, defaultTtlMs, tags } = request
  return Object.fromEntries(Object.entries({ retry, deadLetter, visibilityTimeoutMs, defaultTtlMs, tags }).filter(([, v]) => v !== undefined))
}

/** Creates the queue's topic; with `dryRun`, validates and answers what would be created. */
export async function createQueue(env: KafdoBindings, tenant: string, request: CreateQueueRequest, dryRun: boolean): Promise<QueueDescription> {
  const input = {
    topic: request.name,
    partitions: request.partitions,
    config: topicConfigOf(request),
    queue: policyOf(request),
    ...(request.health ? { health: request.health.thresholds } : {}),
  }
  if (dryRun) {
    if (await findTopic(env, tenant, request.name, true)) {
      throw new KafdoError('TOPIC_ALREADY_EXISTS', `queue '${request.name}' already exists`, { topic: request.name })
    }
    return describeQueue(await call(() => metadataStub(env, tenant).validateTopic(tenant, input)))
  }
  const topic = await call(() => metadataStub(env, tenant).createTopic(tenant, input))
  rememberTopic(tenant, topic)
  if ((topic.health ?? []).length > 0) await watchHealth(env, tenant)
  return describeQueue(topic)
}

export async function listQueues(
  env: KafdoBindings,
  tenant: string,
  filter: { tag?: string | undefined; prefix?: string | undefined },
): Promise<QueueDescription[]> {
  const topics = await metadataStub(env, tenant).listTopics(tenant)
  return topics
    .filter((topic) => !isInternalTopic(topic.topic))
    .filter(
      (topic) =>
        (filter.prefix === undefined || topic.topic.startsWith(filter.prefix)) && (filter.tag === undefined || topic.queue.tags.includes(filter.tag)),
    )
    .map(describeQueue)
}

export async function getQueue(env: KafdoBindings, tenant: string, name: string, group = DEFAULT_SHARE_GROUP): Promise<QueueDetails> {
  const topic = await requireTopic(env, tenant, name, true)
  const now = Date.now()
  const partitions = await Promise.all(
    Array.from({ length: topic.partitions }, (_, partition) => {
      const ref = { tenant, topic: topic.topic, topicId: topic.topicId, partition }
      return call(() => partitionStub(env, ref).queueStats(ref, group))
    }),
  )
  const dlq = topic.queue.deadLetter.enabled ? await findTopic(env, tenant, `${topic.topic}${DLQ_SUFFIX}`, true) : undefined
  let dlqDepth = 0
  if (dlq) {
    const ranges = await Promise.all(
      Array.from({ length: dlq.partitions }, (_, partition) => {
        const ref = { tenant, topic: dlq.topic, topicId: dlq.topicId, partition }
        return call(() => partitionStub(env, ref).offsets(ref))
      }),
    )
    dlqDepth = ranges.reduce((sum, range) => sum + range.latest - range.earliest, 0)
  }
  const oldest = partitions.map((p) => p.oldestTimestamp).filter((t): t is number => t !== null)
  const sum = (count: (p: (typeof partitions)[number]) => number) => partitions.reduce((total, p) => total + count(p), 0)
  const ready = sum((p) => p.ready)
  const inFlight = sum((p) => p.inFlight)
  const delayed = sum((p) => p.delayed)
  const depth = ready + inFlight + delayed
  return {
    ...describeQueue(topic),
    group,
    stats: {
      depth,
      ready,
      inFlight,
      delayed,
      deadLettered: dlqDepth,
      expired: sum((p) => p.expired),
      oldestMessageAgeMs: depth > 0 && oldest.length > 0 ? Math.max(0, now - Math.min(...oldest)) : null,
    },
  }
}

export async function updateQueue(
  env: KafdoBindings,
  tenant: string,
  name: string,
  request: UpdateQueueRequest,
  dryRun: boolean,
): Promise<{ before: QueueDescription; after: QueueDescription; applied: boolean }> {
  const input = {
    ...(request.partitions !== undefined ? { partitions: request.partitions } : {}),
    config: topicConfigOf(request),
    queue: policyOf(request),
    ...(request.health ? { health: request.health.thresholds } : {}),
  }
  const result = await call(() => metadataStub(env, tenant).updateTopic(tenant, name, input, dryRun))
  if (!dryRun) rememberTopic(tenant, result.after)
  if (!dryRun && (result.after.health ?? []).length > 0) await watchHealth(env, tenant)
  return { before: describeQueue(result.before), after: describeQueue(result.after), applied: !dryRun }
}

/** Deletes the queue's topic and its dead-letter topic. */
export async function deleteQueue(env: KafdoBindings, tenant: string, name: string): Promise<void> {
  await call(() => metadataStub(env, tenant).deleteTopic(tenant, name))
  forgetTopic(tenant, name)
  const dlq = `${name}${DLQ_SUFFIX}`
  const deleted = await metadataStub(env, tenant).deleteTopic(tenant, dlq)
  if (deleted.ok) forgetTopic(tenant, dlq)
}

export interface LeaseAction {
  group?: string | undefined
  consumerId: string
}

function parseLease(topic: TopicMetadata, leaseId: string): LeaseRef & { partition: number } {
  const [partition, offset, token] = leaseId.split(':')
  const p = Number(partition)
  if (!(p < topic.partitions)) throw new KafdoError('UNKNOWN_LEASE', `no lease '${leaseId}' on queue '${topic.topic}'`)
  return { partition: p, offset: Number(offset), token: token! }
}

async function onLeasePartition<T>(
  env: KafdoBindings,
  tenant: string,
  name: string,
  leaseId: string,
  rpc: (ref: PartitionRef, lease: LeaseRef) => Promise<Result<T>>,
): Promise<T> {
  const topic = await requireTopic(env, tenant, name)
  const lease = parseLease(topic, leaseId)
  const ref = { tenant, topic: topic.topic, topicId: topic.topicId, partition: lease.partition }
  return call(() => rpc(ref, { offset: lease.offset, token: lease.token }))
}

/**
 * Acks leases, atomically per partition. Each partition's leases go as spans of consecutive offsets of
 * one receive (core/delivery-ranges.ts `leaseSpans`), in the order given: an ack of what a receive
 * leased is one span per partition however many records it holds.
 */
export async function ack(env: KafdoBindings, tenant: string, name: string, action: LeaseAction, leaseIds: string[]): Promise<AckResult> {
  const topic = await requireTopic(env, tenant, name)
  const byPartition = new Map<number, LeaseRef[]>()
  for (const leaseId of leaseIds) {
    const lease = parseLease(topic, leaseId)
    const leases = byPartition.get(lease.partition)
    if (leases) leases.push({ offset: lease.offset, token: lease.token })
    else byPartition.set(lease.partition, [{ offset: lease.offset, token: lease.token }])
  }
  const group = action.group ?? DEFAULT_SHARE_GROUP
  const results = await Promise.all(
    [...byPartition].map(([partition, leases]) => {
      const ref = { tenant, topic: topic.topic, topicId: topic.topicId, partition }
      return call(() => partitionStub(env, ref).ack(ref, group, action.consumerId, leaseSpans(leases)))
    }),
  )
  return { acked: results.reduce((sum, r) => sum + r.acked, 0) }
}

export function nack(env: KafdoBindings, tenant: string, name: string, action: LeaseAction, leaseId: string, error?: string, delayMs?: number) {
  return onLeasePartition(env, tenant, name, leaseId, (ref, lease) =>
    partitionStub(env, ref).nack(ref, action.group ?? DEFAULT_SHARE_GROUP, action.consumerId, lease, error, delayMs),
  )
}

export function reject(env: KafdoBindings, tenant: string, name: string, action: LeaseAction, leaseId: string, error?: string) {
  return onLeasePartition(env, tenant, name, leaseId, (ref, lease) =>
    partitionStub(env, ref).reject(ref, action.group ?? DEFAULT_SHARE_GROUP, action.consumerId, lease, error),
  )
}

export function extend(env: KafdoBindings, tenant: string, name: string, action: LeaseAction, leaseId: string, visibilityTimeoutMs: number) {
  return onLeasePartition(env, tenant, name, leaseId, (ref, lease) =>
    partitionStub(env, ref).extend(ref, action.group ?? DEFAULT_SHARE_GROUP, action.consumerId, lease, visibilityTimeoutMs),
  )
}

/** Moves a share group's cursor on one or every partition; what it had in flight from there is dropped. */
export async function seek(
  env: KafdoBindings,
  tenant: string,
  name: string,
  request: {
    group?: string | undefined
    partition?: number | undefined
    offset?: number | undefined
    timestamp?: number | undefined
    to?: 'earliest' | 'latest' | undefined
  },
): Promise<Array<{ partition: number; offset: number }>> {
  const topic = await requireTopic(env, tenant, name)
  if (request.partition !== undefined && request.partition >= topic.partitions) {
    throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `queue '${name}' has no partition ${request.partition}`, { partition: request.partition })
  }
  const target: ShareGroupSeekTarget =
    request.offset !== undefined
      ? { offset: request.offset }
      : request.timestamp !== undefined
        ? { timestamp: request.timestamp }
        : { to: request.to ?? 'earliest' }
  const partitions = request.partition !== undefined ? [request.partition] : Array.from({ length: topic.partitions }, (_, p) => p)
  return Promise.all(
    partitions.map(async (partition) => {
      const ref = { tenant, topic: topic.topic, topicId: topic.topicId, partition }
      const result = await call(() => partitionStub(env, ref).seekShareGroup(ref, request.group ?? DEFAULT_SHARE_GROUP, target))
      return { partition, offset: result.offset }
    }),
  )
}

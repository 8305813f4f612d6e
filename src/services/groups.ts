/**
 * Consumer groups for the HTTP API and the in-Worker consumer and admin: each call goes to the group's
 * coordinator object; describing a group adds lag, read from the partitions' high watermarks. Fetching
 * through the group is in `group-fetch.ts`.
 */
import { parsePage } from '../core/fetch-page.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import type {
  CommitRequest,
  CommittedOffsetDescription,
  GroupDescription,
  GroupListing,
  GroupRef,
  HeartbeatRequest,
  HeartbeatResult,
  JoinGroupInput,
  JoinGroupResult,
  LeaveRequest,
  ResetOffsetsRequest,
} from '../protocol/groups.js'
import { describeGroupWithLag } from '../durable-objects/figure-reads.js'
import { partitionOffsets, readPartition } from './read.js'
import { attempt, call, metadataStub, groupStub } from './stubs.js'
import { requireTopic } from './topic-cache.js'

const ref = (tenant: string, groupId: string): GroupRef => ({ tenant, groupId })

export function joinGroup(env: KafdoBindings, tenant: string, groupId: string, request: JoinGroupInput): Promise<JoinGroupResult> {
  return call(() => groupStub(env, tenant, groupId).join(ref(tenant, groupId), request))
}

export function heartbeat(env: KafdoBindings, tenant: string, groupId: string, request: HeartbeatRequest): Promise<HeartbeatResult> {
  return call(() => groupStub(env, tenant, groupId).heartbeat(ref(tenant, groupId), request))
}

export async function commitOffsets(env: KafdoBindings, tenant: string, groupId: string, request: CommitRequest): Promise<{ committed: number }> {
  // A member's commits are checked against its assignment by the coordinator; a commit outside any
  // membership must at least name partitions that exist.
  if (request.memberId === undefined) await checkPartitionsExist(env, tenant, request.offsets)
  return call(() => groupStub(env, tenant, groupId).commit(ref(tenant, groupId), request))
}

export async function leaveGroup(env: KafdoBindings, tenant: string, groupId: string, request: LeaveRequest): Promise<void> {
  await call(() => groupStub(env, tenant, groupId).leave(ref(tenant, groupId), request))
}

export async function committedOffsets(env: KafdoBindings, tenant: string, groupId: string): Promise<CommittedOffsetDescription[]> {
  return (await attempt(() => groupStub(env, tenant, groupId).describe(ref(tenant, groupId)))).offsets
}

export function describeGroup(env: KafdoBindings, tenant: string, groupId: string): Promise<GroupDescription> {
  return describeGroupWithLag(env, tenant, groupId, async (topic, partition) => (await partitionOffsets(env, tenant, topic, partition)).latest)
}

export async function listGroups(env: KafdoBindings, tenant: string): Promise<GroupListing[]> {
  const ids = await attempt(() => metadataStub(env, tenant).listGroups(tenant))
  return Promise.all(ids.map((groupId) => attempt(() => groupStub(env, tenant, groupId).listing(ref(tenant, groupId)))))
}

export async function deleteGroup(env: KafdoBindings, tenant: string, groupId: string): Promise<void> {
  await call(() => groupStub(env, tenant, groupId).deleteGroup(ref(tenant, groupId)))
}

/** Kafka's `kafka-consumer-groups --reset-offsets`: to earliest, latest, a timestamp, or given offsets. */
export async function resetOffsets(
  env: KafdoBindings,
  tenant: string,
  groupId: string,
  request: ResetOffsetsRequest,
): Promise<CommittedOffsetDescription[]> {
  const topic = await requireTopic(env, tenant, request.topic, true)
  let offsets: Array<{ topic: string; partition: number; offset: number }>
  if ('offsets' in request) {
    await checkPartitionsExist(
      env,
      tenant,
      request.offsets.map((o) => ({ topic: topic.topic, partition: o.partition })),
    )
    offsets = request.offsets.map((o) => ({ topic: topic.topic, partition: o.partition, offset: o.offset }))
  } else {
    const partitions = Array.from({ length: topic.partitions }, (_, partition) => partition)
    offsets = await Promise.all(
      partitions.map(async (partition) => {
        if ('to' in request) {
          const range = await partitionOffsets(env, tenant, topic.topic, partition)
          return { topic: topic.topic, partition, offset: request.to === 'earliest' ? range.earliest : range.latest }
        }
        const timestamp = typeof request.timestamp === 'number' ? request.timestamp : Date.parse(request.timestamp)
        const read = await readPartition(env, tenant, topic.topic, partition, { timestamp, limit: 1, maxBytes: 1 })
        const first = read.count > 0 ? parsePage(read.page).messages[0]!.offset : read.highWatermark
        return { topic: topic.topic, partition, offset: first }
      }),
    )
  }
  await call(() => groupStub(env, tenant, groupId).resetOffsets(ref(tenant, groupId), offsets))
  return committedOffsets(env, tenant, groupId)
}

async function checkPartitionsExist(env: KafdoBindings, tenant: string, offsets: ReadonlyArray<{ topic: string; partition: number }>): Promise<void> {
  for (const name of new Set(offsets.map((o) => o.topic))) {
    const topic = await requireTopic(env, tenant, name)
    const bad = offsets.find((o) => o.topic === name && o.partition >= topic.partitions)
    if (bad) {
      throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' has no partition ${bad.partition}`, {
        topic: name,
        partition: bad.partition,
      })
    }
  }
}

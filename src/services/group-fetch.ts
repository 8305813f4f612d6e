/**
 * A fetch through the group (`POST /consumer-groups/:g/fetch`, and the in-Worker consumer's poll): one
 * RPC to the coordinator checks the member's epoch and that it owns every partition, then the partitions
 * are read in parallel. With `maxWaitMs`, a first read without waiting answers at once if any partition
 * has records; otherwise each partition waits (from where the first read found its end, so nothing
 * produced in between is skipped) and the first to get records answers for all.
 */
import type { KafdoBindings } from '../env.js'
import { DEFAULT_FETCH_LIMIT } from '../protocol/limits.js'
import type { GroupFetchRequest } from '../protocol/groups.js'
import { readPartition, type PartitionRead } from './read.js'
import { call, groupStub } from './stubs.js'

export async function groupFetch(env: KafdoBindings, tenant: string, groupId: string, request: GroupFetchRequest): Promise<PartitionRead[]> {
  const targets = request.partitions.map(({ topic, partition }) => ({ topic, partition }))
  await call(() => groupStub(env, tenant, groupId).fetchGrant({ tenant, groupId }, request.memberId, request.memberEpoch, targets))
  const read = (topic: string, partition: number, offset: number | 'earliest' | 'latest', maxWaitMs: number) =>
    readPartition(env, tenant, topic, partition, {
      offset,
      limit: request.maxRecords ?? DEFAULT_FETCH_LIMIT,
      ...(request.maxBytes !== undefined ? { maxBytes: request.maxBytes } : {}),
      maxWaitMs,
      ...(request.reset !== undefined ? { reset: request.reset } : {}),
    })
  const first = await Promise.all(request.partitions.map((p) => read(p.topic, p.partition, p.offset, 0)))
  const waitMs = request.maxWaitMs ?? 0
  if (waitMs === 0 || first.some((answer) => answer.count > 0)) return first
  const waited = await firstWithRecords(first.map((answer) => read(answer.topic, answer.partition, answer.nextOffset, waitMs)))
  return first.map((answer) => waited.find((w) => w.topic === answer.topic && w.partition === answer.partition) ?? answer)
}

/**
 * Resolves with every answer that has arrived when the first one with records does (or with all of them,
 * once all have answered empty). Later answers are dropped; their records are read again next time.
 */
function firstWithRecords(reads: Array<Promise<PartitionRead>>): Promise<PartitionRead[]> {
  return new Promise((resolve, reject) => {
    const arrived: PartitionRead[] = []
    let pending = reads.length
    for (const read of reads) {
      read.then((answer) => {
        arrived.push(answer)
        pending -= 1
        if (answer.count > 0 || pending === 0) resolve([...arrived])
      }, reject)
    }
  })
}

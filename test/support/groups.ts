/**
 * Consumer group members over plain HTTP, as docs/consumer-groups.md describes them: join, heartbeat
 * with the owned partitions, fetch through the group, commit, leave; and the coordinator's alarm.
 */
import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import type { TopicPartitions } from '../../src/protocol/groups'
import { groupStub } from '../../src/services/stubs'
import { request, type JsonResponse } from './http'

export interface Member {
  group: string
  memberId: string
  memberEpoch: number
  /** What the member holds now (what it would fetch). */
  owned: TopicPartitions[]
}

export const partitionsOf = (assignment: TopicPartitions[] | undefined) =>
  (assignment ?? []).flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`)).sort()

export async function join(group: string, body: Record<string, unknown>): Promise<Member & { response: JsonResponse }> {
  const response = await request('POST', `/consumer-groups/${group}/join`, { sessionTimeoutMs: 60_000, ...body })
  if (response.status !== 200) throw new Error(`join ${group}: ${response.status} ${JSON.stringify(response.body)}`)
  return { group, memberId: response.body.memberId, memberEpoch: response.body.memberEpoch, owned: response.body.assignment, response }
}

/**
 * One heartbeat reporting what the member holds. With `revoke` (the default), the member then does what a
 * consumer does: drops what the answer no longer gives it and takes what it newly gives.
 */
export async function heartbeat(member: Member, options: { revoke?: boolean; owned?: TopicPartitions[] | null } = {}): Promise<JsonResponse> {
  const owned = options.owned === null ? {} : { owned: options.owned ?? member.owned }
  const response = await request('POST', `/consumer-groups/${member.group}/heartbeat`, {
    memberId: member.memberId,
    memberEpoch: member.memberEpoch,
    ...owned,
  })
  if (response.status === 200) {
    member.memberEpoch = response.body.memberEpoch
    if (options.revoke !== false) member.owned = response.body.assignment
  }
  return response
}

export const commit = (
  member: Pick<Member, 'group' | 'memberId' | 'memberEpoch'>,
  offsets: Array<{ topic: string; partition: number; offset: number }>,
) => request('POST', `/consumer-groups/${member.group}/commit`, { memberId: member.memberId, memberEpoch: member.memberEpoch, offsets })

export const groupFetch = (
  member: Pick<Member, 'group' | 'memberId' | 'memberEpoch'>,
  partitions: Array<{ topic: string; partition: number; offset: number | 'earliest' | 'latest' }>,
  extra: Record<string, unknown> = {},
) => request('POST', `/consumer-groups/${member.group}/fetch`, { memberId: member.memberId, memberEpoch: member.memberEpoch, partitions, ...extra })

export const committed = async (group: string) =>
  (await request('GET', `/consumer-groups/${group}/offsets`)).body.offsets as Array<{ topic: string; partition: number; offset: number }>

export const describeGroup = async (group: string) => (await request('GET', `/consumer-groups/${group}`)).body

/** Runs the coordinator's alarm now, as if the earliest of its timers were due. */
export const runGroupAlarm = (group: string) => runDurableObjectAlarm(groupStub(env, DEFAULT_TENANT, group))

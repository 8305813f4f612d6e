/**
 * Consumer group administration. Until the group coordinator lands (issue 3) no group has members or
 * offsets, so groups are listed as none and described as Kafka describes an unknown group.
 */
import type { GroupDescription } from '../durable-objects/consumer-group.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import { attempt, groupStub } from './stubs.js'

export interface GroupListing {
  groupId: string
  state: string
}

export async function listGroups(_env: KafdoBindings, _tenant: string): Promise<GroupListing[]> {
  return []
}

export async function describeGroup(env: KafdoBindings, tenant: string, groupId: string): Promise<GroupDescription> {
  return attempt(() => groupStub(env, tenant, groupId).describe(groupId))
}

export async function deleteGroup(_env: KafdoBindings, _tenant: string, groupId: string): Promise<void> {
  throw new KafdoError('GROUP_ID_NOT_FOUND', `group '${groupId}' does not exist`, { groupId })
}

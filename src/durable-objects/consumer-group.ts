/**
 * ConsumerGroupDO: one consumer group's coordinator (membership, generations, assignment, committed
 * offsets). This first version only answers as Kafka does for a group that has no members yet; the
 * coordinator arrives with consumer groups (issue 3).
 */
import { DurableObject } from 'cloudflare:workers'
import type { KafdoEnv } from '../env.js'

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export interface GroupDescription {
  groupId: string
  state: GroupState
  protocol: string
  members: Array<{ memberId: string; clientId: string; assignment: Array<{ topic: string; partitions: number[] }> }>
}

export class ConsumerGroupDO extends DurableObject<KafdoEnv> {
  /** Kafka's DescribeGroups answers `Dead` with no members for a group it does not know. */
  describe(groupId: string): GroupDescription {
    return { groupId, state: 'Dead', protocol: '', members: [] }
  }
}

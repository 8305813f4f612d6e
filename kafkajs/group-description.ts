/**
 * A Kafdo group as kafkajs's `describeGroups` answers one: each member's subscription and assignment
 * encoded with `AssignerProtocol` as a broker encodes them, Kafka 4's group states named with the classic
 * ones kafkajs knows (Assigning as PreparingRebalance, Reconciling as CompletingRebalance), and the
 * group's server-side assignor as its protocol.
 */
import { Buffer } from 'node:buffer'
import type { GroupDescription as KafdoGroupDescription, GroupState } from '../src/protocol/index.js'
import { AssignerProtocol } from './assigner-protocol.js'
import type { ConsumerGroupState, GroupDescription } from './types/consumer.js'

const STATES: Record<GroupState, ConsumerGroupState> = {
  Empty: 'Empty',
  Assigning: 'PreparingRebalance',
  Reconciling: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
}

export function toGroupDescription(group: KafdoGroupDescription): GroupDescription & { errorCode: number } {
  return {
    errorCode: 0,
    groupId: group.groupId,
    members: group.members.map((member) => ({
      clientHost: '',
      clientId: member.clientId,
      memberId: member.memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: Object.fromEntries(member.assignment.map(({ topic, partitions }) => [topic, partitions])),
        userData: Buffer.alloc(0),
      }),
      memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics: member.topics, userData: Buffer.alloc(0) }),
    })),
    protocol: group.protocol ?? '',
    protocolType: group.state === 'Dead' ? '' : 'consumer',
    state: STATES[group.state],
  }
}

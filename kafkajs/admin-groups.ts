/**
 * kafkajs's group administration over Kafdo's: listing, describing and deleting groups, and reading and
 * setting a group's committed offsets. Kafdo stores real offsets: `resetOffsets` writes the partitions'
 * earliest or latest offsets (kafkajs writes the markers -2 and -1, which `fetchOffsets` then shows), and a
 * partition with no committed offset reads as '-1', as in kafkajs.
 */
import { KafdoError } from '../src/protocol/errors.js'
import { EARLIEST_OFFSET, LATEST_OFFSET } from './constants.js'
import { KafkaJSDeleteGroupsError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSProtocolError } from './errors.js'
import { kafkaJSError } from './from-kafdo.js'
import { toGroupDescription } from './group-description.js'
import type { Transport } from './transport.js'
import type { DeleteGroupsResult, FetchOffsetsPartition, GroupOverview } from './types/admin.js'
import type { SeekEntry } from './types/common.js'
import type { GroupDescriptions } from './types/consumer.js'

export async function listGroups(transport: Transport): Promise<{ groups: GroupOverview[] }> {
  return { groups: (await transport.listGroups()).map(({ groupId }) => ({ groupId, protocolType: 'consumer' })) }
}

export async function describeGroups(transport: Transport, groupIds: string[]): Promise<GroupDescriptions> {
  return { groups: await Promise.all(groupIds.map(async (groupId) => toGroupDescription(await transport.describeGroup(groupId)))) }
}

export async function deleteGroups(transport: Transport, groupIds: string[]): Promise<DeleteGroupsResult[]> {
  if (!groupIds || !Array.isArray(groupIds)) throw new KafkaJSNonRetriableError(`Invalid groupIds array ${String(groupIds)}`)
  if (groupIds.some((g) => typeof g !== 'string')) throw new KafkaJSNonRetriableError(`Invalid groupId name: ${JSON.stringify(groupIds)}`)
  const outcomes = await Promise.allSettled(groupIds.map((groupId) => transport.deleteGroup(groupId)))
  const failed = outcomes.flatMap((outcome, i) => {
    if (outcome.status === 'fulfilled') return []
    const error = kafkaJSError(outcome.reason, transport.broker)
    const errorCode = error instanceof KafkaJSProtocolError ? error.code : -1
    return [{ groupId: groupIds[i]!, errorCode, error: error instanceof KafkaJSError ? error : new KafkaJSError(error) }]
  })
  if (failed.length > 0) throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', failed)
  return groupIds.map((groupId) => ({ groupId, errorCode: 0 }))
}

export async function fetchOffsets(
  transport: Transport,
  { groupId, topics, resolveOffsets = false }: { groupId: string; topics?: string[]; resolveOffsets?: boolean },
): Promise<Array<{ topic: string; partitions: FetchOffsetsPartition[] }>> {
  if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
  if (topics != null && !Array.isArray(topics)) throw new KafkaJSNonRetriableError('Expected topics array to be set')
  const { offsets } = await transport.describeGroup(groupId)
  const names = topics?.length ? topics : [...new Set(offsets.map((o) => o.topic))]
  return Promise.all(
    names.map(async (topic) => {
      const described = await transport.describeTopic(topic)
      let partitions: FetchOffsetsPartition[] = described.partitions.map(({ partition }) => {
        const committed = offsets.find((o) => o.topic === topic && o.partition === partition)
        return { partition, offset: committed ? String(committed.offset) : LATEST_OFFSET, metadata: committed?.metadata ?? null }
      })
      if (resolveOffsets && partitions.some((p) => p.offset === LATEST_OFFSET)) {
        // kafkajs resolves the -1 marker to the partition's latest offset, and commits what it resolved.
        partitions = partitions.map((p) => ({
          ...p,
          offset: p.offset === LATEST_OFFSET ? String(described.partitions.find((d) => d.partition === p.partition)!.latest) : p.offset,
        }))
        await setOffsets(transport, { groupId, topic, partitions })
      }
      return { topic, partitions }
    }),
  )
}

export async function setOffsets(
  transport: Transport,
  { groupId, topic, partitions }: { groupId: string; topic: string; partitions: SeekEntry[] },
): Promise<void> {
  if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
  if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
  if (!partitions || partitions.length === 0) throw new KafkaJSNonRetriableError('Invalid partitions')
  const special = partitions.some((p) => p.offset === EARLIEST_OFFSET || p.offset === LATEST_OFFSET)
  const range = special ? (await transport.describeTopic(topic)).partitions : []
  const offsets = partitions.map(({ partition, offset }) => {
    const bounds = range.find((r) => r.partition === partition)
    const value = offset === EARLIEST_OFFSET ? bounds?.earliest : offset === LATEST_OFFSET ? bounds?.latest : Number(offset)
    if (value === undefined || !Number.isSafeInteger(value) || value < 0)
      throw new KafkaJSNonRetriableError(`Invalid offset ${offset} for partition ${partition}`)
    return { partition, offset: value }
  })
  await whenEmpty(transport, groupId, () => transport.resetOffsets(groupId, { topic, offsets }))
}

export async function resetOffsets(
  transport: Transport,
  { groupId, topic, earliest = false }: { groupId: string; topic: string; earliest?: boolean },
): Promise<void> {
  if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${groupId}`)
  if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${topic}`)
  await whenEmpty(transport, groupId, () => transport.resetOffsets(groupId, { topic, to: earliest ? 'earliest' : 'latest' }))
}

/** Kafdo refuses to move a group's offsets while it has members; kafkajs says so in its own words. */
async function whenEmpty(transport: Transport, groupId: string, change: () => Promise<unknown>): Promise<void> {
  try {
    await change()
  } catch (err) {
    if (!(err instanceof KafdoError && err.code === 'NON_EMPTY_GROUP')) throw err
    const { state } = await describeGroups(transport, [groupId]).then(({ groups }) => groups[0]!)
    throw new KafkaJSNonRetriableError(`The consumer group must have no running instances, current state: ${state}`, { cause: kafkaJSError(err) })
  }
}

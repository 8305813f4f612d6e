/** Helpers for the client's consumer group tests: seeded topics and members that heartbeat only when told. */
import type { ConsumerOptions, KafdoClient, KafdoConsumer, RebalanceListener, TopicPartitions } from '../../client/index.js'
import { uniqueTopic } from './support.js'

/** A topic whose partitions each hold `perPartition` records valued `${partition}-${index}`. */
export async function seededTopic(client: KafdoClient, partitions: number, perPartition: number): Promise<string> {
  const topic = uniqueTopic()
  await client.admin().createTopic({ topic, partitions })
  await produce(client, topic, partitions, (partition) => Array.from({ length: perPartition }, (_, i) => `${partition}-${i}`))
  return topic
}

export async function produce(client: KafdoClient, topic: string, partitions: number, values: (partition: number) => string[]): Promise<void> {
  const records = Array.from({ length: partitions }, (_, partition) => values(partition).map((value) => ({ value, partition }))).flat()
  if (records.length > 0) await client.producer({ defaultTopic: topic }).sendBatch(records)
}

/** A consumer whose background heartbeat stays out of the way: the test heartbeats explicitly. */
export function member(
  client: KafdoClient,
  options: Omit<ConsumerOptions, 'groupId'> & { groupId: string },
  listener?: RebalanceListener,
): KafdoConsumer {
  return client.consumer({ heartbeatIntervalMs: 60_000, sessionTimeoutMs: 120_000, fromBeginning: true, ...options }, listener)
}

export const partitionsOf = (assignment: TopicPartitions[]) => assignment.flatMap((tp) => tp.partitions).sort((a, b) => a - b)
export const values = (records: Array<{ value: unknown }>) => records.map((r) => r.value).sort()

/**
 * kafkajs's consumer argument checks (`src/consumer/index.js`), with its messages, and its assigners:
 * `PartitionAssigners.roundRobin` asks Kafdo's server for round robin; any other assigner is refused,
 * since Kafdo assigns partitions on the server (Kafka 4's consumer protocol).
 */
import type { AssignmentStrategy } from '../src/protocol/index.js'
import { KafkaJSNonRetriableError, KafkaJSNotImplemented } from './errors.js'
import type { PartitionAssigner } from './types/config.js'

/** kafkajs's round-robin assigner; here it asks the server for its round-robin assignor. */
export const roundRobin: PartitionAssigner = () => ({
  name: 'RoundRobinAssigner',
  version: 0,
  assign: async () => {
    throw new KafkaJSNotImplemented('Kafdo assigns partitions on the server; a client-side assigner never runs')
  },
  protocol: () => {
    throw new KafkaJSNotImplemented('Kafdo assigns partitions on the server; a client-side assigner never runs')
  },
})

export const PartitionAssigners: { roundRobin: PartitionAssigner } = { roundRobin }

export function strategyOf(assigners: PartitionAssigner[] | undefined): AssignmentStrategy | undefined {
  if (assigners === undefined || assigners.length === 0) return undefined
  const custom = assigners.filter((assigner) => assigner !== roundRobin)
  if (custom.length > 0) {
    throw new KafkaJSNotImplemented(
      "Custom partition assigners (partitionAssigners) are not supported by Kafdo: it assigns partitions on the server, as Kafka 4's consumer protocol does (sticky by default; PartitionAssigners.roundRobin asks for round robin)",
    )
  }
  return 'roundrobin'
}

export function offsetOf(offset: unknown): bigint {
  try {
    return BigInt(String(offset))
  } catch {
    throw new KafkaJSNonRetriableError(`Invalid offset, expected a long received ${String(offset)}`)
  }
}

export function checkTopicPartitions(topicPartitions: Array<{ topic: string; partitions?: number[] }>, action: string): void {
  for (const tp of topicPartitions) {
    if (!tp || !tp.topic) throw new KafkaJSNonRetriableError(`Invalid topic ${(tp && tp.topic) || String(tp)}`)
    if (tp.partitions !== undefined && (!Array.isArray(tp.partitions) || tp.partitions.some((p) => Number.isNaN(Number(p))))) {
      throw new KafkaJSNonRetriableError(`Array of valid partitions required to ${action} specific partitions instead of ${String(tp.partitions)}`)
    }
  }
}

export function rootCause(error: Error): Error & { retriable?: boolean } {
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Error ? rootCause(cause) : error
}

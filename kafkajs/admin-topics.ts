/**
 * kafkajs's admin helpers for topics: its checks of `configEntries`, the per-topic errors of
 * `createTopics`, and `deleteTopicRecords` (Kafka's DeleteRecords, through Kafdo's
 * `POST /admin/topics/:topic/delete-records`), whose failures come in KafkaJSDeleteTopicRecordsError.
 */
import { LATEST_OFFSET } from './constants.js'
import { KafkaJSDeleteTopicRecordsError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNotImplemented, KafkaJSProtocolError } from './errors.js'
import { kafkaJSError } from './from-kafdo.js'
import type { Transport } from './transport.js'
import type { Logger, SeekEntry } from './types/common.js'

export interface DeleteRecordsHelpers {
  logger: Logger
  retrying: <T>(operation: () => Promise<T>) => Promise<T>
  offsets: (topic: string) => Promise<Array<SeekEntry & { high: string; low: string }>>
}

export async function deleteTopicRecords(
  transport: Transport,
  { topic, partitions }: { topic: string; partitions: SeekEntry[] },
  { logger, retrying, offsets }: DeleteRecordsHelpers,
): Promise<void> {
  if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic "${String(topic)}"`)
  if (!partitions || partitions.length === 0) throw new KafkaJSNonRetriableError('Invalid partitions')
  const low = await offsets(topic)
  for (const { partition, offset } of partitions) {
    const earliest = low.find((p) => p.partition === partition)?.low
    if (earliest !== undefined && offset !== LATEST_OFFSET && Number(offset) < Number(earliest)) {
      logger.warn('The requested offset is before the earliest offset maintained on the partition - no records will be deleted from this partition', {
        topic,
        partition,
        offset,
      })
    }
  }
  const request = partitions.map(({ partition, offset }) => ({ partition, offset: offset === LATEST_OFFSET ? ('latest' as const) : Number(offset) }))
  try {
    await retrying(() => transport.deleteRecords(topic, request))
  } catch (err) {
    const error = err instanceof KafkaJSError ? err : new KafkaJSError(kafkaJSError(err))
    // Kafdo refuses the request whole; the partition it names (if any) is the one that failed.
    const named = (err as { kafdo?: { details?: { partition?: unknown } } }).kafdo?.details?.partition
    const failing = partitions.filter(({ partition }) => named === undefined || named === partition)
    throw new KafkaJSDeleteTopicRecordsError({ topic, partitions: failing.map(({ partition, offset }) => ({ partition, offset, error })) })
  }
}

export function notSupported(feature: string): KafkaJSNotImplemented {
  return new KafkaJSNotImplemented(
    `${feature} are not supported by Kafdo: its access control is role-based permissions on API keys and JWTs (docs/security.md), not Kafka ACLs`,
  )
}

export function checkConfigEntries(topic: string, configEntries: unknown): void {
  if (configEntries == null) return
  if (!Array.isArray(configEntries)) throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}", must be an array`)
  configEntries.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry == null)
      throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}". Entry ${index} must be an object`)
    for (const property of ['name', 'value']) {
      if (!Object.hasOwn(entry, property) || typeof (entry as Record<string, unknown>)[property] !== 'string') {
        throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}". Entry ${index} must have a valid "${property}" property`)
      }
    }
  })
}

export function asProtocolError(err: unknown): KafkaJSProtocolError {
  if (err instanceof KafkaJSProtocolError) return err
  const error = err instanceof Error ? err : new Error(String(err))
  return new KafkaJSProtocolError({ message: error.message, type: 'UNKNOWN', code: -1, retriable: false })
}

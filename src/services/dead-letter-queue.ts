/**
 * Reading a queue's messages without leasing them (Qafka's "read messages, seek by offset or timestamp",
 * "view last N messages"), and working with its dead-letter topic: inspect, re-drive back to the source
 * queue (all, an offset range, or those carrying a header value), and purge.
 */
import { pageRecordsText } from '../core/fetch-page.js'
import { recordTimestamp, splitRecords } from '../core/record-texts.js'
import type { KafdoBindings } from '../env.js'
import { KafdoError } from '../protocol/errors.js'
import { DLQ_HEADERS, DLQ_SUFFIX } from '../protocol/queues.js'
import type { PartitionedRecord } from '../protocol/queue-answers.js'
import { produce } from './produce.js'
import { fetchRecords, offsetsOf, readPartition } from './read.js'
import { call, partitionStub } from './stubs.js'
import { requireTopic } from './topic-cache.js'

export interface QueueRead {
  partition?: number | undefined
  offset?: number | undefined
  timestamp?: number | undefined
  last?: number | undefined
  limit?: number | undefined
}

export type { PartitionedRecord }

/**
 * Messages of one partition from an offset or timestamp, or of all partitions merged by timestamp, as the
 * JSON answer `{"messages":[…]}`. Records are passed on as the text the partitions stored, each with its
 * `partition` added, never parsed and re-serialised: a stored value of any depth is answered as it is
 * (JSON.stringify recurses, and a value some thousands of levels deep overflowed it).
 */
export async function readMessages(env: KafdoBindings, tenant: string, name: string, query: QueueRead): Promise<string> {
  const topic = await requireTopic(env, tenant, name)
  if (query.partition !== undefined && query.partition >= topic.partitions) {
    throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `'${name}' has no partition ${query.partition}`, { partition: query.partition })
  }
  const partitions = query.partition !== undefined ? [query.partition] : Array.from({ length: topic.partitions }, (_, p) => p)
  const limit = query.last ?? query.limit ?? 100
  const ranges = query.last !== undefined ? await offsetsOf(env, tenant, topic) : []
  const perPartition = await Promise.all(
    partitions.map(async (partition) => {
      const from =
        query.last !== undefined
          ? { offset: Math.max(ranges[partition]!.earliest, ranges[partition]!.latest - query.last) }
          : query.timestamp !== undefined
            ? { timestamp: query.timestamp }
            : { offset: query.offset ?? ('earliest' as const) }
      const { page } = await readPartition(env, tenant, name, partition, { ...from, limit, reset: 'earliest' })
      return splitRecords(pageRecordsText(page)).map(({ offset, text }) => ({ partition, offset, timestamp: recordTimestamp(text) ?? 0, text }))
    }),
  )
  const merged = perPartition.flat().sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset)
  const selected = query.last !== undefined ? merged.slice(-query.last) : merged.slice(0, limit)
  return `{"messages":[${selected.map(({ partition, text }) => `{"partition":${partition},${text.slice(1)}`).join(',')}]}`
}

/** The dead-letter queue's messages, read as `readMessages` reads the queue's. */
export async function inspectDeadLetters(env: KafdoBindings, tenant: string, name: string, query: QueueRead): Promise<string> {
  return readMessages(env, tenant, `${name}${DLQ_SUFFIX}`, query)
}

export interface RedriveRequest {
  partition?: number | undefined
  fromOffset?: number | undefined
  toOffset?: number | undefined
  header?: { name: string; value: string } | undefined
  limit?: number | undefined
}

/**
 * Produces the selected dead letters back to the queue, with their original key, value and headers (the
 * DLQ headers removed, `kafdo-redriven-from` added). The DLQ keeps them until purged. At-least-once:
 * repeating a re-drive produces the records again.
 */
export async function redrive(env: KafdoBindings, tenant: string, name: string, request: RedriveRequest): Promise<{ redriven: number }> {
  await requireTopic(env, tenant, name)
  const dlq = await requireTopic(env, tenant, `${name}${DLQ_SUFFIX}`)
  const limit = request.limit ?? 1000
  const selected: PartitionedRecord[] = []
  const partitions = request.partition !== undefined ? [request.partition] : Array.from({ length: dlq.partitions }, (_, p) => p)
  for (const partition of partitions) {
    let offset: number | 'earliest' = request.fromOffset ?? 'earliest'
    while (selected.length < limit) {
      const fetched = await fetchRecords(env, tenant, dlq.topic, partition, { offset, limit: 1000, reset: 'earliest' })
      for (const record of fetched.messages) {
        if (request.toOffset !== undefined && record.offset > request.toOffset) break
        if (request.header && record.headers[request.header.name] !== request.header.value) continue
        if (selected.length < limit) selected.push({ ...record, partition })
      }
      const done = fetched.messages.length === 0 || (request.toOffset !== undefined && fetched.nextOffset > request.toOffset)
      if (done) break
      offset = fetched.nextOffset
    }
  }
  if (selected.length === 0) return { redriven: 0 }
  const dlqHeaders = new Set<string>(Object.values(DLQ_HEADERS))
  await produce(
    env,
    tenant,
    name,
    selected.map((record) => ({
      key: record.key,
      value: record.value,
      valueEncoding: record.valueEncoding,
      headers: {
        ...Object.fromEntries(Object.entries(record.headers).filter(([header]) => !dlqHeaders.has(header))),
        'kafdo-redriven-from': `${dlq.topic}/${record.partition}/${record.offset}`,
      },
    })),
  )
  return { redriven: selected.length }
}

/** Deletes dead letters before `beforeOffset` on each partition (all of them when not given). */
export async function purgeDeadLetters(env: KafdoBindings, tenant: string, name: string, beforeOffset?: number): Promise<{ purged: number }> {
  const dlq = await requireTopic(env, tenant, `${name}${DLQ_SUFFIX}`)
  const ranges = await offsetsOf(env, tenant, dlq)
  const purged = await Promise.all(
    ranges.map(async (range) => {
      const ref = { tenant, topic: dlq.topic, topicId: dlq.topicId, partition: range.partition }
      const after = await call(() => partitionStub(env, ref).deleteRecordsBefore(ref, beforeOffset ?? range.latest))
      return after.earliest - range.earliest
    }),
  )
  return { purged: purged.reduce((a, b) => a + b, 0) }
}

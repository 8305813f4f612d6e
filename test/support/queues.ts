/** Test helpers for the `/queues` API: create a queue, send, receive and settle leases over HTTP. */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { PartitionLog } from '../../src/durable-objects/partition-log'
import { logQueueHost, PartitionQueue } from '../../src/durable-objects/partition-queue'
import type { TopicPartitionDO } from '../../src/durable-objects/topic-partition'
import { partitionStub } from '../../src/services/stubs'
import { requireTopic } from '../../src/services/topic-cache'
import { request } from './http'

export interface Leased {
  leaseId: string
  partition: number
  offset: number
  timestamp: number
  key: string | null
  value: unknown
  deliveryCount: number
  headers: Record<string, string>
}

export const fastRetry = (maxAttempts: number) => ({ strategy: 'fixed', delayMs: 0, maxAttempts })

export async function createQueue(body: Record<string, unknown>): Promise<void> {
  const res = await request('POST', '/queues', body)
  if (res.status !== 201) throw new Error(`createQueue: ${res.status} ${JSON.stringify(res.body)}`)
}

export const send = (queue: string, messages: unknown[]) => request('POST', `/queues/${queue}/messages`, { messages })

export const receiveRaw = (queue: string, consumerId: string, extra: Record<string, unknown> = {}) =>
  request('POST', `/queues/${queue}/receive`, { consumerId, max: 10, ...extra })

export async function receive(queue: string, consumerId: string, extra: Record<string, unknown> = {}): Promise<Leased[]> {
  const res = await receiveRaw(queue, consumerId, extra)
  if (res.status !== 200) throw new Error(`receive: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.messages as Leased[]
}

export const ack = (queue: string, consumerId: string, leaseIds: string[]) => request('POST', `/queues/${queue}/ack`, { consumerId, leaseIds })
/** Acks every message of a receive's answer. */
export const ackAll = (queue: string, consumerId: string, messages: ReadonlyArray<{ leaseId: string }>) =>
  ack(
    queue,
    consumerId,
    messages.map((m) => m.leaseId),
  )
export const nack = (queue: string, consumerId: string, leaseId: string, extra: Record<string, unknown> = {}) =>
  request('POST', `/queues/${queue}/nack`, { consumerId, leaseId, error: 'boom', ...extra })
export const reject = (queue: string, consumerId: string, leaseId: string) =>
  request('POST', `/queues/${queue}/reject`, { consumerId, leaseId, error: 'rejected' })
export const extend = (queue: string, consumerId: string, leaseId: string) =>
  request('POST', `/queues/${queue}/extend`, { consumerId, leaseId, visibilityTimeoutMs: 60_000 })

export const stats = async (queue: string, group?: string) =>
  (await request('GET', `/queues/${queue}${group ? `?group=${group}` : ''}`)).body.stats as Record<string, number | null>

export const deadLetters = async (queue: string) => (await request('GET', `/queues/${queue}/dlq`)).body.messages as Leased[]

/** The partition object of a queue, for `runInDurableObject` / `runDurableObjectAlarm` and direct RPCs. */
export async function partition(queue: string, p = 0) {
  const topic = await requireTopic(env, DEFAULT_TENANT, queue, true)
  const ref = { tenant: DEFAULT_TENANT, topic: queue, topicId: topic.topicId, partition: p }
  return { ref, stub: partitionStub(env, ref) }
}

/** Runs a queue partition's alarm now (lease expiry, redelivery, DLQ routing), whenever it was set for. */
export async function alarmNow(queue: string, p = 0): Promise<void> {
  const { stub } = await partition(queue, p)
  await runInDurableObject(stub, (_i: TopicPartitionDO, state) => state.storage.setAlarm(Date.now()))
  await runDurableObjectAlarm(stub)
}

/**
 * A partition's log and queue over an object's storage (call inside `runInDurableObject`), for tests that
 * drive the queue with a clock of their own.
 */
export function partitionQueueIn(state: DurableObjectState): { log: PartitionLog; queue: PartitionQueue } {
  const log = new PartitionLog(state.storage)
  log.load()
  const queue = new PartitionQueue(logQueueHost(log, state.storage))
  return { log, queue }
}

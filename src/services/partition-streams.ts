/**
 * Opening live subscriptions on partition objects: one WebSocket per partition, asked for with the
 * object's upgrade (durable-objects/partition-subscribers.ts). A refusal (a missing topic, an offset out
 * of range, a partition full of subscribers) arrives as the one error shape and is thrown as
 * `KafdoError`, before anything is streamed to the caller. A topic subscription opens every partition or
 * none: one refusal closes the sockets already open.
 */
import type { KafdoBindings } from '../env.js'
import { KafdoError, isErrorCode } from '../protocol/errors.js'
import { SUBSCRIPTION_HEADER, type PartitionRef, type SubscribeRequest } from '../protocol/partition-rpc.js'
import { MAX_TOPIC_STREAM_PARTITIONS } from '../protocol/streams.js'
import type { TopicMetadata } from '../protocol/topics.js'
import { attempt, partitionStub } from './stubs.js'
import { forgetTopic, requireTopic } from './topic-cache.js'

/**
 * One partition's subscription. Messages that arrive before the caller listens are kept for it: the
 * socket delivers from the moment it is accepted, possibly while other partitions are still opening.
 */
export class PartitionSocket {
  readonly partition: number
  readonly #socket: WebSocket
  #early: Array<{ data: string } | { code: number; reason: string }> = []
  #onMessage: ((data: string) => void) | undefined
  #onClose: ((code: number, reason: string) => void) | undefined

  constructor(partition: number, socket: WebSocket) {
    this.partition = partition
    this.#socket = socket
    socket.addEventListener('message', (event) => {
      const data = typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data as ArrayBuffer)
      if (this.#onMessage) this.#onMessage(data)
      else this.#early.push({ data })
    })
    socket.addEventListener('close', (event) => {
      if (this.#onClose) this.#onClose(event.code, event.reason)
      else this.#early.push({ code: event.code, reason: event.reason })
    })
    socket.addEventListener('error', () => {
      const reason = 'INTERNAL_ERROR: the partition ended the subscription'
      if (this.#onClose) this.#onClose(4500, reason)
      else this.#early.push({ code: 4500, reason })
    })
    socket.accept()
  }

  listen(onMessage: (data: string) => void, onClose: (code: number, reason: string) => void): void {
    this.#onMessage = onMessage
    this.#onClose = onClose
    for (const event of this.#early.splice(0)) {
      if ('data' in event) onMessage(event.data)
      else onClose(event.code, event.reason)
    }
  }

  send(text: string): void {
    try {
      this.#socket.send(text)
    } catch {
      // closed: its close event ends the stream
    }
  }

  close(code = 1000, reason = 'subscriber gone'): void {
    try {
      this.#socket.close(code, reason)
    } catch {
      // already closed
    }
  }
}

export async function subscribePartition(env: KafdoBindings, request: SubscribeRequest): Promise<PartitionSocket> {
  const { ref } = request
  const response = await attempt(() =>
    partitionStub(env, ref).fetch('http://partition/subscribe', {
      headers: { upgrade: 'websocket', [SUBSCRIPTION_HEADER]: JSON.stringify(request) },
    }),
  )
  if (response.status === 101 && response.webSocket) return new PartitionSocket(ref.partition, response.webSocket)
  const body = (await response.json().catch(() => undefined)) as { error?: { code?: unknown; message?: string; details?: Record<string, unknown> } }
  const error = body?.error
  if (error && isErrorCode(error.code)) throw new KafdoError(error.code, error.message ?? error.code, error.details)
  throw new KafdoError('SERVICE_UNAVAILABLE', `partition ${ref.partition} did not take the subscription (${response.status})`)
}

/**
 * Subscribes to `partition`, or to every partition of the topic, in `tenant` (another tenant's topic is
 * as missing as one that never was). `build` says what each partition's subscription is.
 */
export async function subscribeTopic(
  env: KafdoBindings,
  tenant: string,
  name: string,
  partition: number | undefined,
  build: (ref: PartitionRef) => SubscribeRequest,
): Promise<{ topic: TopicMetadata; sockets: PartitionSocket[] }> {
  for (let attempt = 0; ; attempt++) {
    const topic = await requireTopic(env, tenant, name, attempt > 0)
    if (partition !== undefined && partition >= topic.partitions) {
      if (attempt === 0) continue
      throw new KafdoError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' has no partition ${partition} (it has ${topic.partitions})`, {
        topic: name,
        partition,
        partitions: topic.partitions,
      })
    }
    if (partition === undefined && topic.partitions > MAX_TOPIC_STREAM_PARTITIONS) {
      throw new KafdoError(
        'INVALID_REQUEST',
        `topic '${name}' has ${topic.partitions} partitions; a topic stream takes at most ${MAX_TOPIC_STREAM_PARTITIONS}: stream its partitions one by one`,
        { partitions: topic.partitions, max: MAX_TOPIC_STREAM_PARTITIONS },
      )
    }
    const partitions = partition === undefined ? Array.from({ length: topic.partitions }, (_, p) => p) : [partition]
    const opened = await Promise.allSettled(
      partitions.map((p) => subscribePartition(env, build({ tenant, topic: topic.topic, topicId: topic.topicId, partition: p }))),
    )
    const sockets = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
    const failed = opened.find((result): result is PromiseRejectedResult => result.status === 'rejected')
    if (!failed) return { topic, sockets }
    for (const socket of sockets) socket.close(1000, 'subscription refused')
    // The cached topic may be one deleted and created again: look once more before refusing.
    if (attempt === 0 && failed.reason instanceof KafdoError && failed.reason.code === 'UNKNOWN_TOPIC_OR_PARTITION') {
      forgetTopic(tenant, name)
      continue
    }
    throw failed.reason
  }
}

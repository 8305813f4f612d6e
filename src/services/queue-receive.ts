/**
 * Receiving from a queue: lease up to `max` records from whichever partitions have them, fairly, and
 * wait up to `waitMs` when none has any.
 *
 * - One partition: one RPC, which also does the waiting.
 * - Several: first ask the next `min(max, partitions)` partitions in turn (a rotation per queue, so
 *   every partition is asked first as often as any other), splitting `max` between them. If that leaves
 *   `max` unfilled, the partitions not asked are probed in parallel (`awaitDeliverable` with no wait:
 *   how many records are ready, leasing nothing) and the rest is leased from those that have records,
 *   again in rotation order. So a ready record on any partition is found by one receive.
 * - Nothing anywhere: wait on every partition at once; the first to report records is leased from. If
 *   another consumer took them first, wait again (a partition still waiting keeps its wait) until the
 *   deadline. A partition is only ever asked to lease what the answer will carry: no record sits leased
 *   in an answer that is not sent.
 */
import type { KafdoBindings } from '../env.js'
import type { PartitionRef } from '../protocol/partition-rpc.js'
import type { ReceivedMessages } from '../protocol/queue-rpc.js'
import { DEFAULT_SHARE_GROUP, MAX_RECEIVE_BYTES, type QueueMessage } from '../protocol/queues.js'
import { call, partitionStub } from './stubs.js'
import { requireTopic } from './topic-cache.js'

export interface ReceiveOptions {
  group?: string | undefined
  consumerId: string
  max?: number | undefined
  visibilityTimeoutMs?: number | undefined
  waitMs?: number | undefined
}

/** The messages as JSON objects joined by commas (no brackets), and how many there are. */
export interface ReceivedText {
  messages: string
  count: number
}

const FRUITLESS_WAKE_PAUSE_MS = 20

/** The partition each queue's next receive asks first, per isolate. */
const rotation = new Map<string, number>()

export async function receiveMessages(env: KafdoBindings, tenant: string, name: string, options: ReceiveOptions): Promise<QueueMessage[]> {
  const received = await receiveText(env, tenant, name, options)
  return received.count > 0 ? (JSON.parse(`[${received.messages}]`) as QueueMessage[]) : []
}

export async function receiveText(env: KafdoBindings, tenant: string, name: string, options: ReceiveOptions): Promise<ReceivedText> {
  const topic = await requireTopic(env, tenant, name)
  const group = options.group ?? DEFAULT_SHARE_GROUP
  const max = options.max ?? 10
  const waitMs = options.waitMs ?? 0
  const ref = (partition: number): PartitionRef => ({ tenant, topic: topic.topic, topicId: topic.topicId, partition })
  const lease = (partition: number, share: number, maxBytes: number, wait = 0): Promise<ReceivedMessages> =>
    call(() =>
      partitionStub(env, ref(partition)).receive(ref(partition), {
        group,
        memberId: options.consumerId,
        max: share,
        maxBytes,
        ...(wait > 0 ? { waitMs: wait } : {}),
        ...(options.visibilityTimeoutMs !== undefined ? { visibilityTimeoutMs: options.visibilityTimeoutMs } : {}),
      }),
    )
  const ready = (partition: number, wait: number): Promise<number> =>
    call(() => partitionStub(env, ref(partition)).awaitDeliverable(ref(partition), group, wait))

  if (topic.partitions === 1) {
    const only = await lease(0, max, MAX_RECEIVE_BYTES, waitMs)
    return { messages: only.messages, count: only.count }
  }

  const start = rotation.get(topic.topicId) ?? 0
  rotation.set(topic.topicId, (start + 1) % topic.partitions)
  const order = Array.from({ length: topic.partitions }, (_, i) => (start + i) % topic.partitions)
  const parts: string[] = []
  let count = 0
  /** Records each partition is known to have ready (from a probe or a lease's backlog). */
  const known = new Map<number, number>()

  /** Leases `shares` in parallel, keeping what each partition says is left. */
  const leaseShares = async (shares: Array<[partition: number, share: number]>) => {
    const maxBytes = Math.max(1, Math.floor(MAX_RECEIVE_BYTES / shares.length))
    const results = await Promise.all(shares.map(([partition, share]) => lease(partition, share, maxBytes)))
    results.forEach((result, i) => {
      known.set(shares[i]![0], result.backlog)
      if (result.count === 0) return
      parts.push(result.messages)
      count += result.count
    })
  }
  /** Leases what is missing from the partitions known to have records, until max or none is left. */
  const topUp = async () => {
    for (let round = 0; count < max && round < topic.partitions; round++) {
      const shares = split(
        max - count,
        order.filter((p) => (known.get(p) ?? 0) > 0).map((p) => [p, known.get(p)!] as [number, number]),
      )
      if (shares.length === 0) return
      const before = count
      await leaseShares(shares)
      if (count === before) return
    }
  }

  const first = order.slice(0, Math.min(max, topic.partitions))
  await leaseShares(
    split(
      max,
      first.map((p) => [p, Number.MAX_SAFE_INTEGER]),
    ),
  )
  if (count < max) {
    const rest = order.slice(first.length)
    const probed = await Promise.all(rest.map((p) => ready(p, 0)))
    rest.forEach((p, i) => known.set(p, probed[i]!))
    await topUp()
  }
  if (count > 0 || waitMs <= 0) return { messages: parts.join(','), count }

  const deadline = Date.now() + waitMs
  const waits = new Map<number, Promise<[partition: number, ready: number]>>()
  const finished = new Set<number>()
  for (;;) {
    const left = deadline - Date.now()
    if (left <= 0) break
    for (const p of order) {
      if (waits.has(p) || finished.has(p)) continue
      const wait = ready(p, left).then((n): [number, number] => [p, n])
      // A wait left behind when the answer goes still settles; its failure must not go unhandled.
      wait.catch(() => {})
      waits.set(p, wait)
    }
    if (waits.size === 0) break
    const [partition, n] = await Promise.race(waits.values())
    waits.delete(partition)
    if (n === 0) {
      finished.add(partition) // its wait ran out (or the partition went away)
      continue
    }
    known.clear()
    known.set(partition, n)
    await topUp()
    if (count > 0) break
    // Another consumer was quicker. Pause a moment before waiting on that partition again, so that a
    // count the partition cannot make good on does not turn the wait into a busy loop.
    await new Promise((resolve) => setTimeout(resolve, Math.min(FRUITLESS_WAKE_PAUSE_MS, Math.max(0, deadline - Date.now()))))
  }
  return { messages: parts.join(','), count }
}

/**
 * Splits `total` between candidates in the order given, one at a time round-robin, each at most its
 * cap: the first candidates get the remainder, and a partition with few records is not asked for more.
 */
function split(total: number, candidates: Array<[partition: number, cap: number]>): Array<[partition: number, share: number]> {
  const shares = candidates.map(([partition]) => [partition, 0] as [number, number])
  let left = total
  for (let progress = true; left > 0 && progress;) {
    progress = false
    for (const [i, [, cap]] of candidates.entries()) {
      if (left === 0) break
      if (shares[i]![1] >= cap) continue
      shares[i]![1] += 1
      left -= 1
      progress = true
    }
  }
  return shares.filter(([, share]) => share > 0)
}

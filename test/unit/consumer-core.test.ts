/**
 * The consumer core on its own, through a port backed by the pure coordinator and an in-memory log: the
 * retry rule (only `retriable` codes, never a join), the order of a revocation (commit, then
 * onPartitionsRevoked, then a heartbeat reporting it at once), and the options' shared defaults.
 */
import { describe, expect, it } from 'vitest'
import { ConsumerCore } from '../../src/core/consumer/consumer-core'
import type { GroupPort } from '../../src/core/consumer/port'
import { GroupCoordinator } from '../../src/core/group-coordinator/coordinator'
import { consumerOptionsSchema } from '../../src/protocol/consumer-options'
import { KafdoError, unwrap } from '../../src/protocol/errors'
import { joinGroupRequestSchema } from '../../src/protocol/groups'
import { check } from '../../src/protocol/validation'

/** A group of one topic `t` whose partitions each hold `records` records, and a log of the port's calls. */
function world(partitions: number, records: number) {
  const coordinator = new GroupCoordinator(
    'g',
    { groupEpoch: 0, assignmentEpoch: 0, strategy: null, topics: { version: 1, partitions: { t: partitions } } },
    [],
    0,
  )
  const committed = new Map<number, number>()
  const calls: string[] = []
  const faults = new Map<string, KafdoError[]>()
  let ids = 0
  const step = async <T>(name: string, run: () => T): Promise<T> => {
    calls.push(name)
    const fault = faults.get(name)?.shift()
    if (fault) throw fault
    return run()
  }
  const port: GroupPort = {
    join: (request) =>
      step('join', () => ({
        groupId: 'g',
        ...unwrap(coordinator.join(check(joinGroupRequestSchema, request), Date.now(), () => `m${++ids}`)),
        generationId: 0,
      })),
    heartbeat: (request) => step('heartbeat', () => unwrap(coordinator.heartbeat(request, Date.now()))),
    fetch: (request) =>
      step('fetch', () => {
        const refused = coordinator.fenceFetch(request.memberId, request.memberEpoch, request.partitions)
        if (refused) return unwrap(refused)
        return request.partitions.map(({ partition, offset }) => {
          const from = offset === 'earliest' ? 0 : offset === 'latest' ? records : offset
          const messages = Array.from({ length: Math.max(0, Math.min(records, from + (request.maxRecords ?? 500)) - from) }, (_, i) => ({
            offset: from + i,
            timestamp: 0,
            key: null,
            value: `${partition}-${from + i}`,
            headers: {},
          }))
          return { topic: 't', partition, messages, nextOffset: from + messages.length, highWatermark: records, logStartOffset: 0 }
        })
      }),
    commit: (request) =>
      step('commit', () => {
        const refused = coordinator.fenceCommit(request)
        if (refused) return unwrap(refused)
        for (const o of request.offsets) committed.set(o.partition, o.offset)
        return { committed: request.offsets.length }
      }),
    leave: (request) => step('leave', () => unwrap(coordinator.leave(request.memberId, request.memberEpoch))),
    committedOffsets: () =>
      step('offsets', () => [...committed].map(([partition, offset]) => ({ topic: 't', partition, offset, metadata: null, committedAt: 0 }))),
  }
  const consumer = (listener = {}, options: Record<string, unknown> = {}) =>
    new ConsumerCore(
      port,
      { ...check(consumerOptionsSchema, { groupId: 'g', topics: ['t'], fromBeginning: true, ...options }), clientId: 'c', joinHint: 'poll first' },
      listener,
    )
  return { consumer, calls, faults, committed }
}

const unavailable = () => new KafdoError('SERVICE_UNAVAILABLE', 'busy')

describe('ConsumerCore > the retry rule', () => {
  it('retries a retriable failure of a heartbeat, a fetch or a commit, and never a join or a non-retriable one', async () => {
    const { consumer, calls, faults } = world(1, 3)
    const core = consumer()
    faults.set('join', [unavailable()])
    await expect(core.join()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' })
    expect(calls).toEqual(['join'])

    await core.join()
    faults.set('fetch', [unavailable(), unavailable()])
    expect((await core.poll(10, 0, false)).map((r) => r.offset)).toEqual([0, 1, 2])
    faults.set('commit', [unavailable()])
    expect(await core.commit()).toEqual([{ topic: 't', partition: 0, offset: 3 }])
    faults.set('heartbeat', [new KafdoError('INVALID_REQUEST', 'bad')])
    await expect(core.heartbeat()).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    expect(calls.filter((c) => c !== 'offsets')).toEqual(['join', 'join', 'fetch', 'fetch', 'fetch', 'commit', 'commit', 'heartbeat'])
  })
})

describe('ConsumerCore > reconciliation', () => {
  it('commits what moves away, then tells the listener, then reports it at once; the new owner starts at the commit', async () => {
    const { consumer, calls, committed } = world(2, 4)
    const events: string[] = []
    const first = consumer({
      onPartitionsRevoked: (tps: Array<{ partition: number }>) => void events.push(`revoked ${tps.map((tp) => tp.partition)} after ${calls.at(-1)}`),
    })
    await first.join()
    expect(await first.poll(10, 0, false)).toHaveLength(8)
    const second = consumer()
    await second.join()
    calls.length = 0

    await first.heartbeat()

    expect(events).toEqual([`revoked ${[0, 1].find((p) => !first.assignment().some((tp) => tp.partition === p))} after commit`])
    expect(calls).toEqual(['heartbeat', 'commit', 'heartbeat'])
    expect([...committed.values()]).toEqual([4])
    await second.heartbeat()
    expect(second.assignment()).toHaveLength(1)
    expect(await second.poll(10, 0, false)).toEqual([])
  })

  it('gives the two adapters the same defaults', () => {
    expect(check(consumerOptionsSchema, { groupId: 'g' })).toMatchObject({
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
      rebalanceTimeoutMs: 60_000,
      maxPollRecords: 500,
      autoCommit: true,
      autoCommitIntervalMs: 5_000,
      fromBeginning: false,
    })
    expect(check(consumerOptionsSchema, { groupId: 'g', sessionTimeoutMs: 2_000 }).heartbeatIntervalMs).toBe(666)
    expect(() => check(consumerOptionsSchema, { groupId: 'g', maxPollRecords: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }))
  })
})

describe('ConsumerCore > stopping', () => {
  it('ends a poll whose signal aborts with no records, and retries no fetch it abandoned', async () => {
    const { consumer, calls, faults } = world(1, 0)
    const core = consumer()
    await core.join()
    calls.length = 0
    faults.set('fetch', [unavailable(), unavailable()])
    const stopping = new AbortController()
    const polled = core.poll(10, 600_000, false, stopping.signal)
    // The first fetch failed and waits to be retried; the consumer stops meanwhile.
    while (calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 0))
    stopping.abort()
    expect(await polled).toEqual([])
    expect(calls).toEqual(['fetch'])
  })
})

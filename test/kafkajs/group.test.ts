/**
 * kafkajs-style consumers sharing a topic in one group, over HTTP (consuming in the background, as a Node
 * service would): while members join and leave, every record is processed exactly once by the group;
 * when a member crashes (frozen mid-batch, its network gone), its session expires and the others take its
 * partitions from the last commit, so what it had not committed is processed again and nothing is skipped.
 */
import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createAdmin } from '../../src/api/admin'
import { createProducer } from '../../src/api/producer'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { groupStub } from '../../src/services/stubs'
import type { KafdoFetch } from '../../kafkajs/index.js'
import { overHttp, unique, until, workerFetch } from './support'

interface Seen {
  member: string
  value: string
  partition: number
}

/** A kafkajs consumer of `topic` that records what it processes; `hang` freezes its handler. */
async function member(
  name: string,
  groupId: string,
  topic: string,
  seen: Seen[],
  options: { fetch?: KafdoFetch; hang?: (value: string) => boolean; sessionTimeout?: number } = {},
) {
  const kafka = overHttp(options.fetch ? { fetch: options.fetch } : {})
  const consumer = kafka.consumer({ groupId, heartbeatInterval: 100, sessionTimeout: options.sessionTimeout ?? 30_000, maxWaitTimeInMs: 200 })
  let memberId = ''
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => (memberId = payload.memberId))
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const value = message.value!.toString()
      if (options.hang?.(value)) await new Promise(() => {})
      seen.push({ member: name, value, partition })
    },
  })
  return Object.assign(consumer, { memberId: () => memberId })
}

async function produce(topic: string, prefix: string, count: number, partition?: number): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`)
  await createProducer(env).sendBatch(
    values.map((value, i) => ({ topic, key: `${prefix}-${i}`, value, ...(partition === undefined ? {} : { partition }) })),
  )
  return values
}

const owners = async (groupId: string) =>
  Object.fromEntries((await createAdmin(env).describeGroup(groupId)).members.map((m) => [m.memberId, m.assignment.flatMap((a) => a.partitions)]))

describe('kafdo/kafkajs > a group of three consumers', () => {
  it('processes every record once per group while members join and leave', async () => {
    const topic = unique('three')
    const groupId = unique('g3')
    await createAdmin(env).createTopic({ topic, partitions: 6 })
    const seen: Seen[] = []
    const all: string[] = []
    const processed = (count: number) => until(() => seen.length >= count, `${count} records processed`)

    const a = await member('a', groupId, topic, seen)
    all.push(...(await produce(topic, 'one', 60)))
    await processed(all.length)

    const b = await member('b', groupId, topic, seen)
    const c = await member('c', groupId, topic, seen)
    all.push(...(await produce(topic, 'two', 60)))
    // The three share the partitions once the first has given up two shares.
    await until(async () => Object.values(await owners(groupId)).every((partitions) => partitions.length === 2), 'two partitions each')
    all.push(...(await produce(topic, 'three', 60)))
    await processed(all.length)
    expect(new Set(seen.filter((s) => s.value.startsWith('three')).map((s) => s.member))).toEqual(new Set(['a', 'b', 'c']))

    await a.disconnect()
    all.push(...(await produce(topic, 'four', 60)))
    await processed(all.length)
    await c.disconnect()
    all.push(...(await produce(topic, 'five', 60)))
    await processed(all.length)
    await b.disconnect()

    expect(seen.map((s) => s.value).sort()).toEqual([...all].sort())
    expect(seen.filter((s) => s.value.startsWith('five')).every((s) => s.member === 'b')).toBe(true)
    const group = await createAdmin(env).describeGroup(groupId)
    expect(group.state).toBe('Empty')
    expect(group.totalLag).toBe(0)
  })

  it('after a member crashes, processes what it had not committed again and skips nothing', async () => {
    const topic = unique('crash')
    const groupId = unique('gc')
    await createAdmin(env).createTopic({ topic, partitions: 2 })
    const seen: Seen[] = []
    let alive = true
    // A crashed process: its requests never come back.
    const dying: KafdoFetch = (input, init) => (alive ? workerFetch(input, init) : new Promise<Response>(() => {}))
    let frozen = false
    const a = await member('a', groupId, topic, seen, {
      fetch: dying,
      sessionTimeout: 5_000,
      // The third record of the second round freezes it, with two processed but not committed.
      hang: (value) => {
        if (value !== 'two-2') return false
        alive = false
        frozen = true
        return true
      },
    })
    const first = await produce(topic, 'one', 10)
    await until(() => seen.length === first.length, 'the first round')
    const b = await member('b', groupId, topic, seen)
    await until(async () => Object.values(await owners(groupId)).every((partitions) => partitions.length === 1), 'one partition each')
    const { members } = await createAdmin(env).describeGroup(groupId)
    const ownedByA = members.find((m) => m.memberId === a.memberId())!.assignment[0]!.partitions[0]!
    const second = await produce(topic, 'two', 10, ownedByA)
    await until(() => frozen, 'the crash')

    // Its session ends on the coordinator's alarm; b takes its partition from the last commit.
    await until(async () => {
      await runDurableObjectAlarm(groupStub(env, DEFAULT_TENANT, groupId))
      return (await createAdmin(env).describeGroup(groupId)).members.length === 1
    }, 'the crashed member to be removed')
    await until(() => second.every((value) => seen.some((s) => s.member === 'b' && s.value === value)), 'b to process the second round')
    await b.disconnect()

    const byA = seen.filter((s) => s.member === 'a' && s.value.startsWith('two')).map((s) => s.value)
    expect(byA).toEqual(['two-0', 'two-1'])
    // At least once: what a processed and never committed, b processes again; nothing is skipped.
    expect(seen.filter((s) => s.member === 'b' && s.value.startsWith('two')).map((s) => s.value)).toEqual(second)
    expect(new Set(seen.map((s) => s.value))).toEqual(new Set([...first, ...second]))
  })
})

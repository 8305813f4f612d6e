import { env, evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { groupStub } from '../../src/services/stubs'
import { createTopic, fetchMessages, produceBatch, request, uniqueName } from '../support/http'

type Assignment = Array<{ topic: string; partitions: number[] }>
interface Joined {
  memberId: string
  generationId: number
  assignment: Assignment
  state: string
}

const join = async (group: string, body: Record<string, unknown>) =>
  request<Joined & { error: { code: string } }>('POST', `/consumer-groups/${group}/join`, body)
const heartbeat = (group: string, m: Joined) =>
  request('POST', `/consumer-groups/${group}/heartbeat`, { memberId: m.memberId, generationId: m.generationId })
const commit = (group: string, m: Pick<Joined, 'memberId' | 'generationId'>, offsets: Array<{ topic: string; partition: number; offset: number }>) =>
  request('POST', `/consumer-groups/${group}/commit`, { memberId: m.memberId, generationId: m.generationId, offsets })
const committed = async (group: string) =>
  (await request('GET', `/consumer-groups/${group}/offsets`)).body.offsets as Array<{ topic: string; partition: number; offset: number }>
const partitionsOf = (m: Joined) => m.assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`))

/** Brings an existing member through a rebalance as a Kafka consumer does: heartbeat, learn, rejoin. */
async function rejoin(group: string, m: Joined, topics: string[]): Promise<Joined> {
  const hb = await heartbeat(group, m)
  expect(hb.body.error?.code).toBe('REBALANCE_IN_PROGRESS')
  return (await join(group, { memberId: m.memberId, topics, sessionTimeoutMs: 60_000 })).body
}

describe('ConsumerGroup > membership and assignment', () => {
  it('shares six partitions between two, then three members, each partition owned once per generation', async () => {
    const topic = uniqueName('six')
    const group = uniqueName('g')
    await createTopic(topic, 6)
    const a1 = (await join(group, { clientId: 'a', topics: [topic], sessionTimeoutMs: 60_000 })).body
    expect(a1).toMatchObject({ generationId: 1, state: 'Stable' })
    expect(partitionsOf(a1)).toHaveLength(6)

    const bJoin = join(group, { clientId: 'b', topics: [topic], sessionTimeoutMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const a2 = await rejoin(group, a1, [topic])
    const b2 = (await bJoin).body
    expect([a2.generationId, b2.generationId]).toEqual([2, 2])
    expect(partitionsOf(a2)).toHaveLength(3)
    expect(partitionsOf(b2)).toHaveLength(3)
    expect(new Set([...partitionsOf(a2), ...partitionsOf(b2)]).size).toBe(6)

    const cJoin = join(group, { clientId: 'c', topics: [topic], sessionTimeoutMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const [a3, b3] = await Promise.all([rejoin(group, a2, [topic]), rejoin(group, b2, [topic])])
    const c3 = (await cJoin).body
    const all = [a3, b3, c3].map(partitionsOf)
    expect(all.map((p) => p.length)).toEqual([2, 2, 2])
    expect(new Set(all.flat()).size).toBe(6)
    // Sticky (the default): the old members kept partitions they had.
    for (const p of partitionsOf(a3)) expect(partitionsOf(a2)).toContain(p)

    const described = (await request('GET', `/consumer-groups/${group}`)).body
    expect(described).toMatchObject({ state: 'Stable', generationId: 3, protocol: 'sticky' })
    expect(described.members).toHaveLength(3)
  })

  it('removes a member that stops heartbeating after its session timeout and gives its partitions to the others', async () => {
    const topic = uniqueName('session')
    const group = uniqueName('g')
    await createTopic(topic, 6)
    const aJoin = join(group, { clientId: 'a', topics: [topic], sessionTimeoutMs: 60_000 })
    const a1 = (await aJoin).body
    const bJoin = join(group, { clientId: 'b', topics: [topic], sessionTimeoutMs: 5_000 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const a2 = await rejoin(group, a1, [topic])
    const b2 = (await bJoin).body
    expect(partitionsOf(b2)).toHaveLength(3)

    // b goes silent; a keeps heartbeating. Drive the coordinator's alarm instead of waiting 5 s.
    expect((await heartbeat(group, a2)).status).toBe(200)
    expect(await runDurableObjectAlarm(groupStub(env, DEFAULT_TENANT, group))).toBe(true)
    const a3 = await rejoin(group, a2, [topic])
    expect(partitionsOf(a3)).toHaveLength(6)
    const described = (await request('GET', `/consumer-groups/${group}`)).body
    expect(described.members.map((m: { memberId: string }) => m.memberId)).toEqual([a3.memberId])

    // b, back from the dead, is told it is no longer a member.
    expect((await heartbeat(group, b2)).body.error.code).toBe('UNKNOWN_MEMBER_ID')
  })

  it('forms one generation when several members join at once', async () => {
    const topic = uniqueName('burst')
    const group = uniqueName('g')
    await createTopic(topic, 6)
    const joined = await Promise.all(['a', 'b', 'c'].map((clientId) => join(group, { clientId, topics: [topic], sessionTimeoutMs: 60_000 })))
    const generations = new Set(joined.map((j) => j.body.generationId))
    const described = (await request('GET', `/consumer-groups/${group}`)).body
    // Whoever was answered before the others arrived rejoins; in the end all share one generation.
    for (const j of joined.filter((j) => j.body.generationId !== described.generationId)) {
      expect((await heartbeat(group, j.body)).status).toBe(409)
    }
    expect(described.members).toHaveLength(3)
    expect(generations.size).toBeLessThanOrEqual(2)
    const owned = described.members.flatMap((m: { assignment: Assignment }) => m.assignment.flatMap((a) => a.partitions))
    expect(owned.sort()).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('picks up a topic created later that matches a pattern subscription', async () => {
    const prefix = uniqueName('QuikApp')
    const group = uniqueName('g')
    await createTopic(`${prefix}.user.profile-updated`, 3)
    await createTopic(`${prefix}.message.sent`, 2)
    const pattern = `${prefix.replace(/[.-]/g, '\\$&')}\\.user\\..*`
    const m1 = (await join(group, { pattern, sessionTimeoutMs: 60_000 })).body
    expect(m1.assignment).toEqual([{ topic: `${prefix}.user.profile-updated`, partitions: [0, 1, 2] }])
    await createTopic(`${prefix}.user.status-changed`, 2)
    const hb = await heartbeat(group, m1)
    expect(hb.body.error.code).toBe('REBALANCE_IN_PROGRESS')
    const m2 = (await join(group, { memberId: m1.memberId, pattern, sessionTimeoutMs: 60_000 })).body
    expect(m2.assignment).toEqual([
      { topic: `${prefix}.user.profile-updated`, partitions: [0, 1, 2] },
      { topic: `${prefix}.user.status-changed`, partitions: [0, 1] },
    ])
  })

  it('rebalances when a subscribed topic gains partitions', async () => {
    const topic = uniqueName('grow')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    const m1 = (await join(group, { topics: [topic], sessionTimeoutMs: 60_000 })).body
    await request('POST', `/admin/topics/${topic}/partitions`, { count: 4 })
    const m2 = await rejoin(group, m1, [topic])
    expect(m2.assignment).toEqual([{ topic, partitions: [0, 1, 2, 3] }])
  })

  it('keeps members, generation and offsets across a coordinator restart', async () => {
    const topic = uniqueName('restart')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    const m = (await join(group, { topics: [topic], sessionTimeoutMs: 60_000 })).body
    await commit(group, m, [{ topic, partition: 1, offset: 0 }])
    await evictDurableObject(groupStub(env, DEFAULT_TENANT, group))
    expect((await heartbeat(group, m)).body).toEqual({ generationId: 1, state: 'Stable' })
    expect(await committed(group)).toMatchObject([{ topic, partition: 1, offset: 0 }])
  })

  it('refuses joins that mix a strategy or a subscription form, and unknown members', async () => {
    const topic = uniqueName('t')
    const group = uniqueName('g')
    await createTopic(topic)
    await join(group, { topics: [topic], strategy: 'range', sessionTimeoutMs: 60_000 })
    const other = await join(group, { topics: [topic], strategy: 'roundrobin' })
    expect(other.status).toBe(409)
    expect(other.body.error.code).toBe('INCONSISTENT_GROUP_PROTOCOL')
    expect((await join(group, { topics: [topic], pattern: 'x.*' })).status).toBe(400)
    expect((await join(group, { memberId: 'nobody', topics: [topic] })).body.error.code).toBe('UNKNOWN_MEMBER_ID')
    expect((await heartbeat(uniqueName('g'), { memberId: 'x', generationId: 1, assignment: [], state: '' })).status).toBe(409)
  })
})

describe('ConsumerGroup > fenced commits', () => {
  it("refuses a zombie's commit after a rebalance and leaves the committed offsets unchanged", async () => {
    const topic = uniqueName('zombie')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    const a1 = (await join(group, { clientId: 'a', topics: [topic], sessionTimeoutMs: 60_000 })).body
    expect((await commit(group, a1, [{ topic, partition: 0, offset: 5 }])).status).toBe(200)

    const bJoin = join(group, { clientId: 'b', topics: [topic], sessionTimeoutMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    // A commit racing the rebalance: the partitions have not moved yet, so generation 1 may still commit.
    expect((await commit(group, a1, [{ topic, partition: 0, offset: 7 }])).status).toBe(200)
    const a2 = await rejoin(group, a1, [topic])
    await bJoin
    expect(a2.generationId).toBe(2)

    // The generation-1 consumer (a zombie now) can no longer move offsets.
    const stale = await commit(group, a1, [{ topic, partition: 0, offset: 99 }])
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'ILLEGAL_GENERATION', details: { generationId: 2 } })
    const unknown = await commit(group, { memberId: 'ghost', generationId: 2 }, [{ topic, partition: 0, offset: 99 }])
    expect(unknown.body.error.code).toBe('UNKNOWN_MEMBER_ID')
    expect(await committed(group)).toMatchObject([{ topic, partition: 0, offset: 7 }])
  })

  it('refuses a commit for a partition the member does not own, storing nothing of the request', async () => {
    const topic = uniqueName('owned')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    const a1 = (await join(group, { clientId: 'a', topics: [topic], sessionTimeoutMs: 60_000 })).body
    const bJoin = join(group, { clientId: 'b', topics: [topic], sessionTimeoutMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const a2 = await rejoin(group, a1, [topic])
    const b2 = (await bJoin).body
    const [mine] = partitionsOf(a2).map((p) => Number(p.split('/').pop()))
    const [theirs] = partitionsOf(b2).map((p) => Number(p.split('/').pop()))
    const res = await commit(group, a2, [
      { topic, partition: mine!, offset: 1 },
      { topic, partition: theirs!, offset: 1 },
    ])
    expect(res.body.error.code).toBe('PARTITION_NOT_ASSIGNED')
    expect(await committed(group)).toEqual([])
  })

  it('delivers at least once across a consumer crash: records after the last commit come again, none skipped', async () => {
    const topic = uniqueName('alo')
    const group = uniqueName('g')
    await createTopic(topic, 1)
    await produceBatch(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ value: i })),
    )
    const first = (await join(group, { clientId: 'first', topics: [topic], sessionTimeoutMs: 2_000 })).body
    const read = await fetchMessages(topic, 0, 'offset=0&limit=10')
    expect(read.body.messages).toHaveLength(10)
    // Processed 0-4 and committed; crashed while processing 5-9.
    await commit(group, first, [{ topic, partition: 0, offset: 5 }])
    expect(await runDurableObjectAlarm(groupStub(env, DEFAULT_TENANT, group))).toBe(true)
    expect((await request('GET', `/consumer-groups/${group}`)).body.state).toBe('Empty')

    const second = (await join(group, { clientId: 'second', topics: [topic], sessionTimeoutMs: 60_000 })).body
    expect(partitionsOf(second)).toEqual([`${topic}/0`])
    const resumeAt = (await committed(group))[0]!.offset
    const again = await fetchMessages(topic, 0, `offset=${resumeAt}`)
    expect(again.body.messages.map((m: { value: number }) => m.value)).toEqual([5, 6, 7, 8, 9])
  })
})

describe('ConsumerGroup > lag, reset and delete', () => {
  it('reports committed, latest and lag per partition and in total', async () => {
    const topic = uniqueName('lag')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    await produceBatch(
      topic,
      [...Array(5)].map((_, i) => ({ value: i, partition: 0 })),
    )
    await produceBatch(
      topic,
      [...Array(3)].map((_, i) => ({ value: i, partition: 1 })),
    )
    const m = (await join(group, { topics: [topic], sessionTimeoutMs: 60_000 })).body
    await commit(group, m, [{ topic, partition: 0, offset: 2 }])
    const described = (await request('GET', `/admin/groups/${group}`)).body
    expect(described.lag).toEqual([
      { topic, partition: 0, committed: 2, latest: 5, lag: 3 },
      { topic, partition: 1, committed: null, latest: 3, lag: null },
    ])
    expect(described.totalLag).toBe(3)
    const listed = (await request('GET', '/admin/groups')).body.groups
    expect(listed).toContainEqual({ groupId: group, state: 'Stable', members: 1 })
  })

  it('resets offsets of an inactive group, and refuses while it has members', async () => {
    const topic = uniqueName('reset')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    await produceBatch(
      topic,
      [...Array(4)].map((_, i) => ({ value: i, partition: 0 })),
    )
    const m = (await join(group, { topics: [topic], sessionTimeoutMs: 60_000 })).body
    const busy = await request('POST', `/admin/groups/${group}/reset-offsets`, { topic, to: 'latest' })
    expect(busy.body.error.code).toBe('NON_EMPTY_GROUP')
    await request('POST', `/consumer-groups/${group}/leave`, { memberId: m.memberId })
    const latest = await request('POST', `/admin/groups/${group}/reset-offsets`, { topic, to: 'latest' })
    expect(latest.body.offsets.map((o: { offset: number }) => o.offset)).toEqual([4, 0])
    const explicit = await request('POST', `/admin/groups/${group}/reset-offsets`, { topic, offsets: [{ partition: 0, offset: 1 }] })
    expect(explicit.body.offsets.map((o: { offset: number }) => o.offset)).toEqual([1, 0])
    const earliest = await request('POST', `/admin/groups/${group}/reset-offsets`, { topic, to: 'earliest' })
    expect(earliest.body.offsets.map((o: { offset: number }) => o.offset)).toEqual([0, 0])
  })

  it('refuses to delete a group with members; deleting an empty one removes its offsets', async () => {
    const topic = uniqueName('del')
    const group = uniqueName('g')
    await createTopic(topic)
    const m = (await join(group, { topics: [topic], sessionTimeoutMs: 60_000 })).body
    await commit(group, m, [{ topic, partition: 0, offset: 0 }])
    const refused = await request('DELETE', `/admin/groups/${group}`)
    expect(refused.status).toBe(409)
    expect(refused.body.error.code).toBe('NON_EMPTY_GROUP')
    await request('POST', `/consumer-groups/${group}/leave`, { memberId: m.memberId })
    expect((await request('DELETE', `/admin/groups/${group}`)).status).toBe(200)
    expect((await request('GET', `/admin/groups/${group}`)).body).toMatchObject({ state: 'Dead', offsets: [] })
    expect((await request('GET', '/admin/groups')).body.groups.map((g: { groupId: string }) => g.groupId)).not.toContain(group)
    expect((await request('DELETE', `/admin/groups/${group}`)).body.error.code).toBe('GROUP_ID_NOT_FOUND')
  })
})

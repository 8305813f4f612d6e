/**
 * What the coordinator refuses, and what it keeps: commits and fetches fenced by member epoch and
 * ownership (a refused commit stores nothing), at-least-once delivery across a crash, the classic
 * protocol's requests, and lag, reset and delete.
 */
import { describe, expect, it } from 'vitest'
import { commit, committed, groupFetch, heartbeat, join, runGroupAlarm } from '../support/groups'
import { createTopic, produceBatch, request, uniqueName } from '../support/http'

describe('ConsumerGroup > fenced commits and fetches', () => {
  it("refuses a zombie's commit, from an old epoch, a newer one, or after it was removed, and stores nothing", async () => {
    const topic = uniqueName('zombie')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    const a = await join(group, { clientId: 'a', topics: [topic], sessionTimeoutMs: 2_000 })
    expect((await commit(a, [{ topic, partition: 0, offset: 5 }])).status).toBe(200)
    const b = await join(group, { clientId: 'b', topics: [topic] })
    await heartbeat(a)
    await heartbeat(a) // revoked one partition: a moves to the group's epoch
    expect(a.memberEpoch).toBe(2)
    const mine = a.owned[0]!.partitions[0]!

    const stale = await commit({ ...a, memberEpoch: 1 }, [{ topic, partition: mine, offset: 99 }])
    expect(stale.status).toBe(409)
    expect(stale.body.error).toMatchObject({ code: 'STALE_MEMBER_EPOCH', details: { memberEpoch: 2 } })
    expect((await commit({ ...a, memberEpoch: 7 }, [{ topic, partition: mine, offset: 99 }])).body.error.code).toBe('FENCED_MEMBER_EPOCH')
    // a stops heartbeating; its session expires on the alarm (b's heartbeat keeps b alive). The alarm first
    // fires at a's earliest possible expiry, finds it heartbeated since, and runs again at its real one.
    await heartbeat(b)
    expect(await runGroupAlarm(group)).toBe(true)
    expect(await runGroupAlarm(group)).toBe(true)
    expect((await commit(a, [{ topic, partition: mine, offset: 99 }])).body.error.code).toBe('UNKNOWN_MEMBER_ID')
    expect(await committed(group)).toMatchObject([{ topic, partition: 0, offset: 5 }])
  })

  it('refuses a commit naming a partition the member does not own, storing nothing of the request', async () => {
    const topic = uniqueName('owned')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    const a = await join(group, { clientId: 'a', topics: [topic] })
    const b = await join(group, { clientId: 'b', topics: [topic] })
    await heartbeat(a)
    await heartbeat(a)
    await heartbeat(b)
    const [mine, theirs] = [a.owned[0]!.partitions[0]!, b.owned[0]!.partitions[0]!]
    const res = await commit(a, [
      { topic, partition: mine, offset: 1 },
      { topic, partition: theirs, offset: 1 },
    ])
    expect(res.body.error).toMatchObject({ code: 'PARTITION_NOT_ASSIGNED', details: { topic, partition: theirs } })
    expect(await committed(group)).toEqual([])
    // A group with members takes no commit without a member.
    expect((await request('POST', `/consumer-groups/${group}/commit`, { offsets: [{ topic, partition: 0, offset: 1 }] })).body.error.code).toBe(
      'UNKNOWN_MEMBER_ID',
    )
  })

  it('fetches through the group only what the member owns, at its epoch, and long-polls across its partitions', async () => {
    const topic = uniqueName('gfetch')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    await produceBatch(
      topic,
      [0, 1, 2].map((i) => ({ value: i, partition: 0 })),
    )
    const a = await join(group, { topics: [topic] })
    const read = await groupFetch(a, [
      { topic, partition: 0, offset: 1 },
      { topic, partition: 1, offset: 'earliest' },
    ])
    expect(
      read.body.partitions.map((p: { partition: number; messages: Array<{ value: number }>; nextOffset: number }) => [
        p.partition,
        p.messages.map((m) => m.value),
        p.nextOffset,
      ]),
    ).toEqual([
      [0, [1, 2], 3],
      [1, [], 0],
    ])
    expect((await groupFetch({ ...a, memberEpoch: 0 }, [{ topic, partition: 0, offset: 0 }])).body.error.code).toBe('STALE_MEMBER_EPOCH')
    expect((await groupFetch(a, [{ topic, partition: 2, offset: 0 }])).body.error.code).toBe('PARTITION_NOT_ASSIGNED')
    expect((await groupFetch({ ...a, memberId: 'ghost' }, [{ topic, partition: 0, offset: 0 }])).body.error.code).toBe('UNKNOWN_MEMBER_ID')

    const waiting = groupFetch(
      a,
      [
        { topic, partition: 0, offset: 3 },
        { topic, partition: 1, offset: 'latest' },
      ],
      { maxWaitMs: 5_000 },
    )
    await new Promise((resolve) => setTimeout(resolve, 30))
    await produceBatch(topic, [{ value: 'late', partition: 1 }])
    const answered = (await waiting).body.partitions.find((p: { partition: number }) => p.partition === 1)
    expect(answered.messages.map((m: { value: string }) => m.value)).toEqual(['late'])
  })

  it('delivers at least once across a consumer crash: records after the last commit come again, none skipped', async () => {
    const topic = uniqueName('alo')
    const group = uniqueName('g')
    await createTopic(topic, 1)
    await produceBatch(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ value: i })),
    )
    const first = await join(group, { clientId: 'first', topics: [topic], sessionTimeoutMs: 2_000 })
    expect((await groupFetch(first, [{ topic, partition: 0, offset: 0 }])).body.partitions[0].messages).toHaveLength(10)
    // Processed 0-4 and committed; crashed while processing 5-9.
    await commit(first, [{ topic, partition: 0, offset: 5 }])
    expect(await runGroupAlarm(group)).toBe(true)
    expect((await request('GET', `/consumer-groups/${group}`)).body.state).toBe('Empty')

    const second = await join(group, { clientId: 'second', topics: [topic] })
    expect(second.owned).toEqual([{ topic, partitions: [0] }])
    const resumeAt = (await committed(group))[0]!.offset
    const again = await groupFetch(second, [{ topic, partition: 0, offset: resumeAt }])
    expect(again.body.partitions[0].messages.map((m: { value: number }) => m.value)).toEqual([5, 6, 7, 8, 9])
  })
})

describe("ConsumerGroup > the classic protocol's clients", () => {
  it('refuses their heartbeats and commits with UNSUPPORTED_VERSION naming the upgrade, storing nothing', async () => {
    const topic = uniqueName('legacy')
    const group = uniqueName('g')
    await createTopic(topic, 1)
    const joined = await join(group, { topics: [topic] })
    // An old client reads generationId from the join: it gets as far as its first heartbeat or commit.
    expect(joined.response.body.generationId).toBe(joined.memberEpoch)
    const bodies = [
      ['heartbeat', { memberId: joined.memberId, generationId: 1 }],
      ['heartbeat', { memberId: joined.memberId }],
      ['commit', { memberId: joined.memberId, generationId: 1, offsets: [{ topic, partition: 0, offset: 3 }] }],
    ] as const
    for (const [action, body] of bodies) {
      const res = await request('POST', `/consumer-groups/${group}/${action}`, body)
      expect(res.status).toBe(400)
      expect(res.body.error.code).toBe('UNSUPPORTED_VERSION')
      expect(res.body.error.message).toContain('upgrade kafdo/client')
    }
    expect(await committed(group)).toEqual([])
    // Its leave ({ memberId }) still works.
    expect((await request('POST', `/consumer-groups/${group}/leave`, { memberId: joined.memberId })).status).toBe(200)
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
    const m = await join(group, { topics: [topic] })
    await commit(m, [{ topic, partition: 0, offset: 2 }])
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
    const m = await join(group, { topics: [topic] })
    const busy = await request('POST', `/admin/groups/${group}/reset-offsets`, { topic, to: 'latest' })
    expect(busy.body.error.code).toBe('NON_EMPTY_GROUP')
    await request('POST', `/consumer-groups/${group}/leave`, { memberId: m.memberId, memberEpoch: m.memberEpoch })
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
    const m = await join(group, { topics: [topic] })
    await commit(m, [{ topic, partition: 0, offset: 0 }])
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

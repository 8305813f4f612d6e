/**
 * The coordinator object over HTTP, on Kafka 4's consumer protocol: joins answer at once, partitions move
 * through heartbeats one revocation at a time, and only a session timeout removes a member. Timeouts are
 * driven through the object's alarm, never by sleeping.
 */
import { env, evictDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TENANT } from '../../src/core/object-names'
import { groupStub } from '../../src/services/stubs'
import { commit, committed, describeGroup, heartbeat, join, partitionsOf, runGroupAlarm } from '../support/groups'
import { createTopic, request, uniqueName } from '../support/http'

describe('ConsumerGroup > joining without stopping the group', () => {
  it('answers a second join at once while the first member idles, and moves partitions within two heartbeats of its next one', async () => {
    const topic = uniqueName('six')
    const group = uniqueName('g')
    await createTopic(topic, 6)
    const a = await join(group, { clientId: 'a', topics: [topic] })
    expect(a.response.body).toMatchObject({
      groupId: group,
      memberEpoch: 1,
      state: 'Stable',
      assignment: [{ topic, partitions: [0, 1, 2, 3, 4, 5] }],
    })

    // One round trip, no held join: b gets what is free now (nothing: a holds everything).
    const b = await join(group, { clientId: 'b', topics: [topic] })
    expect(b.response.body).toMatchObject({ state: 'UnreleasedPartitions', assignment: [] })
    expect(b.response.body.heartbeatIntervalMs).toBeLessThan(a.response.body.heartbeatIntervalMs)

    // a's next heartbeat asks it to give up three; its commit of them is still accepted (it still owns them).
    const asked = await heartbeat(a, { revoke: false })
    expect(asked.body).toMatchObject({ memberEpoch: 1, state: 'UnrevokedPartitions' })
    expect(partitionsOf(asked.body.assignment)).toHaveLength(3)
    expect(
      (
        await commit(
          a,
          [0, 1, 2, 3, 4, 5].map((partition) => ({ topic, partition, offset: 0 })),
        )
      ).status,
    ).toBe(200)
    // ... revoked, it says so at once (the client's next heartbeat, without waiting an interval) ...
    a.owned = asked.body.assignment
    expect((await heartbeat(a)).body).toMatchObject({ memberEpoch: 2, state: 'Stable' })
    // ... and b's next heartbeat owns the rest.
    const given = await heartbeat(b)
    expect(given.body.state).toBe('Stable')
    expect([...partitionsOf(a.owned), ...partitionsOf(b.owned)].sort()).toEqual([0, 1, 2, 3, 4, 5].map((p) => `${topic}/${p}`))

    const described = await describeGroup(group)
    expect(described).toMatchObject({ state: 'Stable', groupEpoch: 2, assignmentEpoch: 2, protocol: 'sticky' })
    expect(
      described.members.map((m: { clientId: string; memberEpoch: number; pendingRevocation: unknown[] }) => [
        m.clientId,
        m.memberEpoch,
        m.pendingRevocation,
      ]),
    ).toEqual([
      ['a', 2, []],
      ['b', 2, []],
    ])
  })

  it('never evicts a member that heartbeats, however long the others take', async () => {
    const topic = uniqueName('idle')
    const group = uniqueName('g')
    await createTopic(topic, 4)
    const a = await join(group, { clientId: 'a', topics: [topic], sessionTimeoutMs: 5_000 })
    await join(group, { clientId: 'b', topics: [topic], sessionTimeoutMs: 2_000 })
    // a is idle (it polls nothing) but heartbeats; b goes silent. The alarm runs at b's expiry, then at a's.
    expect((await heartbeat(a, { revoke: false })).status).toBe(200)
    expect(await runGroupAlarm(group)).toBe(true)
    expect((await heartbeat(a, { revoke: false })).status).toBe(200)
    expect(await runGroupAlarm(group)).toBe(true)
    const described = await describeGroup(group)
    expect(described.members.map((m: { clientId: string }) => m.clientId)).toEqual(['a'])
    // b's partitions (its target) are a's again on its next heartbeat; it was never asked to rejoin.
    a.owned = (await heartbeat(a)).body.assignment
    expect(partitionsOf((await heartbeat(a)).body.assignment)).toHaveLength(4)
    // b, back from the dead, is told it is no longer a member.
    expect((await request('POST', `/consumer-groups/${group}/heartbeat`, { memberId: 'nobody', memberEpoch: 1 })).body.error.code).toBe(
      'UNKNOWN_MEMBER_ID',
    )
  })

  it('fences a member that never revokes from just those partitions after its rebalance timeout; it stays a member', async () => {
    const topic = uniqueName('slow')
    const group = uniqueName('g')
    await createTopic(topic, 4)
    const slow = await join(group, { clientId: 'slow', topics: [topic], rebalanceTimeoutMs: 2_000 })
    const fast = await join(group, { clientId: 'fast', topics: [topic] })
    const asked = await heartbeat(slow, { revoke: false })
    const kept = partitionsOf(asked.body.assignment)
    const lost = partitionsOf(slow.owned).filter((p) => !kept.includes(p))
    // It goes on heartbeating, holding all four, past its rebalance timeout (the alarm's earliest timer).
    expect((await heartbeat(slow, { revoke: false })).body.state).toBe('UnrevokedPartitions')
    expect(await runGroupAlarm(group)).toBe(true)

    const described = await describeGroup(group)
    expect(described.members).toHaveLength(2)
    const slowNow = described.members.find((m: { clientId: string }) => m.clientId === 'slow')
    expect(partitionsOf(slowNow.assignment)).toEqual(kept)
    expect(slowNow.pendingRevocation).toEqual([])
    // Its commit of a lost partition is refused and stores nothing; the fast member now gets it.
    const [lostTopic, lostPartition] = [topic, Number(lost[0]!.split('/').pop())]
    const refused = await commit(slow, [{ topic: lostTopic, partition: lostPartition, offset: 7 }])
    expect(refused.body.error).toMatchObject({ code: 'PARTITION_NOT_ASSIGNED', details: { topic, partition: lostPartition } })
    expect(await committed(group)).toEqual([])
    expect(partitionsOf((await heartbeat(fast)).body.assignment)).toEqual(lost)
    // The slow member hears of its loss, and keeps what it kept.
    const told = await heartbeat(slow)
    expect(partitionsOf(told.body.lost)).toEqual(lost)
    expect(partitionsOf(told.body.assignment)).toEqual(kept)
  })

  it('settles several members joining at once, each partition owned once', async () => {
    const topic = uniqueName('burst')
    const group = uniqueName('g')
    await createTopic(topic, 6)
    const members = await Promise.all(['a', 'b', 'c'].map((clientId) => join(group, { clientId, topics: [topic] })))
    for (let round = 0; round < 3; round++) for (const m of members) await heartbeat(m)
    const described = await describeGroup(group)
    expect(described.state).toBe('Stable')
    expect(members.map((m) => partitionsOf(m.owned).length)).toEqual([2, 2, 2])
    expect(members.flatMap((m) => partitionsOf(m.owned)).sort()).toEqual([0, 1, 2, 3, 4, 5].map((p) => `${topic}/${p}`))
  })

  it('keeps members, epochs and offsets across a coordinator restart', async () => {
    const topic = uniqueName('restart')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    const m = await join(group, { topics: [topic] })
    await commit(m, [{ topic, partition: 1, offset: 0 }])
    await evictDurableObject(groupStub(env, DEFAULT_TENANT, group))
    expect((await heartbeat(m)).body).toMatchObject({ memberEpoch: 1, state: 'Stable', assignment: [{ topic, partitions: [0, 1] }] })
    expect(await committed(group)).toMatchObject([{ topic, partition: 1, offset: 0 }])
  })

  it('refuses joins that mix a strategy or a subscription form, and unknown members', async () => {
    const topic = uniqueName('t')
    const group = uniqueName('g')
    await createTopic(topic)
    await join(group, { topics: [topic], strategy: 'range' })
    const other = await request('POST', `/consumer-groups/${group}/join`, { topics: [topic], strategy: 'roundrobin' })
    expect(other.status).toBe(409)
    expect(other.body.error).toMatchObject({ code: 'INCONSISTENT_GROUP_PROTOCOL', details: { protocol: 'range' } })
    expect((await request('POST', `/consumer-groups/${group}/join`, { topics: [topic], pattern: 'x.*' })).status).toBe(400)
    expect((await request('POST', `/consumer-groups/${group}/join`, { memberId: 'nobody', topics: [topic] })).body.error.code).toBe(
      'UNKNOWN_MEMBER_ID',
    )
    expect((await request('POST', `/consumer-groups/${uniqueName('g')}/heartbeat`, { memberId: 'x', memberEpoch: 1 })).status).toBe(409)
  })
})

describe('ConsumerGroup > topic changes', () => {
  it('gives a topic created later that matches a pattern on the next heartbeat', async () => {
    const prefix = uniqueName('QuikApp')
    const group = uniqueName('g')
    await createTopic(`${prefix}.user.profile-updated`, 3)
    await createTopic(`${prefix}.message.sent`, 2)
    const pattern = `${prefix.replace(/[.-]/g, '\\$&')}\\.user\\..*`
    const m = await join(group, { pattern })
    expect(m.owned).toEqual([{ topic: `${prefix}.user.profile-updated`, partitions: [0, 1, 2] }])
    await createTopic(`${prefix}.user.status-changed`, 2)
    expect((await heartbeat(m)).body.assignment).toEqual([
      { topic: `${prefix}.user.profile-updated`, partitions: [0, 1, 2] },
      { topic: `${prefix}.user.status-changed`, partitions: [0, 1] },
    ])
  })

  it('gives the new partitions of a subscribed topic on the next heartbeat', async () => {
    const topic = uniqueName('grow')
    const group = uniqueName('g')
    await createTopic(topic, 2)
    const m = await join(group, { topics: [topic] })
    await request('POST', `/admin/topics/${topic}/partitions`, { count: 4 })
    expect((await heartbeat(m)).body.assignment).toEqual([{ topic, partitions: [0, 1, 2, 3] }])
  })

  it('changes the subscription with a heartbeat', async () => {
    const [t1, t2, group] = [uniqueName('sub'), uniqueName('sub'), uniqueName('g')]
    await createTopic(t1, 1)
    await createTopic(t2, 2)
    const m = await join(group, { topics: [t1] })
    const changed = await request('POST', `/consumer-groups/${group}/heartbeat`, {
      memberId: m.memberId,
      memberEpoch: m.memberEpoch,
      owned: m.owned,
      topics: [t2],
    })
    // It must first give up t1 (it still reports owning it), then it gets t2.
    expect(changed.body).toMatchObject({ state: 'UnrevokedPartitions', assignment: [] })
    m.owned = []
    expect((await heartbeat(m)).body.assignment).toEqual([{ topic: t2, partitions: [0, 1] }])
  })
})

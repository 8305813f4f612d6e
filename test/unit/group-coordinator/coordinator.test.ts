import { describe, expect, it } from 'vitest'
import { GroupCoordinator } from '../../../src/core/group-coordinator/coordinator'
import { MAX_GROUP_MEMBERS } from '../../../src/protocol/limits'
import type { JoinGroupInput, TopicPartitions } from '../../../src/protocol/groups'

const T0 = 1_000_000
let ids = 0
const newId = () => `m${++ids}`

function group(partitions: Record<string, number> = { t: 6 }) {
  return new GroupCoordinator('g', { groupEpoch: 0, assignmentEpoch: 0, strategy: null, topics: { version: 1, partitions } }, [], T0)
}

const joinRequest = (extra: Partial<JoinGroupInput> = {}): JoinGroupInput => ({
  clientId: 'c',
  topics: ['t'],
  sessionTimeoutMs: 30_000,
  rebalanceTimeoutMs: 10_000,
  strategy: 'sticky',
  ...extra,
})

function value<T>(result: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!result.ok) throw new Error(`refused: ${result.error.code}`)
  return result.value
}

const count = (assignment: TopicPartitions[]) => assignment.reduce((n, tp) => n + tp.partitions.length, 0)

describe('GroupCoordinator > join and reconcile', () => {
  it('answers a join at once with the free partitions, and moves partitions one revocation at a time', () => {
    const g = group()
    const a = value(g.join(joinRequest(), T0, newId))
    expect(a).toMatchObject({ memberEpoch: 1, state: 'Stable', assignment: [{ topic: 't', partitions: [0, 1, 2, 3, 4, 5] }] })

    // b's join does not wait for a: it gets nothing yet, since a holds everything.
    const b = value(g.join(joinRequest(), T0, newId))
    expect(b).toMatchObject({ memberEpoch: 2, state: 'UnreleasedPartitions', assignment: [] })
    expect(b.heartbeatIntervalMs).toBeLessThan(a.heartbeatIntervalMs)
    expect(g.state).toBe('Reconciling')

    // a's next heartbeat asks it to revoke half; it stays at its epoch (its commits stay valid).
    const asked = value(g.heartbeat({ memberId: a.memberId, memberEpoch: 1, owned: a.assignment }, T0))
    expect(asked).toMatchObject({ memberEpoch: 1, state: 'UnrevokedPartitions' })
    expect(count(asked.assignment)).toBe(3)
    expect(
      g.fenceCommit({ memberId: a.memberId, memberEpoch: 1, offsets: [0, 1, 2, 3, 4, 5].map((p) => ({ topic: 't', partition: p, offset: 1 })) }),
    ).toBe(undefined)
    // b asks before a has revoked: still nothing.
    expect(value(g.heartbeat({ memberId: b.memberId, memberEpoch: 2, owned: [] }, T0)).assignment).toEqual([])

    // a revoked: reports what it kept, moves to the group's epoch; b then gets the rest.
    const revoked = value(g.heartbeat({ memberId: a.memberId, memberEpoch: 1, owned: asked.assignment }, T0))
    expect(revoked).toMatchObject({ memberEpoch: 2, state: 'Stable', assignment: asked.assignment })
    const given = value(g.heartbeat({ memberId: b.memberId, memberEpoch: 2, owned: [] }, T0))
    expect(given.state).toBe('Stable')
    expect(count(given.assignment)).toBe(3)
    expect(g.state).toBe('Stable')
  })

  it('keeps a member that never revokes, fencing it from just those partitions after its rebalance timeout', () => {
    const g = group()
    const a = value(g.join(joinRequest({ rebalanceTimeoutMs: 5_000 }), T0, newId))
    const b = value(g.join(joinRequest(), T0, newId))
    const asked = value(g.heartbeat({ memberId: a.memberId, memberEpoch: a.memberEpoch, owned: a.assignment }, T0))
    expect(g.nextRevocationDeadline()).toBe(T0 + 5_000)
    // a keeps heartbeating (alive) but keeps all six.
    value(g.heartbeat({ memberId: a.memberId, memberEpoch: a.memberEpoch, owned: a.assignment }, T0 + 4_000))
    expect(g.expire(T0 + 4_999)).toBe(false)

    expect(g.expire(T0 + 5_000)).toBe(true)
    const fenced = g.members().find((m) => m.memberId === a.memberId)!
    expect(fenced.pendingRevocation.size).toBe(0)
    expect(fenced.assigned.size).toBe(3)
    expect(g.size).toBe(2)
    // Its commit of a lost partition is refused; of a kept one, accepted.
    const lostPartition = [0, 1, 2, 3, 4, 5].find((p) => !asked.assignment[0]!.partitions.includes(p))!
    expect(
      g.fenceCommit({ memberId: a.memberId, memberEpoch: a.memberEpoch, offsets: [{ topic: 't', partition: lostPartition, offset: 9 }] }),
    ).toMatchObject({
      error: { code: 'PARTITION_NOT_ASSIGNED' },
    })
    expect(
      g.fenceCommit({
        memberId: a.memberId,
        memberEpoch: a.memberEpoch,
        offsets: [{ topic: 't', partition: asked.assignment[0]!.partitions[0]!, offset: 9 }],
      }),
    ).toBe(undefined)
    // b gets them; a hears they are lost.
    expect(count(value(g.heartbeat({ memberId: b.memberId, memberEpoch: b.memberEpoch, owned: [] }, T0 + 5_000)).assignment)).toBe(3)
    const told = value(g.heartbeat({ memberId: a.memberId, memberEpoch: a.memberEpoch, owned: a.assignment }, T0 + 5_000))
    expect(count(told.lost ?? [])).toBe(3)
    expect(told).toMatchObject({ state: 'Stable', assignment: asked.assignment })
  })

  it('removes only members whose session expired', () => {
    const g = group()
    const a = value(g.join(joinRequest({ sessionTimeoutMs: 10_000 }), T0, newId))
    value(g.join(joinRequest({ sessionTimeoutMs: 10_000 }), T0, newId))
    value(g.heartbeat({ memberId: a.memberId, memberEpoch: a.memberEpoch }, T0 + 9_000))
    expect(g.nextSessionExpiry()).toBe(T0 + 10_000)
    expect(g.expire(T0 + 10_000)).toBe(true)
    expect(g.members().map((m) => m.memberId)).toEqual([a.memberId])
  })
})

describe('GroupCoordinator > fencing', () => {
  it('refuses commits from stale, newer and unknown epochs and members, and a partition not owned', () => {
    const g = group({ t: 2 })
    const a = value(g.join(joinRequest(), T0, newId))
    value(g.join(joinRequest(), T0, newId))
    const asked = value(g.heartbeat({ memberId: a.memberId, memberEpoch: 1, owned: a.assignment }, T0))
    value(g.heartbeat({ memberId: a.memberId, memberEpoch: 1, owned: asked.assignment }, T0))
    const offsets = asked.assignment[0]!.partitions.map((partition) => ({ topic: 't', partition, offset: 1 }))
    expect(g.fenceCommit({ memberId: a.memberId, memberEpoch: 1, offsets })).toMatchObject({
      error: { code: 'STALE_MEMBER_EPOCH', details: { memberEpoch: 2 } },
    })
    expect(g.fenceCommit({ memberId: a.memberId, memberEpoch: 3, offsets })).toMatchObject({ error: { code: 'FENCED_MEMBER_EPOCH' } })
    expect(g.fenceCommit({ memberId: 'ghost', memberEpoch: 2, offsets })).toMatchObject({ error: { code: 'UNKNOWN_MEMBER_ID' } })
    expect(g.fenceCommit({ offsets })).toMatchObject({ error: { code: 'UNKNOWN_MEMBER_ID' } })
    expect(
      g.fenceCommit({
        memberId: a.memberId,
        memberEpoch: 2,
        offsets: [
          { topic: 't', partition: 0, offset: 1 },
          { topic: 't', partition: 1, offset: 1 },
        ],
      }),
    ).toMatchObject({
      error: { code: 'PARTITION_NOT_ASSIGNED' },
    })
    expect(g.fenceCommit({ memberId: a.memberId, memberEpoch: 2, offsets })).toBe(undefined)
  })

  it("accepts a heartbeat from the member's previous epoch once (its answer was lost), and fences any other", () => {
    const g = group({ t: 2 })
    const a = value(g.join(joinRequest(), T0, newId))
    value(g.join(joinRequest(), T0, newId))
    const asked = value(g.heartbeat({ memberId: a.memberId, memberEpoch: 1, owned: a.assignment }, T0))
    value(g.heartbeat({ memberId: a.memberId, memberEpoch: 1, owned: asked.assignment }, T0)) // answered epoch 2, lost
    expect(value(g.heartbeat({ memberId: a.memberId, memberEpoch: 1, owned: asked.assignment }, T0)).memberEpoch).toBe(2)
    expect(g.heartbeat({ memberId: a.memberId, memberEpoch: 1, owned: a.assignment }, T0)).toMatchObject({ error: { code: 'FENCED_MEMBER_EPOCH' } })
    expect(g.heartbeat({ memberId: a.memberId, memberEpoch: 7 }, T0)).toMatchObject({ error: { code: 'FENCED_MEMBER_EPOCH' } })
    // Fenced, it joins again under its id: what it owned is released, and it gets a newer epoch.
    const again = value(g.join(joinRequest({ memberId: a.memberId }), T0, newId))
    expect(again.memberEpoch).toBeGreaterThan(2)
    expect(g.size).toBe(2)
  })

  it('refuses a mixed strategy, a full group and an unknown member id', () => {
    const g = group()
    value(g.join(joinRequest({ strategy: 'range' }), T0, newId))
    expect(g.join(joinRequest({ strategy: 'roundrobin' }), T0, newId)).toMatchObject({
      error: { code: 'INCONSISTENT_GROUP_PROTOCOL', details: { protocol: 'range' } },
    })
    expect(g.join(joinRequest({ memberId: 'nobody' }), T0, newId)).toMatchObject({ error: { code: 'UNKNOWN_MEMBER_ID' } })
    const full = group()
    for (let i = 0; i < MAX_GROUP_MEMBERS; i++) value(full.join(joinRequest(), T0, newId))
    expect(full.join(joinRequest(), T0, newId)).toMatchObject({ error: { code: 'GROUP_MAX_SIZE_REACHED' } })
  })
})

describe('GroupCoordinator > topics', () => {
  it('picks up a new topic matching a pattern and more partitions, and ignores an older topic list', () => {
    const g = group({ 'app.a': 2, other: 1 })
    const a = value(g.join(joinRequest({ topics: undefined, pattern: 'app\\..*' }), T0, newId))
    expect(a.assignment).toEqual([{ topic: 'app.a', partitions: [0, 1] }])
    expect(g.applyTopics({ version: 3, partitions: { 'app.a': 3, 'app.b': 1, other: 1 } })).toBe(true)
    expect(g.applyTopics({ version: 2, partitions: { 'app.a': 2 } })).toBe(false)
    const hb = value(g.heartbeat({ memberId: a.memberId, memberEpoch: a.memberEpoch, owned: a.assignment }, T0))
    expect(hb.assignment).toEqual([
      { topic: 'app.a', partitions: [0, 1, 2] },
      { topic: 'app.b', partitions: [0] },
    ])
  })

  it('drops a deleted topic from its owner at once and tells the member it is lost', () => {
    const g = group({ gone: 2, kept: 1 })
    const a = value(g.join(joinRequest({ topics: ['gone', 'kept'] }), T0, newId))
    g.dropTopic('gone')
    expect(g.members()[0]!.assigned.size).toBe(1)
    const hb = value(g.heartbeat({ memberId: a.memberId, memberEpoch: a.memberEpoch, owned: a.assignment }, T0))
    expect(hb.lost).toEqual([{ topic: 'gone', partitions: [0, 1] }])
    expect(hb.assignment).toEqual([{ topic: 'kept', partitions: [0] }])
    // A late commit naming the deleted topic is not refused for it (the object drops that offset).
    expect(g.fenceCommit({ memberId: a.memberId, memberEpoch: hb.memberEpoch, offsets: [{ topic: 'gone', partition: 0, offset: 1 }] })).toBe(
      undefined,
    )
  })
})

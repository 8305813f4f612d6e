import { describe, expect, it } from 'vitest'
import { assign, type Assignment, type AssignorMember } from '../../src/core/assignors'
import { ASSIGNMENT_STRATEGIES, type TopicPartition } from '../../src/protocol/groups'

const members = (n: number, topics: string[]): AssignorMember[] => Array.from({ length: n }, (_, i) => ({ memberId: `m${i}`, topics }))
const counts = (assignment: Assignment) => [...assignment.values()].map((partitions) => partitions.length)
const key = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`

function expectEachPartitionOnce(assignment: Assignment, partitions: Map<string, number>) {
  const all = [...assignment.values()].flat().map(key).sort()
  const expected = [...partitions].flatMap(([topic, n]) => Array.from({ length: n }, (_, p) => `${topic}/${p}`)).sort()
  expect(all).toEqual(expected)
}

/** Partitions that changed owner, counting only moves between members present in both generations. */
function shuffled(before: Assignment, after: Assignment): number {
  const owner = new Map<string, string>()
  for (const [member, partitions] of before) for (const tp of partitions) owner.set(key(tp), member)
  let moved = 0
  for (const [member, partitions] of after) {
    if (!before.has(member)) continue
    for (const tp of partitions) {
      const previous = owner.get(key(tp))
      if (previous !== undefined && previous !== member && after.has(previous)) moved++
    }
  }
  return moved
}

describe('assignors', () => {
  const shapes: Array<[number, Map<string, number>]> = [
    [1, new Map([['a', 6]])],
    [2, new Map([['a', 6]])],
    [3, new Map([['a', 6]])],
    [4, new Map([['a', 6]])],
    [7, new Map([['a', 6]])],
    [
      3,
      new Map([
        ['a', 3],
        ['b', 5],
        ['c', 1],
      ]),
    ],
    [
      5,
      new Map([
        ['a', 12],
        ['b', 7],
      ]),
    ],
  ]

  for (const strategy of ASSIGNMENT_STRATEGIES) {
    it(`${strategy}: assigns every partition exactly once`, () => {
      for (const [n, partitions] of shapes)
        expectEachPartitionOnce(assign(strategy, { members: members(n, [...partitions.keys()]), partitions }), partitions)
    })

    it(`${strategy}: assigns only topics a member subscribes to`, () => {
      const partitions = new Map([
        ['a', 4],
        ['b', 4],
      ])
      const assignment = assign(strategy, {
        members: [
          { memberId: 'x', topics: ['a'] },
          { memberId: 'y', topics: ['a', 'b'] },
        ],
        partitions,
      })
      expect(assignment.get('x')!.every((tp) => tp.topic === 'a')).toBe(true)
      expectEachPartitionOnce(assignment, partitions)
    })
  }

  for (const strategy of ['roundrobin', 'sticky'] as const) {
    it(`${strategy}: balances within one partition across topics`, () => {
      for (const [n, partitions] of shapes) {
        const c = counts(assign(strategy, { members: members(n, [...partitions.keys()]), partitions }))
        expect(Math.max(...c) - Math.min(...c), `${n} members`).toBeLessThanOrEqual(1)
      }
    })
  }

  it('range: gives contiguous ranges per topic, extra partitions to the first members', () => {
    const assignment = assign('range', { members: members(3, ['a']), partitions: new Map([['a', 7]]) })
    expect([...assignment.values()].map((tps) => tps.map((tp) => tp.partition))).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ])
  })

  it('sticky: when a member leaves, only its partitions move', () => {
    const partitions = new Map([
      ['a', 12],
      ['b', 6],
    ])
    const before = assign('sticky', { members: members(3, ['a', 'b']), partitions })
    const after = assign('sticky', { members: members(3, ['a', 'b']).filter((m) => m.memberId !== 'm1'), partitions, previous: before })
    expect(shuffled(before, after)).toBe(0)
    expect(counts(after).sort()).toEqual([9, 9])
    expectEachPartitionOnce(after, partitions)
  })

  it('sticky: when a member joins, it takes its share and nothing else moves', () => {
    const partitions = new Map([['a', 12]])
    const before = assign('sticky', { members: members(2, ['a']), partitions })
    const after = assign('sticky', { members: members(3, ['a']), partitions, previous: before })
    // The newcomer takes exactly its share (4 of 12) and the old members keep the rest where it was.
    expect(after.get('m2')).toHaveLength(4)
    expect(shuffled(before, after)).toBe(0)
    for (const member of ['m0', 'm1']) {
      const kept = after.get(member)!.map(key)
      expect(kept).toHaveLength(4)
      for (const k of kept) expect(before.get(member)!.map(key)).toContain(k)
    }
  })

  it('roundrobin (not sticky) may reshuffle on a leave, which sticky avoids', () => {
    const partitions = new Map([['a', 12]])
    const rrBefore = assign('roundrobin', { members: members(3, ['a']), partitions })
    const rrAfter = assign('roundrobin', { members: members(3, ['a']).filter((m) => m.memberId !== 'm0'), partitions })
    expect(shuffled(rrBefore, rrAfter)).toBeGreaterThan(0)
  })

  it('assigns nothing for a topic that no longer exists', () => {
    for (const strategy of ASSIGNMENT_STRATEGIES) {
      const assignment = assign(strategy, {
        members: members(2, ['gone', 'a']),
        partitions: new Map([['a', 2]]),
        previous: new Map([['m0', [{ topic: 'gone', partition: 0 }]]]),
      })
      expect([...assignment.values()].flat().every((tp) => tp.topic === 'a')).toBe(true)
    }
  })
})

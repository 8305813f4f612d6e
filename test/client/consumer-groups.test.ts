/**
 * `client.consumer()` as a member of a consumer group on Kafka 4's consumer protocol: joins answer at
 * once, background heartbeats reconcile (revoke, commit, report; take, load offsets), and members whose
 * partitions do not move never stop. Tests heartbeat explicitly where timing matters; the background
 * heartbeat does the same thing.
 */
import { describe, expect, it } from 'vitest'
import type { RebalanceListener } from '../../client/index.js'
import { member, partitionsOf, produce, seededTopic, values } from './group-support.js'
import { recordingFetch, testClient, uniqueTopic, workerFetch } from './support.js'

describe('KafdoClient > consumer groups', () => {
  it('joins with a member id and epoch, and gets every partition when it is the only member', async () => {
    const client = testClient({ clientId: 'solo-app' })
    const topic = await seededTopic(client, 3, 0)
    const groupId = uniqueTopic('group')
    const consumer = member(client, { groupId, topics: [topic] })

    const joined = await consumer.connect()

    expect(joined).toMatchObject({ groupId, state: 'Stable', assignment: [{ topic, partitions: [0, 1, 2] }] })
    expect(joined.memberId).toMatch(/^solo-app-/)
    expect(joined.memberEpoch).toBeGreaterThan(0)
    expect([consumer.memberId, consumer.memberEpoch]).toEqual([joined.memberId, joined.memberEpoch])
    expect(consumer.assignment()).toEqual([{ topic, partitions: [0, 1, 2] }])
    const described = await client.admin().describeGroup(groupId)
    expect(described).toMatchObject({
      state: 'Stable',
      members: [{ memberId: joined.memberId, clientId: 'solo-app', memberEpoch: joined.memberEpoch }],
    })
    await consumer.disconnect()
  })

  it('connects a second consumer in one round trip while the first idles, and never evicts the first (README, two consumers in one process)', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 6, 1)
    const groupId = uniqueTopic('group')
    // As the README writes them: default options, the first heartbeating in the background but not polling.
    const first = client.consumer({ groupId, topics: [topic], fromBeginning: true })
    await first.connect()
    const { fetch, requests } = recordingFetch()
    const second = testClient({ fetch }).consumer({ groupId, topics: [topic], fromBeginning: true })

    const joined = await second.connect()

    expect(requests.map((r) => r.url.replace(/^.*\/consumer-groups\/[^/]+/, ''))).toEqual(['/join'])
    expect(joined).toMatchObject({ state: 'UnreleasedPartitions', assignment: [] })
    // The first member's next heartbeat revokes three (committing and reporting them at once); the
    // second's next heartbeat owns them.
    await first.heartbeat()
    await second.heartbeat()
    expect(partitionsOf(first.assignment())).toHaveLength(3)
    expect(partitionsOf(second.assignment())).toHaveLength(3)
    expect([...partitionsOf(first.assignment()), ...partitionsOf(second.assignment())].sort()).toEqual([0, 1, 2, 3, 4, 5])
    const described = await client.admin().describeGroup(groupId)
    expect(described.state).toBe('Stable')
    expect(described.members.map((m) => m.memberId).sort()).toEqual([first.memberId, second.memberId].sort())
    // Each polls only its own partitions, the second from where the first (never having polled) stood.
    expect(values(await second.poll())).toEqual(partitionsOf(second.assignment()).map((p) => `${p}-0`))
    expect(values(await first.poll())).toEqual(partitionsOf(first.assignment()).map((p) => `${p}-0`))
    await Promise.all([first.disconnect(), second.disconnect()])
  })

  it('splits a topic: the first member keeps polling its partitions throughout, and commits what moves away before it moves', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 6, 2)
    const groupId = uniqueTopic('group')
    const events: string[] = []
    const listener = (name: string): RebalanceListener => ({
      onPartitionsAssigned: (partitions) => void events.push(`${name} assigned ${partitions.length}`),
      onPartitionsRevoked: (partitions) => void events.push(`${name} revoked ${partitions.length}`),
    })
    const first = member(client, { groupId, topics: [topic] }, listener('first'))
    const second = member(client, { groupId, topics: [topic] }, listener('second'))
    await first.connect()
    expect(values(await first.poll())).toHaveLength(12)
    await second.connect()

    // Until its next heartbeat the first member goes on: it polls (nothing new yet) without any error.
    await produce(client, topic, 6, (partition) => [`${partition}-new`])
    expect(values(await first.poll())).toEqual([0, 1, 2, 3, 4, 5].map((p) => `${p}-new`).sort())
    await first.heartbeat()
    await second.heartbeat()

    const [mine, theirs] = [partitionsOf(first.assignment()), partitionsOf(second.assignment())]
    expect([mine.length, theirs.length]).toEqual([3, 3])
    expect(events).toEqual(['first assigned 6', 'first revoked 3', 'second assigned 3'])
    // What moved was committed by the first member on revoking (auto-commit): the second reads nothing again.
    await produce(client, topic, 6, (partition) => [`${partition}-later`])
    expect(values(await second.poll())).toEqual(theirs.map((p) => `${p}-later`).sort())
    expect(values(await first.poll())).toEqual(mine.map((p) => `${p}-later`).sort())
    await first.disconnect()
    await second.disconnect()
  })

  it('leaves on disconnect: the other member takes every partition on its next heartbeat, and the group is Empty after the last leaves', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 4, 0)
    const groupId = uniqueTopic('group')
    const [a, b] = [member(client, { groupId, topics: [topic] }), member(client, { groupId, topics: [topic] })]
    await a.connect()
    await b.connect()
    await a.heartbeat()
    await b.heartbeat()

    await a.disconnect()
    await b.heartbeat()
    expect(b.assignment()).toEqual([{ topic, partitions: [0, 1, 2, 3] }])
    expect((await client.admin().describeGroup(groupId)).members.map((m) => m.memberId)).toEqual([b.memberId])
    await b.disconnect()

    expect(await client.admin().describeGroup(groupId)).toMatchObject({ state: 'Empty', members: [] })
    expect(a.memberId).toBeUndefined()
  })

  it('heartbeats in the background, reconciling without being asked, and stops when it disconnects', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch })
    const topic = await seededTopic(client, 2, 0)
    const groupId = uniqueTopic('group')
    const first = client.consumer({ groupId, topics: [topic], heartbeatIntervalMs: 10, sessionTimeoutMs: 10_000 })
    const heartbeats = () => requests.filter((r) => r.url.endsWith('/heartbeat')).length

    await first.connect()
    const second = member(testClient(), { groupId, topics: [topic] })
    await second.connect()
    // The first member's background heartbeats alone give up a partition.
    for (let waited = 0; partitionsOf(first.assignment()).length > 1 && waited < 3_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10))
    expect(partitionsOf(first.assignment())).toHaveLength(1)
    await first.disconnect()
    const atDisconnect = heartbeats()
    await new Promise((resolve) => setTimeout(resolve, 40))

    expect(atDisconnect).toBeGreaterThanOrEqual(2)
    expect(heartbeats()).toBe(atDisconnect)
    await second.disconnect()
  })

  it('joins again by itself after being fenced, losing its partitions meanwhile (onPartitionsLost)', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 1, 3)
    let fence = false
    const { fetch } = recordingFetch(async (input, init) => {
      if (!fence || !input.endsWith('/heartbeat')) return workerFetch(input, init)
      fence = false
      // One heartbeat with an epoch the group never gave: it answers FENCED_MEMBER_EPOCH.
      const body = JSON.parse(String(init.body)) as { memberEpoch: number }
      return workerFetch(input, { ...init, body: JSON.stringify({ ...body, memberEpoch: body.memberEpoch + 5 }) })
    })
    const lost: string[] = []
    const consumer = member(
      testClient({ fetch }),
      { groupId: uniqueTopic('group'), topics: [topic], autoCommit: false },
      {
        onPartitionsLost: (partitions) => void lost.push(...partitions.map((tp) => `${tp.topic}/${tp.partition}`)),
      },
    )
    const joined = await consumer.connect()
    expect((await consumer.poll({ maxRecords: 1 })).map((r) => r.offset)).toEqual([0])
    await consumer.commit()

    fence = true
    expect(await consumer.heartbeat()).toBeUndefined()
    expect(lost).toEqual([`${topic}/0`])
    expect(consumer.assignment()).toEqual([])
    // The next poll joins again under its id and resumes from the committed offset.
    expect((await consumer.poll()).map((r) => r.offset)).toEqual([1, 2])
    expect(consumer.memberId).toBe(joined.memberId)
    expect(consumer.memberEpoch).toBeGreaterThan(joined.memberEpoch)
    await consumer.disconnect()
  })

  it('answers a long poll as soon as one of its partitions receives a record', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 3, 0)
    const consumer = member(client, { groupId: uniqueTopic('group'), topics: [topic] })
    await consumer.connect()
    const started = Date.now()

    const polled = consumer.poll({ maxWaitMs: 5_000 })
    await new Promise((resolve) => setTimeout(resolve, 30))
    await client.producer({ defaultTopic: topic }).send({ value: 'late', partition: 2 })
    const records = await polled

    expect(records.map((r) => [r.partition, r.offset, r.value])).toEqual([[2, 0, 'late']])
    expect(Date.now() - started).toBeLessThan(4_000)
    await consumer.disconnect()
  })

  it('joins once when connect is called twice at the same time, and subscribes by pattern', async () => {
    const client = testClient()
    const prefix = uniqueTopic('pat')
    for (const name of ['a', 'b']) await client.admin().createTopic({ topic: `${prefix}.${name}`, partitions: 1 })
    const groupId = uniqueTopic('group')
    const consumer = member(client, { groupId, pattern: `${prefix.replace(/[-.]/g, '\\$&')}\\..*` })

    const [first, second] = await Promise.all([consumer.connect(), consumer.connect()])

    expect(second.memberId).toBe(first.memberId)
    expect((await client.admin().describeGroup(groupId)).members).toHaveLength(1)
    expect(first.assignment.map((tp) => tp.topic).sort()).toEqual([`${prefix}.a`, `${prefix}.b`])
    await consumer.disconnect()
  })
})

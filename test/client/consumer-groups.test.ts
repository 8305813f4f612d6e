import { describe, expect, it } from 'vitest'
import { KafdoError, type ConsumerOptions, type KafdoClient, type KafdoConsumer, type TopicPartitions } from '../../client/index.js'
import { BASE_URL, recordingFetch, testClient, uniqueTopic, workerFetch } from './support.js'

/** A topic whose partitions each hold `perPartition` records valued `${partition}-${index}`. */
async function seededTopic(client: KafdoClient, partitions: number, perPartition: number): Promise<string> {
  const topic = uniqueTopic()
  await client.admin().createTopic({ topic, partitions })
  await produce(client, topic, partitions, (partition) => Array.from({ length: perPartition }, (_, i) => `${partition}-${i}`))
  return topic
}

async function produce(client: KafdoClient, topic: string, partitions: number, values: (partition: number) => string[]): Promise<void> {
  const records = Array.from({ length: partitions }, (_, partition) => values(partition).map((value) => ({ value, partition }))).flat()
  if (records.length > 0) await client.producer({ defaultTopic: topic }).sendBatch(records)
}

/** A consumer whose background heartbeat never fires during a test: tests heartbeat explicitly. */
function member(client: KafdoClient, options: ConsumerOptions): KafdoConsumer {
  return client.consumer({ heartbeatIntervalMs: 60_000, sessionTimeoutMs: 120_000, ...options })
}

/** Heartbeats until the group says this member must rejoin (the other member's join reached it). */
async function heartbeatUntilRejoin(consumer: KafdoConsumer): Promise<string | undefined> {
  for (let i = 0; i < 200; i++) {
    const outcome = await consumer.heartbeat()
    if (outcome.rejoinNeeded) return outcome.reason
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('the group never asked this member to rejoin')
}

const partitionsOf = (assignment: TopicPartitions[]) => assignment.flatMap((tp) => tp.partitions).sort((a, b) => a - b)
const values = (records: Array<{ value: unknown }>) => records.map((r) => r.value).sort()

describe('KafdoClient > consumer groups', () => {
  it('joins with a member id and gets every partition when it is the only member', async () => {
    const client = testClient({ clientId: 'solo-app' })
    const topic = await seededTopic(client, 3, 0)
    const groupId = uniqueTopic('group')
    const consumer = member(client, { groupId, topics: [topic] })

    const joined = await consumer.connect()

    expect(joined).toMatchObject({ groupId, state: 'Stable', assignment: [{ topic, partitions: [0, 1, 2] }] })
    expect(joined.memberId).toMatch(/^solo-app-/)
    expect(joined.generationId).toBeGreaterThan(0)
    expect(consumer.memberId).toBe(joined.memberId)
    expect(consumer.assignment()).toEqual([{ topic, partitions: [0, 1, 2] }])
    const described = await client.admin().describeGroup(groupId)
    expect(described).toMatchObject({ state: 'Stable', members: [{ memberId: joined.memberId, clientId: 'solo-app' }] })
    await consumer.disconnect()
  })

  it('polls its partitions from the earliest offset with each record naming its topic and partition', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 2, 2)
    const consumer = member(client, { groupId: uniqueTopic('group'), topics: [topic] })
    await consumer.connect()

    const first = await consumer.poll({ maxRecords: 3 })
    const rest = await consumer.poll()
    const none = await consumer.poll()

    expect(first).toHaveLength(3)
    expect(first[0]).toMatchObject({ topic, offset: 0, key: null, headers: {} })
    expect(typeof first[0]?.timestamp).toBe('number')
    expect(values([...first, ...rest])).toEqual(['0-0', '0-1', '1-0', '1-1'])
    expect(none).toEqual([])
    expect(consumer.positions().sort((a, b) => a.partition - b.partition)).toEqual([
      { topic, partition: 0, offset: 2 },
      { topic, partition: 1, offset: 2 },
    ])
    await consumer.disconnect()
  })

  it('splits a 6-partition topic between two members; the first learns of the rebalance from its heartbeat and then polls only its new partitions', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 6, 2)
    const groupId = uniqueTopic('group')
    const first = member(client, { groupId, topics: [topic] })
    const second = member(client, { groupId, topics: [topic] })
    await first.connect()
    expect(values(await first.poll())).toHaveLength(12)

    // The second join is held by the group until the first member has rejoined.
    const secondJoin = second.connect()
    expect(await heartbeatUntilRejoin(first)).toBe('REBALANCE_IN_PROGRESS')
    await produce(client, topic, 6, (partition) => [`${partition}-new`])
    const afterRebalance = await first.poll()
    const secondJoined = await secondJoin

    const mine = partitionsOf(first.assignment())
    const theirs = partitionsOf(secondJoined.assignment)
    expect(mine).toHaveLength(3)
    expect(theirs).toHaveLength(3)
    expect([...mine, ...theirs].sort()).toEqual([0, 1, 2, 3, 4, 5])
    expect(first.generationId).toBe(secondJoined.generationId)
    // Only the new records of its own partitions: the first member committed before rejoining.
    expect(values(afterRebalance)).toEqual(mine.map((p) => `${p}-new`).sort())
    expect(new Set(afterRebalance.map((r) => r.partition))).toEqual(new Set(mine))
    // The second member starts its partitions where the first committed them.
    expect(values(await second.poll())).toEqual(theirs.map((p) => `${p}-new`).sort())
    expect((await first.heartbeat()).rejoinNeeded).toBe(false)
    await first.disconnect()
    await second.disconnect()
  })

  it('resumes a new consumer of the group at the committed offsets: nothing skipped, records after the commit read again', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 1, 5)
    const groupId = uniqueTopic('group')
    const crashed = member(client, { groupId, topics: [topic], autoCommit: false })
    await crashed.connect()
    expect((await crashed.poll({ maxRecords: 3 })).map((r) => r.offset)).toEqual([0, 1, 2])

    const committed = await crashed.commit()
    expect((await crashed.poll()).map((r) => r.offset)).toEqual([3, 4])
    await crashed.disconnect() // without autoCommit: offsets 3 and 4 were never committed

    const successor = member(client, { groupId, topics: [topic] })
    await successor.connect()
    const resumed = await successor.poll()

    expect(committed).toEqual([{ topic, partition: 0, offset: 3 }])
    expect(resumed.map((r) => [r.offset, r.value])).toEqual([
      [3, '0-3'],
      [4, '0-4'],
    ])
    expect((await successor.committed()).map(({ topic: t, partition, offset }) => ({ topic: t, partition, offset }))).toEqual([
      { topic, partition: 0, offset: 3 },
    ])
    await successor.disconnect()
  })

  it('never sends a commit for a partition it does not own', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch })
    const [owned, other] = [await seededTopic(client, 1, 3), await seededTopic(client, 2, 3)]
    const consumer = member(client, { groupId: uniqueTopic('group'), topics: [owned] })
    await consumer.connect()
    await consumer.fetch(owned, 0, { offset: 0, limit: 2 })
    await consumer.fetch(other, 1, { offset: 0 })
    requests.length = 0

    const committed = await consumer.commit()
    const refused = await consumer.commit([{ topic: other, partition: 1, offset: 3 }]).catch((e: unknown) => e)

    expect(committed).toEqual([{ topic: owned, partition: 0, offset: 2 }])
    expect(refused).toBeInstanceOf(KafdoError)
    expect(refused).toMatchObject({ code: 'PARTITION_NOT_ASSIGNED', details: { topic: other, partition: 1 } })
    const commits = requests.filter((r) => r.url.endsWith('/commit'))
    expect(commits).toHaveLength(1)
    expect(commits[0]?.body).toEqual({
      memberId: consumer.memberId,
      generationId: consumer.generationId,
      offsets: [{ topic: owned, partition: 0, offset: 2 }],
    })
    await consumer.disconnect()
  })

  it('commits its positions on disconnect with autoCommit', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 2, 3)
    const groupId = uniqueTopic('group')
    const consumer = member(client, { groupId, topics: [topic] })
    await consumer.connect()
    await consumer.poll({ maxRecords: 4 })
    const positions = consumer.positions().sort((a, b) => a.partition - b.partition)

    await consumer.disconnect()

    const described = await client.admin().describeGroup(groupId)
    expect(described.offsets.map(({ topic: t, partition, offset }) => ({ topic: t, partition, offset }))).toEqual(positions)
    expect(positions.reduce((sum, p) => sum + p.offset, 0)).toBe(4)
    expect(described.totalLag).toBe(2)
  })

  it('leaves on disconnect: the other member takes every partition, and the group is Empty after the last leaves', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 4, 0)
    const groupId = uniqueTopic('group')
    const [a, b] = [member(client, { groupId, topics: [topic] }), member(client, { groupId, topics: [topic] })]
    await a.connect()
    const bJoin = b.connect()
    await heartbeatUntilRejoin(a)
    await a.poll()
    await bJoin

    await a.disconnect()
    expect(await heartbeatUntilRejoin(b)).toBe('REBALANCE_IN_PROGRESS')
    await b.poll()
    expect(b.assignment()).toEqual([{ topic, partitions: [0, 1, 2, 3] }])
    expect((await client.admin().describeGroup(groupId)).members.map((m) => m.memberId)).toEqual([b.memberId])
    await b.disconnect()

    expect(await client.admin().describeGroup(groupId)).toMatchObject({ state: 'Empty', members: [] })
    expect(a.memberId).toBeUndefined()
  })

  it('heartbeats in the background and stops when it disconnects', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch })
    const topic = await seededTopic(client, 1, 0)
    const consumer = client.consumer({ groupId: uniqueTopic('group'), topics: [topic], heartbeatIntervalMs: 10, sessionTimeoutMs: 10_000 })
    const heartbeats = () => requests.filter((r) => r.url.endsWith('/heartbeat')).length

    await consumer.connect()
    for (let waited = 0; heartbeats() < 2 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
    await consumer.disconnect()
    const atDisconnect = heartbeats()
    await new Promise((resolve) => setTimeout(resolve, 40))

    expect(atDisconnect).toBeGreaterThanOrEqual(2)
    expect(heartbeats()).toBe(atDisconnect)
  })

  it('joins again with its member id while the group answers that the rebalance has not completed', async () => {
    const topic = await seededTopic(testClient(), 2, 0)
    let joins = 0
    const { fetch, requests } = recordingFetch(async (input, init) => {
      const response = await workerFetch(input, init)
      if (!input.endsWith('/join') || ++joins > 1) return response
      // The first answer says "not yet", as a join held past the coordinator's wait does.
      const body = (await response.json()) as Record<string, unknown>
      return Response.json({ ...body, generationId: -1, assignment: [] })
    })
    const consumer = member(testClient({ fetch }), { groupId: uniqueTopic('group'), topics: [topic] })

    const joined = await consumer.connect()

    const bodies = requests.filter((r) => r.url.endsWith('/join')).map((r) => r.body as { memberId?: string })
    expect(bodies).toHaveLength(2)
    expect(bodies[0]?.memberId).toBeUndefined()
    expect(bodies[1]?.memberId).toBe(joined.memberId)
    expect(joined.assignment).toEqual([{ topic, partitions: [0, 1] }])
    await consumer.disconnect()
  })

  it('joins as a new member after the group removed it, and reads again from the committed offsets', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 1, 4)
    const groupId = uniqueTopic('group')
    const consumer = member(client, { groupId, topics: [topic], autoCommit: false })
    const removed = await consumer.connect()
    await consumer.poll({ maxRecords: 1 })
    await consumer.commit()
    await consumer.poll({ maxRecords: 2 })
    // The group forgets the member behind its back, as a session timeout would.
    await workerFetch(`${BASE_URL}/consumer-groups/${groupId}/leave`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ memberId: removed.memberId }),
    })

    const outcome = await consumer.heartbeat()
    const refused = await consumer.commit().catch((e: unknown) => e)
    const again = await consumer.poll()

    expect(outcome).toEqual({ rejoinNeeded: true, reason: 'UNKNOWN_MEMBER_ID' })
    expect(refused).toMatchObject({ code: 'UNKNOWN_MEMBER_ID' })
    expect(consumer.memberId).not.toBe(removed.memberId)
    expect(again.map((r) => r.offset)).toEqual([1, 2, 3])
    await consumer.disconnect()
  })

  it('commits when asked during a rebalance, then rejoins', async () => {
    const { fetch, requests } = recordingFetch()
    const client = testClient({ fetch })
    const topic = await seededTopic(client, 2, 2)
    const groupId = uniqueTopic('group')
    const first = member(client, { groupId, topics: [topic], autoCommit: false })
    const second = member(client, { groupId, topics: [topic], autoCommit: false })
    const before = await first.connect()
    await first.poll()
    const secondJoin = second.connect()
    await heartbeatUntilRejoin(first)

    const committed = await first.commit()
    await secondJoin

    expect(committed.map((c) => c.offset)).toEqual([2, 2])
    const commit = requests.find((r) => r.url.endsWith('/commit'))
    expect(commit?.body).toMatchObject({ generationId: before.generationId })
    expect(first.generationId).toBe(before.generationId + 1)
    expect(partitionsOf(first.assignment())).toHaveLength(1)
    expect(await second.poll()).toEqual([])
    await Promise.all([first.disconnect(), second.disconnect()])
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

  it('resets and deletes an empty group through the admin, refusing both while it has members', async () => {
    const client = testClient()
    const admin = client.admin()
    const topic = await seededTopic(client, 2, 3)
    const groupId = uniqueTopic('group')
    const consumer = member(client, { groupId, topics: [topic] })
    await consumer.connect()
    await consumer.poll()

    const busyReset = await admin.resetOffsets(groupId, { topic, to: 'earliest' }).catch((e: unknown) => e)
    const busyDelete = await admin.deleteGroup(groupId).catch((e: unknown) => e)
    expect((await admin.listGroups()).find((g) => g.groupId === groupId)).toEqual({ groupId, state: 'Stable', members: 1 })
    await consumer.disconnect()
    const toEarliest = await admin.resetOffsets(groupId, { topic, to: 'earliest' })
    const explicit = await admin.resetOffsets(groupId, { topic, offsets: [{ partition: 1, offset: 2 }] })
    await admin.deleteGroup(groupId)

    expect(busyReset).toMatchObject({ code: 'NON_EMPTY_GROUP', status: 409 })
    expect(busyDelete).toMatchObject({ code: 'NON_EMPTY_GROUP', status: 409 })
    expect(toEarliest.offsets.map((o) => [o.partition, o.offset])).toEqual([
      [0, 0],
      [1, 0],
    ])
    expect(explicit.offsets.map((o) => [o.partition, o.offset])).toEqual([
      [0, 0],
      [1, 2],
    ])
    expect(await admin.describeGroup(groupId)).toMatchObject({ state: 'Dead', members: [], offsets: [] })
    expect((await admin.deleteGroup(groupId).catch((e: unknown) => e)) as KafdoError).toMatchObject({ code: 'GROUP_ID_NOT_FOUND', status: 404 })
  })

  it('refuses to poll or commit before connect, and options naming both topics and a pattern', async () => {
    const consumer = testClient().consumer({ groupId: uniqueTopic('group'), topics: ['t'] })

    await expect(consumer.poll()).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    await expect(consumer.commit([{ topic: 't', partition: 0, offset: 1 }])).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    expect(() => testClient().consumer({ groupId: 'g', topics: ['t'], pattern: 't.*' })).toThrow(TypeError)
  })

  it('joins once when connect is called twice at the same time', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 2, 0)
    const groupId = uniqueTopic('group')
    const consumer = member(client, { groupId, topics: [topic] })

    const [first, second] = await Promise.all([consumer.connect(), consumer.connect()])

    expect(second.memberId).toBe(first.memberId)
    expect((await client.admin().describeGroup(groupId)).members).toHaveLength(1)
    await consumer.disconnect()
  })

  it('subscribes by pattern to every matching topic', async () => {
    const client = testClient()
    const prefix = uniqueTopic('pat')
    for (const name of ['a', 'b']) await client.admin().createTopic({ topic: `${prefix}.${name}`, partitions: 1 })
    const consumer = member(client, { groupId: uniqueTopic('group'), pattern: `${prefix.replace(/[-.]/g, '\\$&')}\\..*` })

    const joined = await consumer.connect()

    expect(joined.assignment.map((tp) => tp.topic).sort()).toEqual([`${prefix}.a`, `${prefix}.b`])
    await consumer.disconnect()
  })
})

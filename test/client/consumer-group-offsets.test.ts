/**
 * `client.consumer()`'s positions and commits: where it starts, what it commits (only owned partitions, at
 * its member epoch), at-least-once across a crash, and the admin's reset and delete of its group.
 */
import { describe, expect, it } from 'vitest'
import { KafdoError } from '../../client/index.js'
import { BASE_URL, recordingFetch, testClient, uniqueTopic, workerFetch } from './support.js'
import { member, seededTopic, values } from './group-support.js'

describe('KafdoClient > consumer positions and commits', () => {
  it('polls its partitions from the earliest offset with fromBeginning, and from the latest by default', async () => {
    const client = testClient()
    const topic = await seededTopic(client, 2, 2)
    const consumer = member(client, { groupId: uniqueTopic('group'), topics: [topic] })
    await consumer.connect()

    const first = await consumer.poll({ maxRecords: 3 })
    const rest = await consumer.poll()
    expect(first).toHaveLength(3)
    expect(first[0]).toMatchObject({ topic, key: null, headers: {} })
    expect(values([...first, ...rest])).toEqual(['0-0', '0-1', '1-0', '1-1'])
    expect(await consumer.poll()).toEqual([])
    expect(consumer.positions().sort((a, b) => a.partition - b.partition)).toEqual([
      { topic, partition: 0, offset: 2 },
      { topic, partition: 1, offset: 2 },
    ])
    await consumer.disconnect()

    const latest = client.consumer({ groupId: uniqueTopic('group'), topics: [topic], heartbeatIntervalMs: 20_000 })
    await latest.connect()
    expect(await latest.poll()).toEqual([])
    await client.producer({ defaultTopic: topic }).send({ value: 'new', partition: 1 })
    expect(values(await latest.poll())).toEqual(['new'])
    await latest.disconnect()
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
    expect(committed).toEqual([{ topic, partition: 0, offset: 3 }])
    expect((await successor.poll()).map((r) => [r.offset, r.value])).toEqual([
      [3, '0-3'],
      [4, '0-4'],
    ])
    await successor.disconnect()
  })

  it('never sends a commit for a partition it does not own, and commits at its member epoch', async () => {
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
    expect(commits.map((r) => r.body)).toEqual([
      { memberId: consumer.memberId, memberEpoch: consumer.memberEpoch, offsets: [{ topic: owned, partition: 0, offset: 2 }] },
    ])
    await consumer.disconnect()
  })

  it('learns its new epoch and commits again when a commit is refused as stale', async () => {
    let stale = true
    const { fetch, requests } = recordingFetch(async (input, init) => {
      if (!stale || !input.endsWith('/commit')) return workerFetch(input, init)
      stale = false
      // As if a heartbeat had moved the member on while this commit was under way.
      const body = JSON.parse(String(init.body)) as { memberEpoch: number }
      return workerFetch(input, { ...init, body: JSON.stringify({ ...body, memberEpoch: body.memberEpoch - 1 }) })
    })
    const client = testClient({ fetch })
    const topic = await seededTopic(client, 1, 2)
    const consumer = member(client, { groupId: uniqueTopic('group'), topics: [topic] })
    await consumer.connect()
    await consumer.poll()

    expect(await consumer.commit()).toEqual([{ topic, partition: 0, offset: 2 }])
    expect(requests.filter((r) => /\/(commit|heartbeat)$/.test(r.url)).map((r) => r.url.split('/').pop())).toEqual(['commit', 'heartbeat', 'commit'])
    expect((await consumer.committed()).map((o) => o.offset)).toEqual([2])
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

    const refused = await consumer.commit().catch((e: unknown) => e)
    const again = await consumer.poll()

    expect(refused).toMatchObject({ code: 'UNKNOWN_MEMBER_ID' })
    expect(consumer.memberId).not.toBe(removed.memberId)
    expect(again.map((r) => r.offset)).toEqual([1, 2, 3])
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

  it('refuses to poll or commit before connect, and bad options with INVALID_REQUEST, as the in-Worker consumer does', async () => {
    const consumer = testClient().consumer({ groupId: uniqueTopic('group'), topics: ['t'] })

    await expect(consumer.poll()).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    await expect(consumer.commit([{ topic: 't', partition: 0, offset: 1 }])).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    await expect(consumer.heartbeat()).rejects.toMatchObject({ code: 'INVALID_REQUEST' })
    expect(() => testClient().consumer({ groupId: 'g', topics: ['t'], pattern: 't.*' })).toThrow(KafdoError)
    expect(() => testClient().consumer({ groupId: 'g', topics: ['t'], sessionTimeoutMs: 5_000, heartbeatIntervalMs: 5_000 })).toThrow(
      'heartbeatIntervalMs must be shorter than sessionTimeoutMs',
    )
    expect(() => testClient().consumer({ groupId: '', topics: ['t'] })).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }))
  })
})

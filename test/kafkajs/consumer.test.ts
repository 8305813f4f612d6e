/**
 * kafdo/kafkajs's consumer: kafkajs's checks and events, commits by its rules (after each batch, by
 * threshold, explicit with metadata), what a handler does not resolve fetched again, per-topic
 * `fromBeginning`, RegExp subscriptions, a Worker's time-boxed `run()`, crashes and restarts, and the
 * group described as kafkajs describes it.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createAdmin } from '../../src/api/admin'
import { createProducer } from '../../src/api/producer'
import {
  AssignerProtocol,
  Kafka,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  logLevel,
  PartitionAssigners,
  type EachBatchPayload,
} from '../../kafkajs/index.js'
import { overEnv, overHttp, unique, until } from './support'

async function topicWith(partitions: number, values: string[] = [], name = unique('c')): Promise<string> {
  await createAdmin(env).createTopic({ topic: name, partitions })
  if (values.length > 0) await createProducer(env).sendBatch(values.map((value, i) => ({ topic: name, value, partition: i % partitions })))
  return name
}

const committedOf = async (groupId: string) => (await createAdmin(env).describeGroup(groupId)).offsets.map((o) => [o.partition, o.offset, o.metadata])

describe('kafdo/kafkajs > consumer checks', () => {
  it("refuses kafkajs's bad arguments with kafkajs's messages", async () => {
    const kafka = overEnv()
    expect(() => kafka.consumer({ groupId: '' })).toThrow('Consumer groupId must be a non-empty string.')
    expect(() => kafka.consumer({ groupId: 'g', sessionTimeout: 3000, heartbeatInterval: 3000 })).toThrow(
      'Consumer heartbeatInterval (3000) must be lower than sessionTimeout (3000)',
    )
    const consumer = kafka.consumer({ groupId: unique('g') })
    await expect(consumer.subscribe({} as never)).rejects.toThrow('Missing required argument "topics"')
    await expect(consumer.subscribe({ topics: 'x' as never })).rejects.toThrow('Argument "topics" must be an array')
    await expect(consumer.subscribe({ topics: [42 as never] })).rejects.toThrow(
      'Invalid topic 42 (number), the topic name has to be a String or a RegExp',
    )
    for (const call of [
      () => consumer.seek({ topic: 't', partition: 0, offset: '1' }),
      () => consumer.pause([{ topic: 't' }]),
      () => consumer.resume([{ topic: 't' }]),
    ]) {
      expect(call).toThrow('Consumer group was not initialized, consumer#run must be called first')
    }
    await expect(consumer.commitOffsets([{ topic: 't', partition: 0, offset: '1' }])).rejects.toThrow('consumer#run must be called first')
    expect(() => consumer.seek({ topic: 't', partition: 0, offset: '-5' })).toThrow('Offset must not be a negative number')
    expect(consumer.paused()).toEqual([])
    expect(() => consumer.on('consumer.nope' as never, () => {})).toThrow(KafkaJSNonRetriableError)
  })

  it('refuses custom partition assigners, and asks the server for round robin with PartitionAssigners.roundRobin', async () => {
    const kafka = overEnv()
    const custom = () => ({ name: 'Mine', version: 1, assign: async () => [], protocol: () => ({ name: 'Mine', metadata: Buffer.alloc(0) }) })
    const error = (() => {
      try {
        kafka.consumer({ groupId: 'g', partitionAssigners: [custom as never, PartitionAssigners.roundRobin] })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(KafkaJSNotImplemented)
    expect((error as Error).message).toMatch(/^Custom partition assigners \(partitionAssigners\) are not supported/)
    const topic = await topicWith(2)
    const groupId = unique('rr')
    const consumer = kafka.consumer({ groupId, partitionAssigners: [PartitionAssigners.roundRobin] })
    await consumer.subscribe({ topic })
    await consumer.run({ eachMessage: async () => {} })
    expect((await createAdmin(env).describeGroup(groupId)).protocol).toBe('roundrobin')
  })
})

describe('kafdo/kafkajs > consuming', () => {
  it('starts each topic where its own fromBeginning says, and subscribes RegExps to the topics that exist', async () => {
    const prefix = unique('re')
    const old = await topicWith(1, ['old-1'], `${prefix}.old`)
    const fresh = await topicWith(1, ['fresh-1'], `${prefix}.FRESH`)
    const consumer = overEnv().consumer({ groupId: unique('g') })
    await consumer.subscribe({ topics: [new RegExp(`^${prefix}\\.o`)], fromBeginning: true })
    await consumer.subscribe({ topic: new RegExp(`^${prefix}\\.fresh$`, 'i'), fromBeginning: false })
    await topicWith(1, ['later-1'], `${prefix}.other`)
    const seen: string[] = []
    await consumer.run({ eachMessage: async ({ topic, message }) => void seen.push(`${topic}:${message.value}`) })
    expect(seen).toEqual([`${old}:old-1`])
    expect(fresh).toBeTruthy()
  })

  it("commits resolved offsets by autoCommitThreshold mid-batch, and explicit commits with kafkajs's metadata", async () => {
    const topic = await topicWith(1, ['a', 'b', 'c', 'd', 'e'])
    const groupId = unique('g')
    const consumer = overEnv().consumer({ groupId })
    const commits: string[] = []
    consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) =>
      commits.push(payload.topics.map((t) => t.partitions.map((p) => p.offset).join()).join()),
    )
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ autoCommitThreshold: 2, eachMessage: async () => {} })
    // After messages 2 and 4 (the threshold), then after the batch.
    expect(commits).toEqual(['2', '4', '5'])

    const manualGroup = unique('m')
    const manual = overHttp().consumer({ groupId: manualGroup })
    await manual.subscribe({ topic, fromBeginning: true })
    // Over HTTP, run() resolves once the consumer has joined, and consumes in the background.
    await manual.run({ autoCommit: false, eachMessage: async () => {} })
    await manual.commitOffsets([{ topic, partition: 0, offset: '3', metadata: 'event-id-3' }])
    await manual.disconnect()
    const [fetched] = await new Kafka({ kafdo: { env }, logLevel: logLevel.NOTHING }).admin().fetchOffsets({ groupId: manualGroup, topics: [topic] })
    expect(fetched!.partitions).toEqual([{ partition: 0, offset: '3', metadata: 'event-id-3' }])
  })

  it('fetches again what eachBatch did not resolve, and nothing it did', async () => {
    const topic = await topicWith(1, ['a', 'b', 'c', 'd'])
    const groupId = unique('g')
    const consumer = overEnv().consumer({ groupId })
    await consumer.subscribe({ topic, fromBeginning: true })
    const batches: string[][] = []
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }: EachBatchPayload) => {
        batches.push(batch.messages.map((m) => String(m.value)))
        // The first time, only the first two are processed.
        for (const message of batches.length === 1 ? batch.messages.slice(0, 2) : batch.messages) resolveOffset(message.offset)
      },
    })
    expect(batches).toEqual([
      ['a', 'b', 'c', 'd'],
      ['c', 'd'],
    ])
    expect(await committedOf(groupId)).toEqual([[0, 4, null]])
  })

  it("seeks to kafkajs's special offsets, and pauses and resumes by topic", async () => {
    const topic = await topicWith(2, ['a0', 'a1', 'b0', 'b1'])
    const consumer = overHttp().consumer({ groupId: unique('g'), maxWaitTimeInMs: 50 })
    await consumer.subscribe({ topic })
    const seen: string[] = []
    consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) })
    consumer.seek({ topic, partition: 0, offset: '-2' })
    consumer.pause([{ topic }])
    expect(consumer.paused()).toEqual([])
    await until(() => consumer.paused().length === 1, 'the assignment')
    expect(consumer.paused()).toEqual([{ topic, partitions: [0, 1] }])
    consumer.resume([{ topic, partitions: [0] }])
    await until(() => seen.length === 2, 'partition 0 from its start')
    expect(consumer.paused()).toEqual([{ topic, partitions: [1] }])
    await consumer.disconnect()
    expect(seen).toEqual(['a0', 'b0'])
  })

  it('inside a Worker, run() consumes within its budget, commits and leaves; the next run continues where it stopped', async () => {
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`)
    const topic = await topicWith(1, values)
    const groupId = unique('budget')
    const kafka = new Kafka({ clientId: 'w', logLevel: logLevel.NOTHING, kafdo: { env, runBudgetMs: 30 } })
    const seen: string[] = []
    for (let run = 0; run < 40 && seen.length < values.length; run++) {
      const consumer = kafka.consumer({ groupId })
      await consumer.subscribe({ topic, fromBeginning: true })
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(String(message.value))
          await new Promise((resolve) => setTimeout(resolve, 5))
        },
      })
      const group = await createAdmin(env).describeGroup(groupId)
      expect(group.members).toEqual([])
    }
    expect(seen).toEqual(values)
  })

  it('describes its group as kafkajs does, with assignments AssignerProtocol decodes', async () => {
    const topic = await topicWith(3)
    const groupId = unique('d')
    const consumer = overHttp().consumer({ groupId })
    await consumer.subscribe({ topic })
    await consumer.run({ eachMessage: async () => {} })
    const description = await consumer.describeGroup()
    await consumer.disconnect()
    expect(description).toMatchObject({ groupId, protocol: 'sticky', protocolType: 'consumer', state: 'Stable' })
    expect(description.members).toHaveLength(1)
    const member = description.members[0]!
    expect(member.clientId).toBe('test')
    expect(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment).toEqual({ [topic]: [0, 1, 2] })
    expect(AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics).toEqual([topic])
  })

  it("emits kafkajs's events with their payloads: connect, group join, fetch, batches, commits, heartbeats, stop, disconnect", async () => {
    const topic = await topicWith(1, ['a', 'b'])
    const groupId = unique('ev')
    const consumer = overHttp().consumer({ groupId, heartbeatInterval: 50 })
    const events: Array<{ type: string; payload: unknown }> = []
    for (const name of Object.values(consumer.events)) consumer.on(name, (event) => void events.push({ type: event.type, payload: event.payload }))
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async () => {} })
    await until(
      () => events.some((e) => e.type === 'consumer.heartbeat') && events.some((e) => e.type === 'consumer.commit_offsets'),
      'a heartbeat and a commit',
    )
    await consumer.disconnect()
    const first = (type: string) => events.find((e) => e.type === type)?.payload
    expect(first('consumer.group_join')).toEqual({
      duration: expect.any(Number),
      groupId,
      isLeader: false,
      leaderId: '',
      groupProtocol: 'sticky',
      memberId: expect.any(String),
      memberAssignment: { [topic]: [0] },
    })
    expect(first('consumer.fetch')).toEqual({ numberOfBatches: 1, duration: expect.any(Number), nodeId: 0 })
    expect(first('consumer.end_batch_process')).toEqual({
      topic,
      partition: 0,
      highWatermark: '2',
      offsetLag: '0',
      offsetLagLow: '1',
      batchSize: 2,
      firstOffset: '0',
      lastOffset: '1',
      duration: expect.any(Number),
    })
    expect(first('consumer.commit_offsets')).toEqual({
      groupId,
      memberId: expect.any(String),
      groupGenerationId: expect.any(Number),
      topics: [{ topic, partitions: [{ partition: 0, offset: '2' }] }],
    })
    expect(first('consumer.heartbeat')).toEqual({ groupId, memberId: expect.any(String), groupGenerationId: expect.any(Number) })
    const order = events
      .map((e) => e.type)
      .filter((t) => ['consumer.connect', 'consumer.group_join', 'consumer.stop', 'consumer.disconnect'].includes(t))
    expect(order).toEqual(['consumer.connect', 'consumer.group_join', 'consumer.stop', 'consumer.disconnect'])
  })

  it("emits REBALANCING with kafkajs's payload when a second member joins and a partition is revoked", async () => {
    const topic = await topicWith(2)
    const groupId = unique('rebalance')
    const first = overHttp().consumer({ groupId, heartbeatInterval: 50 })
    const events: Array<{ type: string; payload: Record<string, unknown> }> = []
    for (const name of [first.events.GROUP_JOIN, first.events.REBALANCING]) {
      first.on(name, (event) => void events.push({ type: event.type, payload: event.payload as Record<string, unknown> }))
    }
    await first.connect()
    await first.subscribe({ topic })
    await first.run({ eachMessage: async () => {} })
    await until(() => events.some((e) => e.type === 'consumer.group_join'), 'the first member to join')
    const joined = events.find((e) => e.type === 'consumer.group_join')!.payload
    expect(joined.memberAssignment).toEqual({ [topic]: [0, 1] })
    expect(events.some((e) => e.type === 'consumer.rebalancing')).toBe(false)

    const second = overHttp().consumer({ groupId, heartbeatInterval: 50 })
    await second.connect()
    await second.subscribe({ topic })
    await second.run({ eachMessage: async () => {} })
    await until(() => events.some((e) => e.type === 'consumer.rebalancing'), 'the first member to give up a partition')
    // kafkajs's payload: the group and this member, nothing else.
    expect(events.find((e) => e.type === 'consumer.rebalancing')!.payload).toEqual({ groupId, memberId: joined.memberId })
    const owners = async () =>
      (await createAdmin(env).describeGroup(groupId)).members.map((m) => m.assignment.flatMap((a) => a.partitions).length).sort()
    await until(async () => JSON.stringify(await owners()) === '[1,1]', 'each member to own one partition')
    await second.disconnect()
    await first.disconnect()
  })

  it('retries a failing handler, then crashes; restartOnFailure decides whether it starts again', async () => {
    const topic = await topicWith(1, ['poison'])
    const groupId = unique('crash')
    let restarts = 0
    const consumer = new Kafka({ clientId: 'c', logLevel: logLevel.NOTHING, kafdo: { env, runBudgetMs: Infinity } }).consumer({
      groupId,
      retry: { retries: 2, initialRetryTime: 1, maxRetryTime: 2, restartOnFailure: async () => restarts++ < 1 },
    })
    const crashes: Array<{ error: Error; restart: boolean }> = []
    consumer.on(consumer.events.CRASH, ({ payload }) => void crashes.push(payload))
    let attempts = 0
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({
      eachMessage: async () => {
        attempts++
        throw new Error('cannot handle it')
      },
    })
    await until(() => crashes.length === 2, 'two crashes')
    await consumer.disconnect()
    // Three attempts per run (the first and two retries), two runs: restarted once, then not.
    expect(attempts).toBe(6)
    expect(crashes.map((c) => [c.error.name, c.restart])).toEqual([
      ['KafkaJSNumberOfRetriesExceeded', true],
      ['KafkaJSNumberOfRetriesExceeded', false],
    ])
    expect((crashes[0]!.error.cause as Error).message).toBe('cannot handle it')
    expect(await committedOf(groupId)).toEqual([])
  })
})

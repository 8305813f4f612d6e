/**
 * kafdo/kafkajs's admin: kafkajs's answers and errors for topic, config, offset and group administration,
 * Kafka's non-incremental AlterConfigs, validateOnly changing nothing, and the features Kafdo has no
 * equivalent for (ACLs, partition reassignment, broker configs) refused by name.
 */
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createAdmin } from '../../src/api/admin'
import { createProducer } from '../../src/api/producer'
import { joinGroup, leaveGroup } from '../../src/services/groups'
import {
  ConfigResourceTypes,
  KafkaJSAggregateError,
  KafkaJSDeleteGroupsError,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  type Admin,
} from '../../kafkajs/index.js'
import { overEnv, overHttp, unique } from './support'

const kafdoAdmin = () => createAdmin(env)

for (const [transport, make] of [
  ['HTTP', overHttp],
  ['the bindings', overEnv],
] as const) {
  describe(`kafdo/kafkajs > admin over ${transport}`, () => {
    const admin = (): Admin => make().admin()

    it('validates a topic without creating it, and refuses bad ones as kafkajs does', async () => {
      const topic = unique('v')
      expect(await admin().createTopics({ validateOnly: true, topics: [{ topic, numPartitions: 2 }] })).toBe(true)
      expect(await admin().listTopics()).not.toContain(topic)
      const error = await admin()
        .createTopics({ validateOnly: true, topics: [{ topic, configEntries: [{ name: 'cleanup.policy', value: 'sometimes' }] }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KafkaJSAggregateError)
      expect((error as KafkaJSAggregateError).errors).toEqual([
        expect.objectContaining({ name: 'KafkaJSCreateTopicError', type: 'INVALID_CONFIG', topic }),
      ])
      await expect(admin().createTopics({ topics: [{ topic }, { topic }] })).rejects.toThrow('it cannot have multiple entries for the same topic')
      await expect(admin().createTopics({ topics: [{ topic, configEntries: [{ name: 'x' } as never] }] })).rejects.toThrow(
        `Invalid configEntries for topic "${topic}". Entry 0 must have a valid "value" property`,
      )
    })

    it('grows partitions, validating first when asked, and refuses a smaller count', async () => {
      const topic = unique('p')
      await kafdoAdmin().createTopic({ topic, partitions: 2 })
      expect(await admin().createPartitions({ validateOnly: true, topicPartitions: [{ topic, count: 5 }] })).toBe(true)
      expect((await kafdoAdmin().describeTopic(topic)).partitions).toHaveLength(2)
      await admin().createPartitions({ topicPartitions: [{ topic, count: 5 }] })
      expect((await kafdoAdmin().describeTopic(topic)).partitions).toHaveLength(5)
      await expect(admin().createPartitions({ topicPartitions: [{ topic, count: 3 }] })).rejects.toMatchObject({ type: 'INVALID_PARTITIONS' })
    })

    it("alters configs as Kafka's AlterConfigs does: keys not given go back to their defaults; validateOnly changes nothing", async () => {
      const topic = unique('cfg')
      await kafdoAdmin().createTopic({ topic, config: { 'cleanup.policy': 'compact', 'retention.ms': '1000' } })
      const resources = (entries: Array<{ name: string; value: string }>) => [
        { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: entries },
      ]
      await admin().alterConfigs({ validateOnly: true, resources: resources([{ name: 'retention.ms', value: '2000' }]) })
      expect((await kafdoAdmin().describeTopic(topic)).config).toMatchObject({ 'cleanup.policy': 'compact', 'retention.ms': '1000' })
      await admin().alterConfigs({ validateOnly: false, resources: resources([{ name: 'retention.ms', value: '2000' }]) })
      expect((await kafdoAdmin().describeTopic(topic)).config).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': '2000' })
      const described = await admin().describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] })
      expect(described.resources[0]!.configEntries.find((e) => e.configName === 'cleanup.policy')).toEqual({
        configName: 'cleanup.policy',
        configValue: 'delete',
        isDefault: true,
        configSource: 5,
        isSensitive: false,
        readOnly: false,
        configSynonyms: [],
      })
      await expect(
        admin().alterConfigs({ validateOnly: false, resources: resources([{ name: 'retention.ms', value: 'soon' }]) }),
      ).rejects.toMatchObject({
        type: 'INVALID_CONFIG',
      })
    })

    it('refuses broker configs, ACLs and partition reassignment, naming them', async () => {
      const a = admin()
      const refusals = [
        [() => a.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0' }] }), 'broker-level configs'],
        [
          () => a.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configEntries: [] }] }),
          'broker-level configs',
        ],
        [() => a.createAcls({ acl: [] }), 'ACLs (createAcls)'],
        [() => a.describeAcls({} as never), 'ACLs (describeAcls)'],
        [() => a.deleteAcls({ filters: [] }), 'ACLs (deleteAcls)'],
        [() => a.alterPartitionReassignments({ topics: [] }), 'Partition reassignment'],
        [() => a.listPartitionReassignments({}), 'Partition reassignment'],
      ] as const
      for (const [call, named] of refusals) {
        const error = await call().catch((e: unknown) => e)
        expect(error, named).toBeInstanceOf(KafkaJSNotImplemented)
        expect((error as Error).message, named).toContain(named)
      }
    })

    it("reads, sets and resets a group's offsets as kafkajs does, refusing while the group has members", async () => {
      const topic = unique('off')
      const groupId = unique('g')
      await kafdoAdmin().createTopic({ topic, partitions: 2 })
      await createProducer(env).sendBatch(['a', 'b', 'c'].map((value) => ({ topic, value, partition: 0 })))
      expect(await admin().fetchOffsets({ groupId, topics: [topic] })).toEqual([
        {
          topic,
          partitions: [
            { partition: 0, offset: '-1', metadata: null },
            { partition: 1, offset: '-1', metadata: null },
          ],
        },
      ])
      await admin().setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] })
      expect(await admin().fetchOffsets({ groupId })).toEqual([
        {
          topic,
          partitions: [
            { partition: 0, offset: '1', metadata: null },
            { partition: 1, offset: '-1', metadata: null },
          ],
        },
      ])
      const resolved = await admin().fetchOffsets({ groupId, topics: [topic], resolveOffsets: true })
      expect(resolved[0]!.partitions.map((p) => p.offset)).toEqual(['1', '0'])
      await admin().resetOffsets({ groupId, topic, earliest: false })
      expect((await admin().fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => p.offset)).toEqual(['3', '0'])

      // A member of the group (joined over the plain API): Kafdo refuses to move the offsets of a live group.
      const member = await joinGroup(env, 'default', groupId, {
        clientId: 'x',
        topics: [topic],
        sessionTimeoutMs: 60_000,
        rebalanceTimeoutMs: 60_000,
        strategy: 'sticky',
      })
      const error = await admin()
        .resetOffsets({ groupId, topic, earliest: true })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KafkaJSNonRetriableError)
      expect((error as Error).message).toBe('The consumer group must have no running instances, current state: Stable')
      await leaveGroup(env, 'default', groupId, { memberId: member.memberId, memberEpoch: member.memberEpoch })
    })

    it("lists, describes and deletes groups, failures in kafkajs's KafkaJSDeleteGroupsError", async () => {
      const groupId = unique('del')
      const topic = unique('t')
      await kafdoAdmin().createTopic({ topic })
      await kafdoAdmin().resetOffsets(groupId, { topic, to: 'earliest' })
      expect((await admin().listGroups()).groups).toContainEqual({ groupId, protocolType: 'consumer' })
      expect((await admin().describeGroups([groupId])).groups).toEqual([
        { errorCode: 0, groupId, members: [], protocol: '', protocolType: 'consumer', state: 'Empty' },
      ])
      expect(await admin().deleteGroups([groupId])).toEqual([{ groupId, errorCode: 0 }])
      const missing = unique('missing')
      const error = await admin()
        .deleteGroups([missing])
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KafkaJSDeleteGroupsError)
      expect((error as KafkaJSDeleteGroupsError).groups).toEqual([
        { groupId: missing, errorCode: 69, error: expect.objectContaining({ type: 'GROUP_ID_NOT_FOUND' }) },
      ])
    })

    it("deletes records up to an offset, '-1' deleting everything; an offset past the end fails in KafkaJSDeleteTopicRecordsError", async () => {
      const topic = unique('dr')
      await kafdoAdmin().createTopic({ topic, partitions: 2 })
      await createProducer(env).sendBatch([0, 0, 0, 1, 1].map((partition, i) => ({ topic, value: i, partition })))
      await admin().deleteTopicRecords({
        topic,
        partitions: [
          { partition: 0, offset: '2' },
          { partition: 1, offset: '-1' },
        ],
      })
      expect((await admin().fetchTopicOffsets(topic)).map(({ low, high }) => [low, high])).toEqual([
        ['2', '3'],
        ['2', '2'],
      ])
      const error = await admin()
        .deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '9' }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KafkaJSDeleteTopicRecordsError)
      expect((error as KafkaJSDeleteTopicRecordsError).partitions).toEqual([
        { partition: 0, offset: '9', error: expect.objectContaining({ name: 'KafkaJSOffsetOutOfRange', type: 'OFFSET_OUT_OF_RANGE' }) },
      ])
      expect((await admin().fetchTopicOffsets(topic))[0]!.low).toBe('2')
      await expect(admin().deleteTopicRecords({ topic, partitions: [] })).rejects.toThrow('Invalid partitions')
    })

    it('describes the cluster as one broker, and fails metadata for a topic that does not exist', async () => {
      const cluster = await admin().describeCluster()
      expect(cluster).toMatchObject({
        controller: 0,
        clusterId: 'kafdo',
        brokers: [{ nodeId: 0, host: expect.any(String), port: expect.any(Number) }],
      })
      await expect(admin().fetchTopicMetadata({ topics: [unique('none')] })).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' })
    })
  })
}

/**
 * The transport inside a Worker, over its Durable Object bindings: the in-Worker API (`src/api/`: the
 * admin, the consumer's group port) and the produce and read services under it, in tenant `default`, as
 * `createProducer`/`createConsumer`/`createAdmin` act. Loaded only when `kafdo.env` is given.
 */
import { Admin } from '../src/api/admin.js'
import { workerGroupPort } from '../src/api/consumer.js'
import { DEFAULT_TENANT } from '../src/core/object-names.js'
import type { KafdoBindings } from '../src/env.js'
import { produceBatchRequestSchema } from '../src/protocol/records.js'
import { check } from '../src/protocol/validation.js'
import { produce } from '../src/services/produce.js'
import { fetchRecords } from '../src/services/read.js'
import { findTopic } from '../src/services/topic-cache.js'
import * as topics from '../src/services/topics.js'
import type { Transport } from './transport.js'

export function envTransport(env: KafdoBindings): Transport {
  const tenant = DEFAULT_TENANT
  const admin = new Admin(env, {}, tenant)
  return {
    broker: 'worker',
    ping: async () => {},
    topic: async (name) => {
      const found = await findTopic(env, tenant, name)
      return found && { partitions: found.partitions, logAppendTime: found.config['message.timestamp.type'] === 'LogAppendTime' }
    },
    produce: (topic, records, idempotence) => {
      // The checks the HTTP edge makes, so that a record is refused the same way over both transports.
      const request = check(produceBatchRequestSchema, { records, ...idempotence })
      return produce(env, tenant, topic, request.records, idempotence)
    },
    groupPort: (groupId) => workerGroupPort(env, tenant, groupId),
    listTopics: () => topics.listTopics(env, tenant),
    describeTopic: (topic) => admin.describeTopic(topic),
    createTopic: (request, dryRun) => admin.createTopic(request, { dryRun }),
    deleteTopic: (topic) => admin.deleteTopic(topic),
    createPartitions: (topic, count, dryRun) => admin.createPartitions(topic, count, { dryRun }),
    alterTopicConfig: (topic, change, dryRun) => admin.alterTopicConfig(topic, change, { dryRun }),
    offsetForTimestamp: async (topic, partition, timestamp) => {
      const read = await fetchRecords(env, tenant, topic, partition, { timestamp, limit: 1, maxBytes: 1 })
      return read.messages[0]?.offset ?? read.highWatermark
    },
    deleteRecords: (topic, partitions) => admin.deleteRecords(topic, partitions),
    listGroups: () => admin.listGroups(),
    describeGroup: (groupId) => admin.describeGroup(groupId),
    deleteGroup: (groupId) => admin.deleteGroup(groupId),
    resetOffsets: (groupId, request) => admin.resetOffsets(groupId, request),
  }
}

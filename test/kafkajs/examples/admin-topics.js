/**
 * kafkajs's admin topic management (tulios/kafkajs docs/Admin.md): list, create (with configEntries and
 * validateOnly), partitions, metadata, offsets, configs, record deletion and topic deletion, as written
 * there but for the import and the constructor (and topic names the caller chooses, as placeholders in
 * the docs). It returns what each call answered.
 */
import { ConfigResourceTypes, Kafka } from 'kafdo/kafkajs'

export default async function adminTopics(kafdo, topic, timestamp) {
  const kafka = new Kafka({ clientId: 'my-app', kafdo })
  const admin = kafka.admin()

  // remember to connect and disconnect when you are done
  await admin.connect()

  const validated = await admin.createTopics({
    validateOnly: true,
    topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
  })
  const listedBefore = await admin.listTopics()
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
  })
  const createdAgain = await admin.createTopics({ topics: [{ topic }] })
  const listed = await admin.listTopics()

  await admin.createPartitions({
    topicPartitions: [{ topic, count: 4 }],
  })
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] })

  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: [0, 1, 2, 3, 4].map((i) => ({ key: `key-${i}`, value: `value-${i}`, partition: 0 })) })
  await producer.disconnect()

  const offsets = await admin.fetchTopicOffsets(topic)
  const offsetsByTimestamp = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp)

  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configNames: ['cleanup.policy'],
      },
    ],
  })
  const altered = await admin.alterConfigs({
    resources: [
      {
        type: ConfigResourceTypes.TOPIC,
        name: topic,
        configEntries: [{ name: 'cleanup.policy', value: 'delete' }],
      },
    ],
  })

  await admin.deleteTopicRecords({
    topic,
    partitions: [
      { partition: 0, offset: '3' }, // delete up to and including offset 2
      { partition: 1, offset: '-1' }, // delete all available records on this partition
    ],
  })
  const offsetsAfterDeletion = await admin.fetchTopicOffsets(topic)

  await admin.deleteTopics({
    topics: [topic],
  })
  const listedAfter = await admin.listTopics()

  await admin.disconnect()
  return {
    validated,
    listedBefore,
    created,
    createdAgain,
    listed,
    metadata,
    offsets,
    offsetsByTimestamp,
    configs,
    altered,
    offsetsAfterDeletion,
    listedAfter,
  }
}

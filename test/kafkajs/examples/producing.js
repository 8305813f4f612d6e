/**
 * kafkajs's "Producing Messages" (tulios/kafkajs docs/Producing.md): keyed messages, messages with a
 * defined partition, headers, and `sendBatch` to several topics, as written there but for the import and
 * the constructor. It expects `topic-name` (two partitions or more), `topic-a`, `topic-b` and `topic-c`
 * to exist, and returns what each send answered.
 */
import { CompressionTypes, Kafka } from 'kafdo/kafkajs'

export default async function producing(kafdo) {
  const kafka = new Kafka({ clientId: 'my-app', kafdo })

  const producer = kafka.producer()

  await producer.connect()
  const keyed = await producer.send({
    topic: 'topic-name',
    messages: [
      { key: 'key1', value: 'hello world' },
      { key: 'key2', value: 'hey hey!' },
    ],
  })

  const partitioned = await producer.send({
    topic: 'topic-name',
    messages: [
      { key: 'key1', value: 'hello world', partition: 0 },
      { key: 'key2', value: 'hey hey!', partition: 1 },
    ],
  })

  const withHeaders = await producer.send({
    topic: 'topic-name',
    messages: [
      {
        key: 'key1',
        value: 'hello world',
        headers: {
          'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67',
          'system-id': 'my-system',
        },
      },
    ],
  })

  const topicMessages = [
    {
      topic: 'topic-a',
      messages: [{ key: 'key', value: 'hello topic-a' }],
    },
    {
      topic: 'topic-b',
      messages: [{ key: 'key', value: 'hello topic-b' }],
    },
    {
      topic: 'topic-c',
      messages: [
        {
          key: 'key',
          value: 'hello topic-c',
          headers: {
            'correlation-id': '2bfb68bb-893a-423b-a7fa-7b568cad5b67',
          },
        },
      ],
    },
  ]
  const batch = await producer.sendBatch({ topicMessages })

  const compressed = await producer.send({
    topic: 'topic-name',
    compression: CompressionTypes.GZIP,
    messages: [
      { key: 'key1', value: 'hello world' },
      { key: 'key2', value: 'hey hey!' },
    ],
  })

  await producer.disconnect()
  return { keyed, partitioned, withHeaders, batch, compressed }
}
